"""contract_create and kpi_clause_create: the entry points the award step calls."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assurance.models import AuditEvent
from contracts import services
from contracts.models import Contract, KpiClause, KpiClauseTemplate


@pytest.fixture
def contract(officer, vendor_a):
    return services.contract_create(
        actor=officer,
        vendor=vendor_a,
        reference="C-2025-001",
        title="H100 cluster",
        start_date=datetime.date(2025, 2, 15),
        end_date=datetime.date(2026, 2, 14),
        value=Decimal("2500000"),
        currency="usd",
        owner=officer,
    )


def test_contract_create_records_history_and_event(contract, officer):
    assert contract.status == Contract.Status.DRAFT
    assert contract.currency == "USD"
    record = contract.history.get()
    assert record.history_user == officer
    assert AuditEvent.objects.filter(target_id=str(contract.pk), verb="created").exists()


def test_contract_create_refuses_end_before_start(officer, vendor_a):
    with pytest.raises(ValidationError, match="end after it starts"):
        services.contract_create(
            actor=officer,
            vendor=vendor_a,
            reference="C-bad",
            title="x",
            start_date=datetime.date(2025, 2, 15),
            end_date=datetime.date(2025, 2, 1),
            value=Decimal("1"),
            currency="USD",
        )
    assert not Contract.objects.filter(reference="C-bad").exists()


def test_clause_from_library_template_generates_quarterly_periods(contract, officer):
    template = KpiClauseTemplate.objects.get(code="pue-hosting-facility")
    clause = services.kpi_clause_create(
        actor=officer,
        contract=contract,
        template=template,
        baseline_value=Decimal("1.50"),
        baseline_year=2024,
        target_value=Decimal("1.30"),
        target_year=2026,
    )
    assert clause.metric == template.metric
    assert clause.frequency == "quarterly"
    # 2025-02-15..2026-02-14, calendar quarters: partial Q1 2025, Q2, Q3, Q4, partial Q1 2026.
    spans = [(p.period_start, p.period_end) for p in clause.periods.all()]
    assert spans == [
        (datetime.date(2025, 2, 15), datetime.date(2025, 3, 31)),
        (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)),
        (datetime.date(2025, 7, 1), datetime.date(2025, 9, 30)),
        (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)),
        (datetime.date(2026, 1, 1), datetime.date(2026, 2, 14)),
    ]
    # Default KPI_REPORT_DUE_DAYS is 30: 2025-03-31 + 30 days = 2025-04-30.
    assert clause.periods.first().due_date == datetime.date(2025, 4, 30)


def test_proposed_clause_has_no_periods_until_active(contract, officer):
    clause = services.kpi_clause_create(
        actor=officer,
        contract=contract,
        status="proposed",
        metric="Renewable electricity share",
        unit="%",
        direction="higher",
        baseline_value=Decimal("40"),
        baseline_year=2024,
        target_value=Decimal("80"),
        target_year=2028,
        frequency="annual",
    )
    assert clause.status == KpiClause.Status.PROPOSED
    assert clause.periods.count() == 0
    services.kpi_clause_update(actor=officer, clause=clause, status="active")
    assert clause.periods.count() == 2


def test_clause_library_has_the_six_common_kpis(db):
    assert set(KpiClauseTemplate.objects.values_list("code", flat=True)) == {
        "scope12-intensity-revenue",
        "renewable-electricity-share",
        "pue-hosting-facility",
        "recycled-content-hardware",
        "take-back-rate",
        "product-footprint-share",
    }
    assert not KpiClauseTemplate.objects.filter(remedy="").exists()
