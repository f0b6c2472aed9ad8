"""Bulk upload of emissions disclosures from the CSV/XLSX template (issue 3 item 4).

One upload is two passes and one transaction:

1. validate: stream the file row by row (``vendors.disclosure_upload``), check each row's form and
   then its plausibility with the rules of ``vendors.plausibility`` (the same rules as
   ``disclosure_check``, with their database inputs loaded once per currency, year and request
   rather than once per row), and spool the rows to store into a temporary file; only the errors
   (capped) stay in memory, so a large file does not grow memory;
2. store: if no row has an error, in one transaction, create the drafts (and update the vendor's
   own drafts for the same entity and period), with history attributed to the uploader and one
   audit event for the upload. Any error stores nothing.

Uploaded rows become *drafts*, with the plausibility warnings found stored on them but not
confirmed: the vendor reviews each draft in the portal, confirms its warnings and submits it.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import pickle
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from assurance.storage import original_name_clean
from assurance.uploads import UploadRefused, spool_limited
from vendors import disclosure_upload
from vendors.disclosure_upload import RowError
from vendors.models import DisclosureRequest, EmissionsDisclosure, Vendor
from vendors.plausibility import disclosure_plausibility
from vendors.services.disclosures import (
    LIVE_REQUEST_STATUSES,
    disclosure_facts,
    disclosure_save_draft,
)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 10_000
MAX_REPORTED_ERRORS = 1000
MAX_REPORTED_WARNINGS = 1000
STORE_CHUNK_ROWS = 1000
REASON = "bulk disclosure upload"

Status = EmissionsDisclosure.Status
_FACT_FIELDS = (
    "period_start",
    "period_end",
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "scope3_upstream_tco2e",
    "revenue",
    "revenue_currency",
    "allocated_to_us_tco2e",
    "allocation_method",
    "allocation_uncertainty_pct",
)


@dataclass
class BulkResult:
    """What an upload did. ``stored`` is False whenever anything was refused: then nothing was."""

    original_name: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # (row, message) of the plausibility warnings stored, unconfirmed, with the drafts.
    warnings: list[tuple[int, str]] = field(default_factory=list)
    warning_count: int = 0
    file_error: str = ""

    @property
    def stored(self) -> bool:
        return not self.file_error and not self.error_count and (self.created + self.updated) > 0

    def error_add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def warning_add(self, row: int, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED_WARNINGS:
            self.warnings.append((row, message))


def disclosure_upload_max_bytes() -> int:
    return getattr(settings, "DISCLOSURE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)


def disclosure_upload_max_rows() -> int:
    return getattr(settings, "DISCLOSURE_UPLOAD_MAX_ROWS", DEFAULT_MAX_ROWS)


def disclosure_bulk_upload(*, actor, vendor: Vendor, uploaded_file) -> BulkResult:
    """Validate every row of a disclosure file and store all rows as drafts, or none.

    Rules: the header is the template's (period_start, period_end and scope1_tco2e required);
    each cell has the form its column needs; each row passes the plausibility rules a submission
    must pass (errors refuse the file; warnings are stored on the draft, unconfirmed); a reporting
    entity and period appears once per file; a disclosure already submitted for review cannot be
    replaced. A row whose period ends in a year the vendor has a live request for is linked to it.
    The file is CSV (UTF-8, with or without BOM; comma, semicolon or tab) or XLSX, told by content.
    """
    result = BulkResult(original_name=original_name_clean(getattr(uploaded_file, "name", "")))
    try:
        spool = spool_limited(
            uploaded_file,
            disclosure_upload_max_bytes(),
            name=result.original_name,
            what="disclosure uploads",
        )
    except UploadRefused as exc:
        result.file_error = exc.message
        return result
    with spool, tempfile.TemporaryFile(prefix="tenderleaf-disclosures-") as pending:
        try:
            _validate(vendor, spool, result, pending)
        except UploadRefused as exc:
            result.file_error = exc.message
        if result.file_error or result.error_count:
            result.warnings, result.warning_count = [], 0
            return result
        if result.rows == 0:
            result.file_error = (
                "The file has a header but no data rows: add one row per reporting entity and "
                "period."
            )
            return result
        pending.seek(0)
        try:
            _store(actor, vendor, pending, result, _sha256(spool))
        except ValidationError as exc:
            # A draft was submitted between validation and storing: nothing was stored.
            result.created = result.updated = 0
            result.file_error = "Nothing was stored: " + " ".join(exc.messages)
    return result


def _sha256(spool) -> str:
    spool.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: spool.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


# --- pass 1: validate and spool ----------------------------------------------------------------


def _validate(vendor: Vendor, spool, result: BulkResult, pending) -> None:
    max_rows = disclosure_upload_max_rows()
    requests = {
        request.reporting_year: request
        for request in DisclosureRequest.objects.filter(
            vendor=vendor, status__in=LIVE_REQUEST_STATUSES
        )
    }
    existing: dict[tuple, EmissionsDisclosure] = {}
    for disclosure in (
        EmissionsDisclosure.objects.filter(vendor=vendor)
        .exclude(status=Status.SUPERSEDED)
        .only("pk", "status", "reporting_entity", "period_start", "period_end", "submitted_at")
        .order_by("id")
    ):
        existing[(disclosure.reporting_entity, disclosure.period_start, disclosure.period_end)] = (
            disclosure
        )
    rows = disclosure_upload.file_rows(spool)
    try:
        _rows_check(vendor, rows, result, pending, max_rows, requests, existing)
    finally:
        rows.close()


def _rows_check(vendor, rows, result: BulkResult, pending, max_rows, requests, existing) -> None:
    facts_cache: dict[tuple, object] = {}
    seen: dict[tuple, int] = {}
    # One pickle per row: a shared Pickler's memo would keep every row alive until the end.
    protocol = pickle.HIGHEST_PROTOCOL

    def dump(record):
        pickle.dump(record, pending, protocol=protocol)

    errors: list[RowError] = []
    header = next(rows)
    for row_number, cells in rows:
        result.rows += 1
        if result.rows > max_rows:
            raise UploadRefused(
                f"The file has more than {max_rows:,} rows, the limit for one upload; split it "
                "into several files.",
                code="too_many_rows",
            )
        errors.clear()
        values = disclosure_upload.row_parse(row_number, cells, header, errors)
        for error in errors:
            result.error_add(error)
        if values is None:
            continue
        key = (values["reporting_entity"], values["period_start"], values["period_end"])
        if key in seen:
            result.error_add(
                RowError(
                    row_number,
                    "period_start",
                    str(values["period_start"]),
                    f"the same reporting entity and period is already on row {seen[key]}",
                )
            )
            continue
        seen[key] = row_number
        current = existing.get(key)
        if current is not None and current.status == Status.SUBMITTED:
            result.error_add(
                RowError(
                    row_number,
                    "period_end",
                    str(values["period_end"]),
                    "a disclosure for this reporting entity and period is submitted and awaits "
                    "review; it cannot be replaced by an upload",
                )
            )
            continue
        editable = current if current is not None and current.is_editable_by_vendor else None
        request = requests.get(values["period_end"].year)
        facts = _facts(vendor, values, request, facts_cache)
        check = disclosure_plausibility(facts, submitting=True)
        if check.errors:
            for name, messages in check.errors.items():
                value = values.get(name)
                for message in messages:
                    result.error_add(
                        RowError(row_number, name, "" if value is None else str(value), message)
                    )
            continue
        if result.error_count:
            continue  # nothing will be stored: spooling further rows would be wasted work
        for warning in check.warnings:
            result.warning_add(row_number, warning["message"])
        dump(
            (
                row_number,
                values,
                check.warnings,
                editable.pk if editable is not None else None,
                request.pk if request is not None else None,
            )
        )


def _facts(vendor: Vendor, values: dict, request, cache: dict):
    """The plausibility inputs of a row: the database-backed part (sector factor, exchange rate,
    previous accepted disclosure, request asks) loaded once per currency, year and request, the
    row's own values filled in."""
    key = (values["revenue_currency"], values["period_end"].year, request.pk if request else None)
    base = cache.get(key)
    if base is None:
        probe = EmissionsDisclosure(
            vendor=vendor,
            request=request,
            revenue_currency=values["revenue_currency"],
            period_end=datetime.date(values["period_end"].year, 12, 31),
        )
        base = cache[key] = disclosure_facts(probe, request=request)
    return dataclasses.replace(base, **{name: values[name] for name in _FACT_FIELDS})


# --- pass 2: store -----------------------------------------------------------------------------


def _spooled(pending):
    # The spool is this process's own temporary file, written by _validate: trusted data. One
    # Unpickler per row, so that no memo keeps the rows already stored.
    while True:
        try:
            yield pickle.load(pending)  # noqa: S301
        except EOFError:
            return


def _store(actor, vendor: Vendor, pending, result: BulkResult, sha256: str) -> None:
    now = timezone.now()
    touched: set[int] = set()
    inserts: dict = {}
    with transaction.atomic(), acting_as(actor, REASON):
        batch: list[dict] = []
        for _row, values, warnings, existing_pk, request_pk in _spooled(pending):
            if existing_pk is not None:
                _update(actor, vendor, existing_pk, values, warnings)
                result.updated += 1
                continue
            if request_pk is not None:
                touched.add(request_pk)
            batch.append(
                {
                    **values,
                    "vendor_id": vendor.pk,
                    "request_id": request_pk,
                    "created_by_id": actor.pk,
                    "created_at": now,
                    "status": Status.DRAFT,
                    "warnings": warnings,
                }
            )
            if len(batch) >= STORE_CHUNK_ROWS:
                result.created += _create(batch, actor, now, inserts)
                batch = []
        if batch:
            result.created += _create(batch, actor, now, inserts)
        for request in DisclosureRequest.objects.filter(pk__in=touched):
            # Touching the request stops the reminders, as a draft saved in the portal does.
            request.vendor_touched_at = now
            request.save(update_fields=["vendor_touched_at"])
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPLOADED,
            vendor=vendor,
            reason=REASON,
            details={
                "kind": "emissions disclosures",
                "original_name": result.original_name,
                "sha256": sha256,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "warnings": result.warning_count,
            },
        )


class _RawInsert:
    """``INSERT ... VALUES`` of plain rows for one model, through ``executemany``.

    Django's ``bulk_create`` spends about a millisecond per row of a model this wide preparing
    values and compiling SQL (SQLite's parameter limit makes it one statement per ~30 rows); the
    upload writes tens of thousands of rows, so values are adapted with the backend's own
    adapters, once per field, and sent in one statement shape. History is written the same way,
    explicitly, so nothing skips it (see :func:`_create`).
    """

    def __init__(self, model):
        ops = connection.ops
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.adapters = [self._adapter(f, ops) for f in self.fields]
        quote = ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        # Identifiers come from the model's metadata, quoted by the backend; values are parameters.
        table = quote(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    @staticmethod
    def _adapter(f, ops):
        if isinstance(f, models.DecimalField):
            return lambda v: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
        if isinstance(f, models.DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(f, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(f, models.JSONField):
            return lambda v: ops.adapt_json_value(v, f.encoder)
        return None

    def run(self, rows: list[dict]) -> None:
        attnames = [f.attname for f in self.fields]
        defaults = self.defaults
        params = []
        for row in rows:
            values = []
            for name, adapt in zip(attnames, self.adapters, strict=True):
                value = row[name] if name in row else defaults[name]
                values.append(value if adapt is None or value is None else adapt(value))
            params.append(values)
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)


def _create(rows: list[dict], actor, now, inserts: dict) -> int:
    """Insert a chunk of drafts and their history records (type "+", the uploader, the reason).

    The new primary keys are read back by the marker every row of this upload shares (vendor,
    creator, the upload's timestamp), in insertion order, and checked to match the chunk.
    """
    if "disclosure" not in inserts:
        inserts["disclosure"] = _RawInsert(EmissionsDisclosure)
        inserts["history"] = _RawInsert(EmissionsDisclosure.history.model)
    disclosures, history = inserts["disclosure"], inserts["history"]
    disclosures.run(rows)
    ids = list(
        EmissionsDisclosure.objects.filter(
            vendor_id=rows[0]["vendor_id"],
            created_by=actor,
            created_at=now,
            id__gt=inserts.get("last_id", 0),
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(ids) != len(rows):  # pragma: no cover - another upload at the same microsecond
        raise ValidationError("another upload was saved at the same moment; try again")
    inserts["last_id"] = ids[-1]
    history.run(
        [
            {
                **row,
                "id": pk,
                "history_date": now,
                "history_change_reason": REASON,
                "history_type": "+",
                "history_user_id": actor.pk,
            }
            for pk, row in zip(ids, rows, strict=True)
        ]
    )
    return len(rows)


def _update(actor, vendor, pk: int, values: dict, warnings: list[dict]) -> None:
    disclosure = EmissionsDisclosure.objects.select_for_update().get(pk=pk, vendor=vendor)
    disclosure = disclosure_save_draft(
        actor=actor, vendor=vendor, disclosure=disclosure, reason=REASON, **values
    )
    if disclosure.warnings != warnings:
        disclosure.warnings = warnings
        disclosure.save(update_fields=["warnings"])
