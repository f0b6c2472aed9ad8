"""Receivers: sign-in bookkeeping, failed sign-ins, lock-outs and deactivation."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import security, services
from accounts.middleware import SESSION_RECORDED_KEY, session_times_start


def _entry_point(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/portal/"):
        return "portal"
    return "other"


@receiver(user_logged_in, dispatch_uid="accounts_logged_in")
def _logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    session_times_start(request, user)
    key = request.session.session_key
    services.user_session_record(user_id=user.pk, session_key=key)
    request.session[SESSION_RECORDED_KEY] = key


@receiver(user_logged_out, dispatch_uid="accounts_logged_out")
def _logged_out(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.user_session_forget(session_key=request.session.session_key)


@receiver(user_login_failed, dispatch_uid="accounts_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    security.security_event(
        security.LOGIN_FAILED,
        request=request,
        username=username,
        entry_point=_entry_point(request),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_locked_out, dispatch_uid="accounts_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    security.security_event(
        security.LOGIN_LOCKED_OUT,
        request=request,
        username=username,
        level=logging.ERROR,
        entry_point=_entry_point(request),
        lockout_ip=ip_address,
    )


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts_user_deactivated")
def _user_saved(sender, instance, created, **kwargs):
    # Django already refuses an inactive user's session on its next request; deleting the
    # sessions as well means reactivating the account later does not bring them back.
    if not created and not instance.is_active:
        services.user_sessions_end(user=instance, reason="deactivated")
        # DRF already refuses an inactive user's token; deleting it too means reactivation
        # does not bring back a token that may have leaked meanwhile.
        services.api_tokens_end(user=instance)
