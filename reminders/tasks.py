"""Reminder tasks: thin wrappers around the sweep, which is idempotent and so safe to redeliver."""

from celery import shared_task

from assurance.history import acting_as_system
from config.celery import task_options
from contracts.services import contract_renewal_checks_run
from reminders import services

RETRY = task_options(soft_time_limit=15 * 60, time_limit=20 * 60)


@shared_task(**RETRY)
def reminder_sweep() -> dict:
    """Hourly: every reminder family (disclosure requests, certificates, ISO 14001 surveillance,
    KPI reports, RFP deadlines, contract renewals), so none waits a day on a missed daily run."""
    return services.reminder_sweep().as_dict()


@shared_task(**RETRY)
def certificate_reminder_sweep() -> dict:
    """Daily: certificate expiry and ISO 14001 surveillance reminders."""
    return services.reminder_sweep(families=["certificate", "iso14001"]).as_dict()


@shared_task(**RETRY)
def contract_renewal_check() -> dict:
    """Daily: contracts entering their renewal notice period.

    The renewal reminders run first: they move each contract to renewal due, run the renewal gate,
    tell the owner its outcome and, when it would refuse, ask the vendor for an ISO 14001 audit
    (recording the request). Then the contracts app's own daily check expires contracts past their
    end date; it finds the audit requests already recorded and does not ask the owner again.
    """
    result = services.reminder_sweep(families=["renewal"]).as_dict()
    with acting_as_system("daily contract renewal checks") as system:
        result["contracts"] = contract_renewal_checks_run(actor=system)
    return result
