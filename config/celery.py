"""The Celery application and the one retry policy every task uses. Tasks live in ``tasks.py``.

Configuration comes from the ``CELERY_*`` Django settings (see ``config/settings/base.py``): the
file-system broker under ``TENDERLEAF_VAR_DIR`` by default, Redis when ``REDIS_URL`` is set. The
settings also create the file-system broker's folders, so producers work before any worker ran.

Task options (docs/architecture.md, "Cross-cutting rules") are built by :func:`task_options` so that
no app repeats them:

- transient errors (SMTP, a database that went away, a refused connection) are retried with
  exponential backoff and jitter, a finite number of times; then the failure is recorded
  (``operations.TaskFailure``) and shows on the admin's attention dashboard;
- idempotent tasks are acknowledged late and given back to the broker when their worker dies, and
  :class:`TenderleafTask` refuses a message redelivered more than ``CELERY_TASK_MAX_REDELIVERIES``
  times, so a message that kills its worker every time cannot loop for ever;
- every task has a soft and a hard time limit.
"""

from __future__ import annotations

import logging
import os
import smtplib

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Reject

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

logger = logging.getLogger(__name__)


def transient_errors() -> tuple[type[BaseException], ...]:
    """Errors that a later attempt may not meet: the mail server or database was briefly away."""
    from django.db import InterfaceError, OperationalError

    return (
        smtplib.SMTPException,
        OperationalError,
        InterfaceError,
        ConnectionError,
        TimeoutError,
    )


def task_options(
    *,
    idempotent: bool = True,
    soft_time_limit: int | None = None,
    time_limit: int | None = None,
    max_retries: int = 5,
    **extra,
) -> dict:
    """The ``shared_task`` options of the project's policy; ``extra`` adds or overrides options.

    ``idempotent=False`` keeps early acknowledgement: a task that must not run twice is lost with
    its worker rather than repeated (none of the current tasks is such, but the choice is explicit).
    Without limits given, the ``CELERY_TASK_*_TIME_LIMIT`` settings apply.
    """
    options = {
        "autoretry_for": transient_errors(),
        "retry_backoff": True,
        "retry_backoff_max": 600,
        "retry_jitter": True,
        "max_retries": max_retries,
        "acks_late": idempotent,
        "reject_on_worker_lost": idempotent,
    }
    if soft_time_limit is not None:
        options["soft_time_limit"] = soft_time_limit
    if time_limit is not None:
        options["time_limit"] = time_limit
    options.update(extra)
    return options


class TenderleafTask(DjangoTask):
    """Django's task (``delay_on_commit``) that also caps redeliveries of a message whose worker
    died (Redis marks them ``redelivered``)."""

    def before_start(self, task_id, args, kwargs):
        if not self._redelivered():
            return
        from django.conf import settings
        from django.core.cache import cache

        cap = getattr(settings, "CELERY_TASK_MAX_REDELIVERIES", 3)
        key = f"celery-redeliveries:{task_id}"
        cache.add(key, 0, timeout=24 * 60 * 60)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            count = 1
        if count > cap:
            from operations.services import task_failure_record

            error = Reject(f"redelivered {count} times (cap {cap}): worker keeps dying", False)
            task_failure_record(task=self, task_id=task_id, args=args, kwargs=kwargs, exc=error)
            logger.error("task %s[%s] dropped after %s redeliveries", self.name, task_id, count)
            raise error

    def _redelivered(self) -> bool:
        info = self.request.delivery_info or {}
        return bool(info.get("redelivered") or (self.request.headers or {}).get("redelivered"))


app = Celery("tenderleaf", task_cls=TenderleafTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
