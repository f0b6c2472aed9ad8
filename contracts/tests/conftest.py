import datetime
from decimal import Decimal

import pytest

from contracts import services


@pytest.fixture
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def contract(officer, vendor_a):
    """Vendor A's active contract for 2024-2025 (all periods have ended), owned by the officer."""
    return services.contract_create(
        actor=officer,
        vendor=vendor_a,
        reference="ACME-2024-01",
        title="Accelerator cluster",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        value=Decimal("4000000"),
        currency="USD",
        owner=officer,
        status="active",
    )


@pytest.fixture
def clause(officer, contract):
    """Quarterly, lower is better: 100 in 2023 to 60 in 2027 (-10 a year)."""
    return services.kpi_clause_create(
        actor=officer,
        contract=contract,
        metric="Scope 1+2 emissions intensity per revenue",
        unit="tCO2e per million USD",
        direction="lower",
        baseline_value=Decimal("100"),
        baseline_year=2023,
        target_value=Decimal("60"),
        target_year=2027,
        frequency="quarterly",
        remedy="Reduction plan within 60 days.",
    )


@pytest.fixture
def percent_clause(officer, contract):
    """Annual, higher is better: 40 % in 2023 to 80 % in 2027 (+10 points a year)."""
    return services.kpi_clause_create(
        actor=officer,
        contract=contract,
        metric="Renewable electricity share",
        unit="%",
        direction="higher",
        baseline_value=Decimal("40"),
        baseline_year=2023,
        target_value=Decimal("80"),
        target_year=2027,
        frequency="annual",
    )
