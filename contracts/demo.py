"""Demo contracts for ``seed_demo``: KPI clauses on track, off track and in breach, an ISO 14001
audit whose open major nonconformity blocks a renewal, a renewal under a waiver, and a cloud
contract of 2023-2024 that an audit let through the renewal gate into a second term.

Idempotent: every contract is looked up by its reference and built only once, so a second run
writes nothing. Dates are relative to today, so the demo always has ended periods, a period due,
an overdue corrective action and a contract in its notice period. Everything goes through the
services, so history and audit events look exactly as they would in real use.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from contracts import services
from contracts.models import Contract, KpiClause, KpiClauseTemplate, KpiReport
from contracts.trajectory import expected_value
from vendors.models import Vendor, VendorMembership

ON, OFF = "on", "off"


def _member(vendor):
    membership = (
        VendorMembership.objects.filter(vendor=vendor).select_related("user").order_by("pk").first()
    )
    return membership.user if membership else None


def _officer(actor):
    officer = get_user_model().objects.filter(username="officer", is_staff=True).first()
    return officer or actor


def _value(clause: KpiClause, year: int, verdict: str) -> Decimal:
    expected = expected_value(
        baseline_value=clause.baseline_value,
        baseline_year=clause.baseline_year,
        target_value=clause.target_value,
        target_year=clause.target_year,
        year=year,
    )
    better = Decimal("0.96") if clause.direction == "lower" else Decimal("1.04")
    worse = Decimal("1.06") if clause.direction == "lower" else Decimal("0.92")
    value = expected * (better if verdict == ON else worse)
    if clause.unit == "%":
        value = min(value, Decimal(100))
    return value.quantize(Decimal("0.01"))


def _report_periods(clause, *, reporter, reviewer, verdicts, leave_last_open=False, today):
    """Report and accept the clause's ended periods, oldest first, with ``verdicts`` read from the
    newest backwards (e.g. [OFF, OFF] makes the last two off track, the rest on track)."""
    ended = [p for p in clause.periods.order_by("period_start") if p.period_end < today]
    if leave_last_open and ended:
        ended = ended[:-1]
    for index, period in enumerate(ended):
        from_newest = len(ended) - 1 - index
        verdict = verdicts[from_newest] if from_newest < len(verdicts) else ON
        if KpiReport.objects.filter(period=period).exists():
            continue
        submitted, reviewed = _report_moments(period, today)
        report = services.kpi_report_submit(
            actor=reporter,
            period=period,
            value=_value(clause, period.period_end.year, verdict),
            note="Demo report.",
            today=today,
            now=submitted,
        )
        services.kpi_report_accept(
            actor=reviewer, report=report, comment="Checked (demo).", now=reviewed
        )


def _report_moments(period, today) -> tuple[datetime.datetime, datetime.datetime]:
    """When the vendor reported a period and the officer accepted it: about two weeks after the
    period ended and three days later, never before the period ended nor after this moment, so
    the contract timeline reads as the years it covers."""
    now = timezone.now()
    ended = datetime.datetime.combine(
        period.period_end + datetime.timedelta(days=1), datetime.time(9, 0), tzinfo=datetime.UTC
    )
    submitted = min(
        ended + datetime.timedelta(days=11, minutes=30), now - datetime.timedelta(days=3)
    )
    submitted = min(max(submitted, ended), now)
    reviewed = min(submitted + datetime.timedelta(days=3, hours=5), now)
    return submitted, reviewed


def _clause(actor, contract, code, **fields):
    template = KpiClauseTemplate.objects.filter(code=code).first()
    existing = contract.clauses.filter(metric=template.metric if template else fields["metric"])
    if existing.exists():
        return existing.get()
    return services.kpi_clause_create(
        actor=actor, contract=contract, template=template, reason="seed_demo", **fields
    )


def _contract(actor, vendor, reference, **fields):
    contract = Contract.objects.filter(reference=reference).first()
    if contract is not None:
        return contract, False
    return (
        services.contract_create(
            actor=actor, vendor=vendor, reference=reference, reason="seed_demo", **fields
        ),
        True,
    )


def seed_contracts(*, actor, today: datetime.date | None = None) -> list[Contract]:
    """Create the demo contracts (see the module docstring); returns them."""
    today = today or timezone.localdate()
    officer = _officer(actor)
    vendors = {v.name: v for v in Vendor.objects.all()}
    created = []
    with transaction.atomic():
        northwind = vendors.get("Northwind Accelerators")
        if northwind is not None:
            created.append(_northwind(actor, officer, northwind, today))
        kestrel = vendors.get("Kestrel Compute Systems")
        if kestrel is not None:
            created.append(_kestrel(actor, officer, kestrel, today))
        nordlys = vendors.get("Nordlys Cloud")
        if nordlys is not None:
            created.append(_nordlys(actor, officer, nordlys, today))
        cirrus = vendors.get("Cirrus Harbor Cloud")
        if cirrus is not None:
            created.append(_cirrus(actor, officer, cirrus, today))
    return created


def _northwind(actor, officer, vendor, today):
    """GPU supply in its notice period: clauses on track, off track and in breach; an on-site
    audit with an open major nonconformity (overdue) makes the gate refuse; the refusal is on
    record. One renewable-share period is left for the portal user to report."""
    contract, new = _contract(
        actor,
        vendor,
        "DEMO-NWA-GPU-01",
        title="H100 accelerator supply and support",
        start_date=datetime.date(today.year - 2, 1, 1),
        end_date=today + datetime.timedelta(days=60),
        value=Decimal("18500000.00"),
        currency="USD",
        owner=officer,
        status="active",
    )
    reporter = _member(vendor) or actor
    intensity = _clause(
        actor,
        contract,
        "scope12-intensity-revenue",
        baseline_value=Decimal("48.0"),
        baseline_year=today.year - 3,
        target_value=Decimal("30.0"),
        target_year=today.year + 3,
    )
    renewable = _clause(
        actor,
        contract,
        "renewable-electricity-share",
        frequency="quarterly",
        baseline_value=Decimal("35"),
        baseline_year=today.year - 3,
        target_value=Decimal("90"),
        target_year=today.year + 2,
    )
    pue = _clause(
        actor,
        contract,
        "pue-hosting-facility",
        baseline_value=Decimal("1.55"),
        baseline_year=today.year - 3,
        target_value=Decimal("1.25"),
        target_year=today.year + 2,
    )
    if new:
        _report_periods(intensity, reporter=reporter, reviewer=officer, verdicts=[], today=today)
        _report_periods(
            renewable,
            reporter=reporter,
            reviewer=officer,
            verdicts=[OFF],
            leave_last_open=True,
            today=today,
        )
        _report_periods(pue, reporter=reporter, reviewer=officer, verdicts=[OFF, OFF], today=today)
        audit = services.iso14001_audit_create(
            actor=actor,
            vendor=vendor,
            contract=contract,
            audit_type="on_site",
            audit_date=today - datetime.timedelta(days=60),
            auditor="R. Novak, Example Assurance GmbH",
            scope="EMS of the Austin assembly and test site",
            sites="Austin, TX",
            result="nonconforming",
            reason="seed_demo",
        )
        services.audit_finding_create(
            actor=actor,
            audit=audit,
            severity="major",
            clause_ref="8.1",
            description="Operational controls for solvent handling not implemented at the "
            "test line; spills not recorded.",
            corrective_action="Implement the solvent-handling procedure and a spill log; train "
            "the test-line staff.",
            due_date=today - datetime.timedelta(days=10),
            reason="seed_demo",
        )
        services.audit_finding_create(
            actor=actor,
            audit=audit,
            severity="minor",
            clause_ref="9.1.1",
            description="Energy meters of building B not calibrated.",
            corrective_action="Calibrate and add to the calibration schedule.",
            due_date=today - datetime.timedelta(days=30),
            closed_date=today - datetime.timedelta(days=35),
            reason="seed_demo",
        )
        services.contract_status_change(
            actor=actor, contract=contract, status="renewal_due", reason="seed_demo"
        )
        services.contract_renew(actor=officer, contract=contract, on=today)
    return contract


def _kestrel(actor, officer, vendor, today):
    """Server supply with a clause on track all along."""
    contract, new = _contract(
        actor,
        vendor,
        "DEMO-KCS-SRV-01",
        title="Rack servers for the inference cluster",
        start_date=datetime.date(today.year - 1, 1, 1),
        end_date=datetime.date(today.year + 1, 12, 31),
        value=Decimal("6200000.00"),
        currency="USD",
        owner=officer,
        status="active",
    )
    clause = _clause(
        actor,
        contract,
        "recycled-content-hardware",
        frequency="quarterly",
        baseline_value=Decimal("12"),
        baseline_year=today.year - 2,
        target_value=Decimal("30"),
        target_year=today.year + 2,
    )
    if new:
        _report_periods(
            clause, reporter=_member(vendor) or actor, reviewer=officer, verdicts=[], today=today
        )
    return contract


def _nordlys(actor, officer, vendor, today):
    """Colocation without an ISO 14001 certificate or audit, renewed under a waiver."""
    contract, new = _contract(
        actor,
        vendor,
        "DEMO-NOR-COLO-01",
        title="Colocation, 400 kW hall, Luleå",
        start_date=datetime.date(today.year - 3, 1, 1),
        end_date=today + datetime.timedelta(days=30),
        value=Decimal("2400000.00"),
        currency="EUR",
        owner=officer,
        status="active",
    )
    _clause(
        actor,
        contract,
        "pue-hosting-facility",
        baseline_value=Decimal("1.30"),
        baseline_year=today.year - 3,
        target_value=Decimal("1.15"),
        target_year=today.year + 2,
    )
    if new:
        # The demo officer holds the waiver permission so the waiver form can be tried too.
        officer.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="contracts", codename="grant_renewal_waiver"
            )
        )
        officer = get_user_model().objects.get(pk=officer.pk)
        services.contract_renew(
            actor=officer,
            contract=contract,
            waiver_justification=(
                "Only colocation site with the renewable supply and latency we need; the vendor "
                "has booked its ISO 14001 certification audit for next quarter."
            ),
            on=today,
        )
    return contract


def _cirrus(actor, officer, vendor, today):
    """Cloud capacity for 2023-2024 with a yearly PUE clause. A certificate-verification audit in
    October 2024 lets the gate pass on 20 November 2024 (the vendor's certificate was not issued
    yet); the successor runs 2025-2026, its clause carried over, activated and reported. Dates are
    fixed: the years of the demo's spend ledger (docs/samples/README.md)."""
    renewed_on = datetime.date(2024, 11, 20)
    contract, new = _contract(
        actor,
        vendor,
        "DEMO-CHC-CLOUD-01",
        title="Reserved GPU cloud capacity, EU regions",
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2024, 12, 31),
        value=Decimal("4800000.00"),
        currency="USD",
        owner=officer,
        status="active",
    )
    clause = _clause(
        actor,
        contract,
        "pue-hosting-facility",
        baseline_value=Decimal("1.32"),
        baseline_year=2022,
        target_value=Decimal("1.18"),
        target_year=2026,
    )
    if not new or today <= renewed_on:
        return contract
    reporter = _member(vendor) or actor
    _report_periods(clause, reporter=reporter, reviewer=officer, verdicts=[], today=today)
    services.iso14001_audit_create(
        actor=actor,
        vendor=vendor,
        contract=contract,
        audit_type="certificate_verification",
        audit_date=datetime.date(2024, 10, 8),
        auditor="M. Okonkwo, Example Assurance GmbH",
        scope="EMS of the EU data centre operations (certificate transfer in progress)",
        sites="Stockholm\nFrankfurt",
        result="conforming",
        reason="seed_demo",
    )
    _decision, successor = services.contract_renew(actor=officer, contract=contract, on=renewed_on)
    if successor is None:
        return contract
    services.contract_status_change(
        actor=officer, contract=successor, status="active", reason="seed_demo"
    )
    for carried in successor.clauses.filter(status=KpiClause.Status.PROPOSED):
        services.kpi_clause_update(
            actor=officer, clause=carried, status=KpiClause.Status.ACTIVE, reason="seed_demo"
        )
        _report_periods(carried, reporter=reporter, reviewer=officer, verdicts=[OFF], today=today)
    return contract
