"""Request-wide security rules: the security log's context, session timeouts, staff MFA."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts import security

SESSION_SIGNED_IN_AT = "_tl_signed_in_at"
SESSION_SEEN_AT = "_tl_seen_at"
SESSION_IDLE_SECONDS = "_tl_idle_seconds"
# The session key last written to accounts.UserSession: Django changes the key at a password
# change (update_session_auth_hash), and the new key must be findable at deactivation too.
SESSION_RECORDED_KEY = "_tl_recorded_key"
# Writing the last-seen time on every request would save the session on every request; a minute
# of slack in an idle timeout of half an hour is not worth that write.
SEEN_AT_RESOLUTION_SECONDS = 60


class SecurityContextMiddleware:
    """Keeps the current request where :func:`accounts.security.security_event` can find it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = security.current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            security.current_request.reset(token)


def session_times_start(request, user) -> None:
    """Stamp a new signed-in session with its start and its idle limit (called at sign-in)."""
    now = timezone.now().timestamp()
    staff = user.is_staff or user.is_superuser
    request.session[SESSION_SIGNED_IN_AT] = now
    request.session[SESSION_SEEN_AT] = now
    request.session[SESSION_IDLE_SECONDS] = (
        settings.SESSION_IDLE_TIMEOUT_STAFF if staff else settings.SESSION_IDLE_TIMEOUT
    )


class SessionTimeoutMiddleware:
    """Ends a signed-in session after ``SESSION_IDLE_TIMEOUT[_STAFF]`` seconds without a request,
    or ``SESSION_ABSOLUTE_TIMEOUT`` seconds after sign-in, whichever comes first.

    The limits are read from the session (stamped at sign-in), so the check needs no user lookup.
    A signed-in session without the stamps predates them and is ended too: its age is unknown.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            expired = self._expired(session)
            if expired:
                # Resolved before logout() flushes the session it would be read from.
                user = request.user if request.user.is_authenticated else None
                logout(request)
                security.security_event(
                    security.SESSION_EXPIRED,
                    request=request,
                    user=user,
                    level=logging.INFO,
                    reason=expired,
                )
                if not request.path.startswith("/api/"):
                    messages.info(request, "Your session has expired. Please sign in again.")
        response = self.get_response(request)
        self._record_changed_key(request.session)
        return response

    @staticmethod
    def _record_changed_key(session) -> None:
        from accounts import services

        key = session.session_key
        recorded = session.get(SESSION_RECORDED_KEY)
        if key and SESSION_KEY in session and recorded != key:
            services.user_session_forget(session_key=recorded)
            services.user_session_record(user_id=session[SESSION_KEY], session_key=key)
            session[SESSION_RECORDED_KEY] = key

    @staticmethod
    def _expired(session) -> str | None:
        now = timezone.now().timestamp()
        signed_in_at = session.get(SESSION_SIGNED_IN_AT)
        seen_at = session.get(SESSION_SEEN_AT)
        if signed_in_at is None or seen_at is None:
            return "unstamped"
        if now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            return "absolute"
        idle = session.get(SESSION_IDLE_SECONDS, settings.SESSION_IDLE_TIMEOUT_STAFF)
        if now - seen_at > idle:
            return "idle"
        if now - seen_at >= SEEN_AT_RESOLUTION_SECONDS:
            session[SESSION_SEEN_AT] = now
        return None


# Paths an unverified staff session may still reach: the MFA pages themselves, signing out,
# static files, the health check, and the token endpoint (which asks for its own code).
MFA_EXEMPT_PREFIXES = (
    "/accounts/",
    "/admin/logout/",
    "/portal/logout/",
    "/api/v1/auth/token/",
    "/healthz",
)


class StaffMFARequiredMiddleware:
    """A staff user (officer, evaluator, analyst, auditor) must have verified a one-time code in
    this session before any page or API call answers: a password alone reaches nothing.

    Pages redirect to the code check (or to enrolment for staff without an authenticator yet);
    API calls made with the session get a 403 that says what to do. Vendor users are not asked.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = (*MFA_EXEMPT_PREFIXES, "/" + settings.STATIC_URL.lstrip("/"))

    def __call__(self, request):
        if SESSION_KEY in request.session and not request.path.startswith(self.exempt):
            user = request.user
            if (user.is_staff or user.is_superuser) and not user.is_verified():
                return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": "Staff accounts must confirm a one-time code first: open "
                    f"{reverse('accounts:verify')} in the browser, or use an API token."
                },
                status=403,
            )
        from accounts.services import totp_device_confirmed

        step = "accounts:verify" if totp_device_confirmed(request.user) else "accounts:enrol"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(step)}?{query}")
