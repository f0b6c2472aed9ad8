"""The single sign-on button of the admin's sign-in page: shown only when SSO is configured."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from accounts.oidc import config

register = template.Library()


@register.simple_tag
def oidc_sign_in(next_url: str = "") -> dict | None:
    """The link and label of the SSO button, or None when single sign-on is off."""
    if not config.enabled():
        return None
    url = reverse("accounts:oidc_start")
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return {"url": url, "label": f"Sign in with {settings.OIDC_PROVIDER_NAME}"}
