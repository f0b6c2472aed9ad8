"""``/healthz``: can this process reach the database and the Celery broker?

Load balancers and the demo poll it without logging in, so the answer names only the checks, how
long each took and the class of a failure; the full error (which may name hosts) goes to the log.
"""

import logging
import os
import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

# A broker that does not answer within this many seconds counts as down; a probe that hangs longer
# would make the load balancer time out instead of reading a clear 503.
BROKER_TIMEOUT_SECONDS = 3


def _database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker_check() -> None:
    connection_to_broker = celery_app.connection_for_write(
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options={
            "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
            "socket_timeout": BROKER_TIMEOUT_SECONDS,
        },
    )
    with connection_to_broker:
        connection_to_broker.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
        if connection_to_broker.transport.driver_type == "filesystem":
            # The file-system transport "connects" without touching the disk; what matters is
            # that messages can be written where the worker reads them.
            folder = connection_to_broker.transport_options.get("data_folder_out", "")
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                raise OSError("the broker's queue folder is missing or not writable")


CHECKS = {"database": _database_check, "broker": _broker_check}


def _run(name, check) -> dict:
    started = time.monotonic()
    result = {"ok": True}
    try:
        check()
    except Exception as exc:
        logger.warning("health check %s failed: %r", name, exc)
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


@require_safe
def healthz(request):
    checks = {name: _run(name, check) for name, check in CHECKS.items()}
    healthy = all(result["ok"] for result in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
