"""A single sign-on session lives no longer than the provider allows.

When the tokens of the sign-in expire, the refresh token is redeemed at the provider; a provider
that refuses (the person was disabled there, or signed out there) ends the Tenderleaf session. A
session whose ID token said the provider performed MFA counts as having passed Tenderleaf's
second step (accounts.middleware.StaffMFARequiredMiddleware asks ``user.is_verified()``).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import security
from accounts.oidc import config, services
from accounts.oidc.config import OIDCRefused
from accounts.oidc.views import SESSION_OIDC


class ProviderSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        data = request.session.get(SESSION_OIDC)
        if data is not None and SESSION_KEY in request.session:
            if data.get("expires_at", 0) <= time.time():
                ended = self._renew(request, data)
                if ended is not None:
                    return ended
            if data.get("mfa") and request.user.is_authenticated:
                request.user.is_verified = _verified
        return self.get_response(request)

    def _renew(self, request, data):
        """Redeem the refresh token; None when the session may go on, else the response that
        ends it."""
        reason = "no_refresh_token"
        if data.get("refresh_token") and config.enabled():
            try:
                renewed = session_renew(data)
            except OIDCRefused as exc:
                reason = exc.reason
            else:
                request.session[SESSION_OIDC] = renewed
                security.security_event(
                    services.SSO_SESSION_RENEWED, request=request, level=logging.INFO
                )
                return None
        user = request.user if request.user.is_authenticated else None
        logout(request)
        security.security_event(
            services.SSO_SESSION_ENDED,
            request=request,
            user=user,
            level=logging.INFO,
            reason=reason,
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Your sign-in at the identity provider has ended; sign in again."},
                status=401,
            )
        messages.info(
            request, "Your sign-in at the identity provider has ended. Please sign in again."
        )
        return redirect(f"{reverse('admin:login')}?next={request.path}")


def _verified() -> bool:
    return True


def session_renew(data: dict) -> dict:
    """New session data from the provider's refresh-token grant (OpenID Connect Core 1.0,
    section 12); raises OIDCRefused when the provider refuses or the new ID token does not
    check out (another subject, bad signature, ...)."""
    from accounts.oidc.backend import OIDCBackend, _unverified

    backend = OIDCBackend().connect()
    try:
        tokens = backend.get_token(
            {
                "grant_type": "refresh_token",
                "refresh_token": data["refresh_token"],
                "client_id": settings.OIDC_CLIENT_ID,
                "client_secret": settings.OIDC_CLIENT_SECRET,
            }
        )
    except OIDCRefused as exc:
        reason = "refresh_refused" if exc.reason == "token_exchange" else exc.reason
        raise OIDCRefused(reason, exc.message, **exc.details) from exc
    renewed = dict(data)
    expires_at = time.time() + float(tokens.get("expires_in") or 0)
    id_token = tokens.get("id_token")
    if id_token:
        claims = backend.verify_token(id_token, nonce=_unverified(id_token).get("nonce"))
        if claims["sub"] != data["sub"]:
            raise OIDCRefused("subject", "The renewed sign-in is for another person.")
        renewed["id_token"] = id_token
        expires_at = min(expires_at, claims["exp"]) if tokens.get("expires_in") else claims["exp"]
    renewed["expires_at"] = expires_at
    renewed["refresh_token"] = tokens.get("refresh_token") or data["refresh_token"]
    return renewed
