"""Writes of KPI clauses and the reporting periods that follow from them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.services import assign_fields
from contracts.models import Contract, KpiClause, KpiReportingPeriod
from contracts.periods import periods_generate

CLAUSE_FIELDS = {
    "metric",
    "unit",
    "direction",
    "baseline_value",
    "baseline_year",
    "target_value",
    "target_year",
    "frequency",
    "evidence_required",
    "remedy",
    "status",
}


def kpi_report_due_days() -> int:
    return int(getattr(settings, "KPI_REPORT_DUE_DAYS", 30))


# --- KPI clauses and periods -----------------------------------------------------------------


def kpi_clause_create(
    *,
    actor,
    contract: Contract,
    template=None,
    status="active",
    reason="",
    declared: dict | None = None,
    **fields,
) -> KpiClause:
    """Add a KPI clause to a contract, optionally starting from a library template.

    Fields given explicitly win over the template's. An active clause gets its reporting periods
    at once (see :mod:`contracts.periods`); a proposed clause (e.g. from an award) gets them when
    it is activated. ``declared`` is what a bid promised for the metric (``value``, ``unit``,
    ``tolerance_percent``, where it was declared), kept in the clause's creation event so the
    timeline can set each reported value beside it.
    """
    clause = KpiClause(contract=contract, template=template, status=status)
    if template is not None:
        for name in ("metric", "unit", "direction", "frequency", "evidence_required", "remedy"):
            setattr(clause, name, getattr(template, name))
    assign_fields(clause, CLAUSE_FIELDS - {"status"}, fields)
    clause.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "KPI clause added"):
        clause.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=clause,
            vendor=contract.vendor,
            details={
                "contract": contract.reference,
                "metric": clause.metric,
                **({"declared": declared} if declared else {}),
            },
        )
        if clause.status == KpiClause.Status.ACTIVE:
            _clause_periods_sync(clause)
    return clause


def kpi_clause_update(*, actor, clause: KpiClause, reason: str = "", **fields) -> KpiClause:
    """Change a clause; a change of frequency regenerates the periods that have no report."""
    changed = assign_fields(clause, CLAUSE_FIELDS, fields)
    clause.full_clean()
    if not changed:
        return clause
    with transaction.atomic(), acting_as(actor, reason or "KPI clause updated"):
        clause.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=clause,
            vendor=clause.contract.vendor,
            details={"fields": changed},
        )
        if clause.status in (KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH):
            _clause_periods_sync(clause)
    return clause


def _clause_periods_sync(clause: KpiClause) -> list[KpiReportingPeriod]:
    """Make the clause's periods match its frequency and the contract's dates.

    Idempotent: existing periods with the same start are kept (their end and due date updated),
    periods without a report that no longer fit are removed, and a period that already has a
    report is never removed (the report and its evidence must survive a renegotiation).
    """
    contract = clause.contract
    wanted = periods_generate(
        start=contract.start_date,
        end=contract.end_date,
        frequency=clause.frequency,
        due_days=kpi_report_due_days(),
    )
    existing = {p.period_start: p for p in clause.periods.select_related("report")}
    kept = []
    for period in wanted:
        row = existing.pop(period.start, None)
        if row is None:
            row = KpiReportingPeriod(clause=clause, period_start=period.start)
        if row.pk is None or (row.period_end, row.due_date) != (period.end, period.due):
            row.period_end = period.end
            row.due_date = period.due
            row.save()
        kept.append(row)
    for row in existing.values():
        if not hasattr(row, "report"):
            row.delete()
    return kept
