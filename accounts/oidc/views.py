"""The pages of single sign-on: start at the provider, come back (callback), sign out at the
provider, and the refusal page that says why a sign-in was refused."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, auth, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts import security
from accounts.oidc import config, services
from accounts.oidc.config import OIDCRefused

# What a signed-in SSO session keeps: the tokens for renewal and logout, and whether the
# provider performed MFA (accounts.oidc.middleware).
SESSION_OIDC = "_tl_oidc"
SESSION_NEXT = "oidc_login_next"
SESSION_STATES = "oidc_states"


def refusal(request, exc: OIDCRefused, *, status: int = 403):
    """The page that tells the person why, and the security event that tells the operators."""
    security.security_event(services.SSO_REFUSED, request=request, reason=exc.reason, **exc.details)
    return TemplateResponse(
        request,
        "accounts/oidc_refused.html",
        {
            "reason": exc.reason,
            "message": exc.message,
            "provider_name": settings.OIDC_PROVIDER_NAME,
            "site_header": "Tenderleaf",
            "title": "Sign-in refused",
        },
        status=status,
    )


@method_decorator(never_cache, name="dispatch")
class StartView(OIDCAuthenticationRequestView):
    """Send the browser to the provider's authorization endpoint with a fresh state, nonce and
    PKCE challenge (mozilla-django-oidc keeps them in the session, keyed by state)."""

    get_settings = staticmethod(config.rp_setting)

    def __init__(self, *args, **kwargs):
        # The parent reads the endpoints in its __init__; here they are read in get(), after the
        # on/off check, so a request to a Tenderleaf without SSO never contacts anyone.
        View.__init__(self, *args, **kwargs)

    def get(self, request):
        if not config.enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except OIDCRefused as exc:
            return refusal(request, exc, status=502)
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


@method_decorator(never_cache, name="dispatch")
class CallbackView(View):
    """Where the provider sends the browser back: check the state, exchange the code (with the
    PKCE verifier), verify the ID token (accounts.oidc.backend), sign the user in."""

    http_method_names = ["get"]

    def get(self, request):
        if not config.enabled():
            raise Http404("Single sign-on is not configured.")
        states = request.session.get(SESSION_STATES) or {}
        state = request.GET.get("state", "")
        # A state is used once, whatever the outcome: a second arrival with it is refused.
        flow = states.pop(state, None) if state else None
        request.session[SESSION_STATES] = states
        if request.GET.get("error"):
            error = request.GET["error"]
            description = request.GET.get("error_description")
            return refusal(
                request,
                OIDCRefused(
                    "provider_error",
                    f"The sign-in provider did not sign you in "
                    f"({error}{': ' + description if description else ''}).",
                    error=error,
                ),
            )
        if flow is None:
            return refusal(
                request,
                OIDCRefused(
                    "state",
                    "This sign-in answer does not belong to a sign-in started in this browser "
                    "(its state is unknown or was already used), so it is refused. Start again "
                    "from the sign-in page.",
                ),
            )
        if not request.GET.get("code"):
            return refusal(
                request, OIDCRefused("malformed", "The provider's answer has no code to redeem.")
            )
        try:
            user = auth.authenticate(
                request=request,
                oidc_nonce=flow["nonce"],
                oidc_code_verifier=flow.get("code_verifier"),
            )
        except OIDCRefused as exc:
            return refusal(request, exc)
        if user is None:
            # Only django-axes answers None here: this address is locked out.
            return refusal(
                request,
                OIDCRefused(
                    "locked_out",
                    "Too many failed sign-ins from this address; wait a while and try again.",
                ),
            )
        sign_in = user.oidc_sign_in
        next_url = request.session.pop(SESSION_NEXT, None) or reverse("admin:index")
        auth.login(request, user)
        request.session[SESSION_OIDC] = {
            "sub": sign_in.claims["sub"],
            "id_token": sign_in.id_token,
            "refresh_token": sign_in.refresh_token,
            "expires_at": sign_in.expires_at,
            "mfa": sign_in.mfa,
        }
        security.security_event(
            services.SSO_SIGNED_IN,
            request=request,
            user=user,
            level=logging.INFO,
            subject=sign_in.claims["sub"],
            roles=list(sign_in.role_change.after),
            provider_mfa=sign_in.mfa,
            amr=sign_in.claims.get("amr"),
            acr=sign_in.claims.get("acr"),
        )
        return redirect(next_url)


@csrf_protect
@never_cache
def logout(request):
    """The admin's "Log out" for every session: a single sign-on session is also ended at the
    provider (RP-initiated logout 1.0), others sign out as Django's admin always did."""
    data = request.session.get(SESSION_OIDC)
    if request.method != "POST" or not data or not config.enabled():
        return admin.site.logout(request)
    user = request.user
    try:
        end_session = config.endpoint("end_session_endpoint")
    except OIDCRefused:
        end_session = None
    auth.logout(request)
    security.security_event(
        services.SSO_SIGNED_OUT,
        request=request,
        user=user,
        level=logging.INFO,
        at_provider=bool(end_session),
    )
    after = request.build_absolute_uri(reverse("admin:login"))
    if not end_session:
        messages.info(
            request,
            "You are signed out of Tenderleaf. The provider offers no sign-out, so you may "
            "still be signed in there.",
        )
        return redirect(after)
    query = urlencode(
        {
            "id_token_hint": data["id_token"],
            "post_logout_redirect_uri": after,
            "client_id": settings.OIDC_CLIENT_ID,
        }
    )
    # A page that moves on by itself rather than a redirect: browsers apply the page's CSP
    # form-action ('self') to the redirects of a form's answer, and the sign-out form's answer
    # leads to the provider.
    return TemplateResponse(
        request,
        "accounts/oidc_signing_out.html",
        {
            "end_session_url": f"{end_session}?{query}",
            "provider_name": settings.OIDC_PROVIDER_NAME,
            "site_header": "Tenderleaf",
            "title": "Signing out",
        },
    )
