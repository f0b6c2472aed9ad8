"""Bulk upload of emissions disclosures from the CSV/XLSX template (docs/domain.md, "Vendor
disclosure").

One upload is one pass over the file inside one transaction: each row is read
(``vendors.disclosure_upload``), its form checked, then its plausibility with the rules of
``vendors.plausibility`` (the same rules as ``disclosure_check``, with their database inputs loaded
once per currency, year and request rather than once per row), and the rows that pass are written
as drafts in chunks as the file is read, so a large file never sits in memory. Every row is
checked even after an error, so that the report names every problem; once a row has an error no
further row is written, and at the end any error rolls the whole transaction back: all rows are
stored or none.

Stored rows get their history records (type "+", the uploader, the reason) from one
``INSERT ... SELECT`` over the rows just written, and the upload one audit event listing the ids
of the drafts it created. Uploaded rows become *drafts*, with the plausibility warnings found
stored on them but not confirmed: the vendor reviews each draft in the portal, confirms its
warnings and submits it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import operator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from assurance.storage import original_name_clean
from assurance.uploads import UploadRefused, spool_limited
from vendors import disclosure_upload
from vendors.disclosure_upload import RowError
from vendors.models import DisclosureRequest, EmissionsDisclosure, Vendor
from vendors.plausibility import DisclosureFacts, disclosure_plausibility, facts_with
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
    with spool:
        sha256 = _sha256(spool)
        try:
            with transaction.atomic(), acting_as(actor, REASON):
                _upload(actor, vendor, spool, result, sha256)
        except _NothingStored:
            pass
        except UploadRefused as exc:
            result.file_error = exc.message
        except ValidationError as exc:
            # A draft was submitted while the file was being stored.
            result.file_error = "Nothing was stored: " + " ".join(exc.messages)
    if not result.stored:
        result.created = result.updated = 0
        result.warnings, result.warning_count = [], 0
    return result


class _NothingStored(Exception):
    """Raised inside the upload's transaction to roll back every row it wrote."""


def _sha256(spool) -> str:
    spool.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: spool.read(1024 * 1024), b""):
        digest.update(chunk)
    spool.seek(0)
    return digest.hexdigest()


def _upload(actor, vendor: Vendor, spool, result: BulkResult, sha256: str) -> None:
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
    drafts = _DraftWriter(actor, vendor)
    rows = disclosure_upload.file_rows(spool)
    try:
        _rows_check(actor, vendor, rows, result, requests, existing, drafts)
    finally:
        rows.close()
    if result.error_count:
        raise _NothingStored
    if result.rows == 0:
        result.file_error = (
            "The file has a header but no data rows: add one row per reporting entity and period."
        )
        raise _NothingStored
    created_ids = drafts.finish()
    result.created = len(created_ids)
    for request in DisclosureRequest.objects.filter(pk__in=drafts.requests):
        # Touching the request stops the reminders, as a draft saved in the portal does.
        request.vendor_touched_at = drafts.now
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
            "created_ids": created_ids,
        },
    )


def _rows_check(actor, vendor, rows, result: BulkResult, requests, existing, drafts) -> None:
    max_rows = disclosure_upload_max_rows()
    facts_cache: dict[tuple, DisclosureFacts] = {}
    seen: dict[tuple, int] = {}
    errors: list[RowError] = []
    parse = disclosure_upload.RowParser(next(rows))
    submitted = Status.SUBMITTED
    for row_number, cells in rows:
        result.rows += 1
        if result.rows > max_rows:
            raise UploadRefused(
                f"The file has more than {max_rows:,} rows, the limit for one upload; split it "
                "into several files.",
                code="too_many_rows",
            )
        values = parse(row_number, cells, errors)
        if errors:
            for error in errors:
                result.error_add(error)
            errors.clear()
        if values is None:
            continue
        period_end = values["period_end"]
        key = (values["reporting_entity"], values["period_start"], period_end)
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
        if current is not None and current.status == submitted:
            result.error_add(
                RowError(
                    row_number,
                    "period_end",
                    str(period_end),
                    "a disclosure for this reporting entity and period is submitted and awaits "
                    "review; it cannot be replaced by an upload",
                )
            )
            continue
        request = requests.get(period_end.year)
        cache_key = (values["revenue_currency"], period_end.year, request)
        base = facts_cache.get(cache_key)
        if base is None:
            base = facts_cache[cache_key] = _facts_base(vendor, values, request)
        check = disclosure_plausibility(facts_with(base, values), submitting=True)
        if check.errors:
            for name, messages in check.errors.items():
                value = _cell_text(values.get(name))
                for message in messages:
                    result.error_add(RowError(row_number, name, value, message))
            continue
        if result.error_count:
            continue  # nothing will be stored: writing further rows would be wasted work
        for warning in check.warnings:
            result.warning_add(row_number, warning["message"])
        if current is not None and current.is_editable_by_vendor:
            _update(actor, vendor, current.pk, values, check.warnings)
            result.updated += 1
        else:
            drafts.add(values, check.warnings, request)


def _cell_text(value) -> str:
    """A parsed value as the file wrote it, for a row error."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def _facts_base(vendor: Vendor, values: dict, request) -> DisclosureFacts:
    """The database-backed plausibility inputs (sector factor, exchange rate, previous accepted
    disclosure, request asks) shared by the rows of one currency, year and request."""
    probe = EmissionsDisclosure(
        vendor=vendor,
        request=request,
        revenue_currency=values["revenue_currency"],
        period_end=datetime.date(values["period_end"].year, 12, 31),
    )
    return disclosure_facts(probe, request=request)


def _update(actor, vendor, pk: int, values: dict, warnings: list[dict]) -> None:
    disclosure = EmissionsDisclosure.objects.select_for_update().get(pk=pk, vendor=vendor)
    disclosure = disclosure_save_draft(
        actor=actor, vendor=vendor, disclosure=disclosure, reason=REASON, **values
    )
    if disclosure.warnings != warnings:
        disclosure.warnings = warnings
        disclosure.save(update_fields=["warnings"])


# --- writing new drafts ------------------------------------------------------------------------


class _DraftWriter:
    """Writes new drafts in chunks as the rows are checked, then their history in one statement.

    Django's ``bulk_create`` spends about a millisecond per row of a model this wide preparing
    values and compiling SQL (SQLite's parameter limit makes it one statement per ~30 rows), and
    ``bulk_create_with_history`` would then build every history record in Python too. Here the
    rows go to the database as they are (PostgreSQL: ``COPY``; other databases: one
    ``executemany``), only the columns that vary from row to row are built per row, and the
    history records are copied from the stored rows by the database itself. Nothing skips
    history: :meth:`finish` writes it for every row written, and checks the count.

    Every row of an upload shares its vendor, creator and timestamp; that marker finds the rows
    again, and the transaction keeps another upload's rows out of sight until it commits.
    """

    def __init__(self, actor, vendor: Vendor):
        self.actor = actor
        self.vendor = vendor
        self.now = timezone.now()
        self.requests: set[int] = set()
        self.pending: list[tuple] = []
        self.written = 0
        self.model = EmissionsDisclosure
        self.table = EmissionsDisclosure._meta.db_table
        ops = connection.ops
        constants = {
            "vendor_id": vendor.pk,
            "created_by_id": actor.pk,
            "created_at": self.now,
            "status": Status.DRAFT.value,
        }
        # Row layout: the parser's columns, then the request, the warnings, then the constants
        # and every other column at its default (all equal for every new draft).
        varying = [*disclosure_upload.COLUMNS, "request_id", "warnings"]
        fields = {f.attname: f for f in EmissionsDisclosure._meta.concrete_fields}
        fixed = [name for name in fields if name != "id" and name not in varying]
        self.attnames = varying + fixed
        if connection.vendor == "postgresql":
            self.fixed = tuple(constants.get(name, fields[name].get_default()) for name in fixed)
        else:
            # Values the database driver takes as they are, adapted once for all rows.
            self.fixed = tuple(
                fields[name].get_db_prep_save(
                    constants.get(name, fields[name].get_default()), connection
                )
                for name in fixed
            )
        self.json = fields["warnings"].encoder
        self.empty_warnings = json.dumps([], cls=self.json)
        self.columns_of = operator.itemgetter(*disclosure_upload.COLUMNS)
        # The list columns go to the database as JSON text, as the JSONField stores them.
        self.list_positions = tuple(
            disclosure_upload.COLUMNS.index(name) for name in disclosure_upload.LIST_COLUMNS
        )
        self.quote = ops.quote_name
        self.columns = ", ".join(self.quote(fields[name].column) for name in self.attnames)

    def add(self, values: dict, warnings: list[dict], request) -> None:
        if request is not None:
            self.requests.add(request.pk)
        columns = list(self.columns_of(values))
        for position in self.list_positions:
            columns[position] = json.dumps(list(columns[position]), cls=self.json)
        self.pending.append(
            (
                *columns,
                request.pk if request is not None else None,
                json.dumps(warnings, cls=self.json) if warnings else self.empty_warnings,
                *self.fixed,
            )
        )
        if len(self.pending) >= STORE_CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Identifiers come from the model's metadata, quoted by the backend.
                with cursor.cursor.copy(
                    f"COPY {self.quote(self.table)} ({self.columns}) FROM STDIN"
                ) as copy:
                    for row in self.pending:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.attnames))
                cursor.executemany(
                    f"INSERT INTO {self.quote(self.table)} ({self.columns}) VALUES ({marks})",  # noqa: S608
                    self.pending,
                )
        self.written += len(self.pending)
        self.pending = []

    def finish(self) -> list[int]:
        """Write what is pending and the history of every draft written; their ids, in order."""
        self.flush()
        if not self.written:
            return []
        marker = EmissionsDisclosure.objects.filter(
            vendor=self.vendor, created_by=self.actor, created_at=self.now
        )
        ids = list(marker.order_by("id").values_list("id", flat=True))
        if len(ids) != self.written:  # pragma: no cover - another upload at the same microsecond
            raise ValidationError("another upload was saved at the same moment; try again")
        history = EmissionsDisclosure.history.model
        source = {f.column for f in EmissionsDisclosure._meta.concrete_fields}
        stamps = {
            "history_date": self.now,
            "history_change_reason": REASON,
            "history_type": "+",
            "history_user_id": self.actor.pk,
        }
        copied, stamped, params = [], [], []
        for f in history._meta.concrete_fields:
            if f.column in source:
                copied.append(f.column)
            elif not f.primary_key:
                # An unknown history column fails here rather than being left empty.
                stamped.append(f.column)
                params.append(f.get_db_prep_save(stamps[f.attname], connection))
        created_at = EmissionsDisclosure._meta.get_field("created_at")
        quote = self.quote
        # The history records are the stored rows as written, found again by the marker.
        sql = (
            f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(c) for c in copied + stamped)}) "
            f"SELECT {', '.join(quote(c) for c in copied)}, {', '.join(['%s'] * len(stamped))} "
            f"FROM {quote(self.table)} WHERE {quote('vendor_id')} = %s "
            f"AND {quote('created_by_id')} = %s AND {quote('created_at')} = %s"
        )
        params += [
            self.vendor.pk,
            self.actor.pk,
            created_at.get_db_prep_value(self.now, connection),
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.rowcount != len(ids):  # pragma: no cover - the marker is checked above
                raise ValidationError("the history of the upload could not be written")
        return ids
