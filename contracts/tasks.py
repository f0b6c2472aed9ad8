"""Contracts tasks: thin wrappers that call a service, safe to run twice or concurrently."""

from celery import shared_task

from assurance.history import acting_as_system
from config.celery import task_options
from contracts.services import contract_renewal_checks_run


@shared_task(**task_options(soft_time_limit=15 * 60, time_limit=20 * 60))
def contract_renewal_checks() -> dict[str, int]:
    """Daily: notice periods, gate pre-checks with one audit request per window, expiry."""
    with acting_as_system("daily contract renewal checks") as system:
        return contract_renewal_checks_run(actor=system)
