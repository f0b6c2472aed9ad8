"""Reads for the reminder sweep and for showing which reminders went out.

The candidate queries select whole batches with their vendor, relationship owner and reminder
contacts in a constant number of queries, whatever the batch holds.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from reminders.models import ReminderLog
from vendors.models import Certification, DisclosureRequest, VendorContact

REMINDER_CONTACTS = "reminder_contacts"


def _contacts_prefetch() -> Prefetch:
    return Prefetch(
        "vendor__contacts",
        queryset=VendorContact.objects.filter(receives_reminders=True).order_by("email"),
        to_attr=REMINDER_CONTACTS,
    )


def disclosure_requests_due(*, today: datetime.date) -> QuerySet[DisclosureRequest]:
    """Requests that may owe a reminder today: sent and untouched for a week, due soon, or late."""
    Status = DisclosureRequest.Status
    first_after_sent = min(settings.REMINDER_DISCLOSURE_DAYS_AFTER_SENT)
    untouched = Q(
        status=Status.OPEN,
        vendor_touched_at__isnull=True,
        sent_at__date__lte=today - datetime.timedelta(days=first_after_sent),
        due_date__gte=today,
    )
    due_soon = Q(
        status=Status.OPEN,
        due_date__gte=today,
        due_date__lte=today + datetime.timedelta(days=settings.REMINDER_DISCLOSURE_DAYS_BEFORE_DUE),
    )
    late = Q(status__in=[Status.OPEN, Status.OVERDUE], due_date__lt=today)
    return (
        DisclosureRequest.objects.filter(untouched | due_soon | late)
        .select_related("vendor", "vendor__relationship_owner")
        .prefetch_related(_contacts_prefetch())
        .order_by("pk")
    )


def certifications_due(*, today: datetime.date) -> QuerySet[Certification]:
    """Certificates within the longest reminder lead time of their expiry and not yet expired."""
    lead = max(settings.REMINDER_CERTIFICATE_DAYS_BEFORE_EXPIRY)
    return (
        Certification.objects.filter(
            expiry_date__gte=today, expiry_date__lte=today + datetime.timedelta(days=lead)
        )
        .exclude(status__in=[Certification.Status.WITHDRAWN, Certification.Status.EXPIRED])
        .select_related("vendor")
        .prefetch_related(_contacts_prefetch())
        .order_by("pk")
    )


def reminder_logs_for(obj, *, include_internal: bool = True) -> QuerySet[ReminderLog]:
    """The reminders logged for one object, newest first; escalations are internal to us."""
    logs = ReminderLog.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
    )
    if not include_internal:
        logs = logs.exclude(kind=ReminderLog.Kind.DISCLOSURE_ESCALATION)
    return logs
