"""Factor datasets are immutable once imported, and their history names who imported them."""

from decimal import Decimal

import pytest

from assurance.history import acting_as_system
from scope3.models import EmissionFactor, FactorDataset, ImmutableRecordError, ReferenceRate
from scope3.selectors import factor_dataset_latest
from scope3.services import factor_dataset_import

EPA_HEADER = (
    "2017 NAICS Code,2017 NAICS Title,GHG,Unit,Supply Chain Emission Factors without Margins,"
    "Margins of Supply Chain Emission Factors,Supply Chain Emission Factors with Margins,"
    "Reference USEEIO Code\n"
)


def epa_file(tmp_path, name="factors_v9.1_.csv", rows=None):
    rows = rows or [
        '334413,Semiconductors,All GHGs,"kg CO2e/2022 USD, purchaser price",0.1,0.02,0.12,334413'
    ]
    path = tmp_path / name
    path.write_text(EPA_HEADER + "\n".join(rows) + "\n")
    return path


def import_epa(tmp_path, **kwargs):
    with acting_as_system("import_factors") as system:
        return factor_dataset_import(
            actor=system, kind="useeio", source=epa_file(tmp_path, **kwargs)
        )


@pytest.mark.django_db
def test_changing_an_imported_dataset_is_refused(tmp_path):
    dataset = import_epa(tmp_path).dataset
    dataset.dollar_year = 2019
    with pytest.raises(ImmutableRecordError, match="dollar_year"):
        dataset.save()
    assert FactorDataset.objects.get().dollar_year == 2022


@pytest.mark.django_db
def test_changing_a_factor_row_is_refused(tmp_path):
    import_epa(tmp_path)
    factor = EmissionFactor.objects.get(code="334413")
    factor.value = Decimal("9")
    with pytest.raises(ImmutableRecordError):
        factor.save()
    assert EmissionFactor.objects.get(code="334413").value == Decimal("0.12")


@pytest.mark.django_db
def test_reference_rate_rows_cannot_be_changed(tmp_path):
    path = tmp_path / "fx.csv"
    path.write_text(
        "# kind: fx\n# name: Test FX\n# version: 1\n# publisher: Test\n# unit: per USD\n"
        "key,year,value,unit,source,source_url,notes\n"
        "EUR,2022,0.95,EUR per USD,Test table 1,https://example.org/fx,\n"
    )
    with acting_as_system("import_factors") as system:
        factor_dataset_import(actor=system, kind="fx", source=path)
    rate = ReferenceRate.objects.get(key="EUR", year=2022)
    rate.value = Decimal("1")
    with pytest.raises(ImmutableRecordError):
        rate.save()


@pytest.mark.django_db
def test_history_names_the_system_user_and_the_import_reason(tmp_path):
    dataset = import_epa(tmp_path).dataset
    record = dataset.history.get()
    assert record.history_type == "+"
    assert record.history_user.username == "tenderleaf-system"
    assert record.history_change_reason == "import_factors"
    assert dataset.imported_by == record.history_user


@pytest.mark.django_db
def test_latest_dataset_prefers_the_full_release_over_a_curated_subset(tmp_path):
    full = import_epa(tmp_path, name="factors_v1.3.0_.csv").dataset
    subset = tmp_path / "subset.csv"
    subset.write_text(
        "# kind: useeio\n# name: Subset\n# version: 1.3.0-it.1\n# publisher: Test\n"
        "# unit: kg CO2e/2022 USD\n"
        "code,title,value,value_without_margins,margins,unit,source,source_url,notes\n"
        '334413,Semis,0.215,0.188,0.028,"kg CO2e/2022 USD, purchaser price",EPA,'
        "https://doi.org/10.23719/1531143,\n"
    )
    older = import_epa(
        tmp_path,
        name="factors_v1.2_.csv",
        rows=['334413,Semis,All GHGs,"kg CO2e/2021 USD, purchaser price",0.2,0.02,0.22,334413'],
    ).dataset
    with acting_as_system("import_factors") as system:
        factor_dataset_import(actor=system, kind="useeio", source=subset)

    assert older.version == "1.2"
    assert factor_dataset_latest(kind="useeio") == full
