"""Reads of the assurance app."""

from __future__ import annotations

from django.db.models import QuerySet

from assurance.models import AuditEvent, EvidenceFile
from config.progress import Progress
from vendors.tenancy import vendor_for_user


def evidence_files_for_user(user) -> QuerySet[EvidenceFile]:
    """The evidence files ``user`` may download.

    Staff who may view evidence see all of it; a vendor user sees only their own vendor's files;
    everyone else sees none. Callers answer 404 for anything outside this set, never 403, so that
    the existence of another vendor's file is not revealed.
    """
    files = EvidenceFile.objects.select_related("vendor", "uploaded_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return files.none()
    if user.is_staff:
        if user.has_perm("assurance.view_evidencefile"):
            return files.exclude(pk__in=_sealed_bid_evidence())
        return files.none()
    vendor = vendor_for_user(user)
    if vendor is None:
        return files.none()
    return files.filter(vendor=vendor)


def audit_events_for_target(target) -> QuerySet[AuditEvent]:
    """The audit trail of one object, newest first."""
    from django.contrib.contenttypes.models import ContentType

    return AuditEvent.objects.select_related("actor", "target_type").filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    )


def _sealed_bid_evidence():
    """Evidence attached to bids whose RFP deadline has not passed: sealed even from staff."""
    from django.utils import timezone

    from procurement.models import BidAnswer

    return BidAnswer.objects.filter(
        evidence__isnull=False, bid__rfp__deadline__gt=timezone.now()
    ).values("evidence_id")


def evidence_bundle_progress(bundle) -> Progress:
    """How far a bundle's generation is: the percentage and step the task records."""
    from assurance.models import EvidenceBundle

    status = EvidenceBundle.Status
    done = bundle.status in (status.DONE, status.FAILED)
    failed = bundle.status == status.FAILED
    return Progress(
        status=bundle.status,
        status_label=bundle.get_status_display(),
        value=100 if bundle.status == status.DONE else bundle.progress,
        total=100,
        unit="%",
        done=done,
        failed=failed,
        started_at=bundle.started_at,
        finished_at=bundle.finished_at,
        note=bundle.error[:200] if failed else bundle.progress_note,
    )
