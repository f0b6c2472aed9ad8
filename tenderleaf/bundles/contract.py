"""A contract: its terms, KPI clauses with their trajectory charts and reports, the ISO 14001
audits with findings and corrective actions, the renewal decisions and the change history."""

from __future__ import annotations

from django.db.models import Prefetch

from assurance.bundles.sections import ScopeContent, section_render
from assurance.bundles.sections.common import evidence_files_for, history_changes, history_records
from assurance.bundles.svg import trajectory_chart
from config import numbers
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiReport,
    RenewalDecision,
)
from vendors.models import Certification


def _year_fraction(day) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / 365.0


def load_contract(contract_id: int) -> ScopeContent:
    """Everything the bundle of one contract shows, one query per table."""
    contract = Contract.objects.select_related("vendor", "owner", "source_rfp", "created_by").get(
        pk=contract_id
    )
    clauses = list(
        KpiClause.objects.filter(contract=contract)
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=KpiReport.objects.select_related(
                    "period", "submitted_by", "reviewed_by", "evidence"
                ).order_by("period__period_start", "id"),
            )
        )
        .order_by("metric", "id")
    )
    audits = list(
        Iso14001Audit.objects.filter(contract=contract)
        .prefetch_related(
            Prefetch("findings", queryset=AuditFinding.objects.order_by("severity", "id"))
        )
        .order_by("audit_date", "id")
    )
    decisions = list(
        RenewalDecision.objects.filter(contract=contract)
        .select_related("decided_by")
        .order_by("decided_at", "id")
    )
    certificates = list(
        Certification.objects.filter(vendor=contract.vendor, kind=Certification.Kind.ISO_14001)
        .select_related("evidence")
        .order_by("issue_date", "id")
    )
    reports = [report for clause in clauses for report in clause.reports.all()]
    contract_history = history_records(Contract, [contract.pk])
    clause_history = history_records(KpiClause, [c.pk for c in clauses])
    decision_history = history_records(RenewalDecision, [d.pk for d in decisions])
    files = evidence_files_for(
        ids=[r.evidence_id for r in reports] + [c.evidence_id for c in certificates],
        targets=[contract, *clauses, *reports, *audits],
    )

    kpis = []
    for clause in clauses:
        clause_reports = list(clause.reports.all())
        chart = trajectory_chart(
            baseline=(float(clause.baseline_year), float(clause.baseline_value)),
            target=(float(clause.target_year), float(clause.target_value)),
            points=[
                (_year_fraction(r.period.period_end), float(r.value), r.on_track)
                for r in clause_reports
            ],
            unit=clause.unit,
            title=f"{clause.metric} trajectory",
        )
        kpis.append(
            {
                "clause": clause,
                "reports": clause_reports,
                "chart": chart,
                "changes": history_changes(KpiClause, clause_history.get(clause.pk, [])),
            }
        )
    on_track = sum(1 for r in reports if r.on_track)
    figures = [
        ("Contract value", numbers.money(contract.value, contract.currency)),
        ("Status", contract.get_status_display()),
        ("KPI clauses", str(len(clauses))),
        ("KPI reports (on track)", f"{len(reports)} ({on_track})"),
        ("ISO 14001 audits", str(len(audits))),
        (
            "Open major nonconformities",
            str(
                sum(
                    1
                    for a in audits
                    for f in a.findings.all()
                    if f.severity == "major" and not f.closed_date
                )
            ),
        ),
        ("Renewal decisions", str(len(decisions))),
        ("Evidence files attached", str(len(files))),
    ]
    sections = [
        section_render(
            "summary",
            "Summary",
            "summary.html",
            {"figures": figures, "charts": [(k["clause"].metric, k["chart"]) for k in kpis]},
        ),
        section_render(
            "contract",
            "Contract",
            "contract.html",
            {
                "contract": contract,
                "certificates": certificates,
                "changes": history_changes(Contract, contract_history.get(contract.pk, [])),
            },
        ),
        section_render("kpis", "KPI clauses and reports", "kpis.html", {"kpis": kpis}),
        section_render(
            "audits", "ISO 14001 audits and findings", "audits.html", {"audits": audits}
        ),
        section_render(
            "renewals",
            "Renewal decisions",
            "renewals.html",
            {
                "decisions": decisions,
                "history": {
                    d.pk: history_changes(RenewalDecision, decision_history.get(d.pk, []))
                    for d in decisions
                },
            },
        ),
    ]
    return ScopeContent(
        label=f"Contract {contract.reference}",
        facts=[
            ("Scope", "Contract"),
            ("Contract", f"{contract.reference}: {contract.title}"),
            ("Vendor", f"{contract.vendor.name} (#{contract.vendor_id})"),
            ("Term", f"{contract.start_date} to {contract.end_date}"),
        ],
        sections=sections,
        files=files,
        manifest_scope={"kind": "contract", "contract": contract.pk},
    )
