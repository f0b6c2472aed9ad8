"""Celery tasks of the procurement app: thin, idempotent, acting as the system user."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from assurance.history import acting_as_system
from config.celery import task_options


@shared_task(**task_options(soft_time_limit=10 * 60, time_limit=15 * 60))
def rfp_deadline_sweep() -> list[int]:
    """Score the automatic criteria of every published RFP whose deadline has passed.

    Idempotent: each RFP is re-read under a row lock and skipped once ``auto_scored_at`` is set,
    so two workers running the sweep at once score it once; the scoring and the mark commit
    together, so a worker killed midway leaves it unscored for the next sweep. Scoring itself
    updates rows in place, so even a repeat gives the same scores.
    """
    from procurement import services
    from procurement.models import Rfp

    now = timezone.now()
    due = Rfp.objects.filter(
        deadline__lte=now,
        status__in=[Rfp.Status.PUBLISHED, Rfp.Status.CLOSED],
        auto_scored_at__isnull=True,
    ).values_list("pk", flat=True)
    scored = []
    for pk in list(due):
        with transaction.atomic(), acting_as_system("RFP deadline sweep") as system:
            rfp = Rfp.objects.select_for_update().filter(pk=pk, auto_scored_at__isnull=True).first()
            if rfp is None:
                continue
            services.rfp_autoscore(actor=system, rfp=rfp, now=now)
            scored.append(pk)
    return scored


@shared_task(**task_options(soft_time_limit=5 * 60, time_limit=6 * 60))
def rfp_autoscore(rfp_id: int) -> int:
    from procurement import services
    from procurement.models import Rfp

    with acting_as_system("automatic scoring on demand") as system:
        rfp = Rfp.objects.get(pk=rfp_id)
        return services.rfp_autoscore(actor=system, rfp=rfp)
