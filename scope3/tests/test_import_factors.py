"""``manage.py import_factors``: real EPA releases, re-imports, version rules and hostile files."""

from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assurance.models import AuditEvent
from scope3.models import EmissionFactor, FactorDataset

SHARED_DATA = settings.BASE_DIR.parent / "shared" / "data"
EPA_V13 = SHARED_DATA / "epa" / "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
EPA_V12 = SHARED_DATA / "epa" / "SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv"

HEADER = (
    "2017 NAICS Code,2017 NAICS Title,GHG,Unit,Supply Chain Emission Factors without Margins,"
    "Margins of Supply Chain Emission Factors,Supply Chain Emission Factors with Margins,"
    "Reference USEEIO Code"
)
UNIT = '"kg CO2e/2022 USD, purchaser price"'
GOOD_ROW = f"334413,Semiconductor and Related Devices,All GHGs,{UNIT},0.188,0.028,0.215,334413"
OTHER_ROW = f"334111,Electronic Computer Manufacturing,All GHGs,{UNIT},0.03,0.028,0.058,334111"


def require(path):
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared EPA reference files are not in this checkout")
    return path


def run(*args):
    out = StringIO()
    call_command("import_factors", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def write(tmp_path, name, *lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_nothing_stored():
    assert FactorDataset.objects.count() == 0
    assert EmissionFactor.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_epa_v13_imports_with_dollar_year_from_the_unit_column():
    out = run("--kind", "useeio", require(EPA_V13))

    dataset = FactorDataset.objects.get(kind="useeio")
    assert "1016 rows" in out
    assert dataset.version == "1.3.0"
    assert dataset.row_count == 1016 == dataset.factors.count()
    assert dataset.dollar_year == 2022
    assert dataset.gwp_basis == "AR5 GWP-100"
    assert dataset.sha256 == "c7f508646ee091cb2218be65dec0e2bdb6143ba8511773d486c9e87f6df84177"
    semis = dataset.factors.get(code="334413")
    assert semis.value == Decimal("0.215")
    assert semis.value_without_margins == Decimal("0.188")
    event = AuditEvent.objects.get(verb="created")
    assert event.actor.username == "tenderleaf-system"
    assert event.details["row_count"] == 1016


@pytest.mark.django_db
def test_epa_v12_reads_its_own_dollar_year_and_version():
    run("--kind", "useeio", require(EPA_V12))

    dataset = FactorDataset.objects.get(kind="useeio")
    assert dataset.version == "1.2"
    assert dataset.dollar_year == 2021
    assert dataset.gwp_basis == "AR4 GWP-100"
    assert dataset.factors.count() == dataset.row_count


@pytest.mark.django_db
def test_importing_the_same_file_again_does_nothing(tmp_path):
    path = write(tmp_path, "epa_v2.0_.csv", HEADER, GOOD_ROW)
    run("--kind", "useeio", path)

    out = run("--kind", "useeio", path)

    assert "already imported" in out
    assert FactorDataset.objects.count() == 1
    assert EmissionFactor.objects.count() == 1
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_different_file_under_an_existing_version_is_refused(tmp_path):
    run("--kind", "useeio", write(tmp_path, "epa_v2.0_.csv", HEADER, GOOD_ROW))
    changed = write(tmp_path / "..", "epa_v2.0_.csv", HEADER, GOOD_ROW, OTHER_ROW)

    with pytest.raises(CommandError, match=r"version 2\.0 already exists with a different file"):
        run("--kind", "useeio", changed)
    assert EmissionFactor.objects.count() == 1


@pytest.mark.django_db
def test_version_flag_names_a_file_without_one(tmp_path):
    path = write(tmp_path, "factors.csv", HEADER, GOOD_ROW)
    run("--kind", "useeio", path, "--version", "2.1")
    assert FactorDataset.objects.get().version == "2.1"


@pytest.mark.django_db
def test_missing_version_is_refused_with_a_request_for_the_flag(tmp_path):
    path = write(tmp_path, "factors.csv", HEADER, GOOD_ROW)
    with pytest.raises(CommandError, match="give it with --version"):
        run("--kind", "useeio", path)
    assert_nothing_stored()


@pytest.mark.django_db
def test_wrong_header_names_the_missing_and_unexpected_columns(tmp_path):
    bad_header = HEADER.replace("Reference USEEIO Code", "USEEIO")
    path = write(tmp_path, "epa_v2.0_.csv", bad_header, GOOD_ROW)
    with pytest.raises(CommandError) as error:
        run("--kind", "useeio", path)
    message = str(error.value)
    assert "missing columns: 'Reference USEEIO Code'" in message
    assert "unexpected columns: 'USEEIO'" in message
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            f"334413,Semis,All GHGs,{UNIT},0.188,0.028,abc,334413",
            "line 3, column 'Supply Chain Emission Factors with Margins', value 'abc': "
            "is not a number",
        ),
        (
            f"334413,Semis,All GHGs,{UNIT},0.188,0.028,1e309,334413",
            "value '1e309': is too large",
        ),
        (f"334413,Semis,All GHGs,{UNIT},NaN,0.028,0.2,334413", "value 'NaN': is not a number"),
        (f"334413,Semis,All GHGs,{UNIT},0.1,inf,0.2,334413", "value 'inf': is not a number"),
        (
            f"334413,Semis,All GHGs,{UNIT},0.1,0.02,-0.5,334413",
            "value '-0.5': must not be negative",
        ),
        (
            f"3344130,Semis,All GHGs,{UNIT},0.1,0.02,0.12,334413",
            "line 3, column '2017 NAICS Code', value '3344130': must be a six-digit NAICS code",
        ),
        (
            '334413,Semis,All GHGs,"kg CO2e/2021 USD, purchaser price",0.1,0.02,0.12,334413',
            "every row must use the same unit and dollar year",
        ),
    ],
    ids=["non-numeric", "1e309", "NaN", "inf", "negative", "seven-digit-naics", "mixed-year"],
)
def test_hostile_values_are_reported_and_nothing_is_stored(tmp_path, row, expected):
    path = write(tmp_path, "epa_v2.0_.csv", HEADER, OTHER_ROW, row)
    with pytest.raises(CommandError) as error:
        run("--kind", "useeio", path)
    assert "Nothing was imported" in str(error.value)
    assert expected in str(error.value)
    assert_nothing_stored()


@pytest.mark.django_db
def test_duplicate_codes_name_both_lines(tmp_path):
    path = write(tmp_path, "epa_v2.0_.csv", HEADER, GOOD_ROW, OTHER_ROW, GOOD_ROW)
    with pytest.raises(
        CommandError, match=r"line 4, .*'334413': duplicate code \(first on line 2\)"
    ):
        run("--kind", "useeio", path)
    assert_nothing_stored()


@pytest.mark.django_db
def test_a_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "epa_v2.0_.csv"
    path.write_bytes(HEADER.encode() + b"\n\xff\xfe\x00garbage\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        run("--kind", "useeio", path)
    assert_nothing_stored()


@pytest.mark.django_db
def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("--kind", "useeio", tmp_path / "nope_v1.0_.csv")


@pytest.mark.django_db
def test_curated_table_without_citation_is_refused(tmp_path):
    path = write(
        tmp_path,
        "freight.csv",
        "# kind: freight",
        "# name: Test freight",
        "# version: 1",
        "# publisher: Test",
        "# unit: kg CO2e/tonne.km",
        "code,title,value,unit,source,source_url,notes",
        "air,Air freight,1.1,kg CO2e/tonne.km,,,",
    )
    with pytest.raises(CommandError) as error:
        run("--kind", "freight", path)
    assert "line 7, column 'source', value '': every value needs its source" in str(error.value)
    assert "column 'source_url'" in str(error.value)
    assert_nothing_stored()


@pytest.mark.django_db
def test_curated_table_of_another_kind_is_refused(tmp_path):
    path = write(
        tmp_path,
        "table.csv",
        "# kind: waste",
        "# name: Test",
        "# version: 1",
        "# publisher: Test",
        "# unit: kg CO2e/tonne",
        "code,title,value,unit,source,source_url,notes",
        "landfill,Landfill,500,kg CO2e/tonne,Test table,https://example.org,",
    )
    with pytest.raises(
        CommandError, match="declares kind 'waste' but is being imported as 'freight'"
    ):
        run("--kind", "freight", path)
    assert_nothing_stored()
