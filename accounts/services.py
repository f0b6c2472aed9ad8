"""Writes of the accounts app: MFA devices, recovery codes, ending sessions.

Devices and sessions are not business records, so they carry no simple_history; each change that
matters to security is logged as a security event instead (``accounts.security``).
"""

from __future__ import annotations

import base64
import logging
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.models import UserSession

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def user_requires_mfa(user) -> bool:
    """Staff (officers, evaluators, analysts, auditors) and superusers must use a second factor."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def totp_device_confirmed(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed authenticator a user is enrolling: made on first visit, kept until confirmed.

    Keeping the same secret across page loads means a user who scanned the code and then reloaded
    the page does not have to scan again.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a first code; returns the new recovery codes, or None if wrong.

    Only a device that is still unconfirmed and belongs to ``user`` can be confirmed, so a user
    with an authenticator cannot replace it from an unverified session.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if device.confirmed or not device.verify_token(token):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # An earlier abandoned enrolment leaves secrets nobody should be able to confirm later.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = recovery_codes_generate(user=user)
    security.security_event(security.MFA_ENROLLED, user=user, level=logging.INFO)
    return codes


def recovery_codes_generate(*, user) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones and return them.

    They are shown once; django-otp deletes each code as it is used.
    """
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def user_session_record(*, user_id, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.update_or_create(session_key=session_key, defaults={"user_id": user_id})


def user_session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(*, user, reason: str) -> int:
    """End every session ``user`` signed in with (deactivation); returns how many were ended."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store_class(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    if keys:
        security.security_event(
            security.SESSIONS_ENDED, user=user, level=logging.INFO, reason=reason, count=len(keys)
        )
    return len(keys)


DEMO_DEVICE_NAME = "Demo authenticator"


def totp_device_demo_ensure(*, user, secret_base32: str) -> TOTPDevice | None:
    """Give a demo staff user an authenticator with a published secret (``seed_demo`` only).

    Someone who enrolled their own authenticator on the demo keeps it; the demo one is added
    only to users with none, and its secret is reset to the published one on every run.
    """
    key = base64.b32decode(secret_base32).hex()
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME).first()
    if device is None:
        if totp_device_confirmed(user) is not None:
            return None
        return TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=key, confirmed=True)
    if device.key != key or not device.confirmed:
        device.key, device.confirmed = key, True
        device.save(update_fields=["key", "confirmed"])
    return device


def api_token_exists(user) -> bool:
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).exists()


def api_token_replace(*, user) -> str:
    """A new API token for ``user``, replacing any earlier one (shown once by the caller)."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def api_tokens_end(*, user) -> int:
    """Delete ``user``'s API tokens (at deactivation), so reactivating does not revive them."""
    from rest_framework.authtoken.models import Token

    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
