import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("tenderleaf_request_id", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id that audit events record and the response echoes.

    An ``X-Request-ID`` from a trusted proxy is kept when it is well formed; anything else is
    replaced, so a client cannot inject arbitrary text into the audit trail.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response
