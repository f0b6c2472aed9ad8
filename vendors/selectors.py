"""Reads of the vendor master: annotated querysets for the admin and API, and portal open items.

Every list here is built so that its query count does not grow with the number of rows: related
objects are joined, and counts and derived states are computed in the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from config import numbers
from vendors.models import Certification, Vendor, VendorContact, VendorInvitation, VendorMembership

# How far ahead a certificate counts as "expiring": the first reminder goes out 90 days before
# expiry (docs/domain.md, "Reminders"), so that is also what the admin filter and the portal show.
EXPIRY_WARNING_DAYS = 90


def _count_of(model, *, filter_q: Q | None = None) -> Coalesce:
    """A correlated COUNT(*) per vendor; unlike joined Count()s it cannot multiply rows."""
    rows = model.objects.filter(vendor=OuterRef("pk"))
    if filter_q is not None:
        rows = rows.filter(filter_q)
    counted = rows.order_by().values("vendor").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def vendors_with_counts(queryset: QuerySet[Vendor] | None = None) -> QuerySet[Vendor]:
    """Vendors with their relationship owner joined and contact, certificate and member counts."""
    if queryset is None:
        queryset = Vendor.objects.all()
    return queryset.select_related("relationship_owner").annotate(
        contact_count=_count_of(VendorContact),
        certification_count=_count_of(Certification),
        member_count=_count_of(VendorMembership),
    )


def vendor_list(
    *,
    search: str | None = None,
    category: str | None = None,
    status: str | None = None,
    country: str | None = None,
) -> QuerySet[Vendor]:
    """The vendor master filtered the way the admin and API filter it."""
    queryset = Vendor.objects.all()
    if search:
        search = search.strip()
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(legal_name__icontains=search)
            | Q(lei__iexact=search)
            | Q(tax_id__iexact=search)
        )
    if category:
        queryset = queryset.filter(category=category)
    if status:
        queryset = queryset.filter(status=status)
    if country:
        queryset = queryset.filter(country=country.upper())
    return vendors_with_counts(queryset)


class CertificationState:
    """The states the admin filter offers: the derived expiry split into expired and expiring."""

    EXPIRED = "expired"
    EXPIRING = "expiring"
    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"

    choices = (
        (EXPIRED, "Expired"),
        (EXPIRING, f"Expiring within {EXPIRY_WARNING_DAYS} days"),
        (VALID, "Valid"),
        (SUSPENDED, "Suspended"),
        (WITHDRAWN, "Withdrawn"),
    )


def certification_state_q(
    state: str, *, today: datetime.date, within_days: int = EXPIRY_WARNING_DAYS
) -> Q:
    """The filter for one derived state, matching ``Certification.status_on`` in the database.

    "Valid" includes the certificates that are expiring: they are still valid today.
    """
    valid = Q(status=Certification.Status.VALID)
    if state == CertificationState.EXPIRED:
        return valid & Q(expiry_date__lt=today)
    if state == CertificationState.EXPIRING:
        horizon = today + datetime.timedelta(days=within_days)
        return valid & Q(expiry_date__gte=today, expiry_date__lte=horizon)
    if state == CertificationState.VALID:
        return valid & (Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))
    if state == CertificationState.SUSPENDED:
        return Q(status=Certification.Status.SUSPENDED)
    if state == CertificationState.WITHDRAWN:
        return Q(status=Certification.Status.WITHDRAWN)
    raise ValueError(f"Unknown certification state {state!r}")


def certification_list(
    *,
    vendor: Vendor | None = None,
    state: str | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Certification]:
    """Certifications with their vendor joined and ``effective_state`` (the derived status)."""
    today = today or timezone.localdate()
    queryset = Certification.objects.select_related("vendor").annotate(
        effective_state=Case(
            When(
                Q(status=Certification.Status.VALID, expiry_date__lt=today),
                then=Value(Certification.Status.EXPIRED),
            ),
            default="status",
            output_field=CharField(),
        )
    )
    if vendor is not None:
        queryset = queryset.filter(vendor=vendor)
    if state:
        queryset = queryset.filter(certification_state_q(state, today=today))
    return queryset


def certifications_expiring(
    *, within_days: int = EXPIRY_WARNING_DAYS, today: datetime.date | None = None
) -> QuerySet[Certification]:
    """Valid certificates whose expiry date falls between today and ``within_days`` from now."""
    today = today or timezone.localdate()
    return certification_list(today=today).filter(
        certification_state_q(CertificationState.EXPIRING, today=today, within_days=within_days)
    )


class InvitationState:
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"

    choices = (
        (PENDING, "Pending"),
        (ACCEPTED, "Accepted"),
        (REVOKED, "Revoked"),
        (EXPIRED, "Expired"),
    )


def vendor_invitation_list(*, now: datetime.datetime | None = None) -> QuerySet[VendorInvitation]:
    """Invitations with contact, vendor and inviter joined and their ``state`` derived in SQL.

    The order of the cases is the order ``vendor_invitation_accept`` checks them in.
    """
    now = now or timezone.now()
    return VendorInvitation.objects.select_related("contact__vendor", "invited_by").annotate(
        state=Case(
            When(accepted_at__isnull=False, then=Value(InvitationState.ACCEPTED)),
            When(revoked_at__isnull=False, then=Value(InvitationState.REVOKED)),
            When(expires_at__lte=now, then=Value(InvitationState.EXPIRED)),
            default=Value(InvitationState.PENDING),
            output_field=CharField(),
        )
    )


@dataclass(frozen=True)
class OpenItem:
    """One thing on a vendor's to-do list, as the portal home page shows it.

    ``kind`` is a stable key a template can switch on; ``due`` is the date it concerns, if any.
    """

    kind: str
    title: str
    detail: str
    due: datetime.date | None = None
    object_id: int | None = None
    url: str = ""


class OpenItemKind:
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    INVITATION_PENDING = "invitation_pending"
    CONTACT_WITHOUT_ACCOUNT = "contact_without_account"
    DISCLOSURE_REQUEST_OPEN = "disclosure_request_open"
    DISCLOSURE_REQUEST_OVERDUE = "disclosure_request_overdue"
    DISCLOSURE_REJECTED = "disclosure_rejected"


def vendor_open_items(vendor: Vendor, *, today: datetime.date | None = None) -> list[OpenItem]:
    """What the vendor should act on, most urgent first (a fixed number of queries).

    - disclosure requests still to answer (open or overdue) and rejected disclosures to revise;
    - certificates that have expired, or expire within 90 days;
    - invitations that were sent and can still be accepted;
    - contacts without a portal account and without such an invitation (a contact with a pending
      invitation is listed once, as the invitation).
    """
    today = today or timezone.localdate()
    now = timezone.now()
    # Disclosure work comes first: it has a due date set by the buyer.
    items: list[OpenItem] = disclosure_open_items(vendor, today=today)

    certificates = certification_list(vendor=vendor, today=today).filter(
        certification_state_q(CertificationState.EXPIRED, today=today)
        | certification_state_q(CertificationState.EXPIRING, today=today)
    )
    for cert in certificates.order_by("expiry_date", "kind"):
        label = cert.get_kind_display() + (f" {cert.number}" if cert.number else "")
        if cert.expiry_date < today:
            items.append(
                OpenItem(
                    kind=OpenItemKind.CERTIFICATE_EXPIRED,
                    title=f"{label} has expired",
                    detail=f"It expired on {cert.expiry_date:%d %B %Y}. Upload the renewed "
                    "certificate.",
                    due=cert.expiry_date,
                    object_id=cert.pk,
                )
            )
        else:
            days = (cert.expiry_date - today).days
            items.append(
                OpenItem(
                    kind=OpenItemKind.CERTIFICATE_EXPIRING,
                    title=f"{label} expires in {days} day{'s' if days != 1 else ''}",
                    detail=f"It expires on {cert.expiry_date:%d %B %Y}. Upload the renewed "
                    "certificate before then.",
                    due=cert.expiry_date,
                    object_id=cert.pk,
                )
            )

    pending = (
        vendor_invitation_list(now=now)
        .filter(contact__vendor=vendor, state=InvitationState.PENDING, contact__user__isnull=True)
        .order_by("expires_at")
    )
    invited_contact_ids = set()
    for invitation in pending:
        invited_contact_ids.add(invitation.contact_id)
        items.append(
            OpenItem(
                kind=OpenItemKind.INVITATION_PENDING,
                title=f"{invitation.contact.name} has not accepted the portal invitation yet",
                detail=f"The invitation sent to {invitation.contact.email} expires on "
                f"{timezone.localtime(invitation.expires_at):%d %B %Y}.",
                due=timezone.localtime(invitation.expires_at).date(),
                object_id=invitation.pk,
            )
        )

    without_account = VendorContact.objects.filter(vendor=vendor, user__isnull=True).order_by(
        "name"
    )
    for contact in without_account:
        if contact.pk in invited_contact_ids:
            continue
        items.append(
            OpenItem(
                kind=OpenItemKind.CONTACT_WITHOUT_ACCOUNT,
                title=f"{contact.name} has no portal account",
                detail=f"Ask your Tenderleaf procurement contact to invite {contact.email}.",
                object_id=contact.pk,
            )
        )
    return items


def vendor_name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another vendor already has this name, compared without regard to case."""
    return Vendor.objects.filter(name__iexact=name.strip()).exclude(pk=exclude_pk).exists()


def vendor_contact_email_taken(
    vendor: Vendor, email: str, *, exclude_pk: int | None = None
) -> bool:
    return (
        VendorContact.objects.filter(vendor=vendor, email__iexact=email.strip())
        .exclude(pk=exclude_pk)
        .exists()
    )


def vendor_contacts_with_access(
    queryset: QuerySet[VendorContact] | None = None, *, now: datetime.datetime | None = None
) -> QuerySet[VendorContact]:
    """Contacts with their vendor joined and ``has_pending_invitation`` (a usable link exists)."""
    if queryset is None:
        queryset = VendorContact.objects.all()
    now = now or timezone.now()
    pending = VendorInvitation.objects.filter(
        contact=OuterRef("pk"),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    return queryset.select_related("vendor").annotate(has_pending_invitation=Exists(pending))


# --- disclosures -------------------------------------------------------------------------------


def _latest_disclosure(field: str):
    from vendors.models import EmissionsDisclosure

    latest = EmissionsDisclosure.objects.filter(request=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return Subquery(latest.values(field)[:1])


def disclosure_request_list(*, vendor: Vendor | None = None) -> QuerySet:
    """Requests with the vendor joined and the state of their latest disclosure annotated
    (``latest_disclosure_id``, ``latest_disclosure_status``, ``latest_review_comment``)."""
    from vendors.models import DisclosureRequest

    requests = DisclosureRequest.objects.select_related("vendor").annotate(
        latest_disclosure_id=_latest_disclosure("pk"),
        latest_disclosure_status=_latest_disclosure("status"),
        latest_review_comment=_latest_disclosure("review_comment"),
    )
    if vendor is not None:
        requests = requests.filter(vendor=vendor)
    return requests


def disclosure_list(*, vendor: Vendor | None = None) -> QuerySet:
    """Disclosures with vendor, request and the people of the workflow joined."""
    from vendors.models import EmissionsDisclosure

    disclosures = EmissionsDisclosure.objects.select_related(
        "vendor", "request", "submitted_by", "reviewed_by", "superseded_by"
    )
    if vendor is not None:
        disclosures = disclosures.filter(vendor=vendor)
    return disclosures


def disclosure_for_request(request) -> object | None:
    """The disclosure a request page works on: the newest one made for it."""
    return disclosure_list().filter(request=request).order_by("-created_at", "-pk").first()


def disclosure_evidence(disclosure) -> QuerySet:
    from django.contrib.contenttypes.models import ContentType

    from assurance.models import EvidenceFile

    return EvidenceFile.objects.filter(
        target_type=ContentType.objects.get_for_model(disclosure),
        target_id=str(disclosure.pk),
        vendor_id=disclosure.vendor_id,
    ).order_by("uploaded_at")


def disclosure_value_shown(name: str, value, *, revenue_currency: str = ""):
    """A disclosure field's value as people read it: tonnes grouped with their unit
    (``1,200.5 tCO2e``), revenue with its currency, the allocation uncertainty in percent; other
    fields as they are. None when nothing was reported, so each page says so in its own way."""
    if value is None or value == "":
        return None
    if name.endswith("_tco2e"):
        return numbers.tco2e(value)
    if name == "revenue":
        return numbers.money(value, revenue_currency)
    if name.endswith("_pct"):
        return numbers.percent(value)
    return value


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: object
    new: object
    # The same values as disclosure_value_shown reads them (None when empty).
    old_shown: object = None
    new_shown: object = None


@dataclass(frozen=True)
class HistoryEntry:
    """One saved version of a disclosure, as the history section shows it."""

    when: datetime.datetime
    who: str
    status: str
    kind: str
    reason: str
    changes: tuple[FieldChange, ...]


# Bookkeeping fields that every save changes or that the status already says.
_HISTORY_SKIP = {"id", "created_at"}


def disclosure_history(disclosure) -> list[HistoryEntry]:
    """Every version of ``disclosure``, oldest first, with what changed (old -> new).

    Two queries whatever the number of versions: the records with their users, then the diffs are
    computed in memory with simple_history's ``diff_against``.
    """
    from vendors.models import EmissionsDisclosure

    labels = {f.attname: str(f.verbose_name) for f in EmissionsDisclosure._meta.concrete_fields}
    status_labels = dict(EmissionsDisclosure.Status.choices)
    records = list(
        disclosure.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries = []
    previous = None
    for record in records:
        changes: list[FieldChange] = []
        if previous is not None:
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            for change in delta.changes:
                if change.field in _HISTORY_SKIP:
                    continue
                changes.append(
                    FieldChange(
                        field=change.field,
                        label=labels.get(change.field, change.field.replace("_", " ")),
                        old=change.old,
                        new=change.new,
                        old_shown=disclosure_value_shown(
                            change.field, change.old, revenue_currency=previous.revenue_currency
                        ),
                        new_shown=disclosure_value_shown(
                            change.field, change.new, revenue_currency=record.revenue_currency
                        ),
                    )
                )
        user = record.history_user
        who = (user.get_full_name() or user.get_username()) if user is not None else "unknown"
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=who,
                status=status_labels.get(record.status, record.status),
                kind={"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                reason=record.history_change_reason or "",
                changes=tuple(changes),
            )
        )
        previous = record
    return entries


def vendor_certificates(vendor: Vendor, *, today: datetime.date | None = None) -> list:
    """The vendor's certificates with ``display_state`` (valid, expiring, expired, suspended,
    withdrawn) and ``verified`` for the portal list."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    certificates = list(
        certification_list(vendor=vendor, today=today)
        .select_related("evidence", "verified_by")
        .order_by("kind", "-issue_date")
    )
    for cert in certificates:
        state = cert.effective_state
        if state == CertificationState.VALID and cert.expiry_date and cert.expiry_date <= horizon:
            state = CertificationState.EXPIRING
        cert.display_state = state
        cert.display_state_label = dict(CertificationState.choices)[state]
        cert.verified = cert.verified_at is not None
    return certificates


def disclosure_open_items(vendor: Vendor, *, today: datetime.date | None = None) -> list[OpenItem]:
    """Requests the vendor has still to answer and disclosures rejected for revision (two
    queries). A request whose latest disclosure was rejected is listed once, as the rejection."""
    from django.urls import reverse

    from vendors.models import DisclosureRequest, EmissionsDisclosure

    today = today or timezone.localdate()
    items: list[OpenItem] = []
    requests = disclosure_request_list(vendor=vendor).filter(
        status__in=[DisclosureRequest.Status.OPEN, DisclosureRequest.Status.OVERDUE]
    )
    for request in requests.order_by("due_date", "pk"):
        url = reverse("portal:disclosure_request", kwargs={"pk": request.pk})
        overdue = request.status == DisclosureRequest.Status.OVERDUE or request.due_date < today
        if request.latest_disclosure_status == EmissionsDisclosure.Status.REJECTED:
            items.append(
                OpenItem(
                    kind=OpenItemKind.DISCLOSURE_REJECTED,
                    title=f"Your FY{request.reporting_year} disclosure was returned for changes",
                    detail=f"Reviewer's comment: {request.latest_review_comment} Revise it and "
                    f"submit it again by {request.due_date:%d %B %Y}.",
                    due=request.due_date,
                    object_id=request.pk,
                    url=url,
                )
            )
            continue
        draft = request.latest_disclosure_status == EmissionsDisclosure.Status.DRAFT
        progress = "You have saved a draft; submit it" if draft else "Submit your emissions"
        if overdue:
            items.append(
                OpenItem(
                    kind=OpenItemKind.DISCLOSURE_REQUEST_OVERDUE,
                    title=f"FY{request.reporting_year} disclosure is overdue",
                    detail=f"It was due on {request.due_date:%d %B %Y}. {progress} as soon as "
                    "you can.",
                    due=request.due_date,
                    object_id=request.pk,
                    url=url,
                )
            )
        else:
            items.append(
                OpenItem(
                    kind=OpenItemKind.DISCLOSURE_REQUEST_OPEN,
                    title=f"FY{request.reporting_year} disclosure requested",
                    detail=f"{progress} by {request.due_date:%d %B %Y}.",
                    due=request.due_date,
                    object_id=request.pk,
                    url=url,
                )
            )
    loose = disclosure_list(vendor=vendor).filter(
        status=EmissionsDisclosure.Status.REJECTED, request__isnull=True
    )
    for disclosure in loose.order_by("period_end", "pk"):
        items.append(
            OpenItem(
                kind=OpenItemKind.DISCLOSURE_REJECTED,
                title=f"Your disclosure for {disclosure.period_start:%d %b %Y} to "
                f"{disclosure.period_end:%d %b %Y} was returned for changes",
                detail=f"Reviewer's comment: {disclosure.review_comment}",
                object_id=disclosure.pk,
                url=reverse("portal:disclosure_detail", kwargs={"pk": disclosure.pk}),
            )
        )
    return items
