"""Helpers for tests that sign staff in the way a real sign-in does, second factor included."""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import TOTP_DEVICE_NAME, user_requires_mfa

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def totp_device_for(user) -> TOTPDevice:
    """The user's confirmed authenticator, made if they have none yet."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the user's authenticator app shows now (or at the Unix time ``at``)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def otp_verified_login(client, user):
    """Log ``user`` into a Django or DRF test client; staff also get an OTP-verified session.

    The password step is Django's own ``force_login`` (so the sign-in signals and the session
    timestamps are as at a real sign-in); the second step stores the device in the session under
    django-otp's own key, exactly as ``django_otp.login`` does after a correct code.
    """
    client.force_login(user, backend=MODEL_BACKEND)
    if user_requires_mfa(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
        session.save()
    return client
