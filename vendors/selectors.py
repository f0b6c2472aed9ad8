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

from vendors.models import Certification, Vendor, VendorContact, VendorInvitation, VendorMembership

# How far ahead a certificate counts as "expiring": the first reminder goes out 90 days before
# expiry (PRODUCT.md section 6), so that is also what the admin filter and the portal show.
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


class OpenItemKind:
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    INVITATION_PENDING = "invitation_pending"
    CONTACT_WITHOUT_ACCOUNT = "contact_without_account"


def vendor_open_items(vendor: Vendor, *, today: datetime.date | None = None) -> list[OpenItem]:
    """What the vendor should act on, most urgent first (a fixed number of queries).

    - certificates that have expired, or expire within 90 days;
    - invitations that were sent and can still be accepted;
    - contacts without a portal account and without such an invitation (a contact with a pending
      invitation is listed once, as the invitation).
    """
    today = today or timezone.localdate()
    now = timezone.now()
    items: list[OpenItem] = []

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
