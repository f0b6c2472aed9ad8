"""Reminder tasks: thin wrappers around the sweep, which is idempotent and so safe to redeliver."""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from reminders.services import reminder_sweep

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 15 * 60,
    "time_limit": 20 * 60,
    "autoretry_for": (OperationalError, SMTPException),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def reminder_sweep_task() -> dict:
    """Hourly: disclosure request reminders (and certificates, so none waits a day on a miss)."""
    return reminder_sweep().as_dict()


@shared_task(**RETRY)
def certificate_expiry_task() -> dict:
    """Daily: certificate expiry reminders only."""
    return reminder_sweep(families=["certificate"]).as_dict()
