"""The second factor at the API token endpoint: staff send a one-time code with the password."""

from __future__ import annotations

from django_otp.plugins.otp_static.models import StaticDevice
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from accounts import security, services
from accounts.forms import code_normalise, is_totp_code

OTP_REQUIRED_MESSAGE = (
    "Staff accounts need a second factor: send otp_token with the code your authenticator app "
    "shows (or a recovery code)."
)
OTP_WRONG_MESSAGE = "That one-time code is not right, or too many were wrong: wait and retry."


class TokenObtainSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        required=False,
        write_only=True,
        label="One-time code",
        help_text="Staff only: the current code from the authenticator app, or a recovery code.",
    )


def token_second_factor_error(request, user, otp_token: str | None) -> str | None:
    """None when ``user`` may have a token; otherwise the message to answer with.

    A password alone never gives a staff user a token: a token outlives the session and would
    otherwise be a way around the second factor.
    """
    if not services.user_requires_mfa(user):
        return None
    code = code_normalise(otp_token or "")
    if not code:
        security.security_event(
            security.MFA_FAILED, request=request, user=user, reason="missing", step="api_token"
        )
        return OTP_REQUIRED_MESSAGE
    if is_totp_code(code):
        device = services.totp_device_confirmed(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    # verify_token checks django-otp's throttling first, so wrong codes slow further tries.
    if device is not None and device.verify_token(code):
        return None
    security.security_event(
        security.MFA_FAILED,
        request=request,
        user=user,
        reason="wrong_code" if device is not None else "no_device",
        step="api_token",
    )
    return OTP_WRONG_MESSAGE
