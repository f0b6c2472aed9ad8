"""Writes of the assurance app: audit events and evidence files (and, in later slices, bundles)."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from assurance.history import acting_as, current_actor, current_reason
from assurance.middleware import request_id_var
from assurance.models import AuditEvent, EvidenceFile
from assurance.uploads import (
    UploadRefused,
    image_decode_check,
    json_loads_limited,
    pdf_structure_check,
    too_large_message,
    xlsx_archive_check,
)


def audit_event_record(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    vendor=None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record a business event in the caller's transaction, so it commits or rolls back with it.

    ``actor`` is the user (or the system user for tasks and commands); ``vendor`` is the tenant the
    event concerns, inferred from the target when it has a ``vendor`` or is one.
    """
    if actor is None:
        actor = current_actor()
    if vendor is None and target is not None:
        vendor = _vendor_of(target)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        vendor=vendor,
        request_id=request_id_var.get() or "",
        reason=(reason or current_reason() or "")[:255],
        details=details or {},
    )


def _vendor_of(target):
    # The vendor model is the one audit events point at: no import of the vendors app
    # (docs/architecture.md, "Which app may import which").
    Vendor = AuditEvent._meta.get_field("vendor").related_model
    if isinstance(target, Vendor):
        return target
    vendor_id = getattr(target, "vendor_id", None)
    if vendor_id is not None:
        return Vendor(pk=vendor_id)
    return None


class EvidenceRejected(UploadRefused):
    """An evidence upload refused before anything was stored; the message names the file and the
    rule. Logged as a security event, as every :class:`~assurance.uploads.UploadRefused` is."""


def evidence_file_upload(
    *, actor, uploaded_file, vendor=None, target: models.Model | None = None
) -> EvidenceFile:
    """Store an upload privately and record it.

    The file is streamed to a random name under ``EVIDENCE_ROOT`` while its sha256 and size are
    computed, so the recorded digest is of exactly the bytes on disk. Its type is sniffed from the
    content; a file that is empty, too large, of a type not allowed, named with an extension its
    content contradicts (a ``.pdf`` that is HTML), or that fails the upload checks of its type
    (:func:`_evidence_content_check`) is refused with an :class:`EvidenceRejected` that names
    it. The original name is kept as metadata only. Nothing is left half-stored: if anything in
    this call fails after the bytes are written, they are removed. (If a caller's enclosing
    transaction rolls back later, the bytes remain as an unreferenced random-named file that no
    URL reaches; Django has no rollback hook to remove it then.)
    """
    from assurance.storage import evidence_storage, original_name_clean

    original_name = original_name_clean(getattr(uploaded_file, "name", ""))
    limit = settings.EVIDENCE_MAX_BYTES
    declared_size = getattr(uploaded_file, "size", None)
    if declared_size is not None and declared_size > limit:
        raise EvidenceRejected(_too_large(original_name, limit), code="too_large")
    if vendor is None and target is not None:
        vendor = _vendor_of(target)

    storage = evidence_storage()
    written = _evidence_write(storage, uploaded_file, original_name, limit)
    try:
        content_type = _evidence_type_check(storage, written, original_name)
        with transaction.atomic(), acting_as(actor, "evidence uploaded"):
            evidence = EvidenceFile.objects.create(
                stored_name=written.stored_name,
                original_name=original_name,
                size_bytes=written.size,
                sha256=written.sha256,
                content_type=content_type,
                uploaded_by=actor,
                vendor=vendor,
                target_type=(
                    ContentType.objects.get_for_model(target) if target is not None else None
                ),
                target_id=str(target.pk) if target is not None else "",
            )
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.UPLOADED,
                target=evidence,
                vendor=vendor,
                details={
                    "original_name": original_name,
                    "sha256": written.sha256,
                    "size_bytes": written.size,
                    "content_type": content_type,
                    "attached_to": _describe(target),
                },
            )
    except BaseException:
        storage.delete(written.stored_name)
        raise
    return evidence


def evidence_file_download(*, actor, evidence: EvidenceFile):
    """Open a stored evidence file for ``actor`` and record the download.

    Authorisation is the caller's job (see ``selectors.evidence_files_for_user``). The event is
    recorded only once the file is known to open, so a missing file does not count as served.
    """
    handle = evidence_file_open(evidence)
    try:
        with transaction.atomic():
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.DOWNLOADED,
                target=evidence,
                vendor=evidence.vendor,
                details={"sha256": evidence.sha256},
            )
    except BaseException:
        handle.close()
        raise
    return handle


def evidence_file_open(evidence: EvidenceFile):
    """The stored bytes of ``evidence``, opened for binary reading (the caller closes it)."""
    from assurance.storage import evidence_storage

    return evidence_storage().open(evidence.stored_name, "rb")


def evidence_file_verify(evidence: EvidenceFile) -> bool:
    """Whether the bytes on disk still have the sha256 and size recorded at upload.

    A missing or unreadable file does not verify.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with evidence_file_open(evidence) as handle:
            for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
                digest.update(chunk)
                size += len(chunk)
    except OSError:
        return False
    return size == evidence.size_bytes and hmac.compare_digest(digest.hexdigest(), evidence.sha256)


_CHUNK_BYTES = 64 * 1024


@dataclass
class _Written:
    stored_name: str
    sha256: str
    size: int
    head: bytes
    is_text: bool


def _evidence_write(storage, uploaded_file, original_name: str, limit: int) -> _Written:
    from assurance.storage import SNIFF_BYTES, TextProbe, stored_name_new

    stored_name = stored_name_new()
    path = Path(storage.path(stored_name))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    probe = TextProbe()
    head = b""
    size = 0
    try:
        # O_EXCL: a (vanishingly unlikely) name collision fails loudly instead of overwriting.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as out:
            if hasattr(uploaded_file, "seek"):
                uploaded_file.seek(0)
            chunks = (
                uploaded_file.chunks(_CHUNK_BYTES)
                if hasattr(uploaded_file, "chunks")
                else iter(lambda: uploaded_file.read(_CHUNK_BYTES), b"")
            )
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise EvidenceRejected(_too_large(original_name, limit), code="too_large")
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                probe.feed(chunk)
                out.write(chunk)
        probe.feed(b"", final=True)
        if size == 0:
            raise EvidenceRejected(f"“{original_name}” is empty.", code="empty")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Written(stored_name, digest.hexdigest(), size, head, probe.is_text)


def _evidence_type_check(storage, written: _Written, original_name: str) -> str:
    from assurance.storage import (
        ALLOWED_EXTENSIONS,
        ALLOWED_TYPES,
        TYPE_LABELS,
        extension_of,
        type_sniff,
    )

    extension = extension_of(original_name)
    allowed = "PDF, PNG, JPEG, CSV, JSON, XLSX or plain text"
    if extension and extension not in ALLOWED_EXTENSIONS:
        raise EvidenceRejected(
            f"“{original_name}”: files named {extension} are not accepted; upload {allowed}.",
            code="type_not_allowed",
        )
    sniffed = type_sniff(
        head=written.head,
        is_text=written.is_text,
        path=storage.path(written.stored_name),
        extension=extension,
    )
    what = TYPE_LABELS.get(sniffed, sniffed or "data of no recognised format")
    if extension:
        # Each accepted extension belongs to exactly one type.
        named_as = next(mime for mime, exts in ALLOWED_TYPES.items() if extension in exts)
        if sniffed != named_as:
            raise EvidenceRejected(
                f"“{original_name}” is named as {TYPE_LABELS[named_as]} but its content is {what}; "
                "rename it or upload the right file.",
                code="type_mismatch",
            )
    if sniffed not in ALLOWED_TYPES:
        raise EvidenceRejected(
            f"“{original_name}”: its content is {what}, which is not accepted; upload {allowed}.",
            code="type_not_allowed",
        )
    _evidence_content_check(storage.path(written.stored_name), sniffed, original_name)
    return sniffed


def _evidence_content_check(path, content_type: str, original_name: str) -> None:
    """The upload check of the file's type, the same whatever the endpoint (assurance/uploads.py):
    an XLSX's archive limits and XML prologs, a PDF's structure, an image's pixel limit and
    decoding, JSON's nesting. CSV and plain text were checked as UTF-8 while being written."""
    from assurance.storage import JPEG, JSON, PDF, PNG, XLSX

    try:
        if content_type == XLSX:
            xlsx_archive_check(path)
        elif content_type == PDF:
            pdf_structure_check(path)
        elif content_type in (PNG, JPEG):
            image_decode_check(path)
        elif content_type == JSON:
            with open(path, "rb") as handle:
                json_loads_limited(handle.read())
    except UploadRefused as refused:
        # Restated with the file's name; the refusal itself was logged when it was built.
        message = refused.message
        raise EvidenceRejected(
            f"“{original_name}”: {message[:1].lower()}{message[1:]}", code=refused.code, log=False
        ) from None


def _too_large(original_name: str, limit: int) -> str:
    return too_large_message(original_name, limit, "evidence files")


def _describe(target) -> str:
    if target is None:
        return ""
    return f"{target._meta.label}:{target.pk}"
