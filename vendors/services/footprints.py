"""Writes of PACT product footprints (docs/domain.md, "Vendor disclosure"): every footprint of a
document, or none."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from assurance.uploads import JSON_MAX_DEPTH, UploadRefused, json_loads_limited
from vendors.models import ProductFootprint, Vendor
from vendors.pact import PactError, pact_parse

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
REASON = "PACT product footprint import"


class FootprintImportRefused(ValidationError):
    """Nothing was stored. ``errors`` lists each problem with its JSON path (``data[0].pcf...``)."""

    def __init__(self, errors: list[PactError] | list[str]):
        self.errors = [str(error) for error in errors]
        super().__init__(self.errors, code="pact_invalid")


def pact_max_bytes() -> int:
    return getattr(settings, "PACT_MAX_BYTES", DEFAULT_MAX_BYTES)


def pact_max_depth() -> int:
    return getattr(settings, "PACT_MAX_DEPTH", JSON_MAX_DEPTH)


def _document_load(document):
    """The document as plain JSON values, whatever form it came in (bytes, text or parsed)."""
    if isinstance(document, bytes | bytearray | str):
        raw = document
        if len(raw) > pact_max_bytes():
            from django.template.defaultfilters import filesizeformat

            raise FootprintImportRefused(
                [f"The document is larger than the {filesizeformat(pact_max_bytes())} limit."]
            )
    else:
        # Parsed by a caller (DRF, a test): round-trip it so that the same limits apply and what
        # is stored is exactly what JSON can hold (no NaN, no objects of other types).
        try:
            raw = json.dumps(document, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise FootprintImportRefused([f"document: not a JSON document ({exc})"]) from None
    try:
        return json_loads_limited(
            bytes(raw) if isinstance(raw, bytearray) else raw, max_depth=pact_max_depth()
        )
    except UploadRefused as exc:
        raise FootprintImportRefused([exc.message]) from None


def product_footprint_import(
    *, actor, vendor: Vendor, document, source_name: str = "", reason: str = REASON
) -> list[ProductFootprint]:
    """Store every ProductFootprint of a PACT document for ``vendor``, or none.

    ``document`` is the uploaded bytes (UTF-8 JSON), text, or an already parsed JSON value: a
    single ProductFootprint or a list response ``{"data": [...]}``, in v2 or v3 field names (see
    ``vendors.pact`` for the mapping and the per-declared-unit rule). Refused with
    :class:`FootprintImportRefused` naming each JSON path: invalid JSON, non-UTF-8, too large or
    too deeply nested documents, invalid footprints, and footprints whose id and version this
    vendor already uploaded. Each stored footprint keeps its own JSON object as ``raw_document``;
    ``reason`` goes on its history and audit event.
    """
    parsed = pact_parse(_document_load(document))
    if parsed.errors:
        raise FootprintImportRefused(parsed.errors)
    if not parsed.footprints:
        raise FootprintImportRefused(["document: holds no product footprint"])
    keys = {(fp.fields["pact_id"], fp.fields["pact_version"]): fp.path for fp in parsed.footprints}
    duplicates = ProductFootprint.objects.filter(
        vendor=vendor, pact_id__in={pact_id for pact_id, _ in keys}
    ).values_list("pact_id", "pact_version", "created_at")
    refused = [
        PactError(
            _id_path(keys[(pact_id, version)]),
            f"footprint {pact_id} version {version} was already uploaded on "
            f"{created_at:%d %B %Y}; upload a new version (or a new id) instead",
        )
        for pact_id, version, created_at in duplicates
        if (pact_id, version) in keys
    ]
    if refused:
        raise FootprintImportRefused(sorted(refused, key=lambda e: e.path))
    try:
        with transaction.atomic(), acting_as(actor, reason):
            stored = [
                ProductFootprint.objects.create(vendor=vendor, created_by=actor, **fp.fields)
                for fp in parsed.footprints
            ]
            for footprint in stored:
                audit_event_record(
                    actor=actor,
                    verb=AuditEvent.Verb.CREATED,
                    target=footprint,
                    reason=reason,
                    details={
                        "pact_id": str(footprint.pact_id),
                        "pact_version": footprint.pact_version,
                        "spec_version": footprint.spec_version,
                        "source": source_name[:255],
                    },
                )
    except IntegrityError:
        # The same footprint was uploaded concurrently, between the check and the insert.
        raise FootprintImportRefused(
            ["document: one of these footprint versions was uploaded meanwhile; nothing stored"]
        ) from None
    return stored


def _id_path(footprint_path: str) -> str:
    return "id" if footprint_path == "document" else f"{footprint_path}.id"
