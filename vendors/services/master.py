"""Writes to the vendor master. Every function takes the acting user, validates the whole object
before saving, records history (with the actor and reason) and its audit event in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.services import assign_fields
from operations.services import outbox_email_enqueue
from vendors.models import Certification, Vendor, VendorContact, VendorInvitation, VendorMembership

VENDOR_FIELDS = {
    "name",
    "legal_name",
    "country",
    "naics_code",
    "category",
    "status",
    "relationship_owner",
    "lei",
    "tax_id",
    "website",
}
CONTACT_FIELDS = {"name", "email", "role", "receives_reminders", "language"}
CERTIFICATION_FIELDS = {
    "kind",
    "number",
    "certification_body",
    "accreditation_body",
    "scope",
    "sites",
    "issue_date",
    "expiry_date",
    "status",
    "evidence",
}


def _normalise_vendor(vendor: Vendor) -> None:
    vendor.lei = (vendor.lei or "").strip().upper()
    # Read the raw value: CountryField's descriptor silently turns alpha-3 codes ("USA") into
    # alpha-2, but the vendor master accepts ISO 3166-1 alpha-2 only.
    raw = vendor.__dict__.get("country")
    if raw and isinstance(raw, str):
        code = raw.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ValidationError(
                {
                    "country": f"{raw} is not an ISO 3166-1 alpha-2 country code "
                    "(two letters, e.g. US)."
                }
            )
        vendor.country = code


def vendor_create(*, actor, reason: str = "", **fields) -> Vendor:
    """Add a vendor to the master. Names are unique regardless of case."""
    vendor = Vendor()
    assign_fields(vendor, VENDOR_FIELDS, fields)
    _normalise_vendor(vendor)
    vendor.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "vendor created"):
        vendor.save()
        audit_event_record(actor=actor, verb=AuditEvent.Verb.CREATED, target=vendor)
    return vendor


def vendor_update(*, actor, vendor: Vendor, reason: str = "", **fields) -> Vendor:
    changed = assign_fields(vendor, VENDOR_FIELDS, fields)
    _normalise_vendor(vendor)
    vendor.full_clean()
    if not changed:
        return vendor
    with transaction.atomic(), acting_as(actor, reason or "vendor updated"):
        vendor.save()
        audit_event_record(
            actor=actor, verb=AuditEvent.Verb.UPDATED, target=vendor, details={"fields": changed}
        )
    return vendor


def vendor_contact_create(*, actor, vendor: Vendor, reason: str = "", **fields) -> VendorContact:
    contact = VendorContact(vendor=vendor)
    assign_fields(contact, CONTACT_FIELDS, fields)
    contact.email = contact.email.lower()
    contact.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "contact added"):
        contact.save()
        audit_event_record(actor=actor, verb=AuditEvent.Verb.CREATED, target=contact)
    return contact


def vendor_contact_update(
    *, actor, contact: VendorContact, reason: str = "", **fields
) -> VendorContact:
    changed = assign_fields(contact, CONTACT_FIELDS, fields)
    contact.email = contact.email.lower()
    contact.full_clean()
    if not changed:
        return contact
    with transaction.atomic(), acting_as(actor, reason or "contact updated"):
        contact.save()
        audit_event_record(
            actor=actor, verb=AuditEvent.Verb.UPDATED, target=contact, details={"fields": changed}
        )
    return contact


def vendor_contact_delete(*, actor, contact: VendorContact, reason: str = "") -> None:
    """Remove a contact; a contact with a portal account keeps it until it is deactivated."""
    with transaction.atomic(), acting_as(actor, reason or "contact removed"):
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=contact.vendor,
            details={"removed_contact": contact.email},
        )
        contact.delete()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def vendor_contact_invite(
    *,
    actor,
    contact: VendorContact,
    role: str = VendorMembership.Role.CONTRIBUTOR,
    reason: str = "",
) -> tuple[VendorInvitation, str]:
    """Email the contact a one-time link to the portal; earlier unused links are revoked.

    Returns the invitation and the raw token (only its hash is stored).
    """
    if contact.user_id is not None:
        raise ValidationError(
            {"contact": f"{contact.email} already has a portal account; no invitation is needed."}
        )
    if role not in VendorMembership.Role.values:
        raise ValidationError({"role": f"{role!r} is not a membership role."})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic(), acting_as(actor, reason or "contact invited to the portal"):
        for old in VendorInvitation.objects.select_for_update().filter(
            contact=contact, accepted_at__isnull=True, revoked_at__isnull=True
        ):
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        invitation = VendorInvitation.objects.create(
            contact=contact,
            role=role,
            token_sha256=_token_hash(token),
            invited_by=actor,
            expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.INVITED,
            target=contact,
            details={"role": role, "expires_at": invitation.expires_at.isoformat()},
        )
        _invitation_email_enqueue(invitation, token)
    return invitation, token


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("portal:invitation_accept", kwargs={"token": token})


def _invitation_email_enqueue(invitation: VendorInvitation, token: str) -> None:
    contact = invitation.contact
    context = {
        "contact": contact,
        "vendor": contact.vendor,
        "url": invitation_url(token),
        "expires_at": invitation.expires_at,
        "invited_by": invitation.invited_by,
    }
    outbox_email_enqueue(
        key=f"vendor-invitation:{invitation.pk}",
        template="vendor_invitation",
        subject=f"Your invitation to the Tenderleaf vendor portal for {contact.vendor.name}",
        to=[contact.email],
        context=context,
        one_time_link=True,
    )


def vendor_invitation_lookup(token: str) -> VendorInvitation | None:
    """The invitation for a raw token, or None when the token is unknown."""
    if not token or len(token) > 100:
        return None
    return (
        VendorInvitation.objects.select_related("contact__vendor")
        .filter(token_sha256=_token_hash(token))
        .first()
    )


class InvitationUnusable(Exception):
    """The link was used, revoked or has expired; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def vendor_invitation_accept(*, token: str, password: str):
    """Turn an invitation into a portal account that belongs to exactly one vendor.

    The invitation row is locked, so two concurrent submissions of one link create one account.
    """
    User = get_user_model()
    with transaction.atomic():
        invitation = vendor_invitation_lookup(token)
        if invitation is None:
            raise InvitationUnusable("unknown")
        invitation = (
            VendorInvitation.objects.select_for_update()
            .select_related("contact__vendor")
            .get(pk=invitation.pk)
        )
        if invitation.accepted_at is not None:
            raise InvitationUnusable("used")
        if invitation.revoked_at is not None:
            raise InvitationUnusable("revoked")
        if invitation.is_expired:
            raise InvitationUnusable("expired")
        contact = invitation.contact
        username = contact.email.lower()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                {
                    "username": f"An account named {username} already exists; "
                    "sign in or reset its password."
                }
            )
        user = User(username=username, email=contact.email, first_name=contact.name[:150])
        validate_password(password, user)
        user.set_password(password)
        user.is_staff = False
        user.save()
        with acting_as(user, "accepted portal invitation"):
            VendorMembership.objects.create(user=user, vendor=contact.vendor, role=invitation.role)
            contact.user = user
            contact.save(update_fields=["user"])
            invitation.accepted_at = timezone.now()
            invitation.save(update_fields=["accepted_at"])
            audit_event_record(actor=user, verb=AuditEvent.Verb.INVITATION_ACCEPTED, target=contact)
    return user


def certification_create(*, actor, vendor: Vendor, reason: str = "", **fields) -> Certification:
    certification = Certification(vendor=vendor)
    assign_fields(certification, CERTIFICATION_FIELDS, fields)
    certification.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "certification added"):
        certification.save()
        audit_event_record(actor=actor, verb=AuditEvent.Verb.CREATED, target=certification)
    return certification


def certification_update(
    *, actor, certification: Certification, reason: str = "", **fields
) -> Certification:
    changed = assign_fields(certification, CERTIFICATION_FIELDS, fields)
    certification.full_clean()
    if not changed:
        return certification
    with transaction.atomic(), acting_as(actor, reason or "certification updated"):
        certification.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=certification,
            details={"fields": changed},
        )
    return certification


def certification_delete(*, actor, certification: Certification, reason: str = "") -> None:
    """Remove a certification entered in error; its history rows keep what it said."""
    with transaction.atomic(), acting_as(actor, reason or "certification removed"):
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=certification.vendor,
            details={
                "removed_certification": {
                    "id": certification.pk,
                    "kind": certification.kind,
                    "number": certification.number,
                    "issue_date": certification.issue_date.isoformat(),
                    "expiry_date": (
                        certification.expiry_date.isoformat() if certification.expiry_date else None
                    ),
                }
            },
        )
        certification.delete()
