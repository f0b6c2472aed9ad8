"""Where single sign-on reads its configuration: Tenderleaf's ``OIDC_*`` settings (from the
environment, config/settings/base.py) and the provider's discovery document.

mozilla-django-oidc reads its own setting names (``OIDC_RP_CLIENT_ID``, ``OIDC_OP_TOKEN_ENDPOINT``,
...); :func:`rp_setting` answers them from ours, so an operator sets only the issuer and the client
and the endpoints follow the provider (OpenID Connect Discovery 1.0, section 4).
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from mozilla_django_oidc.utils import import_from_settings

DISCOVERY_PATH = "/.well-known/openid-configuration"


class OIDCRefused(Exception):
    """A sign-in refused for a reason the person (and the security log) is told.

    ``reason`` is a short code for the security event; ``message`` is shown on the page.
    """

    def __init__(self, reason: str, message: str, **details):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.details = details


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def issuer() -> str:
    return settings.OIDC_ISSUER


def discovery(*, refresh: bool = False) -> dict:
    """The provider's discovery document, cached for ``OIDC_DISCOVERY_CACHE_SECONDS``.

    Its ``issuer`` must equal the configured one exactly (Discovery 1.0, section 4.3): a document
    naming another issuer is refused, never used.
    """
    key = f"oidc-discovery:{settings.OIDC_ISSUER}"
    document = None if refresh else cache.get(key)
    if document is None:
        url = settings.OIDC_ISSUER + DISCOVERY_PATH
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise OIDCRefused(
                "provider_unreachable",
                f"Tenderleaf could not read the sign-in provider's configuration at {url} "
                f"({exc.__class__.__name__}). Try again in a moment; if it persists, tell your "
                "Tenderleaf administrator.",
                url=url,
            ) from exc
        if document.get("issuer") != settings.OIDC_ISSUER:
            raise OIDCRefused(
                "issuer",
                f"The provider at {url} calls itself {document.get('issuer')!r}, not the "
                f"configured issuer {settings.OIDC_ISSUER!r}; sign-in is refused.",
                discovered=document.get("issuer"),
            )
        cache.set(key, document, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return document


def endpoint(name: str) -> str | None:
    return discovery().get(name)


_FROM_DISCOVERY = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def rp_setting(attr: str, *default):
    """A mozilla-django-oidc setting, answered from Tenderleaf's settings and discovery."""
    if attr in _FROM_DISCOVERY:
        return endpoint(_FROM_DISCOVERY[attr])
    fixed = {
        "OIDC_RP_CLIENT_ID": settings.OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.OIDC_CLIENT_SECRET,
        "OIDC_RP_SIGN_ALGO": settings.OIDC_SIGN_ALGO,
        "OIDC_RP_SCOPES": settings.OIDC_SCOPES,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_USE_NONCE": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc_callback",
        "OIDC_TIMEOUT": settings.OIDC_TIMEOUT_SECONDS,
        "OIDC_VERIFY_SSL": True,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_ALLOW_UNSECURED_JWT": False,
    }
    if attr in fixed:
        return fixed[attr]
    return import_from_settings(attr, *default)


def callback_url(request) -> str:
    return request.build_absolute_uri(reverse("accounts:oidc_callback"))
