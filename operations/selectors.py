"""Reads of the operations app (the outbox and task failures)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from operations.models import OutboxMessage

# A pending outbox message older than this has missed several sweeps: something is wrong.
OUTBOX_STUCK_SECONDS = 10 * 60


def outbox_stuck_q(*, now: datetime.datetime | None = None) -> Q:
    """Messages that gave up, or have waited longer than a sweeper should ever let them."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=OUTBOX_STUCK_SECONDS)
    return Q(status=OutboxMessage.Status.FAILED) | Q(
        status=OutboxMessage.Status.PENDING, created_at__lt=cutoff
    )
