"""Reads of the contracts app: querysets with the joins their pages need, so the number of
queries does not grow with the number of rows; and the vendor's open contract items."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from assurance.models import AuditEvent
from contracts import gate as gate_rules
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiReport,
    KpiReportingPeriod,
    RenewalDecision,
)
from contracts.trajectory import expected_value


def overdue_findings_q(today: datetime.date, prefix: str = "") -> Q:
    """Corrective actions past their due date and not closed."""
    return Q(**{f"{prefix}closed_date__isnull": True, f"{prefix}due_date__lt": today})


def contract_list() -> QuerySet[Contract]:
    return Contract.objects.select_related("vendor", "owner").annotate(
        clause_count=Count("clauses", distinct=True),
        breach_count=Count(
            "clauses", filter=Q(clauses__status=KpiClause.Status.IN_BREACH), distinct=True
        ),
    )


def contract_clauses(contract: Contract) -> QuerySet[KpiClause]:
    return contract.clauses.prefetch_related(
        Prefetch(
            "periods",
            queryset=KpiReportingPeriod.objects.select_related("report").order_by("period_start"),
        )
    ).order_by("metric", "pk")


def kpi_report_list() -> QuerySet[KpiReport]:
    return KpiReport.objects.select_related(
        "clause__contract__vendor", "period", "submitted_by", "reviewed_by", "evidence"
    )


def audit_list(*, today: datetime.date | None = None) -> QuerySet[Iso14001Audit]:
    today = today or timezone.localdate()
    return Iso14001Audit.objects.select_related("vendor", "contract__vendor").annotate(
        finding_count=Count("findings", distinct=True),
        open_major_count=Count(
            "findings",
            filter=Q(findings__severity=AuditFinding.Severity.MAJOR, findings__closed_date=None),
            distinct=True,
        ),
        overdue_count=Count(
            "findings", filter=overdue_findings_q(today, "findings__"), distinct=True
        ),
    )


def overdue_findings(*, vendor=None, today: datetime.date | None = None):
    today = today or timezone.localdate()
    qs = AuditFinding.objects.filter(overdue_findings_q(today)).select_related("audit__vendor")
    if vendor is not None:
        qs = qs.filter(audit__vendor=vendor)
    return qs.order_by("due_date", "pk")


def periods_due(*, vendor, today: datetime.date | None = None) -> QuerySet[KpiReportingPeriod]:
    """Ended periods of the vendor's live clauses whose report is missing or was rejected."""
    today = today or timezone.localdate()
    return (
        KpiReportingPeriod.objects.filter(
            clause__contract__vendor=vendor,
            clause__status__in=[KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH],
            period_end__lt=today,
        )
        .filter(Q(report__isnull=True) | Q(report__status=KpiReport.Status.REJECTED))
        .select_related("clause__contract", "report")
        .order_by("due_date", "pk")
    )


def vendor_contracts(vendor) -> QuerySet[Contract]:
    """What the portal shows a vendor: its contracts except drafts (not agreed yet)."""
    return (
        contract_list()
        .filter(vendor=vendor)
        .exclude(status=Contract.Status.DRAFT)
        .order_by("-start_date", "reference")
    )


def contract_open_items_for_vendor(vendor, *, today: datetime.date | None = None) -> list:
    """KPI reports to submit or correct and clauses in breach, as portal home open items.

    Returns ``vendors.selectors.OpenItem`` rows (kinds ``kpi_report_due``,
    ``kpi_report_overdue``, ``kpi_report_rejected``, ``kpi_clause_in_breach``); two queries.
    """
    from vendors.selectors import OpenItem

    today = today or timezone.localdate()
    items = []
    for period in periods_due(vendor=vendor, today=today).exclude(
        clause__contract__status=Contract.Status.DRAFT
    ):
        clause = period.clause
        span = f"{period.period_start:%d %B %Y} to {period.period_end:%d %B %Y}"
        report = getattr(period, "report", None)
        if report is not None:
            kind, title = "kpi_report_rejected", f"Correct your {clause.metric} report"
            detail = f"The report for {span} was sent back: {report.review_comment}"
        elif period.due_date < today:
            kind, title = "kpi_report_overdue", f"{clause.metric} report is overdue"
            detail = f"The report for {span} was due on {period.due_date:%d %B %Y}."
        else:
            kind, title = "kpi_report_due", f"Report {clause.metric}"
            detail = f"The report for {span} is due on {period.due_date:%d %B %Y}."
        items.append(
            OpenItem(
                kind=kind,
                title=f"{title} ({clause.contract.reference})",
                detail=detail,
                due=period.due_date,
                object_id=period.pk,
                url=reverse("portal:kpi_report_submit", args=[period.pk]),
            )
        )
    breaches = KpiClause.objects.filter(
        contract__vendor=vendor, status=KpiClause.Status.IN_BREACH
    ).select_related("contract")
    for clause in breaches:
        items.append(
            OpenItem(
                kind="kpi_clause_in_breach",
                title=f"{clause.metric} is in breach ({clause.contract.reference})",
                detail=f"Two consecutive periods were off track. Remedy: {clause.remedy}",
                object_id=clause.pk,
                url=reverse("portal:contract_detail", args=[clause.contract_id]),
            )
        )
    return items


@dataclass(frozen=True)
class ChartPoint:
    label: str
    year_fraction: float
    value: Decimal
    on_track: bool | None
    status: str


@dataclass(frozen=True)
class ClauseChart:
    metric: str
    unit: str
    direction: str
    trajectory: list[tuple[int, Decimal]]
    points: list[ChartPoint]


def _year_fraction(day: datetime.date) -> float:
    start = datetime.date(day.year, 1, 1)
    length = (datetime.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def clause_chart_data(clause: KpiClause, *, include_unaccepted: bool = False) -> ClauseChart:
    """Plain values for :func:`contracts.charts.kpi_chart_svg` from a clause with prefetched
    periods (see :func:`contract_clauses`): the yearly trajectory and the reported values.

    Only accepted reports are plotted unless ``include_unaccepted`` (the vendor sees its own
    submitted values, drawn hollow, so it knows what is pending review).
    """
    years = range(clause.baseline_year, clause.target_year + 1)
    trajectory = [
        (
            year,
            expected_value(
                baseline_value=clause.baseline_value,
                baseline_year=clause.baseline_year,
                target_value=clause.target_value,
                target_year=clause.target_year,
                year=year,
            ),
        )
        for year in years
    ]
    points = []
    for period in clause.periods.all():
        report = getattr(period, "report", None)
        if report is None:
            continue
        if report.status != KpiReport.Status.ACCEPTED and not (
            include_unaccepted and report.status == KpiReport.Status.SUBMITTED
        ):
            continue
        points.append(
            ChartPoint(
                label=f"{period.period_start:%Y-%m-%d} to {period.period_end:%Y-%m-%d}",
                year_fraction=_year_fraction(period.period_end),
                value=report.value,
                on_track=report.on_track,
                status=report.status,
            )
        )
    return ClauseChart(clause.metric, clause.unit, clause.direction, trajectory, points)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "history" or "event"
    subject: str
    action: str
    actor: str
    reason: str
    details: str


def contract_timeline(contract: Contract) -> list[TimelineEntry]:
    """History records and audit events of the contract, its clauses, periods' reports, its
    audits and findings and its renewal decisions, merged newest first.

    One query per source table, whatever the number of rows.
    """
    clause_ids = list(contract.clauses.values_list("pk", flat=True))
    report_ids = list(
        KpiReport.objects.filter(clause_id__in=clause_ids).values_list("pk", flat=True)
    )
    audit_ids = list(contract.audits.values_list("pk", flat=True))
    finding_ids = list(
        AuditFinding.objects.filter(audit_id__in=audit_ids).values_list("pk", flat=True)
    )
    decision_ids = list(contract.renewal_decisions.values_list("pk", flat=True))
    sources = [
        (Contract, [contract.pk], "Contract"),
        (KpiClause, clause_ids, "KPI clause"),
        (KpiReport, report_ids, "KPI report"),
        (Iso14001Audit, audit_ids, "ISO 14001 audit"),
        (AuditFinding, finding_ids, "Audit finding"),
        (RenewalDecision, decision_ids, "Renewal decision"),
    ]
    entries: list[TimelineEntry] = []
    event_filter = Q()
    history_labels = {"+": "created", "~": "changed", "-": "deleted"}
    for model, ids, label in sources:
        if not ids:
            continue
        last = {}
        records = model.history.filter(id__in=ids).select_related("history_user")
        for record in records.order_by("history_date", "history_id"):
            previous, last[record.id] = last.get(record.id), record
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="history",
                    subject=f"{label} {record}",
                    action=history_labels.get(record.history_type, record.history_type),
                    actor=str(record.history_user or "—"),
                    reason=record.history_change_reason or "",
                    details=_history_diff(record, previous),
                )
            )
        content_type = ContentType.objects.get_for_model(model)
        event_filter |= Q(target_type=content_type, target_id__in=[str(i) for i in ids])
    if event_filter:
        for event in AuditEvent.objects.filter(event_filter).select_related("actor"):
            entries.append(
                TimelineEntry(
                    at=event.occurred_at,
                    kind="event",
                    subject=event.target_repr,
                    action=event.get_verb_display()
                    if event.verb in AuditEvent.Verb.values
                    else event.verb.replace("_", " "),
                    actor=str(event.actor or "—"),
                    reason=event.reason,
                    details=_event_details(event.details),
                )
            )
    entries.sort(key=lambda e: (e.at, 0 if e.kind == "history" else 1), reverse=True)
    return entries


def _history_diff(record, previous) -> str:
    if previous is None:
        return ""
    delta = record.diff_against(previous)
    return "; ".join(f"{c.field}: {c.old} → {c.new}" for c in delta.changes)


def _event_details(details: dict) -> str:
    if not details:
        return ""
    parts = []
    for key, value in details.items():
        if key == "reasons" and isinstance(value, list):
            value = " ".join(
                f"[{r.get('condition')}: {'passed' if r.get('passed') else 'failed'}] "
                f"{r.get('detail', '')}"
                for r in value
            )
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def renewal_gate_inputs_for(
    contracts: list[Contract], *, on: datetime.date
) -> dict[int, gate_rules.GateInputs]:
    """The renewal gate's inputs for many contracts at once, by contract id, in three queries
    (certificates, audits, their findings) whatever their number: the same facts
    ``services.renewal_gate_inputs`` loads for one contract, for the daily renewal reminders."""
    from contracts.services import _finding_label
    from vendors.models import Certification

    vendor_ids = {c.vendor_id for c in contracts}
    certificates: dict[int, list[gate_rules.CertificateFact]] = {v: [] for v in vendor_ids}
    for cert in Certification.objects.filter(
        vendor_id__in=vendor_ids, kind=Certification.Kind.ISO_14001
    ).order_by("-expiry_date"):
        certificates[cert.vendor_id].append(
            gate_rules.CertificateFact(
                number=cert.number,
                status=cert.status,
                issue_date=cert.issue_date,
                expiry_date=cert.expiry_date,
            )
        )
    audits: dict[int, list[gate_rules.AuditFact]] = {v: [] for v in vendor_ids}
    for audit in (
        Iso14001Audit.objects.filter(vendor_id__in=vendor_ids)
        .select_related("vendor")
        .prefetch_related("findings")
        .order_by("-audit_date")
    ):
        audits[audit.vendor_id].append(
            gate_rules.AuditFact(
                audit_id=audit.pk,
                label=str(audit),
                audit_date=audit.audit_date,
                result=audit.result,
                major_findings=[
                    (_finding_label(f), f.closed_date)
                    for f in audit.findings.all()
                    if f.severity == AuditFinding.Severity.MAJOR
                ],
            )
        )
    return {
        c.pk: gate_rules.GateInputs(
            decision_date=on,
            renewal_date=c.end_date,
            certificates=certificates[c.vendor_id],
            audits=audits[c.vendor_id],
        )
        for c in contracts
    }
