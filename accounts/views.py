"""The second sign-in step for staff: confirm a one-time code, or enrol an authenticator first.

Staff reach these pages after their password, sent here by
:class:`accounts.middleware.StaffMFARequiredMiddleware`. Wrong codes are counted in the session:
after ``MFA_MAX_FAILURES`` the user is signed out (and must start again with the password, which
django-axes counts), and django-otp's own throttling on the device makes each further wrong code
wait twice as long as the last, across sessions.
"""

from __future__ import annotations

import base64
import io
import logging
import math

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import security, services
from accounts.forms import CodeForm, EnrolForm, is_totp_code

SESSION_MFA_FAILURES = "_tl_mfa_failures"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _wait_message(info: dict | None) -> str:
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return "Too many wrong codes. Wait a moment before trying again."
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes. Wait {seconds} {unit} before trying again."


@method_decorator(never_cache, name="dispatch")
class _SecondStepView(FormView):
    """Shared by the code check and enrolment: signed-in staff only, and the failure counter."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not services.user_requires_mfa(request.user) or request.user.is_verified():
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("next", _next_url(self.request))
        kwargs.setdefault("site_header", "Tenderleaf")
        kwargs.setdefault("max_failures", settings.MFA_MAX_FAILURES)
        return super().get_context_data(**kwargs)

    def failure(self, form, *, reason: str, message: str, **details):
        """Count and log a wrong code; sign the user out once the limit is reached."""
        request = self.request
        failures = request.session.get(SESSION_MFA_FAILURES, 0) + 1
        security.security_event(
            security.MFA_FAILED,
            request=request,
            reason=reason,
            attempt=failures,
            step=self.step,
            **details,
        )
        if failures >= settings.MFA_MAX_FAILURES:
            security.security_event(
                security.MFA_LOCKED_OUT,
                request=request,
                level=logging.ERROR,
                attempts=failures,
                step=self.step,
            )
            logout(request)
            messages.error(
                request,
                f"{failures} wrong codes in a row: you have been signed out. Sign in again to "
                "try once more; if you have lost your authenticator, use a recovery code.",
            )
            return redirect(reverse("admin:login"))
        request.session[SESSION_MFA_FAILURES] = failures
        left = settings.MFA_MAX_FAILURES - failures
        form.add_error(
            "code", f"{message} {left} attempt{'s' if left != 1 else ''} left before sign-out."
        )
        return self.form_invalid(form)

    def success(self, device):
        django_otp.login(self.request, device)
        self.request.session.pop(SESSION_MFA_FAILURES, None)


class VerifyView(_SecondStepView):
    template_name = "accounts/verify.html"
    form_class = CodeForm
    step = "verify"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (
            user.is_authenticated
            and services.user_requires_mfa(user)
            and not user.is_verified()
            and services.totp_device_confirmed(user) is None
        ):
            return redirect(f"{reverse('accounts:enrol')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        code = form.cleaned_data["code"]
        user = self.request.user
        if is_totp_code(code):
            device = services.totp_device_confirmed(user)
            kind = "totp"
        else:
            device = StaticDevice.objects.filter(user=user, confirmed=True).first()
            kind = "recovery_code"
        if device is None:
            return self.failure(
                form, reason="no_recovery_codes", message="That code is not right.", kind=kind
            )
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return self.failure(form, reason="throttled", message=_wait_message(info), kind=kind)
        if not device.verify_token(code):
            return self.failure(
                form, reason="wrong_code", message="That code is not right.", kind=kind
            )
        self.success(device)
        if kind == "recovery_code":
            left = services.recovery_codes_left(user)
            security.security_event(
                security.RECOVERY_CODE_USED, request=self.request, level=logging.INFO, left=left
            )
            messages.warning(
                self.request,
                f"You signed in with a recovery code; {left} left. Each code works once: "
                "generate new ones under “Recovery codes” if you are running low.",
            )
        return redirect(_next_url(self.request))


class EnrolView(_SecondStepView):
    """Set up an authenticator app: scan the QR code (or type the secret), confirm a first code,
    and see the ten recovery codes once."""

    template_name = "accounts/enrol.html"
    form_class = EnrolForm
    step = "enrol"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and services.totp_device_confirmed(user) is not None:
            # Replacing an authenticator needs the old one (or an administrator), never just the
            # password.
            return redirect(f"{reverse('accounts:verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = services.totp_device_pending(user=self.request.user)
        secret = base64.b32encode(device.bin_key).decode()
        kwargs["secret_groups"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        kwargs["issuer"] = settings.OTP_TOTP_ISSUER
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        user = self.request.user
        device = services.totp_device_pending(user=user)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return self.failure(form, reason="throttled", message=_wait_message(info))
        codes = services.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["code"]
        )
        if codes is None:
            return self.failure(
                form,
                reason="wrong_code",
                message="That code is not right: check the clock of your phone, and that you "
                "scanned the code shown on this page.",
            )
        device.refresh_from_db()
        self.success(device)
        # Rendered in the answer to the POST, never stored for a later page: shown this once.
        return TemplateResponse(
            self.request,
            "accounts/recovery_codes.html",
            {
                "codes": codes,
                "enrolled": True,
                "next": _next_url(self.request),
                "site_header": "Tenderleaf",
            },
        )


@never_cache
def enrol_qr(request):
    """The QR code of the authenticator being enrolled, as an SVG image (no inline script or
    style, so the enrolment page needs nothing beyond ``img-src 'self'``)."""
    user = request.user
    if (
        not user.is_authenticated
        or not services.user_requires_mfa(user)
        or services.totp_device_confirmed(user) is not None
    ):
        return HttpResponse(status=404)
    device = services.totp_device_pending(user=user)
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=4, xmldecl=False, title="Authenticator set-up code"
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@method_decorator(never_cache, name="dispatch")
class VerifiedStaffPageView(TemplateView):
    """A page of a signed-in staff member's own credentials: sign-in first, 404 for users without
    a second factor (vendors), the second-factor step first when this session has not passed it."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not services.user_requires_mfa(user):
            return HttpResponse(status=404)
        if not user.is_verified():
            return redirect(f"{reverse('accounts:verify')}?next={request.path}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("site_header", "Tenderleaf")
        kwargs.setdefault("next", reverse("admin:index"))
        return super().get_context_data(**kwargs)


class RecoveryCodesView(VerifiedStaffPageView):
    """How many recovery codes are left, and a button to replace them with ten new ones."""

    template_name = "accounts/recovery_codes.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("left", services.recovery_codes_left(self.request.user))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        codes = services.recovery_codes_generate(user=request.user)
        security.security_event(
            security.RECOVERY_CODES_REPLACED, request=request, level=logging.INFO
        )
        return self.render_to_response(self.get_context_data(codes=codes))


class ApiTokenView(VerifiedStaffPageView):
    """A staff user's API token, made or replaced from a signed-in, second-factor-checked
    session: the way staff who sign in through the identity provider (and have no password)
    get one. The token carries the user's current roles, so it follows the role mapping of
    every sign-in, and it stops working when the user is deactivated."""

    template_name = "accounts/api_token.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("has_token", services.api_token_exists(self.request.user))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        key = services.api_token_replace(user=request.user)
        security.security_event(security.API_TOKEN_ISSUED, request=request, level=logging.INFO)
        return self.render_to_response(self.get_context_data(token=key, has_token=True))
