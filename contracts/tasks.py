"""Contracts tasks: thin wrappers that call a service, safe to run twice or concurrently."""

from celery import shared_task

from assurance.history import acting_as_system
from contracts.services import contract_renewal_checks_run


@shared_task(acks_late=True)
def contract_renewal_checks() -> dict[str, int]:
    """Daily: notice periods, gate pre-checks with one audit request per window, expiry."""
    with acting_as_system("daily contract renewal checks") as system:
        return contract_renewal_checks_run(actor=system)
