"""Celery signal handlers: every task failure becomes a visible ``TaskFailure``
(docs/architecture.md, "Cross-cutting rules")."""

from __future__ import annotations

import logging

from celery.exceptions import MaxRetriesExceededError

logger = logging.getLogger(__name__)


def _retries_exhausted(sender, exception) -> bool:
    if isinstance(exception, MaxRetriesExceededError):
        return True
    request = getattr(sender, "request", None)
    max_retries = getattr(sender, "max_retries", None)
    retries = getattr(request, "retries", 0) or 0
    # Autoretry re-raises the original error once ``retries`` reached ``max_retries``; a task
    # without retry configuration (no autoretry_for) simply failed, it did not exhaust anything.
    return (
        bool(getattr(sender, "autoretry_for", ()))
        and max_retries is not None
        and (retries >= max_retries)
    )


def on_task_failure(
    sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **_
):
    from operations.services import task_failure_record

    try:
        task_failure_record(
            task=sender,
            task_id=task_id or "",
            args=args,
            kwargs=kwargs,
            exc=exception,
            tb=str(einfo.traceback) if einfo is not None else "",
            retries_exhausted=_retries_exhausted(sender, exception),
        )
    except Exception:
        # Recording must never mask the task's own failure (the database may be what failed).
        logger.exception("could not record the failure of task %s[%s]", sender, task_id)
