"""Reconciliation tasks: the nightly run and a run asked for in the admin, each recorded as a
ReconciliationRun around the idempotent reconciliation service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from assurance.history import acting_as_system
from config.celery import task_options
from reconciliation import services


@shared_task(**task_options(soft_time_limit=25 * 60, time_limit=30 * 60))
def reconciliation_run(year: int | None = None) -> list[dict]:
    """Nightly: reconcile the given year, or this year and last (disclosures and late invoices of
    last year keep arriving well into this one). Safe to redeliver: the run is idempotent."""
    today = timezone.localdate()
    years = [year] if year else [today.year - 1, today.year]
    with acting_as_system(services.RECONCILIATION_REASON) as system:
        return [
            services.reconciliation_run_record(actor=system, year=each, today=today).summary
            for each in years
        ]


@shared_task(**task_options(soft_time_limit=25 * 60, time_limit=30 * 60, autoretry_for=()))
def reconciliation_run_process(run_id: int) -> str:
    """A run asked for in the admin; a failure is recorded on the run, not retried."""
    run = services.reconciliation_run_process(run_id=run_id)
    return run.status if run is not None else "taken by another worker or finished"
