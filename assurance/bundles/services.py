"""Requesting and generating evidence bundles."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent, EvidenceBundle
from assurance.services import audit_event_record

logger = logging.getLogger(__name__)


class BundleFailed(Exception):
    """The bundle could not be made; the message says why, naming the file or limit."""


def evidence_bundle_request(
    *,
    actor,
    scope: str,
    vendor=None,
    year: int | None = None,
    year_to: int | None = None,
    contract=None,
    run=None,
    queue: bool = True,
) -> EvidenceBundle:
    """Record a bundle request and queue its generation once the request is committed."""
    with transaction.atomic(), acting_as(actor, "evidence bundle requested"):
        bundle = EvidenceBundle.objects.create(
            scope=scope,
            vendor=vendor if scope == EvidenceBundle.Scope.VENDOR_PERIOD else None,
            year=year if scope == EvidenceBundle.Scope.VENDOR_PERIOD else None,
            year_to=year_to if scope == EvidenceBundle.Scope.VENDOR_PERIOD else None,
            contract=contract if scope == EvidenceBundle.Scope.CONTRACT else None,
            run=run if scope == EvidenceBundle.Scope.RUN else None,
            requested_by=actor,
        )
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.BUNDLE_REQUESTED,
            target=bundle,
            vendor=bundle.vendor or (contract.vendor if contract is not None else None),
            details={"scope": bundle.scope, "label": bundle.scope_label},
        )
        if queue:
            from assurance import tasks

            tasks.evidence_bundle_generate.delay_on_commit(bundle.pk)
    return bundle


def _progress(bundle: EvidenceBundle, percent: int, note: str) -> None:
    # A plain update: progress ticks are not history (excluded from the bundle's history).
    EvidenceBundle.objects.filter(pk=bundle.pk).update(progress=percent, progress_note=note)


def _store(data: bytes | None = None, path: Path | None = None) -> tuple[str, str, int]:
    """Write bytes (or copy a file) to private storage; return (stored name, sha256, size)."""
    from assurance.storage import evidence_storage, stored_name_new

    storage = evidence_storage()
    name = f"bundles/{stored_name_new()}"
    target = Path(storage.path(name))
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(target, "xb") as out:
        chunks = [data] if data is not None else iter(_file_chunks(path))
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    target.chmod(0o600)
    return name, digest.hexdigest(), size


def _file_chunks(path: Path):
    with open(path, "rb") as handle:
        yield from iter(lambda: handle.read(1024 * 1024), b"")


def evidence_bundle_generate(
    *, bundle_id: int, actor, isolated: bool = True, progress: Callable | None = None
) -> EvidenceBundle:
    """Generate a requested bundle: PDF, manifest and ZIP, stored privately with their sha256.

    Idempotent: only a pending bundle is claimed (conditional update), so a task delivered twice
    generates it once. Steps: extend the audit chain (the cover shows its head), load the scope,
    recompute every attached file's sha256 (a mismatch fails the bundle, naming the file, and
    records an ``integrity_failed`` audit event), build the manifest, render the PDF in a
    memory-capped subprocess, write the ZIP, store all three and record ``bundle_generated``.
    ``progress(percent, 100, step)`` is told each step too (the command's progress bar); the
    bundle's own progress fields are what its page polls.
    """
    from assurance.bundles.archive import bundle_zip_write
    from assurance.bundles.manifest import manifest_build
    from assurance.bundles.render import RenderFailed, render_isolated, render_parallel
    from assurance.bundles.sections import scope_content_load
    from assurance.chain import audit_chain_extend, chain_head
    from assurance.services import evidence_file_verify

    claimed = EvidenceBundle.objects.filter(
        pk=bundle_id, status=EvidenceBundle.Status.PENDING
    ).update(
        status=EvidenceBundle.Status.RUNNING,
        started_at=timezone.now(),
        progress=5,
        progress_note="Started",
    )
    bundle = EvidenceBundle.objects.select_related("requested_by", "vendor").get(pk=bundle_id)
    if not claimed:
        return bundle

    def _step(percent: int, note: str) -> None:
        _progress(bundle, percent, note)
        if progress is not None:
            progress(percent, 100, note)

    try:
        audit_chain_extend()
        head = chain_head()
        _step(10, "Loading data")
        content = scope_content_load(bundle)
        _step(25, f"Checking {len(content.files)} attached files")
        for evidence in content.files:
            if not evidence_file_verify(evidence):
                with transaction.atomic():
                    audit_event_record(
                        actor=actor,
                        verb=AuditEvent.Verb.INTEGRITY_FAILED,
                        target=evidence,
                        vendor=evidence.vendor,
                        details={
                            "bundle": bundle.pk,
                            "original_name": evidence.original_name,
                            "recorded_sha256": evidence.sha256,
                        },
                    )
                raise BundleFailed(
                    f"Attached file “{evidence.original_name}” (evidence {evidence.pk}) no longer "
                    f"matches the sha256 recorded at upload ({evidence.sha256}); the bundle was "
                    "not made."
                )
        manifest = manifest_build(content.manifest_scope, content.files)
        _step(35, "Building the document")
        job = bundle_job_build(
            bundle=bundle, content=content, manifest=manifest, head=head, at=timezone.now()
        )
        _step(45, f"Rendering {len(job.sections)} sections")
        result = render_isolated(job) if isolated else render_parallel(job)
        if result.refused:
            # The fetcher raised for these, so nothing was loaded; still worth a log line.
            logger.warning("bundle %s: renderer refused %s", bundle.pk, result.refused[:5])
        _step(85, "Writing the ZIP")
        stem = bundle.file_stem
        files_by_id = {str(f.pk): f for f in content.files}
        with tempfile.TemporaryDirectory(prefix="tenderleaf-bundle-") as folder:
            zip_path = Path(folder) / "bundle.zip"
            with open(zip_path, "wb") as handle:
                try:
                    bundle_zip_write(
                        handle,
                        pdf_name=f"{stem}.pdf",
                        pdf=result.pdf,
                        manifest=manifest,
                        files_by_id=files_by_id,
                    )
                except ValueError as error:
                    raise BundleFailed(str(error)) from error
            pdf_name, pdf_sha, pdf_size = _store(result.pdf)
            zip_name, zip_sha, zip_size = _store(path=zip_path)
        manifest_name, manifest_sha, manifest_size = _store(manifest.data)
        with transaction.atomic(), acting_as(actor, "evidence bundle generated"):
            bundle.refresh_from_db()
            bundle.status = EvidenceBundle.Status.DONE
            bundle.progress = 100
            bundle.progress_note = f"{result.pages} pages"
            bundle.finished_at = timezone.now()
            bundle.page_count = result.pages
            bundle.chain_head = head.chain_hash
            bundle.chain_seq = head.seq
            bundle.pdf_name, bundle.pdf_sha256, bundle.pdf_size = pdf_name, pdf_sha, pdf_size
            bundle.zip_name, bundle.zip_sha256, bundle.zip_size = zip_name, zip_sha, zip_size
            bundle.manifest_name = manifest_name
            bundle.manifest_sha256 = manifest_sha
            bundle.manifest_size = manifest_size
            bundle.save()
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.BUNDLE_GENERATED,
                target=bundle,
                vendor=bundle.vendor,
                details={
                    "pages": result.pages,
                    "pdf_sha256": pdf_sha,
                    "zip_sha256": zip_sha,
                    "manifest_sha256": manifest_sha,
                    "chain_seq": head.seq,
                    "chain_head": head.chain_hash,
                    "files": len(manifest.entries),
                },
            )
        if progress is not None:
            progress(100, 100, bundle.progress_note)
        return bundle
    except (BundleFailed, RenderFailed) as error:
        return _fail(bundle, actor, str(error))
    except SoftTimeLimitExceeded:
        return _fail(bundle, actor, "Generation took longer than the task's time limit.")
    except Exception as error:
        logger.exception("bundle %s failed", bundle_id)
        _fail(bundle, actor, f"Unexpected error: {type(error).__name__}: {error}")
        raise


def bundle_job_build(*, bundle, content, manifest, head, at):
    """The render job of a bundle: cover, the scope's sections, then the evidence list, the
    manifest and the verification page (all HTML from autoescaping templates)."""
    from django.template.loader import render_to_string

    from assurance.bundles.render import RenderJob
    from assurance.bundles.sections.common import (
        evidence_section,
        manifest_section,
        verification_section,
    )

    sections = [
        *content.sections,
        evidence_section(content.files),
        manifest_section(manifest),
        verification_section(manifest=manifest, chain=head, bundle=bundle),
    ]
    cover = render_to_string(
        "pdf/cover.html",
        {
            "bundle": bundle,
            "scope_label": content.label,
            "scope_facts": content.facts,
            "generated_by": bundle.requested_by.get_username(),
            "generated_at": at,
            "chain": head,
        },
    )
    return RenderJob(
        title=f"Evidence bundle #{bundle.pk}: {content.label}",
        footer_note=(
            f"Bundle #{bundle.pk} · generated {at:%Y-%m-%d %H:%M} UTC · "
            f"chain head {head.chain_hash[:16]}"
        ),
        cover=cover,
        sections=[{"key": s.key, "title": s.title, "body": s.body} for s in sections],
    )


def _fail(bundle: EvidenceBundle, actor, message: str) -> EvidenceBundle:
    with transaction.atomic(), acting_as(actor, "evidence bundle failed"):
        bundle.refresh_from_db()
        bundle.status = EvidenceBundle.Status.FAILED
        bundle.error = message[:2000]
        bundle.finished_at = timezone.now()
        bundle.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.BUNDLE_FAILED,
            target=bundle,
            vendor=bundle.vendor,
            details={"error": message[:500]},
        )
    return bundle


def bundle_file_open(bundle: EvidenceBundle, kind: str):
    """The stored PDF, ZIP or manifest of a bundle, opened for reading."""
    from assurance.storage import evidence_storage

    name = {"pdf": bundle.pdf_name, "zip": bundle.zip_name, "manifest": bundle.manifest_name}[kind]
    if not name:
        raise FileNotFoundError(kind)
    return evidence_storage().open(name, "rb")


def evidence_bundle_download(*, actor, bundle: EvidenceBundle, kind: str):
    """Open a bundle file for ``actor`` and record the download (authorisation is the caller's)."""
    handle = bundle_file_open(bundle, kind)
    try:
        with transaction.atomic():
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.DOWNLOADED,
                target=bundle,
                vendor=bundle.vendor,
                details={
                    "file": kind,
                    "sha256": {"pdf": bundle.pdf_sha256, "zip": bundle.zip_sha256}.get(
                        kind, bundle.manifest_sha256
                    ),
                },
            )
    except BaseException:
        handle.close()
        raise
    return handle
