"""Reconciliation tasks: a thin nightly wrapper around the idempotent reconciliation run."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from assurance.history import acting_as_system
from config.celery import task_options
from reconciliation.services import RECONCILIATION_REASON, reconciliation_run


@shared_task(**task_options(soft_time_limit=25 * 60, time_limit=30 * 60))
def reconciliation_task(year: int | None = None) -> list[dict]:
    """Nightly: reconcile the given year, or this year and last (disclosures and late invoices of
    last year keep arriving well into this one). Safe to redeliver: the run is idempotent."""
    today = timezone.localdate()
    years = [year] if year else [today.year - 1, today.year]
    with acting_as_system(RECONCILIATION_REASON) as system:
        return [
            reconciliation_run(year=each, today=today, actor=system).as_dict() for each in years
        ]
