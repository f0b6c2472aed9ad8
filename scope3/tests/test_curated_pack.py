"""The starter pack shipped in scope3/data/: imports idempotently, every row cites its source,
and the spend subset is a faithful copy of the EPA file."""

import csv
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from scope3.models import EmissionFactor, FactorDataset, ReferenceRate
from scope3.services import factor_starter_pack_files

EPA_V13 = (
    settings.BASE_DIR.parent
    / "shared"
    / "data"
    / "epa"
    / "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
)


def curated_rows(path):
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_starter_pack_holds_the_expected_tables():
    kinds = sorted(kind for kind, _path in factor_starter_pack_files())
    # Hardware twice: 2026.1 corrects 2025.1, which stays so runs that pinned it reproduce.
    assert kinds == ["freight", "fx", "hardware", "hardware", "price_index", "useeio", "waste"]


@pytest.mark.parametrize("path", [path for _kind, path in factor_starter_pack_files()], ids=str)
def test_every_curated_row_cites_its_source(path):
    rows = curated_rows(path)
    assert rows
    for row in rows:
        assert row["source"].strip(), row
        assert row["source_url"].startswith(("https://", "http://", "doi:")), row


@pytest.mark.django_db
def test_starter_pack_imports_once_and_then_is_a_no_op():
    first = StringIO()
    call_command("import_factors", "--starter-pack", stdout=first)
    counts = (FactorDataset.objects.count(), EmissionFactor.objects.count())

    second = StringIO()
    call_command("import_factors", "--kind", "starter", stdout=second)

    assert "7 tables imported" in first.getvalue()
    assert "0 tables imported, 7 already present" in second.getvalue()
    assert (FactorDataset.objects.count(), EmissionFactor.objects.count()) == counts
    assert FactorDataset.objects.filter(is_curated=True).count() == 7
    subset = FactorDataset.objects.get(kind="useeio")
    assert subset.dollar_year == 2022
    assert subset.factors.get(code="334413").value == Decimal("0.215")
    assert FactorDataset.objects.get(kind="hardware", version="2026.1").factors.get(
        code="gpu_a100_bloom"
    ).value == Decimal("150")
    eur_2022 = ReferenceRate.objects.get(key="EUR", year=2022)
    assert eur_2022.value == Decimal("0.9493070059")  # 1 / 1.0534 USD per EUR


def test_spend_subset_matches_the_epa_file():
    if not EPA_V13.exists():
        pytest.skip(f"{EPA_V13} is absent: cannot compare the subset with the EPA file")
    with EPA_V13.open(encoding="utf-8-sig", newline="") as handle:
        epa = {row["2017 NAICS Code"]: row for row in csv.DictReader(handle)}
    subset_path = next(path for kind, path in factor_starter_pack_files() if kind == "useeio")
    rows = curated_rows(subset_path)

    assert len(rows) >= 40
    for row in rows:
        source = epa[row["code"]]
        assert row["title"] == source["2017 NAICS Title"]
        assert Decimal(row["value"]) == Decimal(
            source["Supply Chain Emission Factors with Margins"]
        )
        assert Decimal(row["value_without_margins"]) == Decimal(
            source["Supply Chain Emission Factors without Margins"]
        )
        assert Decimal(row["margins"]) == Decimal(
            source["Margins of Supply Chain Emission Factors"]
        )
        assert row["unit"] == source["Unit"]
