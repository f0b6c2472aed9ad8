"""Writes of the reconciliation app: the asset inventory import, the nightly reconciliation and
the review of its flags (docs/domain.md, "Reconciliation").
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assurance import uploads
from assurance.history import acting_as, system_user
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from assurance.storage import original_name_clean
from reconciliation import asset_file, rules, selectors
from reconciliation.models import Asset, AssetImport, ReconciliationFlag, ReconciliationRun

Status = ReconciliationFlag.Status
Kind = ReconciliationFlag.Kind
RUNS_UNDER_WAY = (ReconciliationRun.Status.QUEUED, ReconciliationRun.Status.RUNNING)

ASSET_IMPORT_REASON = "asset inventory imported"
RECONCILIATION_REASON = "nightly reconciliation"
MAX_STORED_ERRORS = 500
_HASH_CHUNK_BYTES = 1024 * 1024


# --- the asset inventory -----------------------------------------------------------------------


class AssetImportRefused(Exception):
    """The file was not taken in at all (too large, already imported); nothing was recorded."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def asset_import_max_bytes() -> int:
    return settings.ASSET_IMPORT_MAX_BYTES


@contextlib.contextmanager
def _opened(path_or_file, limit: int, name: str):
    """A seekable binary file within ``limit`` bytes: a path is checked on its size before it is
    opened, an upload on its declared size and again while it is copied (a size can lie)."""
    if isinstance(path_or_file, str | Path):
        path = Path(path_or_file)
        if not path.is_file():
            raise AssetImportRefused(f"{path}: no such file")
        if path.stat().st_size > limit:
            raise AssetImportRefused(uploads.too_large_message(name, limit, "asset files"))
        with path.open("rb") as handle:
            yield handle
        return
    try:
        spool = uploads.spool_limited(path_or_file, limit, name=name, what="asset files")
    except uploads.UploadRefused as exc:
        raise AssetImportRefused(exc.message) from None
    with spool:
        yield spool


def _sha256_and_size(handle) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    handle.seek(0)
    for chunk in iter(lambda: handle.read(_HASH_CHUNK_BYTES), b""):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


@dataclass
class _Parsed:
    rows: list[asset_file.AssetRow] = field(default_factory=list)
    errors: list[asset_file.RowError] = field(default_factory=list)
    error_count: int = 0
    total_rows: int = 0

    def error_add(self, error: asset_file.RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(error)


def _parse(handle, max_rows: int) -> _Parsed:
    parsed = _Parsed()
    known = selectors.hardware_classes_known()
    seen_tags: dict[str, int] = {}
    try:
        rows = asset_file.csv_rows(handle)
        header = next(rows)
        tag_at = header.positions[asset_file.COLUMNS.index("asset_tag")]
        for row_number, cells in rows:
            parsed.total_rows += 1
            if parsed.total_rows > max_rows:
                raise uploads.UploadRefused(
                    f"The file has more than {max_rows:,} asset rows; split it or ask an "
                    "administrator to raise ASSET_IMPORT_MAX_ROWS.",
                    code="too_many_rows",
                )
            row_errors: list[asset_file.RowError] = []
            row = asset_file.row_parse(row_number, cells, header, row_errors, known_classes=known)
            # Tags are compared as written, also on rows with other errors, so a repeated tag
            # is reported in the same pass as everything else.
            tag_cell = cells[tag_at] if tag_at is not None and tag_at < len(cells) else ""
            tag = str(tag_cell or "").strip().casefold()
            if tag:
                first = seen_tags.setdefault(tag, row_number)
                if first != row_number:
                    row_errors.append(
                        asset_file.RowError(
                            row_number,
                            "asset_tag",
                            asset_file.shown(str(tag_cell).strip()),
                            f"appears earlier in this file, on row {first} (tags are unique)",
                        )
                    )
                    row = None
            for error in row_errors:
                parsed.error_add(error)
            # Rows are kept only while the file is clean: a file with errors stores nothing.
            if row is not None and not parsed.error_count:
                parsed.rows.append(row)
        if parsed.total_rows == 0 and not parsed.error_count:
            raise uploads.UploadRefused("The file has a header but no asset rows.", code="empty")
    except uploads.UploadRefused as exc:
        parsed.rows = []
        parsed.error_add(asset_file.RowError(0, "file", "", exc.message))
    return parsed


def asset_import(
    *,
    actor,
    path_or_file,
    original_name: str = "",
    source: str = AssetImport.Source.COMMAND,
    reason: str = ASSET_IMPORT_REASON,
) -> AssetImport:
    """Import an IT asset inventory CSV: all rows or none (docs/domain.md, "Reconciliation").

    Columns: asset_tag, model, hardware_class, quantity, location, vendor, vendor_tax_id,
    in_service_date (asset_tag, hardware_class, quantity and in_service_date required). The file
    goes through the shared upload rules (size limit before reading, type from the bytes, UTF-8,
    line and field limits); every cell is checked (``reconciliation.asset_file``) and every
    problem reported as row, column, value and rule. Vendors are matched as the spend import
    matches them: by id, tax id, exact name, then normalised name; an unmatched vendor is kept as
    written. A file with any error stores only a rejected AssetImport with its errors.

    Raises :class:`AssetImportRefused` (nothing recorded) for a file over the size limit or one
    already imported; returns the AssetImport otherwise.
    """
    from scope3 import selectors as scope3_selectors

    if not original_name and isinstance(path_or_file, str | Path):
        original_name = Path(path_or_file).name
    name = original_name_clean(original_name or getattr(path_or_file, "name", "") or "")
    limit = asset_import_max_bytes()
    with _opened(path_or_file, limit, name) as handle:
        sha256, size = _sha256_and_size(handle)
        already = selectors.asset_import_already_imported(sha256=sha256)
        if already is not None:
            when = timezone.localtime(already.created_at).strftime("%Y-%m-%d %H:%M")
            raise AssetImportRefused(
                f"{name}: this file (sha256 {sha256}) was already imported on {when} as asset "
                f"import #{already.pk}; it is not imported twice."
            )
        parsed = _parse(handle, settings.ASSET_IMPORT_MAX_ROWS)

    rejected = bool(parsed.error_count)
    assets: list[Asset] = []
    unmatched = 0
    if not rejected:
        match = scope3_selectors.spend_vendor_matcher()
        for row in parsed.rows:
            vendor_id, how = match(row.vendor, row.vendor_tax_id)
            unmatched += vendor_id is None and bool(row.vendor or row.vendor_tax_id)
            assets.append(
                Asset(
                    row_number=row.row,
                    asset_tag=row.asset_tag,
                    product_model=row.model,
                    hardware_class=row.hardware_class,
                    quantity=row.quantity,
                    location=row.location,
                    vendor_id=vendor_id,
                    vendor_match=how,
                    vendor_name=row.vendor,
                    vendor_tax_id=row.vendor_tax_id,
                    in_service_date=row.in_service_date,
                )
            )
    try:
        with acting_as(actor, reason), transaction.atomic():
            record = AssetImport.objects.create(
                original_name=name[:255],
                file_sha256=sha256,
                size_bytes=size,
                source=source,
                status=AssetImport.Status.REJECTED if rejected else AssetImport.Status.IMPORTED,
                total_rows=parsed.total_rows,
                accepted_rows=0 if rejected else len(assets),
                unmatched_vendor_rows=unmatched,
                error_count=parsed.error_count,
                errors=[error.as_dict() for error in parsed.errors],
                error_summary=_summary(parsed),
                created_by=actor,
            )
            for asset in assets:
                asset.asset_import = record
            if assets:
                bulk_create_with_history(
                    assets,
                    Asset,
                    batch_size=2000,
                    default_user=actor,
                    default_change_reason=reason,
                )
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.REJECTED if rejected else AuditEvent.Verb.CREATED,
                target=record,
                reason=reason,
                details={
                    "sha256": sha256,
                    "original_name": name,
                    "total_rows": parsed.total_rows,
                    "accepted_rows": record.accepted_rows,
                    "unmatched_vendor_rows": unmatched,
                    "errors": parsed.error_count,
                },
            )
    except IntegrityError:
        raise AssetImportRefused(
            f"{name}: this file was imported meanwhile by another import; nothing was stored."
        ) from None
    return record


def _summary(parsed: _Parsed, shown: int = 5) -> str:
    if not parsed.error_count:
        return ""
    lines = [str(error) if error.row else error.rule for error in parsed.errors[:shown]]
    more = parsed.error_count - len(lines)
    if more > 0:
        lines.append(f"... and {more} more errors (see the error report)")
    return "\n".join(lines)


# --- the nightly reconciliation ----------------------------------------------------------------


def _setting(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name)))


@dataclass
class ReconciliationSummary:
    year: int
    created: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "created": self.created,
            "updated": self.updated,
            "reopened": self.reopened,
            "resolved": self.resolved,
            "unchanged": self.unchanged,
            "notes": self.notes,
        }


# What a run is doing at each of its steps, in order: the four checks, then writing the flags.
RUN_STEPS = (
    "comparing disclosures with their sector's spend-based estimate",
    "looking for spend without a contract",
    "looking for ledger vendors missing from the vendor master",
    "comparing hardware quantities with the asset inventory",
    "raising, updating and resolving flags",
)


def reconciliation_checks(*, year: int, progress=None) -> list[rules.CheckOutcome]:
    """Load every check's inputs (a fixed number of queries) and run the rules of ``year``;
    ``progress(step_index)`` is told as each check starts (see ``RUN_STEPS``)."""
    progress = progress or (lambda index: None)
    progress(0)
    from scope3 import selectors as scope3_selectors
    from scope3.importers.spend import tax_id_normalise, vendor_name_normalise
    from vendors.plausibility import DisclosureFacts

    fx = scope3_selectors.fx_rates()

    def units_per_usd(currency: str) -> Decimal | None:
        return fx.units_per_usd(currency, year)

    # a. accepted disclosures against the spend-based estimate of their sector
    disclosures = selectors.accepted_disclosures(year=year)
    factors = scope3_selectors.sector_factors(
        naics_codes={d.vendor.naics_code for d in disclosures}
    )
    inputs = []
    for disclosure in disclosures:
        vendor = disclosure.vendor
        currency = (disclosure.revenue_currency or "").upper()
        factor = factors.kg_per_usd.get(vendor.naics_code) if factors else None
        inputs.append(
            rules.DisclosureInput(
                disclosure_id=disclosure.pk,
                vendor_id=vendor.pk,
                vendor_name=vendor.name,
                label=f"{disclosure.period_start:%d %b %Y} to {disclosure.period_end:%d %b %Y}",
                facts=DisclosureFacts(
                    period_start=disclosure.period_start,
                    period_end=disclosure.period_end,
                    scope1_tco2e=disclosure.scope1_tco2e,
                    scope2_location_tco2e=disclosure.scope2_location_tco2e,
                    scope2_market_tco2e=disclosure.scope2_market_tco2e,
                    revenue=disclosure.revenue,
                    revenue_currency=currency,
                    naics_code=vendor.naics_code,
                    sector_factor_kg_per_usd=factor,
                    sector_factor_source=factors.source if factors else "",
                    fx_units_per_usd=(
                        fx.units_per_usd(currency, disclosure.period_end.year)
                        if currency and currency != "USD"
                        else None
                    ),
                ),
            )
        )
    intensity = rules.disclosure_intensity_check(
        inputs,
        low=_setting("RECONCILIATION_INTENSITY_LOW"),
        high=_setting("RECONCILIATION_INTENSITY_HIGH"),
        ran=factors is not None,
    )
    if factors is None:
        intensity.notes.append("no spend-based factor dataset: disclosures not compared")

    # b. spend above the threshold without a contract
    progress(1)
    spend = selectors.spend_by_vendor(year=year)
    contracted = selectors.vendors_with_contract_in(
        year=year, vendor_ids={row.vendor_id for row in spend}
    )
    without_contract = rules.spend_without_contract_check(
        [
            rules.VendorSpend(r.vendor_id, r.vendor_name, r.currency, r.amount, r.lines)
            for r in spend
        ],
        year=year,
        threshold_usd=_setting("RECONCILIATION_SPEND_THRESHOLD"),
        contracted=contracted,
        units_per_usd=units_per_usd,
    )

    # c. ledger vendors missing from the vendor master
    progress(2)
    unmatched = selectors.spend_unmatched(year=year)
    match = scope3_selectors.spend_vendor_matcher() if unmatched else None
    not_in_master = rules.vendor_not_in_master_check(
        [
            rules.UnmatchedSpend(r.vendor_name, r.vendor_tax_id, r.currency, r.amount, r.lines)
            for r in unmatched
        ],
        year=year,
        normalise_name=vendor_name_normalise,
        normalise_tax_id=tax_id_normalise,
        match_now=lambda name, tax_id: match(name, tax_id)[0] if match else None,
        units_per_usd=units_per_usd,
    )

    # d. hardware quantities against the asset inventory, where one is imported
    progress(3)
    latest = selectors.asset_import_latest()
    hardware = rules.asset_quantity_check(
        [
            rules.Quantity(q.hardware_class, q.vendor_id, q.vendor_name, q.quantity, q.rows)
            for q in selectors.ledger_hardware_quantities(year=year)
        ]
        if latest
        else [],
        [
            rules.Quantity(q.hardware_class, q.vendor_id, q.vendor_name, q.quantity, q.rows)
            for q in selectors.inventory_hardware_quantities(asset_import=latest, year=year)
        ]
        if latest
        else None,
        year=year,
        tolerance_units=Decimal(settings.RECONCILIATION_ASSET_TOLERANCE_UNITS),
        tolerance_pct=_setting("RECONCILIATION_ASSET_TOLERANCE_PCT"),
    )
    return [intensity, without_contract, not_in_master, hardware]


def _target_type(label: str) -> ContentType:
    return ContentType.objects.get_for_model(apps.get_model(label))


def _figure(flag: ReconciliationFlag) -> Decimal | None:
    try:
        return Decimal(str(flag.details.get("figure")))
    except (ArithmeticError, ValueError, TypeError):
        return None


def _apply(finding: rules.Finding, flag: ReconciliationFlag, now) -> bool:
    """Copy a finding's figures onto its flag; whether anything history should record changed."""
    target_type = _target_type(finding.target[0]) if finding.target else None
    values = {
        "summary": finding.summary,
        "details": finding.details,
        "vendor_id": finding.vendor_id,
        "target_type_id": target_type.pk if target_type else None,
        "target_id": finding.target[1] if finding.target else None,
    }
    changed = any(getattr(flag, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(flag, name, value)
    flag.last_seen_at = now
    return changed


_FLAG_FIELDS = [
    "status",
    "summary",
    "details",
    "vendor",
    "target_type",
    "target_id",
    "note",
    "decided_by",
    "last_seen_at",
]


def reconciliation_run(
    *, year: int, today=None, actor=None, progress=None
) -> ReconciliationSummary:
    """Raise, update and resolve the reconciliation flags of ``year`` (docs/domain.md,
    "Reconciliation").

    Rules (``reconciliation.rules``; docs/domain.md, "Reconciliation"): accepted disclosures whose
    Scope 1+2 intensity is outside the configured bounds of the sector's spend-based estimate;
    vendors above the spend threshold without a contract; ledger vendors missing from the vendor
    master; ledger hardware quantities that disagree with the imported asset inventory.

    Idempotent: a flag is identified by its kind and key, so a second run updates the flag the
    first raised (its figures and ``last_seen_at``) instead of raising another. An open or
    acknowledged flag whose discrepancy is no longer found is resolved with a note; a resolved
    flag found again is reopened; a dismissed flag stays dismissed unless its figure moved by
    more than RECONCILIATION_MATERIAL_CHANGE_PCT. Flags a check could not evaluate are left alone.
    The queries are the same in number whatever the number of vendors, lines or flags.
    """
    today = today or timezone.localdate()
    outcomes = reconciliation_checks(year=year, progress=progress)
    actor = actor or system_user()
    if progress is not None:
        progress(len(RUN_STEPS) - 1)
    try:
        return _flags_write(year, today, outcomes, actor)
    except IntegrityError:
        # A concurrent run created some of the same flags first; this run now finds them.
        return _flags_write(year, today, outcomes, actor)


def _flags_write(year, today, outcomes, actor) -> ReconciliationSummary:
    summary = ReconciliationSummary(year=year)
    for outcome in outcomes:
        summary.notes.extend(outcome.notes)
    ran = [outcome for outcome in outcomes if outcome.ran]
    pct = _setting("RECONCILIATION_MATERIAL_CHANGE_PCT")
    now = timezone.now()
    with acting_as(actor, RECONCILIATION_REASON), transaction.atomic():
        existing = {
            (flag.kind, flag.key): flag
            for flag in selectors.flags_of_year(
                year=year, kinds=[outcome.kind for outcome in ran]
            ).select_for_update()
        }
        created, changed, touched = [], [], []
        for outcome in ran:
            found = set()
            for finding in outcome.findings:
                found.add(finding.key)
                flag = existing.get((finding.kind, finding.key))
                if flag is None:
                    flag = ReconciliationFlag(
                        kind=finding.kind, key=finding.key, reporting_year=year
                    )
                    _apply(finding, flag, now)
                    created.append(flag)
                    continue
                if flag.status in selectors.ACTIVE_STATUSES:
                    if _apply(finding, flag, now):
                        flag._change_reason = "figures updated by reconciliation"
                        changed.append(flag)
                        summary.updated += 1
                    else:
                        touched.append(flag.pk)
                        summary.unchanged += 1
                    continue
                before = _figure(flag)
                if flag.status == Status.DISMISSED and not rules.material_change(
                    before, finding.figure, pct=pct
                ):
                    # Figures are kept as they were when dismissed: the baseline for "material".
                    touched.append(flag.pk)
                    summary.unchanged += 1
                    continue
                was = flag.get_status_display().lower()
                _apply(finding, flag, now)
                moved = (
                    f" (figure {rules.fmt(before, rules.RATIO_PLACES)} → "
                    f"{rules.fmt(finding.figure, rules.RATIO_PLACES)})"
                    if flag.status == Status.DISMISSED and before is not None
                    else ""
                )
                flag.status = Status.OPEN
                flag.decided_by = None
                flag.note = (
                    f"Reopened by reconciliation on {today:%Y-%m-%d}: found again after being "
                    f"{was}{moved}."
                )
                flag._change_reason = f"reopened by reconciliation: found again after {was}"
                changed.append(flag)
                summary.reopened += 1
            for (kind, key), flag in existing.items():
                if (
                    kind != outcome.kind
                    or key in found
                    or flag.status not in (selectors.ACTIVE_STATUSES)
                ):
                    continue
                if key in outcome.unchecked:
                    continue
                note = outcome.cleared.get(key) or outcome.missing_note
                if note is None:
                    continue
                flag.status = Status.RESOLVED
                flag.note = f"Resolved by reconciliation on {today:%Y-%m-%d}: {note}."
                flag.decided_by = actor
                flag._change_reason = "resolved by reconciliation: no longer found"
                changed.append(flag)
                summary.resolved += 1
        if created:
            bulk_create_with_history(
                created,
                ReconciliationFlag,
                default_user=actor,
                default_change_reason="raised by reconciliation",
            )
            summary.created = len(created)
        if changed:
            bulk_update_with_history(
                changed,
                ReconciliationFlag,
                _FLAG_FIELDS,
                default_user=actor,
                default_change_reason=RECONCILIATION_REASON,
            )
        if touched:
            # Only last_seen_at moves, and history leaves it out (see the model): no record lost.
            ReconciliationFlag.objects.filter(pk__in=touched).update(last_seen_at=now)
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.RECONCILED,
            reason=RECONCILIATION_REASON,
            details={**summary.as_dict(), "checks": [o.kind for o in ran]},
        )
    return summary


# --- runs: recorded, with their progress ----------------------------------------------------------


class RunRefused(ValidationError):
    """A run cannot be asked for (a year out of range, or one already under way)."""


def reconciliation_run_request(*, actor, year: int) -> ReconciliationRun:
    """Ask the workers to reconcile ``year`` now; returns the queued run, whose page follows it.

    Refused while a run of the same year waits or runs (it would find the same flags), and for a
    year outside 2000..next year.
    """
    from reconciliation import tasks

    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year + 1:
        raise RunRefused(
            {"year": f"{year} is not a reporting year to reconcile (2000 to {this_year + 1})."}
        )
    with transaction.atomic():
        under_way = (
            ReconciliationRun.objects.select_for_update()
            .filter(reporting_year=year, status__in=RUNS_UNDER_WAY)
            .first()
        )
        if under_way is not None:
            raise RunRefused(
                f"A reconciliation of {year} was asked for at "
                f"{timezone.localtime(under_way.requested_at):%Y-%m-%d %H:%M} and is "
                f"{under_way.get_status_display().lower()}; follow it instead of starting another.",
                code="under_way",
            )
        run = ReconciliationRun.objects.create(reporting_year=year, requested_by=actor)
        tasks.reconciliation_run_process.delay_on_commit(run.pk)
    return run


def reconciliation_run_process(*, run_id: int, today=None, now=None) -> ReconciliationRun | None:
    """Perform a recorded run (a worker's task, or the nightly task inline): claim it, reconcile
    its year telling each step to the row, record the summary or the error.

    Safe to run twice: a run taken by a live worker, or finished, is left alone (None). A run
    whose worker died is taken over once the task time limit has passed.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800))
    rows = ReconciliationRun.objects.filter(pk=run_id)
    claimed = rows.filter(
        Q(status=ReconciliationRun.Status.QUEUED)
        | Q(status=ReconciliationRun.Status.RUNNING, started_at__lt=stale)
    ).update(status=ReconciliationRun.Status.RUNNING, started_at=now, steps_done=0, step="")
    if not claimed:
        return None
    run = ReconciliationRun.objects.select_related("requested_by").get(pk=run_id)

    def progress(index: int) -> None:
        rows.update(steps_done=index, step=RUN_STEPS[index])

    try:
        summary = reconciliation_run(
            year=run.reporting_year, today=today, actor=run.requested_by, progress=progress
        )
    except Exception as exc:
        rows.update(
            status=ReconciliationRun.Status.FAILED,
            finished_at=timezone.now(),
            step="",
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    rows.update(
        status=ReconciliationRun.Status.DONE,
        steps_done=len(RUN_STEPS),
        step="",
        finished_at=timezone.now(),
        summary=summary.as_dict(),
    )
    return ReconciliationRun.objects.get(pk=run_id)


def reconciliation_run_record(*, actor, year: int, today=None) -> ReconciliationRun:
    """Reconcile ``year`` in this process and record it as a run (the nightly task)."""
    run = ReconciliationRun.objects.create(reporting_year=year, requested_by=actor)
    return reconciliation_run_process(run_id=run.pk, today=today) or run


# --- reviewing flags ---------------------------------------------------------------------------


class FlagTransitionRefused(ValidationError):
    """The flag is not in a state the decision applies to; the message says which it is in."""


_DECISIONS = {
    # decision: (from statuses, to status, audit verb, past tense)
    "acknowledge": (
        {Status.OPEN},
        Status.ACKNOWLEDGED,
        AuditEvent.Verb.ACKNOWLEDGED,
        "acknowledged",
    ),
    "resolve": (
        {Status.OPEN, Status.ACKNOWLEDGED},
        Status.RESOLVED,
        AuditEvent.Verb.RESOLVED,
        "resolved",
    ),
    "dismiss": (
        {Status.OPEN, Status.ACKNOWLEDGED},
        Status.DISMISSED,
        AuditEvent.Verb.DISMISSED,
        "dismissed",
    ),
    "reopen": (
        {Status.ACKNOWLEDGED, Status.RESOLVED, Status.DISMISSED},
        Status.OPEN,
        AuditEvent.Verb.REOPENED,
        "reopened",
    ),
}


def _flag_decide(*, actor, flag: ReconciliationFlag, decision: str, note: str, reason: str):
    allowed, to_status, verb, done = _DECISIONS[decision]
    with acting_as(actor, reason), transaction.atomic():
        locked = ReconciliationFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.status not in allowed:
            raise FlagTransitionRefused(
                f"Flag #{locked.pk} is {locked.get_status_display().lower()}; it cannot be {done}.",
                code="status",
            )
        before = locked.status
        locked.status = to_status
        locked.decided_by = actor
        if note or decision in ("resolve", "dismiss", "reopen"):
            locked.note = note
        locked.save(update_fields=["status", "decided_by", "note"])
        audit_event_record(
            actor=actor,
            verb=verb,
            target=locked,
            reason=reason,
            details={"from": before, "to": to_status, "note": note, "kind": locked.kind},
        )
    return locked


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"note": message}, code="required")
    return text


def flag_acknowledge(*, actor, flag: ReconciliationFlag, note: str = "") -> ReconciliationFlag:
    """Open → acknowledged: someone is looking into it (an optional note says who or what)."""
    return _flag_decide(
        actor=actor,
        flag=flag,
        decision="acknowledge",
        note=(note or "").strip(),
        reason="reconciliation flag acknowledged",
    )


def flag_resolve(*, actor, flag: ReconciliationFlag, note: str) -> ReconciliationFlag:
    """Open or acknowledged → resolved, saying how (required)."""
    note = _required(note, "Say how the discrepancy was resolved.")
    return _flag_decide(
        actor=actor, flag=flag, decision="resolve", note=note, reason="reconciliation flag resolved"
    )


def flag_dismiss(*, actor, flag: ReconciliationFlag, reason: str) -> ReconciliationFlag:
    """Open or acknowledged → dismissed, with the reason (required). Reconciliation keeps it
    dismissed unless its figures change materially."""
    note = _required(reason, "Give the reason for dismissing the flag.")
    return _flag_decide(
        actor=actor,
        flag=flag,
        decision="dismiss",
        note=note,
        reason="reconciliation flag dismissed",
    )


def flag_reopen(*, actor, flag: ReconciliationFlag, note: str = "") -> ReconciliationFlag:
    """Acknowledged, resolved or dismissed → open again."""
    return _flag_decide(
        actor=actor,
        flag=flag,
        decision="reopen",
        note=(note or "").strip(),
        reason="reconciliation flag reopened",
    )


__all__ = [
    "AssetImportRefused",
    "FlagTransitionRefused",
    "ReconciliationSummary",
    "asset_import",
    "flag_acknowledge",
    "flag_dismiss",
    "flag_reopen",
    "flag_resolve",
    "reconciliation_checks",
    "reconciliation_run",
]
