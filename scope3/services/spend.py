"""Writes of the purchase ledger: importing a spend file (CSV or XLSX) into SpendLine rows.

One import is two passes and one transaction:

1. validate: stream the file row by row (scope3.importers.spend), match each row's vendor,
   look up which external ids already exist (one query per chunk of rows), and spool the rows
   to store into a temporary file; only the errors (capped) stay in memory;
2. store: in one transaction, create the ImportBatch (with its final counts) and insert the
   spooled rows in chunks (PostgreSQL ``COPY``, elsewhere ``executemany``), plus its audit event.

A file with any error stores nothing but its batch row and error report, unless ``partial``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import io
import json
import marshal
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from assurance.storage import evidence_storage, original_name_clean, stored_name_new
from scope3 import selectors
from scope3.importers.base import file_sha256
from scope3.importers.spend import (
    FIELDS,
    RowError,
    SpendFileError,
    column_map_check,
    csv_safe,
    file_rows,
    row_parser,
)
from scope3.models import ImportBatch, SpendLine
from scope3.services.vocabulary import import_batch_unknown_terms

IMPORT_REASON = "import_spend"
UPLOAD_REASONS = {
    "admin": "spend file uploaded in the admin",
    "api": "spend file uploaded through the API",
}
# The two steps an import reports to a progress bar.
CHECKING = "Checking rows"
STORING = "Storing lines"
CHUNK_ROWS = 5000
MAX_REPORT_ERRORS = 10_000
DEFAULT_IMPORT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_UPLOAD_MAX_BYTES = 50 * 1024 * 1024
_COPY_CHUNK_BYTES = 1024 * 1024
_MATCH_CACHE_SIZE = 100_000

# SpendLine columns in the order the spool holds them (batch_id is added at insert time).
LINE_COLUMNS = (
    "row_number",
    "external_id",
    "date",
    "vendor_id",
    "vendor_match",
    "vendor_name",
    "vendor_tax_id",
    "amount",
    "currency",
    "naics",
    "description",
    "gl_account",
    "quantity",
    "unit",
    "hardware_class",
    "product_id",
    "weight_kg",
    "distance_km",
    "mode",
    "waste_treatment",
    "capital",
)
_F = {name: index for index, name in enumerate(FIELDS)}

__all__ = [
    "SpendImportRefused",
    "import_batch_error_report_open",
    "import_batch_process",
    "spend_import",
    "spend_import_max_bytes",
    "spend_rows_estimate",
    "spend_upload_queue",
]


class SpendImportRefused(Exception):
    """The file was not taken in at all (too large, already imported, a bad column map)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def spend_import_max_bytes(source: str) -> int:
    """Upload limit: the command may read larger files than a web request should carry."""
    if source == ImportBatch.Source.COMMAND:
        return getattr(settings, "SPEND_IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)
    return getattr(settings, "SPEND_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)


@dataclass
class _Outcome:
    total_rows: int = 0
    accepted_rows: int = 0
    rejected_rows: int = 0
    skipped_existing_rows: int = 0
    unmatched_vendor_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    def error_add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORT_ERRORS:
            self.errors.append(error)


def spend_import(
    *,
    actor,
    path_or_file,
    original_name: str = "",
    source: str = ImportBatch.Source.COMMAND,
    partial: bool = False,
    column_map: dict | None = None,
    reason: str = IMPORT_REASON,
    max_bytes: int | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
    batch: ImportBatch | None = None,
) -> ImportBatch:
    """Import a purchase-ledger file into SpendLine rows (docs/method.md, section 2).

    Rules: the header must hold date, amount, currency and vendor or vendor_tax_id (names may be
    mapped with ``column_map``); every row is checked (scope3.importers.spend) and its vendor
    matched by id, tax id, exact name, then normalised name, unmatched lines being kept and
    flagged; a line whose external_id is already in the ledger is skipped and counted. Without
    ``partial`` a file with any error stores no line; with it the valid rows are stored. Either
    way the errors go to a CSV report (row, column, value, rule) kept in private storage.

    Raises :class:`SpendImportRefused` (nothing recorded) for a file over the size limit, a file
    already imported (same sha256) or an unusable column map; returns the ImportBatch otherwise,
    whose ``status`` says whether it was imported, partly imported or rejected.

    ``progress(done, total, step)`` is told the rows checked every few thousand rows (total
    unknown: None), then the lines stored of the lines to store, for a command's progress bar.
    ``batch`` is the batch :func:`spend_upload_queue` recorded for this file, which the import
    completes instead of creating one.
    """
    try:
        cleaned_map = column_map_check(column_map)
    except SpendFileError as exc:
        raise SpendImportRefused(str(exc)) from None
    limit = max_bytes if max_bytes is not None else spend_import_max_bytes(source)
    name = original_name_clean(original_name or getattr(path_or_file, "name", "") or "")
    with _local_file(path_or_file, limit, name) as (path, sha256, size):
        already = selectors.import_batch_already_imported(sha256=sha256)
        if already is not None and (batch is None or already.pk != batch.pk):
            raise SpendImportRefused(_already_imported(name, already))
        with tempfile.TemporaryFile(prefix="tenderleaf-spend-") as spool:
            outcome = _validate(path, name, cleaned_map, partial, spool, progress)
            rejected = bool(outcome.file_error) or (outcome.error_count > 0 and not partial)
            if rejected:
                status = ImportBatch.Status.REJECTED
                outcome.accepted_rows = outcome.skipped_existing_rows = 0
                outcome.unmatched_vendor_rows = 0
            elif outcome.error_count:
                status = ImportBatch.Status.PARTIAL
            else:
                status = ImportBatch.Status.IMPORTED
            report_name = _report_store(outcome) if outcome.error_count else ""
            if progress is not None and not rejected and outcome.accepted_rows:
                progress(0, outcome.accepted_rows, STORING)
            try:
                with acting_as(actor, reason), transaction.atomic():
                    counts = {
                        "status": status,
                        "total_rows": outcome.total_rows,
                        "accepted_rows": outcome.accepted_rows,
                        "rejected_rows": outcome.rejected_rows,
                        "skipped_existing_rows": outcome.skipped_existing_rows,
                        "unmatched_vendor_rows": outcome.unmatched_vendor_rows,
                        "error_report_name": report_name,
                        "error_summary": _summary(outcome),
                        "finished_at": timezone.now(),
                    }
                    if batch is None:
                        batch = ImportBatch.objects.create(
                            file_sha256=sha256,
                            original_name=name[:255],
                            size_bytes=size,
                            source=source,
                            partial=partial,
                            column_map=cleaned_map,
                            created_by=actor,
                            **counts,
                        )
                    else:
                        for attribute, value in counts.items():
                            setattr(batch, attribute, value)
                        batch.rows_checked = outcome.total_rows
                        batch.step = ""
                        batch.save()
                    if not rejected and outcome.accepted_rows:
                        spool.seek(0)
                        _lines_insert(batch.pk, spool, progress, outcome.accepted_rows)
                        # Words no vocabulary term, factor code or spec resolves: one grouped
                        # query per field over the stored lines (docs/method.md, "Vocabulary").
                        batch.unknown_terms = import_batch_unknown_terms(batch_id=batch.pk)
                        if batch.unknown_terms:
                            batch.save(update_fields=["unknown_terms"])
                    audit_event_record(
                        actor=actor,
                        verb=(AuditEvent.Verb.REJECTED if rejected else AuditEvent.Verb.CREATED),
                        target=batch,
                        reason=reason,
                        details={
                            "sha256": sha256,
                            "original_name": name,
                            "status": status,
                            "partial": partial,
                            "total_rows": outcome.total_rows,
                            "accepted_rows": outcome.accepted_rows,
                            "rejected_rows": outcome.rejected_rows,
                            "skipped_existing_rows": outcome.skipped_existing_rows,
                            "unmatched_vendor_rows": outcome.unmatched_vendor_rows,
                            "errors": outcome.error_count,
                            "unknown_terms": len(batch.unknown_terms),
                        },
                    )
            except IntegrityError:
                if report_name:
                    evidence_storage().delete(report_name)
                # Another import committed the same file or some of the same external ids
                # between the validation pass and this transaction.
                raise SpendImportRefused(
                    f"{name}: this file, or lines with the same external ids, were imported "
                    "meanwhile by another import; nothing was stored. Try again to see which."
                ) from None
    return batch


# --- uploads: imported by the workers ----------------------------------------------------------
#
# A file uploaded in the admin is stored privately and recorded as a pending batch (its sha256
# already counts as imported, so the same file cannot be queued twice); a worker then imports it
# with the same code as the command, completing that batch, and deletes the stored file. While it
# runs, the batch row says how many rows have been checked of about how many (CSV) and which step
# it is in: the admin page follows it with a live progress bar (config/progress.py). A batch whose
# worker died is taken over by the next delivery of its task once the task time limit has passed.


def spend_upload_queue(
    *,
    actor,
    uploaded_file,
    original_name: str = "",
    source: str = ImportBatch.Source.ADMIN,
    partial: bool = False,
    column_map: dict | None = None,
    reason: str = IMPORT_REASON,
) -> ImportBatch:
    """Take a spend file in for the workers; returns its pending batch.

    Refuses (:class:`SpendImportRefused`, nothing stored) what :func:`spend_import` refuses before
    reading a row: a file over the upload limit, a file already imported or being imported, a bad
    column map. The import itself runs in :func:`import_batch_process`.
    """
    from scope3 import tasks

    try:
        cleaned_map = column_map_check(column_map)
    except SpendFileError as exc:
        raise SpendImportRefused(str(exc)) from None
    limit = spend_import_max_bytes(source)
    name = original_name_clean(original_name or getattr(uploaded_file, "name", "") or "")
    with _local_file(uploaded_file, limit, name) as (path, sha256, size):
        already = selectors.import_batch_already_imported(sha256=sha256)
        if already is not None:
            raise SpendImportRefused(_already_imported(name, already))
        with path.open("rb") as handle:
            stored = evidence_storage().save(stored_name_new(), File(handle))
        expected = spend_rows_estimate(path)
    try:
        with acting_as(actor, reason), transaction.atomic():
            batch = ImportBatch.objects.create(
                file_sha256=sha256,
                original_name=name[:255],
                size_bytes=size,
                source=source,
                status=ImportBatch.Status.PENDING,
                partial=partial,
                column_map=cleaned_map,
                created_by=actor,
                upload_name=stored,
                rows_expected=expected,
            )
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.UPLOADED,
                target=batch,
                reason=reason,
                details={"sha256": sha256, "original_name": name, "size_bytes": size},
            )
            tasks.import_batch_process.delay_on_commit(batch.pk)
    except IntegrityError:
        evidence_storage().delete(stored)
        raise SpendImportRefused(
            f"{name}: this file was uploaded meanwhile by someone else; it is imported once."
        ) from None
    return batch


def import_batch_process(*, batch_id: int, now=None) -> ImportBatch | None:
    """Import a queued upload (a worker's task): claim the batch, import its file with
    :func:`spend_import`, record the outcome on the batch, delete the stored file.

    Safe to run twice: a batch already taken by a live worker, or finished, is left alone (None).
    A file refused while importing (e.g. lines imported meanwhile by another file) or an
    unexpected error leaves the batch rejected with the reason, and nothing stored.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800))
    claimed = (
        ImportBatch.objects.filter(pk=batch_id)
        .filter(
            Q(status=ImportBatch.Status.PENDING)
            | Q(status=ImportBatch.Status.RUNNING, started_at__lt=stale)
        )
        .update(status=ImportBatch.Status.RUNNING, started_at=now, step=CHECKING, rows_checked=0)
    )
    if not claimed:
        return None
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    rows = ImportBatch.objects.filter(pk=batch_id)

    def progress(done: int, total: int | None, step: str) -> None:
        # Rows checked are written as they go; lines are stored in one transaction, so the step
        # change is written once, before it starts (writes inside it show only at its end).
        if step == CHECKING:
            rows.update(rows_checked=done, step=step)
        elif done == 0:
            rows.update(step=step)

    try:
        with evidence_storage().open(batch.upload_name, "rb") as handle:
            return spend_import(
                actor=batch.created_by,
                path_or_file=handle,
                original_name=batch.original_name,
                source=batch.source,
                partial=batch.partial,
                column_map=batch.column_map,
                reason=UPLOAD_REASONS.get(batch.source, IMPORT_REASON),
                max_bytes=max(batch.size_bytes, 1),
                progress=progress,
                batch=batch,
            )
    except SpendImportRefused as exc:
        _upload_failed(batch, exc.message)
    except Exception as exc:
        _upload_failed(batch, f"The import stopped on an unexpected error ({type(exc).__name__}).")
        raise
    finally:
        evidence_storage().delete(batch.upload_name)
        ImportBatch.objects.filter(pk=batch_id).update(upload_name="")
    return ImportBatch.objects.get(pk=batch_id)


def _upload_failed(batch: ImportBatch, message: str) -> None:
    with acting_as(batch.created_by, "spend import failed"), transaction.atomic():
        batch.refresh_from_db()
        batch.status = ImportBatch.Status.REJECTED
        batch.step = ""
        batch.error_summary = f"{message} Nothing was stored."
        batch.finished_at = timezone.now()
        batch.save()
        audit_event_record(
            actor=batch.created_by,
            verb=AuditEvent.Verb.REJECTED,
            target=batch,
            reason="spend import failed",
            details={"error": message},
        )


def spend_rows_estimate(path: Path) -> int | None:
    """About how many data rows a CSV holds (its lines less the header; a quoted line break makes
    it a little high), to size a progress bar only; None for a spreadsheet (its rows are read only
    once) or an unreadable file."""
    try:
        with path.open("rb") as handle:
            if handle.read(4) == b"PK\x03\x04":
                return None
            handle.seek(0)
            breaks, last = 0, b""
            while chunk := handle.read(_COPY_CHUNK_BYTES):
                breaks += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    lines = breaks + (1 if last not in (b"\n", b"") else 0)
    return max(lines - 1, 0)


def import_batch_error_report_open(batch: ImportBatch):
    """The batch's error report CSV, opened for binary reading (the caller closes it)."""
    if not batch.error_report_name:
        raise FileNotFoundError("this batch has no error report")
    return evidence_storage().open(batch.error_report_name, "rb")


# --- the file ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _local_file(path_or_file, limit: int, name: str) -> Iterator[tuple[Path, str, int]]:
    """A local path to read twice, with its sha256 and size; uploads are copied to a temp file.

    The size limit is checked before anything is read: on the path's size, on an upload's
    declared size, and again while the upload is copied (a declared size can lie).
    """
    if isinstance(path_or_file, str | Path):
        path = Path(path_or_file)
        if not path.is_file():
            raise SpendImportRefused(f"{path}: no such file")
        size = path.stat().st_size
        if size > limit:
            raise SpendImportRefused(_too_large(name, limit))
        yield path, file_sha256(path), size
        return
    declared = getattr(path_or_file, "size", None)
    if declared is not None and declared > limit:
        raise SpendImportRefused(_too_large(name, limit))
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in {".csv", ".xlsx"} else ""
    with tempfile.TemporaryDirectory(prefix="tenderleaf-upload-") as directory:
        path = Path(directory) / f"upload{suffix}"
        digest = hashlib.sha256()
        size = 0
        if hasattr(path_or_file, "seek"):
            path_or_file.seek(0)
        chunks = (
            path_or_file.chunks(_COPY_CHUNK_BYTES)
            if hasattr(path_or_file, "chunks")
            else iter(lambda: path_or_file.read(_COPY_CHUNK_BYTES), b"")
        )
        with path.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise SpendImportRefused(_too_large(name, limit))
                digest.update(chunk)
                out.write(chunk)
        yield path, digest.hexdigest(), size


def _too_large(name: str, limit: int) -> str:
    return f"{name} is larger than the {filesizeformat(limit)} limit for spend files; split it."


def _already_imported(name: str, batch: ImportBatch) -> str:
    when = timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"{name}: this file (sha256 {batch.file_sha256}) was already imported on {when} as "
        f"batch #{batch.pk} ({batch.get_status_display()}); it is not imported twice. To add "
        "corrections, import a file with the new or credit-note lines only."
    )


# --- pass 1: validate and spool ----------------------------------------------------------------


def _external_ids_existing(external_ids: list[str]) -> set[str]:
    """Which of ``external_ids`` are already in the ledger: one query with one parameter.

    ``selectors.spend_external_ids_existing`` says the same through the ORM, but an ``IN`` of
    thousands of placeholders costs more to build and parse than the lookup itself; an import
    asks this once per chunk, so it passes the ids as one array (PostgreSQL) or JSON list
    (SQLite) instead.
    """
    if not external_ids:
        return set()
    table = connection.ops.quote_name(SpendLine._meta.db_table)
    if connection.vendor == "postgresql":
        sql = f"SELECT external_id FROM {table} WHERE external_id = ANY(%s)"  # noqa: S608
        params = [external_ids]
    elif connection.vendor == "sqlite":
        sql = f"SELECT external_id FROM {table} WHERE external_id IN (SELECT value FROM json_each(%s))"  # noqa: S608, E501
        params = [json.dumps(external_ids)]
    else:
        return selectors.spend_external_ids_existing(external_ids=external_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _spool_write(spool, chunk: list[tuple]) -> None:
    # Length-prefixed marshal blobs: marshal.loads on bytes is an order of magnitude faster
    # than marshal.load on a file, which reads the stream a few bytes at a time.
    data = marshal.dumps(chunk)
    spool.write(len(data).to_bytes(8, "little"))
    spool.write(data)


def _validate(
    path: Path, name: str, column_map: dict, partial: bool, spool, progress=None
) -> _Outcome:
    """Pass 1: check every row, spool the rows to store, return counts and errors.

    The hot loop of an import (a million rows): rows are checked by ``row_parser`` (the
    per-column decisions taken once), vendors matched through a cache of distinct
    (name, tax id) pairs, and the ledger asked once per chunk which external ids it holds.
    """
    outcome = _Outcome()
    match = selectors.spend_vendor_matcher()
    matches: dict[tuple[str, str], tuple[int | None, str]] = {}
    seen_ids: set[str] = set()
    pending: list[tuple] = []
    unmatched = SpendLine.VendorMatch.UNMATCHED.value
    i_ext = _F["external_id"]
    # Rows read at which progress is told next (never when nobody listens).
    report_at = CHUNK_ROWS if progress is not None else -1

    def flush():
        existing = _external_ids_existing([row[1] for row in pending if row[1]])
        if existing:
            chunk = []
            for row in pending:
                if row[1] in existing:
                    outcome.skipped_existing_rows += 1
                else:
                    chunk.append(row)
        else:
            chunk = pending
        outcome.unmatched_vendor_rows += sum(1 for row in chunk if row[4] == unmatched)
        outcome.accepted_rows += len(chunk)
        if chunk:
            _spool_write(spool, chunk)
        pending.clear()

    try:
        rows = file_rows(path, original_name=name, column_map=column_map)
        header = next(rows)
        parse = row_parser(header)
        ext_position = header.positions[i_ext]
        seen = seen_ids.__contains__
        remember = seen_ids.add
        append = pending.append
        for row_number, cells in rows:
            outcome.total_rows += 1
            if outcome.total_rows == report_at:
                progress(outcome.total_rows, None, CHECKING)
                report_at += CHUNK_ROWS
            row_errors: list[RowError] = []
            values = parse(row_number, cells, row_errors)
            if ext_position is not None and ext_position < len(cells):
                external_id = cells[ext_position].strip()
                if external_id:
                    if seen(external_id):
                        row_errors.append(
                            RowError(
                                row_number,
                                "external_id",
                                external_id[:200],
                                "appears earlier in this file (external ids must be unique)",
                            )
                        )
                        values = None
                    else:
                        remember(external_id)
            if row_errors:
                outcome.rejected_rows += 1
                for error in row_errors:
                    outcome.error_add(error)
                continue
            if outcome.error_count and not partial:
                # Nothing will be stored; keep validating for the report, skip the spooling.
                continue
            key = (values[2], values[3])
            found = matches.get(key)
            if found is None:
                if len(matches) >= _MATCH_CACHE_SIZE:
                    matches.clear()
                found = matches[key] = match(*key)
            # The spool holds plain str/int/bool/None; COPY and executemany take decimals and
            # dates as their text (``row_parser`` returns them so).
            append((row_number, values[0] or None, values[1], *found, *values[2:]))
            if len(pending) >= CHUNK_ROWS:
                flush()
        if pending and not (outcome.error_count and not partial):
            flush()
        if outcome.total_rows == 0:
            raise SpendFileError("the file has a header but no data rows")
        if progress is not None:
            progress(outcome.total_rows, outcome.total_rows, CHECKING)
    except SpendFileError as exc:
        outcome.file_error = str(exc)
        outcome.error_add(RowError(0, "file", name, str(exc)))
    return outcome


# --- pass 2: insert ----------------------------------------------------------------------------


def _spooled_chunks(spool) -> Iterator[list[tuple]]:
    while size := int.from_bytes(spool.read(8), "little"):
        # Our own temporary file, written by this process a moment ago: not untrusted data.
        yield marshal.loads(spool.read(size))  # noqa: S302


def _lines_insert(batch_id: int, spool, progress=None, total: int = 0) -> None:
    """Insert the spooled rows of ``batch_id`` in chunks.

    SpendLine rows are immutable and untracked by history (see scope3/models.py), so they are
    written without instantiating models: PostgreSQL's ``COPY`` where available (an order of
    magnitude faster than INSERT), else one ``executemany`` per chunk.
    """
    table = connection.ops.quote_name(SpendLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("batch_id", *LINE_COLUMNS))
    stored = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for chunk in _spooled_chunks(spool):
                    for row in chunk:
                        copy.write_row((batch_id, *row))
                    stored += len(chunk)
                    if progress is not None:
                        progress(stored, total, STORING)
            return
        placeholders = ", ".join(["%s"] * (len(LINE_COLUMNS) + 1))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names quoted
        for chunk in _spooled_chunks(spool):
            cursor.executemany(sql, [(batch_id, *row) for row in chunk])
            stored += len(chunk)
            if progress is not None:
                progress(stored, total, STORING)


# --- the error report --------------------------------------------------------------------------


def _report_store(outcome: _Outcome) -> str:
    """Write the error report CSV to private storage under a random name; returns the name."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "value", "rule"])
    for error in outcome.errors:
        writer.writerow([error.row, csv_safe(error.column), csv_safe(error.value), error.rule])
    if outcome.error_count > len(outcome.errors):
        writer.writerow(
            ["", "", "", f"... and {outcome.error_count - len(outcome.errors)} more errors"]
        )
    data = buffer.getvalue().encode("utf-8")
    return evidence_storage().save(stored_name_new(), ContentFile(data))


def _summary(outcome: _Outcome, shown: int = 5) -> str:
    if outcome.file_error:
        return outcome.file_error
    if not outcome.error_count:
        return ""
    lines = [
        f"row {e.row}, column {e.column}, value {e.value!r}: {e.rule}"
        for e in outcome.errors[:shown]
    ]
    more = outcome.error_count - len(lines)
    if more > 0:
        lines.append(f"... and {more} more errors (see the error report)")
    return "\n".join(lines)
