"""Security events as structured records (docs/domain.md, "Sign-in and security").

Every event goes to the ``tenderleaf.security`` logger as one record whose ``security`` attribute
is a dict: ``event``, ``at`` (UTC, ISO 8601), ``user_id``, ``username``, ``ip``, ``user_agent``,
``path``, ``method``, ``request_id`` and ``details``. :class:`JsonFormatter` writes that dict as one
JSON line, so a log shipper can index the fields without parsing prose.

Code deep inside a request (an upload refused in a service) has no request to hand:
:class:`accounts.middleware.SecurityContextMiddleware` keeps the current request in a context
variable, and :func:`security_event` falls back to it.
"""

from __future__ import annotations

import datetime
import json
import logging
from contextvars import ContextVar
from typing import Any

from django.utils import timezone

logger = logging.getLogger("tenderleaf.security")

current_request: ContextVar[Any] = ContextVar("tenderleaf_security_request", default=None)

# Event names, so that a search for one finds every place that emits it.
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED_OUT = "login_locked_out"
MFA_FAILED = "mfa_failed"
MFA_LOCKED_OUT = "mfa_locked_out"
MFA_ENROLLED = "mfa_enrolled"
RECOVERY_CODE_USED = "mfa_recovery_code_used"
RECOVERY_CODES_REPLACED = "mfa_recovery_codes_replaced"
FOREIGN_OBJECT_404 = "foreign_object_404"
UPLOAD_REFUSED = "upload_refused"
SESSION_EXPIRED = "session_expired"
SESSIONS_ENDED = "sessions_ended"
API_TOKEN_ISSUED = "api_token_issued"  # noqa: S105 - an event name

USER_AGENT_MAX_CHARS = 255


def client_ip(request) -> str | None:
    """The client's address as django-axes sees it, so lock-outs and events name the same one."""
    from axes.helpers import get_client_ip_address

    try:
        return get_client_ip_address(request)
    except Exception:  # a malformed forwarding header must not stop the event being logged
        return request.META.get("REMOTE_ADDR")


def security_event(
    event: str,
    *,
    request=None,
    user=None,
    username: str | None = None,
    level: int = logging.WARNING,
    **details: Any,
) -> dict:
    """Log one security event and return its record (for tests and for callers that store it)."""
    request = request if request is not None else current_request.get()
    # DRF wraps the HttpRequest; the headers live on the wrapped one.
    http_request = getattr(request, "_request", request)
    if user is None and http_request is not None:
        # Events are logged on paths that have already resolved the user (or found none).
        user = getattr(http_request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    record = {
        "event": event,
        "at": timezone.now().astimezone(datetime.UTC).isoformat(timespec="milliseconds"),
        "user_id": user.pk if user is not None else None,
        "username": user.get_username() if user is not None else (username or None),
        "ip": client_ip(http_request) if http_request is not None else None,
        "user_agent": (
            http_request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_CHARS]
            if http_request is not None
            else None
        ),
        "path": http_request.path if http_request is not None else None,
        "method": http_request.method if http_request is not None else None,
        "request_id": getattr(http_request, "request_id", None),
        "details": details,
    }
    logger.log(level, event, extra={"security": record})
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object a line: the security record if there is one, else the plain message."""

    def format(self, record: logging.LogRecord) -> str:
        payload = getattr(record, "security", None)
        if payload is None:
            payload = {
                "event": record.getMessage(),
                "at": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                    timespec="milliseconds"
                ),
            }
        payload = {"level": record.levelname.lower(), "logger": record.name, **payload}
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
