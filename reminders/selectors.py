"""Reads for the reminder sweep and for showing which reminders went out.

The candidate queries select whole batches with their vendor, relationship owner and reminder
contacts in a constant number of queries, whatever the batch holds.
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from contracts.models import Contract, Iso14001Audit, KpiClause, KpiReport, KpiReportingPeriod
from procurement.models import Bid, Rfp
from reminders.models import ReminderLog
from vendors.models import Certification, DisclosureRequest, Vendor, VendorContact

REMINDER_CONTACTS = "reminder_contacts"
SUBMITTED_BIDS = "submitted_bids"
# Reminders to our own staff: never shown to the vendor they are about.
INTERNAL_KINDS = frozenset(
    {
        ReminderLog.Kind.DISCLOSURE_ESCALATION,
        ReminderLog.Kind.KPI_ESCALATION,
        ReminderLog.Kind.RENEWAL_GATE_OUTCOME,
    }
)


def _contacts_prefetch(path: str = "vendor__contacts") -> Prefetch:
    return Prefetch(
        path,
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


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same calendar day ``months`` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def iso14001_certificates_for_surveillance(*, today: datetime.date) -> QuerySet[Certification]:
    """Valid ISO 14001 certificates whose last audit may be older than the surveillance interval.

    The certificate's issue date stands for its initial or recertification audit; a later
    completed ``Iso14001Audit`` of the vendor (any type: surveillance, on-site, desk review or
    certificate verification) moves the last audit forward. Each row carries ``last_vendor_audit``
    (None without one). Only certificates issued before the interval can be overdue.
    """
    months = settings.REMINDER_ISO14001_SURVEILLANCE_MONTHS
    issued_before = months_after(today, -months)
    return (
        Certification.objects.filter(
            kind=Certification.Kind.ISO_14001,
            status=Certification.Status.VALID,
            issue_date__lt=issued_before,
        )
        .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))
        .annotate(
            last_vendor_audit=Max(
                "vendor__iso14001_audits__audit_date",
                filter=~Q(vendor__iso14001_audits__result=Iso14001Audit.Result.PENDING)
                & Q(vendor__iso14001_audits__audit_date__lte=today),
            )
        )
        .filter(Q(last_vendor_audit__isnull=True) | Q(last_vendor_audit__lt=issued_before))
        .select_related("vendor")
        .prefetch_related(_contacts_prefetch())
        .order_by("pk")
    )


def kpi_periods_due(*, today: datetime.date) -> QuerySet[KpiReportingPeriod]:
    """Ended periods of live clauses whose report is missing or was sent back, due within the
    reminder lead time or already late: the periods that may owe a KPI reminder today.

    A period counts as reported once its report is submitted or accepted (as the portal's open
    items say); a rejected report is owed again.
    """
    lead = settings.REMINDER_KPI_DAYS_BEFORE_DUE
    return (
        KpiReportingPeriod.objects.filter(
            period_end__lt=today,
            due_date__lte=today + datetime.timedelta(days=lead),
            clause__status__in=[KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH],
        )
        .exclude(clause__contract__status__in=[Contract.Status.DRAFT, Contract.Status.TERMINATED])
        .filter(Q(report__isnull=True) | Q(report__status=KpiReport.Status.REJECTED))
        .select_related(
            "clause__contract__vendor__relationship_owner", "clause__contract__owner", "report"
        )
        .prefetch_related(_contacts_prefetch("clause__contract__vendor__contacts"))
        .order_by("pk")
    )


def rfps_closing(*, today: datetime.date) -> QuerySet[Rfp]:
    """Published RFPs whose deadline is ahead and within the longest reminder lead time, with
    their invited vendors' reminder contacts and the vendors that have submitted a bid."""
    lead = max(settings.REMINDER_RFP_DAYS_BEFORE_DEADLINE)
    return (
        Rfp.objects.filter(
            status=Rfp.Status.PUBLISHED,
            deadline__gt=timezone.now(),
            deadline__date__lte=today + datetime.timedelta(days=lead),
        )
        .prefetch_related(
            Prefetch(
                "invited_vendors",
                queryset=Vendor.objects.prefetch_related(_contacts_prefetch("contacts")).order_by(
                    "pk"
                ),
            ),
            Prefetch(
                "bids",
                queryset=Bid.objects.filter(status=Bid.Status.SUBMITTED).only("rfp", "vendor"),
                to_attr=SUBMITTED_BIDS,
            ),
        )
        .order_by("pk")
    )


def contracts_in_notice(*, today: datetime.date) -> QuerySet[Contract]:
    """Live contracts not yet ended; the caller keeps those whose notice period has started
    (``end_date - renewal_notice_days``, which differs per contract)."""
    return (
        Contract.objects.filter(
            status__in=[Contract.Status.ACTIVE, Contract.Status.RENEWAL_DUE], end_date__gte=today
        )
        .select_related("vendor", "vendor__relationship_owner", "owner")
        .prefetch_related(_contacts_prefetch())
        .order_by("pk")
    )


def _targets_q(obj) -> Q:
    """The log rows about ``obj``, and for a contract or clause also about its KPI periods."""
    q = Q(target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk)
    if isinstance(obj, Contract):
        periods = KpiReportingPeriod.objects.filter(clause__contract=obj)
    elif isinstance(obj, KpiClause):
        periods = KpiReportingPeriod.objects.filter(clause=obj)
    else:
        return q
    return q | Q(
        target_type=ContentType.objects.get_for_model(KpiReportingPeriod),
        target_id__in=periods.values("pk"),
    )


def reminder_logs_for(obj, *, include_internal: bool = True, vendor=None) -> QuerySet[ReminderLog]:
    """The reminders logged for one object, newest first; escalations are internal to us.

    An RFP's reminders go to each invited vendor: shown to a vendor (``include_internal`` False)
    only that vendor's rows are returned, and none when no vendor is given.
    """
    logs = ReminderLog.objects.filter(_targets_q(obj))
    if not include_internal:
        logs = logs.exclude(kind__in=INTERNAL_KINDS)
        if isinstance(obj, Rfp):
            if vendor is None:
                return logs.none()
            logs = logs.filter(window__startswith=f"v{vendor.pk}/")
    elif vendor is not None and isinstance(obj, Rfp):
        logs = logs.filter(window__startswith=f"v{vendor.pk}/")
    return logs


def reminders_sent_by_target(objects) -> dict[int, list[ReminderLog]]:
    """The reminders sent about each of ``objects`` (one model), newest first, in one query.

    For vendor-facing lists: internal kinds (escalations, gate outcomes) are left out.
    """
    objects = list(objects)
    if not objects:
        return {}
    logs = (
        ReminderLog.objects.filter(
            target_type=ContentType.objects.get_for_model(objects[0]),
            target_id__in=[obj.pk for obj in objects],
            status=ReminderLog.Status.SENT,
        )
        .exclude(kind__in=INTERNAL_KINDS)
        .order_by("-sent_at", "-pk")
    )
    grouped: dict[int, list[ReminderLog]] = {obj.pk: [] for obj in objects}
    for log in logs:
        grouped[log.target_id].append(log)
    return grouped
