"""Writes of the targets app: targets, metric values, base-year decisions, the engagement target,
risk rules and engagement requests. Each takes the acting user and records its audit event in the
same transaction (docs/targets.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from scope3.models import EmissionEstimate, InventoryRun
from targets import rules, selectors
from targets.models import (
    BaseYearRecalculation,
    BusinessMetric,
    BusinessMetricValue,
    SbtiImport,
    SupplierEngagementTarget,
    Target,
)

_CATEGORIES = set(EmissionEstimate.Category.values)


def _categories_clean(categories) -> list[int]:
    try:
        chosen = sorted({int(c) for c in (categories or [])})
    except (TypeError, ValueError):
        raise ValidationError(
            {"categories": f"categories must be numbers, not {categories!r}"}
        ) from None
    unknown = [c for c in chosen if c not in _CATEGORIES]
    if unknown:
        raise ValidationError(
            {
                "categories": f"unknown Scope 3 categories {unknown}; known: "
                + ", ".join(str(c) for c in sorted(_CATEGORIES))
            }
        )
    return chosen


def _completed(run: InventoryRun) -> None:
    if run.status != InventoryRun.Status.COMPLETED:
        raise ValidationError(
            {
                "base_run": f"run #{run.pk} is {run.get_status_display().lower()}; a base year is "
                "taken from a completed run"
            }
        )


def _metric_value(metric: BusinessMetric | None, year: int) -> Decimal | None:
    if metric is None:
        return None
    value = BusinessMetricValue.objects.filter(metric=metric, year=year).first()
    if value is None:
        raise ValidationError(
            {
                "metric": f"{metric.name} has no value for {year}; record it before basing an "
                "intensity target on that year"
            }
        )
    return value.value


def target_create(
    *,
    actor,
    name: str,
    base_run: InventoryRun,
    target_year: int,
    reduction_pct: Decimal,
    kind: str = Target.Kind.ABSOLUTE,
    horizon: str = Target.Horizon.NEAR_TERM,
    categories=(),
    metric: BusinessMetric | None = None,
    significance_pct: Decimal | None = None,
    notes: str = "",
) -> Target:
    """A target whose base year and value are pinned to ``base_run`` (a completed run): the
    run's accounted tCO2e in the chosen categories, and for an intensity target the metric's
    value of that year."""
    _completed(base_run)
    chosen = _categories_clean(categories)
    if kind == Target.Kind.INTENSITY and metric is None:
        raise ValidationError({"metric": "an intensity target needs a business metric"})
    if kind == Target.Kind.ABSOLUTE:
        metric = None
    target = Target(
        name=(name or "").strip(),
        kind=kind,
        horizon=horizon,
        categories=chosen,
        metric=metric,
        base_run=base_run,
        base_year=base_run.reporting_year,
        base_tco2e=selectors.run_total_t(run=base_run, categories=chosen),
        base_metric_value=_metric_value(metric, base_run.reporting_year),
        target_year=target_year,
        reduction_pct=Decimal(reduction_pct),
        notes=notes,
        created_by=actor,
    )
    if significance_pct is not None:
        target.significance_pct = Decimal(significance_pct)
    target.full_clean(exclude=["created_by"])
    try:
        target.path()
    except ValueError as exc:
        raise ValidationError({"target_year": str(exc)}) from None
    with transaction.atomic(), acting_as(actor, "target created"):
        target.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=target,
            details={
                "base_run": base_run.pk,
                "base_year": target.base_year,
                "base_tco2e": str(target.base_tco2e),
                "reduction_pct": str(target.reduction_pct),
                "target_year": target_year,
            },
        )
    return target


def base_year_decide(
    *, actor, target: Target, run: InventoryRun, recalculate: bool, reason: str
) -> BaseYearRecalculation:
    """Record an analyst's decision on a restated base year (GHG Protocol Corporate Standard
    ch. 5). Recalculating re-pins the target to ``run`` and its new base value; the old and new
    values both stay in the record and in the target's history. A reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "say why the base year is recalculated or kept"})
    _completed(run)
    if run.reporting_year != target.base_year:
        raise ValidationError(
            {
                "run": f"run #{run.pk} is of {run.reporting_year}, not the base year "
                f"{target.base_year}"
            }
        )
    if run.pk == target.base_run_id:
        raise ValidationError({"run": f"the target is already based on run #{run.pk}"})
    new_t = selectors.run_total_t(run=run, categories=target.categories)
    check = rules.recalculation_check(
        old_value=target.base_tco2e, new_value=new_t, threshold=target.significance_pct / 100
    )
    previous_run = target.base_run
    decision = (
        BaseYearRecalculation.Decision.RECALCULATED
        if recalculate
        else BaseYearRecalculation.Decision.KEPT
    )
    with transaction.atomic(), acting_as(actor, f"base year {decision}: {reason}"):
        try:
            with transaction.atomic():
                record = BaseYearRecalculation.objects.create(
                    target=target,
                    restated_run=run,
                    previous_run=previous_run,
                    old_tco2e=target.base_tco2e,
                    new_tco2e=new_t,
                    change_pct=check.change_pct,
                    threshold_pct=check.threshold_pct,
                    decision=decision,
                    reason=reason,
                    decided_by=actor,
                )
        except IntegrityError:
            raise ValidationError(
                {"run": f"run #{run.pk} was already decided for this target"}
            ) from None
        if recalculate:
            target.base_run = run
            target.base_tco2e = new_t
            target.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.ACCEPTED if recalculate else AuditEvent.Verb.DISMISSED,
            target=target,
            reason=reason,
            details={
                "restated_run": run.pk,
                "previous_run": previous_run.pk,
                "old_tco2e": str(record.old_tco2e),
                "new_tco2e": str(new_t),
                "change_pct": str(check.change_pct),
                "threshold_pct": str(check.threshold_pct),
            },
        )
    return record


def business_metric_value_set(
    *, actor, metric: BusinessMetric, year: int, value: Decimal, source: str = ""
) -> BusinessMetricValue:
    """Record (or correct) a business metric's value of a year."""
    with transaction.atomic(), acting_as(actor, "business metric recorded"):
        row = BusinessMetricValue.objects.filter(metric=metric, year=year).first()
        before = str(row.value) if row else None
        row = row or BusinessMetricValue(metric=metric, year=year)
        row.value = Decimal(value)
        row.source = source
        row.full_clean()
        row.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED if before else AuditEvent.Verb.CREATED,
            target=row,
            details={"year": year, "value": str(row.value), "before": before},
        )
    return row


def engagement_target_create(
    *,
    actor,
    name: str,
    target_pct: Decimal,
    base_year: int,
    target_year: int,
    basis: str = SupplierEngagementTarget.Basis.EMISSIONS,
    categories=(),
    notes: str = "",
) -> SupplierEngagementTarget:
    target = SupplierEngagementTarget(
        name=(name or "").strip(),
        target_pct=Decimal(target_pct),
        base_year=base_year,
        target_year=target_year,
        basis=basis,
        categories=_categories_clean(categories),
        notes=notes,
        created_by=actor,
    )
    target.full_clean(exclude=["created_by"])
    with transaction.atomic(), acting_as(actor, "engagement target created"):
        target.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=target,
            details={"target_pct": str(target.target_pct), "basis": basis},
        )
    return target


def engagement_requests_send(
    *, actor, vendors, reporting_year: int, due_date: dt.date, message: str = ""
) -> tuple[list, list[str]]:
    """Send each vendor a disclosure request asking for its emissions, allocation and
    certificates (the engagement ask); vendors with a live request for the year are skipped and
    named. Each request is its own transaction (``vendors.services.disclosure_request_create``)."""
    from vendors.services.disclosures import disclosure_request_create

    sent, skipped = [], []
    for vendor in vendors:
        try:
            sent.append(
                disclosure_request_create(
                    actor=actor,
                    vendor=vendor,
                    reporting_year=reporting_year,
                    due_date=due_date,
                    message=message,
                    reason="supplier engagement",
                    ask_scope3_upstream=True,
                    ask_allocation=True,
                    ask_certificates=True,
                )
            )
        except ValidationError as exc:
            skipped.append(f"{vendor.name}: {'; '.join(exc.messages)}")
    return sent, skipped


# --- the SBTi list -------------------------------------------------------------------------------

SBTI_IMPORT_REASON = "SBTi list imported"


def _sbti_vendor_lookup() -> dict[str, dict]:
    """Vendors by LEI, by the ISIN on their SBTi status, and by normalised name; a key two
    vendors share maps to None (ambiguous: matches nobody, never a guess)."""
    from scope3.importers.spend import vendor_name_normalise
    from targets.models import SbtiStatus
    from vendors.models import Vendor

    leis: dict[str, int | None] = {}
    names: dict[str, int | None] = {}

    def put(mapping, key, pk):
        if key:
            mapping[key] = pk if mapping.get(key, pk) == pk else None

    for pk, name, legal_name, lei in Vendor.objects.values_list("pk", "name", "legal_name", "lei"):
        put(leis, (lei or "").strip().upper(), pk)
        for written in (name, legal_name):
            if written:
                put(names, vendor_name_normalise(written), pk)
    isins = {
        isin.upper(): vendor_id
        for vendor_id, isin in SbtiStatus.objects.exclude(isin="").values_list("vendor_id", "isin")
    }
    return {"lei": leis, "isin": isins, "name": names}


def sbti_import(*, actor, path) -> SbtiImport:
    """Import the SBTi's list of companies taking action (``targets.sbti_file``) and match each
    company to a vendor by LEI, then ISIN, then exact normalised name; ambiguous or unmatched
    companies are listed, never guessed. A second row for an already matched vendor or a
    repeated company name is reported and ignored. A file refused as a whole stores only its
    rejected import record; vendors listed by an earlier import and absent now lose their
    status (the list is complete as published)."""
    import hashlib
    from pathlib import Path

    from django.conf import settings

    from assurance.tables import RowError
    from assurance.uploads import UploadRefused
    from scope3.importers.spend import vendor_name_normalise
    from targets import sbti_file
    from targets.models import SbtiStatus

    path = Path(path)
    errors: list[RowError] = []
    try:
        sbti_file.path_check(path, settings.SBTI_IMPORT_MAX_BYTES)
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
            handle.seek(0)
            parsed = list(sbti_file.rows(handle, errors))
    except UploadRefused as exc:
        with transaction.atomic(), acting_as(actor, SBTI_IMPORT_REASON):
            record = SbtiImport.objects.create(
                file_sha256="",
                original_name=path.name[:255],
                status=SbtiImport.Status.REJECTED,
                error_summary=exc.message,
                created_by=actor,
            )
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.REJECTED,
                target=record,
                details={"reason": exc.message},
            )
        return record
    lookup = _sbti_vendor_lookup()
    seen_names: dict[str, int] = {}
    matched: dict[int, tuple] = {}
    unmatched: list[dict] = []
    for row in parsed:
        key = vendor_name_normalise(row.name)
        if key in seen_names:
            errors.append(
                RowError(
                    row.row,
                    "name",
                    row.name,
                    f"the company is listed twice (first on row {seen_names[key]}); "
                    "this row is ignored",
                )
            )
            continue
        seen_names[key] = row.row
        vendor_id, how = None, ""
        for field, value in (("lei", row.lei), ("isin", row.isin), ("name", key)):
            found = lookup[field].get(value) if value else None
            if found:
                vendor_id, how = found, field
                break
        if vendor_id is None:
            unmatched.append({"row": row.row, "name": row.name, "lei": row.lei, "isin": row.isin})
            continue
        if vendor_id in matched:
            errors.append(
                RowError(
                    row.row,
                    how,
                    row.name,
                    f"matches the same vendor as row {matched[vendor_id][0].row}; ignored",
                )
            )
            continue
        matched[vendor_id] = (row, how)
    with transaction.atomic(), acting_as(actor, SBTI_IMPORT_REASON):
        record = SbtiImport.objects.create(
            file_sha256=digest.hexdigest(),
            original_name=path.name[:255],
            status=SbtiImport.Status.IMPORTED,
            rows_total=len({r.row for r in parsed} | {e.row for e in errors}),
            matched=len(matched),
            unmatched=unmatched,
            errors=[e.as_dict() for e in errors],
            created_by=actor,
        )
        existing = {s.vendor_id: s for s in SbtiStatus.objects.filter(vendor_id__in=matched)}
        for vendor_id, (row, how) in matched.items():
            status = existing.get(vendor_id) or SbtiStatus(vendor_id=vendor_id)
            status.company_name = row.name
            status.isin = row.isin or status.isin
            status.lei = row.lei
            status.near_term_status = row.status
            status.classification = row.classification
            status.target_year = row.target_year
            status.listed_on = _iso_date(row.listed_on)
            status.matched_by = how
            status.source_import = record
            status.save()
        for stale in SbtiStatus.objects.exclude(vendor_id__in=matched).exclude(
            matched_by=SbtiStatus.MatchedBy.MANUAL
        ):
            stale.delete()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPLOADED,
            target=record,
            details={
                "matched": len(matched),
                "unmatched": len(unmatched),
                "errors": len(errors),
                "sha256": record.file_sha256,
            },
        )
    return record


def _iso_date(text: str):
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
