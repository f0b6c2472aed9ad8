"""Writes of the disclosure workflow: requests, emissions disclosures, their review, certificates.

Workflow (docs/domain.md, "Vendor disclosure"): an officer sends a :class:`DisclosureRequest`; the
vendor drafts an :class:`EmissionsDisclosure` and submits it (plausibility errors refuse the
submission, warnings must be confirmed and are stored); an officer accepts or rejects it (a
rejection carries a comment the vendor sees, and the vendor revises and resubmits). Accepting a
disclosure for a period that already has an accepted one supersedes the older one, which is kept.

Every function takes the acting user, runs in one transaction, attributes history through
``acting_as`` and records its audit event in that transaction. Emails are written to the
transactional outbox (``operations``) in that transaction too and sent after commit by a worker,
so a mail server or broker that is down delays them but never loses them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record, evidence_file_upload
from config.services import assign_fields
from operations.services import outbox_email_enqueue
from vendors import extensions
from vendors.boundary import categories_normalised
from vendors.models import Certification, DisclosureRequest, EmissionsDisclosure, Vendor
from vendors.plausibility import (
    DisclosureFacts,
    PlausibilityResult,
    PreviousDisclosure,
    disclosure_plausibility,
)
from vendors.services.master import certification_create

ASK_FIELDS = frozenset(
    {
        "ask_scope1",
        "ask_scope2_location",
        "ask_scope2_market",
        "ask_scope3_upstream",
        "ask_allocation",
        "ask_product_footprints",
        "ask_certificates",
    }
)
# What a vendor fills in; workflow fields (status, review, warnings) are set by the services only.
DISCLOSURE_FIELDS = frozenset(
    {
        "reporting_entity",
        "period_start",
        "period_end",
        "scope1_tco2e",
        "scope2_location_tco2e",
        "scope2_market_tco2e",
        "scope3_upstream_tco2e",
        "scope3_upstream_categories",
        "revenue",
        "revenue_currency",
        "allocated_to_us_tco2e",
        "allocation_method",
        "allocation_boundary",
        "allocation_uncertainty_pct",
        "verification",
        "verification_standard",
        "verifier",
        "methodology_notes",
    }
)
# A vendor uploading a certificate describes it; status and verification are the officer's.
CERTIFICATE_UPLOAD_FIELDS = frozenset(
    {
        "kind",
        "number",
        "certification_body",
        "accreditation_body",
        "scope",
        "sites",
        "issue_date",
        "expiry_date",
    }
)
LIVE_REQUEST_STATUSES = frozenset(
    {
        DisclosureRequest.Status.OPEN,
        DisclosureRequest.Status.OVERDUE,
        DisclosureRequest.Status.SUBMITTED,
        DisclosureRequest.Status.ACCEPTED,
    }
)
Status = EmissionsDisclosure.Status


class DisclosureWarningsUnconfirmed(ValidationError):
    """Submission refused: plausibility warnings exist and were not confirmed.

    ``warnings`` is the list of ``{code, message}`` to show; the messages are also the error of the
    ``confirm_warnings`` field, so API clients see them as a normal validation error.
    """

    def __init__(self, warnings: list[dict]):
        self.warnings = list(warnings)
        super().__init__({"confirm_warnings": [w["message"] for w in self.warnings]})


class DisclosureRequestBatch(list):
    """The requests created in bulk; ``skipped`` holds the vendors that already had a live one."""

    def __init__(self, created=(), skipped=()):
        super().__init__(created)
        self.skipped: list[Vendor] = list(skipped)


# --- requests ----------------------------------------------------------------------------------


def _portal_request_url(request: DisclosureRequest) -> str:
    return settings.SITE_URL + reverse("portal:disclosure_request", kwargs={"pk": request.pk})


def _recipients(vendor: Vendor, *also) -> list[str]:
    emails = list(
        vendor.contacts.filter(receives_reminders=True)
        .order_by("email")
        .values_list("email", flat=True)
    )
    for email in also:
        if email and email.lower() not in {e.lower() for e in emails}:
            emails.append(email)
    return emails


def _send(key: str, template: str, subject: str, recipients: list[str], context: dict) -> None:
    """Queue the email in the current transaction's outbox; ``key`` makes it one email."""
    outbox_email_enqueue(
        key=key, template=template, subject=subject, to=recipients, context=context
    )


def _check_asks(asks: dict) -> None:
    unknown = set(asks) - ASK_FIELDS
    if unknown:
        raise TypeError(f"Unknown request fields: {', '.join(sorted(unknown))}")


def disclosure_request_create(
    *,
    actor,
    vendor: Vendor,
    reporting_year: int,
    due_date: datetime.date,
    message: str = "",
    reason: str = "",
    now: datetime.datetime | None = None,
    **asks,
) -> DisclosureRequest:
    """Ask a vendor to disclose a reporting year; emails its contacts who receive reminders.

    One live (not closed) request per vendor and year; a second one is refused naming
    ``reporting_year``. ``sent_at`` is set when at least one contact is emailed: at ``now``,
    the current time unless a caller replaying past events (the demo) says when it happened.
    """
    _check_asks(asks)
    request = DisclosureRequest(
        vendor=vendor,
        reporting_year=reporting_year,
        due_date=due_date,
        message=(message or "").strip(),
        created_by=actor,
        **asks,
    )
    request.full_clean(exclude=["created_by"], validate_constraints=False)
    with transaction.atomic(), acting_as(actor, reason or "disclosure requested"):
        live = (
            DisclosureRequest.objects.select_for_update()
            .filter(vendor=vendor, reporting_year=reporting_year)
            .exclude(status=DisclosureRequest.Status.CLOSED)
        )
        if live.exists():
            raise ValidationError(
                {
                    "reporting_year": f"{vendor.name} already has an open FY{reporting_year} "
                    "request; close it before sending a new one."
                }
            )
        recipients = _recipients(vendor)
        request.sent_at = (now or timezone.now()) if recipients else None
        request.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=request,
            details={
                "reporting_year": reporting_year,
                "due_date": due_date.isoformat(),
                "asks": sorted(n for n in ASK_FIELDS if getattr(request, n)),
                "emailed": recipients,
            },
        )
        _request_email(request, recipients)
    return request


def _request_email(request: DisclosureRequest, recipients: list[str]) -> None:
    _send(
        f"disclosure-request-created:{request.pk}",
        "disclosure_request_created",
        f"Disclosure request: FY{request.reporting_year} emissions of {request.vendor.name}, "
        f"due {request.due_date:%d %B %Y}",
        recipients,
        {"request": request, "vendor": request.vendor, "url": _portal_request_url(request)},
    )


def disclosure_requests_create_bulk(
    *,
    actor,
    vendors,
    reporting_year: int,
    due_date: datetime.date,
    message: str = "",
    reason: str = "",
    **asks,
) -> DisclosureRequestBatch:
    """One request per vendor, all or nothing; vendors that already have a live request for the
    year are skipped (listed in ``result.skipped``), not an error."""
    _check_asks(asks)
    created, skipped = [], []
    with transaction.atomic():
        for vendor in vendors:
            if (
                DisclosureRequest.objects.filter(vendor=vendor, reporting_year=reporting_year)
                .exclude(status=DisclosureRequest.Status.CLOSED)
                .exists()
            ):
                skipped.append(vendor)
                continue
            created.append(
                disclosure_request_create(
                    actor=actor,
                    vendor=vendor,
                    reporting_year=reporting_year,
                    due_date=due_date,
                    message=message,
                    reason=reason,
                    **asks,
                )
            )
    return DisclosureRequestBatch(created, skipped)


def _request_touch(request: DisclosureRequest | None, **changes) -> None:
    if request is None:
        return
    request.vendor_touched_at = timezone.now()
    for name, value in changes.items():
        setattr(request, name, value)
    request.save(update_fields=["vendor_touched_at", *changes])


# --- disclosures -------------------------------------------------------------------------------


def _not_editable(disclosure: EmissionsDisclosure) -> ValidationError:
    when = (
        f" on {timezone.localtime(disclosure.submitted_at):%d %B %Y}"
        if disclosure.submitted_at
        else ""
    )
    return ValidationError(
        {
            "status": f"This disclosure is {disclosure.get_status_display().lower()}{when} and "
            "can no longer be changed."
        },
        code="not_editable",
    )


def disclosure_save_draft(
    *,
    actor,
    vendor: Vendor,
    disclosure: EmissionsDisclosure | None = None,
    request: DisclosureRequest | None = None,
    reason: str = "",
    **fields,
) -> EmissionsDisclosure:
    """Create a draft, or update a draft or rejected disclosure, with the vendor's values.

    Impossible values (negative, period end not after start, ...) are refused even in a draft;
    what the request requires is checked at submission. A rejected disclosure stays rejected
    (with its comment visible) until it is resubmitted. Touches the request, so reminders stop.
    """
    creating = disclosure is None
    if creating:
        if request is not None and request.vendor_id != vendor.pk:
            raise ValidationError({"request": "This request belongs to another vendor."})
        if request is not None and request.status == DisclosureRequest.Status.CLOSED:
            raise ValidationError({"request": "This request is closed."})
        disclosure = EmissionsDisclosure(vendor=vendor, request=request, created_by=actor)
    else:
        if disclosure.vendor_id != vendor.pk:
            raise ValidationError({"disclosure": "This disclosure belongs to another vendor."})
        if not disclosure.is_editable_by_vendor:
            raise _not_editable(disclosure)
        request = disclosure.request
    fields = {
        name: (value.strip().upper() if name == "revenue_currency" and value else value)
        for name, value in fields.items()
    }
    if "scope3_upstream_categories" in fields:
        # Stored sorted and without repeats, whatever order the form, API or file gave.
        fields["scope3_upstream_categories"] = categories_normalised(
            fields["scope3_upstream_categories"]
        )
    if fields.get("allocation_boundary", "") is None:
        fields["allocation_boundary"] = ""
    changed = assign_fields(disclosure, DISCLOSURE_FIELDS, fields)
    _validate(disclosure, submitting=False)
    if not creating and not changed:
        return disclosure
    with transaction.atomic(), acting_as(actor, reason or "disclosure draft saved"):
        if not creating:
            # A concurrent submit must not be overwritten by a stale draft.
            status = (
                EmissionsDisclosure.objects.select_for_update()
                .values_list("status", flat=True)
                .get(pk=disclosure.pk)
            )
            if status not in {Status.DRAFT, Status.REJECTED}:
                disclosure.status = status
                raise _not_editable(disclosure)
        disclosure.save()
        _request_touch(request)
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED if creating else AuditEvent.Verb.UPDATED,
            target=disclosure,
            details={"fields": sorted(changed), "status": disclosure.status},
        )
    return disclosure


def _validate(disclosure: EmissionsDisclosure, *, submitting: bool) -> PlausibilityResult:
    """Model validation and plausibility together, as one error per field."""
    errors: dict[str, list[str]] = {}
    try:
        disclosure.full_clean(
            exclude=["created_by", "vendor", "request"], validate_constraints=False
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    result = disclosure_check(disclosure, submitting=submitting)
    for name, messages in result.errors.items():
        if name not in errors:  # "required" from the model already says it
            errors[name] = messages
    if errors:
        raise ValidationError(errors)
    return result


def disclosure_facts(
    disclosure: EmissionsDisclosure, *, request: DisclosureRequest | None = None
) -> DisclosureFacts:
    """Load what the plausibility rules need: the request's asks, the sector factor of the vendor's
    NAICS code (latest spend-based dataset), an FX rate for the revenue currency, and the vendor's
    latest accepted disclosure.

    The factor and the rate are scope3's, handed in through ``vendors.extensions.sector_factor``
    and ``fx_rate`` (docs/architecture.md, "Which app may import which"); without them the rules
    that need them say nothing."""
    request = request if request is not None else disclosure.request
    vendor = disclosure.vendor
    factor_value, factor_source = None, ""
    if vendor.naics_code:
        factor = extensions.sector_factor.first(vendor.naics_code)
        if factor is not None:
            factor_value, factor_source = factor
    fx = None
    currency = (disclosure.revenue_currency or "").upper()
    if currency and currency != "USD" and disclosure.period_end:
        fx = extensions.fx_rate.first(currency, disclosure.period_end.year)
    previous = None
    if vendor.pk is not None:
        older = (
            EmissionsDisclosure.objects.filter(vendor=vendor, status=Status.ACCEPTED)
            .exclude(pk=disclosure.pk)
            .order_by("-period_end", "-id")
            .first()
        )
        if older is not None:
            previous = PreviousDisclosure(
                label=f"{older.period_start:%d %b %Y} to {older.period_end:%d %b %Y}",
                scope1_tco2e=older.scope1_tco2e,
                scope2_location_tco2e=older.scope2_location_tco2e,
                scope2_market_tco2e=older.scope2_market_tco2e,
                scope3_upstream_tco2e=older.scope3_upstream_tco2e,
            )
    return DisclosureFacts(
        period_start=disclosure.period_start,
        period_end=disclosure.period_end,
        scope1_tco2e=_decimal(disclosure.scope1_tco2e),
        scope2_location_tco2e=_decimal(disclosure.scope2_location_tco2e),
        scope2_market_tco2e=_decimal(disclosure.scope2_market_tco2e),
        scope3_upstream_tco2e=_decimal(disclosure.scope3_upstream_tco2e),
        scope3_upstream_categories=_categories(disclosure.scope3_upstream_categories),
        revenue=_decimal(disclosure.revenue),
        revenue_currency=currency,
        allocated_to_us_tco2e=_decimal(disclosure.allocated_to_us_tco2e),
        allocation_method=disclosure.allocation_method,
        allocation_boundary=disclosure.allocation_boundary or "",
        allocation_uncertainty_pct=_decimal(disclosure.allocation_uncertainty_pct),
        ask_scope2_location=bool(request and request.ask_scope2_location),
        ask_scope2_market=bool(request and request.ask_scope2_market),
        naics_code=vendor.naics_code,
        sector_factor_kg_per_usd=factor_value,
        sector_factor_source=factor_source,
        fx_units_per_usd=fx,
        previous=previous,
    )


def _categories(value) -> tuple:
    # Not a list at all is the model validator's error to report; the rules see no categories.
    return tuple(value) if isinstance(value, list | tuple) else ()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def disclosure_check(
    disclosure: EmissionsDisclosure,
    *,
    request: DisclosureRequest | None = None,
    submitting: bool = True,
) -> PlausibilityResult:
    """The plausibility errors, warnings and notes of ``disclosure`` (reads only, no writes).

    The rules are in :mod:`vendors.plausibility`; this loads their inputs.
    """
    return disclosure_plausibility(
        disclosure_facts(disclosure, request=request), submitting=submitting
    )


def disclosure_submit(
    *,
    actor,
    disclosure: EmissionsDisclosure,
    confirm_warnings: bool = False,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> EmissionsDisclosure:
    """Submit a draft or rejected disclosure for review.

    Errors refuse it (``ValidationError`` by field); warnings refuse it with
    :class:`DisclosureWarningsUnconfirmed` unless ``confirm_warnings``. The warnings, and who
    confirmed them when, are stored; earlier review fields are cleared (history keeps them).
    ``now`` is when it was submitted (default: the current time).
    """
    with transaction.atomic(), acting_as(actor, reason or "disclosure submitted"):
        locked = EmissionsDisclosure.objects.select_for_update().get(pk=disclosure.pk)
        if not locked.is_editable_by_vendor:
            disclosure.status = locked.status
            disclosure.submitted_at = locked.submitted_at
            raise _not_editable(locked)
        result = _validate(disclosure, submitting=True)
        if result.warnings and not confirm_warnings:
            raise DisclosureWarningsUnconfirmed(result.warnings)
        now = now or timezone.now()
        previous_status = locked.status
        disclosure.warnings = result.warnings
        disclosure.warnings_confirmed_by = actor if result.warnings else None
        disclosure.warnings_confirmed_at = now if result.warnings else None
        disclosure.status = Status.SUBMITTED
        disclosure.submitted_by = actor
        disclosure.submitted_at = now
        disclosure.reviewed_by = None
        disclosure.reviewed_at = None
        disclosure.review_comment = ""
        disclosure.save()
        request = disclosure.request
        if request is not None and request.status != DisclosureRequest.Status.CLOSED:
            _request_touch(request, status=DisclosureRequest.Status.SUBMITTED)
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.SUBMITTED,
            target=disclosure,
            details={
                "resubmission": previous_status == Status.REJECTED,
                "warnings": result.warnings,
                "warnings_confirmed": bool(result.warnings),
                "notes": result.notes,
            },
        )
        _submitted_email(disclosure, resubmission=previous_status == Status.REJECTED)
    return disclosure


def _officers_to_notify(vendor: Vendor) -> list[str]:
    """The vendor's relationship owner; without one (or without an email), the procurement group,
    so a submission never waits unseen."""
    owner = vendor.relationship_owner
    if owner is not None and owner.is_active and owner.email:
        return [owner.email]
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(groups__name="procurement", is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _submitted_email(disclosure: EmissionsDisclosure, *, resubmission: bool) -> None:
    vendor = disclosure.vendor
    _send(
        f"disclosure-submitted:{disclosure.pk}:{disclosure.submitted_at.isoformat()}",
        "disclosure_submitted",
        f"{vendor.name} submitted its disclosure for {_period(disclosure)}",
        _officers_to_notify(vendor),
        {
            "disclosure": disclosure,
            "vendor": vendor,
            "resubmission": resubmission,
            "url": settings.SITE_URL
            + reverse("admin:vendors_emissionsdisclosure_change", args=[disclosure.pk]),
        },
    )


def _review_email(disclosure: EmissionsDisclosure, template: str, subject: str) -> None:
    key = f"{template}:{disclosure.pk}:{disclosure.reviewed_at.isoformat()}"
    submitter = disclosure.submitted_by
    recipients = _recipients(disclosure.vendor, getattr(submitter, "email", ""))
    url = (
        _portal_request_url(disclosure.request)
        if disclosure.request_id
        else settings.SITE_URL + reverse("portal:disclosure_detail", kwargs={"pk": disclosure.pk})
    )
    _send(
        key,
        template,
        subject,
        recipients,
        {"disclosure": disclosure, "vendor": disclosure.vendor, "url": url},
    )


def _period(disclosure: EmissionsDisclosure) -> str:
    return f"{disclosure.period_start:%d %b %Y} to {disclosure.period_end:%d %b %Y}"


def _lock_submitted(disclosure: EmissionsDisclosure) -> EmissionsDisclosure:
    locked = EmissionsDisclosure.objects.select_for_update().get(pk=disclosure.pk)
    if locked.status != Status.SUBMITTED:
        raise ValidationError(
            {
                "status": f"Only a submitted disclosure can be reviewed; this one is "
                f"{locked.get_status_display().lower()}."
            }
        )
    return locked


def disclosure_accept(
    *,
    actor,
    disclosure: EmissionsDisclosure,
    comment: str = "",
    reason: str = "",
    now: datetime.datetime | None = None,
) -> EmissionsDisclosure:
    """Accept a submitted disclosure.

    An accepted disclosure of the same vendor, period and reporting entity is superseded: kept,
    marked superseded and pointed at this one (a restatement, GHG Protocol Corporate Standard
    ch. 5). The request becomes accepted; the vendor's contacts are emailed. ``now`` is when it
    was reviewed (default: the current time).
    """
    with transaction.atomic(), acting_as(actor, reason or "disclosure accepted"):
        _lock_submitted(disclosure)
        older = list(
            EmissionsDisclosure.objects.select_for_update()
            .filter(
                vendor_id=disclosure.vendor_id,
                period_start=disclosure.period_start,
                period_end=disclosure.period_end,
                reporting_entity=disclosure.reporting_entity,
                status=Status.ACCEPTED,
            )
            .exclude(pk=disclosure.pk)
        )
        for old in older:
            old.status = Status.SUPERSEDED
            old.superseded_by = disclosure
            old.save(update_fields=["status", "superseded_by"])
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.UPDATED,
                target=old,
                details={"status": Status.SUPERSEDED, "superseded_by": disclosure.pk},
            )
        disclosure.status = Status.ACCEPTED
        disclosure.reviewed_by = actor
        disclosure.reviewed_at = now or timezone.now()
        disclosure.review_comment = (comment or "").strip()
        disclosure.save()
        request = disclosure.request
        if request is not None and request.status != DisclosureRequest.Status.CLOSED:
            request.status = DisclosureRequest.Status.ACCEPTED
            request.save(update_fields=["status"])
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.ACCEPTED,
            target=disclosure,
            details={
                "comment": disclosure.review_comment,
                "superseded": [old.pk for old in older],
            },
        )
        _review_email(
            disclosure,
            "disclosure_accepted",
            f"Your disclosure for {_period(disclosure)} was accepted",
        )
    return disclosure


def disclosure_reject(
    *,
    actor,
    disclosure: EmissionsDisclosure,
    comment: str,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> EmissionsDisclosure:
    """Reject a submitted disclosure with a comment the vendor sees; the vendor can revise it.

    The request goes back to open (overdue when its due date has passed at ``now``, when it was
    reviewed; default: the current time).
    """
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": "Say why the disclosure is rejected: the vendor sees this comment."}
        )
    with transaction.atomic(), acting_as(actor, reason or "disclosure rejected"):
        _lock_submitted(disclosure)
        now = now or timezone.now()
        disclosure.status = Status.REJECTED
        disclosure.reviewed_by = actor
        disclosure.reviewed_at = now
        disclosure.review_comment = comment
        disclosure.save()
        request = disclosure.request
        if request is not None and request.status != DisclosureRequest.Status.CLOSED:
            overdue = request.due_date < timezone.localdate(now)
            request.status = (
                DisclosureRequest.Status.OVERDUE if overdue else DisclosureRequest.Status.OPEN
            )
            request.save(update_fields=["status"])
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.REJECTED,
            target=disclosure,
            details={"comment": comment},
        )
        _review_email(
            disclosure,
            "disclosure_rejected",
            f"Your disclosure for {_period(disclosure)} needs changes",
        )
    return disclosure


def disclosure_evidence_attach(*, actor, disclosure: EmissionsDisclosure, uploaded_file):
    """Attach an evidence file to a disclosure the vendor can still edit."""
    if not disclosure.is_editable_by_vendor:
        raise _not_editable(disclosure)
    with transaction.atomic():
        evidence = evidence_file_upload(
            actor=actor, uploaded_file=uploaded_file, vendor=disclosure.vendor, target=disclosure
        )
        _request_touch(disclosure.request)
    return evidence


# --- certificates ------------------------------------------------------------------------------

PDF_MAGIC = b"%PDF-"


def certification_upload(
    *, actor, vendor: Vendor, uploaded_file, reason: str = "", **certification_fields
) -> Certification:
    """A vendor's certificate: the PDF stored as evidence, the metadata as a Certification.

    The metadata is validated before any byte is written; a file that is not a PDF (by content)
    is refused naming ``uploaded_file``. Nothing is stored when anything fails.
    """
    unknown = set(certification_fields) - CERTIFICATE_UPLOAD_FIELDS
    if unknown:
        raise TypeError(f"Unknown certificate fields: {', '.join(sorted(unknown))}")
    probe = Certification(vendor=vendor)
    assign_fields(probe, CERTIFICATE_UPLOAD_FIELDS, certification_fields)
    probe.full_clean()
    if uploaded_file is None:
        raise ValidationError({"uploaded_file": "Choose the certificate's PDF file."})
    uploaded_file.seek(0)
    head = uploaded_file.read(len(PDF_MAGIC))
    uploaded_file.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(
            {
                "uploaded_file": f"“{uploaded_file.name}” is not a PDF; "
                "upload the certificate as a PDF file."
            }
        )
    with transaction.atomic(), acting_as(actor, reason or "certificate uploaded"):
        certification = certification_create(
            actor=actor,
            vendor=vendor,
            reason=reason or "certificate uploaded",
            **certification_fields,
        )
        try:
            evidence = evidence_file_upload(
                actor=actor, uploaded_file=uploaded_file, vendor=vendor, target=certification
            )
        except ValidationError as exc:
            raise ValidationError({"uploaded_file": exc.messages}) from exc
        certification.evidence = evidence
        certification.save(update_fields=["evidence", "updated_at"])
    return certification


def certification_verify(
    *, actor, certification: Certification, note: str = "", reason: str = ""
) -> Certification:
    """An officer confirms the certificate against its evidence (docs/domain.md)."""
    with transaction.atomic(), acting_as(actor, reason or "certificate verified"):
        certification.verified_by = actor
        certification.verified_at = timezone.now()
        certification.verification_note = (note or "").strip()
        certification.save(
            update_fields=["verified_by", "verified_at", "verification_note", "updated_at"]
        )
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.ACCEPTED,
            target=certification,
            details={"verified": True, "note": certification.verification_note},
        )
    return certification
