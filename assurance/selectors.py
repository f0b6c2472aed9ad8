"""Reads of the assurance app."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from assurance.models import EvidenceFile
from config.progress import Progress


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
            return _sealed_evidence(files)
        return files.none()
    vendor = _TENANT[0](user) if _TENANT else None
    if vendor is None:
        return files.none()
    return files.filter(vendor=vendor)


# The function answering which vendor a non-staff user acts for (or None), registered by the
# vendors app, where the tenant boundary lives (``VendorsConfig``); until it registers, vendor
# users see no evidence. One boundary only: a second, different function is a wiring mistake.
_TENANT: list[Callable] = []


def evidence_tenant_register(vendor_for_user: Callable) -> None:
    if _TENANT and _TENANT[0] is not vendor_for_user:
        raise RuntimeError("Another function already answers evidence's tenant boundary.")
    _TENANT[:] = [vendor_for_user]


# Functions returning the ids of evidence sealed even from staff for now, registered by the apps
# that seal evidence (procurement seals a bid's evidence until the RFP deadline). The rule stays
# with its app; this one does not import it (docs/architecture.md, "Which app may import which").
_SEALS: list[Callable[[], QuerySet]] = []


def evidence_seal_register(sealed: Callable[[], QuerySet]) -> None:
    if sealed not in _SEALS:
        _SEALS.append(sealed)


def _sealed_evidence(files: QuerySet[EvidenceFile]) -> QuerySet[EvidenceFile]:
    for sealed in _SEALS:
        files = files.exclude(pk__in=sealed())
    return files


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
