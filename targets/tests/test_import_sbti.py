"""``manage.py import_sbti``: matching by LEI, ISIN and name, and hostile input."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from targets.models import SbtiImport, SbtiStatus
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "Company Name",
    "ISIN",
    "LEI",
    "Location",
    "Sector",
    "Near term - Target Status",
    "Near term - Target Classification",
    "Near term - Target Year",
    "Date",
]


def _row(name, status="Targets Set", lei="", isin="", year="2030"):
    return [name, isin, lei, "Germany", "Semiconductors", status, "1.5°C", year, "2024-05-01"]


def _csv(tmp_path, rows, header=HEADER, name="cta.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(path):
    out = io.StringIO()
    call_command("import_sbti", str(path), stdout=out)
    return out.getvalue()


@pytest.fixture
def vendors():
    return {
        "acme": VendorFactory(name="Acme Accelerators", lei="5299000J2N45DDNE4Y28"),
        "beta": VendorFactory(name="Beta Servers"),
        "gamma": VendorFactory(name="Gamma Networks"),
    }


def test_matches_by_lei_name_and_lists_unmatched(tmp_path, vendors):
    path = _csv(
        tmp_path,
        [
            # By LEI although the SBTi writes the name differently.
            _row("ACME Accelerators Holding AG", lei="5299000J2N45DDNE4Y28", isin="DE0001234567"),
            # By exact normalised name: "Beta Servers, Inc." -> "beta servers".
            _row("Beta Servers, Inc.", status="Committed"),
            # Close to "Gamma Networks" but not the same name: unmatched, not guessed.
            _row("Gamma Network Solutions"),
        ],
    )
    output = _run(path)
    record = SbtiImport.objects.get()
    assert (record.status, record.rows_total, record.matched) == ("imported", 3, 2)
    assert [u["name"] for u in record.unmatched] == ["Gamma Network Solutions"]
    assert "row 4: Gamma Network Solutions" in output
    acme = SbtiStatus.objects.get(vendor=vendors["acme"])
    assert (acme.matched_by, acme.near_term_status, acme.isin) == (
        "lei",
        "Targets Set",
        "DE0001234567",
    )
    assert acme.has_target and acme.target_year == 2030
    beta = SbtiStatus.objects.get(vendor=vendors["beta"])
    assert (beta.matched_by, beta.has_target) == ("name", False)
    assert not SbtiStatus.objects.filter(vendor=vendors["gamma"]).exists()

    # Next year's list finds Acme by the ISIN recorded last time; Beta is no longer listed.
    vendors["acme"].lei = ""
    vendors["acme"].save()
    _run(_csv(tmp_path, [_row("Acme AG", isin="DE0001234567")], name="cta2.csv"))
    assert SbtiStatus.objects.get(vendor=vendors["acme"]).matched_by == "isin"
    assert not SbtiStatus.objects.filter(vendor=vendors["beta"]).exists()
    assert SbtiStatus.history.filter(vendor_id=vendors["beta"].pk, history_type="-").exists()


def test_wrong_header_is_refused_and_stores_nothing(tmp_path, vendors):
    path = _csv(tmp_path, [["Acme Accelerators", "x"]], header=["Supplier", "Score"])
    with pytest.raises(CommandError, match="no column for name: 'company name'"):
        _run(path)
    assert SbtiStatus.objects.count() == 0
    assert SbtiImport.objects.get().status == "rejected"


def test_formula_cells_are_refused_not_matched(tmp_path, vendors):
    path = _csv(
        tmp_path,
        [
            _row('=HYPERLINK("http://evil.example","Beta Servers")'),
            _row("Acme Accelerators", status="@SUM(1+1)"),
            _row("Beta Servers"),
        ],
    )
    output = _run(path)
    record = SbtiImport.objects.get()
    assert record.matched == 1
    rules = {(e["row"], e["column"]): e["rule"] for e in record.errors}
    assert "formula" in rules[(2, "name")]
    assert "formula" in rules[(3, "status")]
    assert not SbtiStatus.objects.filter(vendor=vendors["acme"]).exists()
    assert "row 2, column name" in output


def test_formula_cells_in_xlsx(tmp_path, vendors):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(_row("=B1&C1"))  # a formula without a stored value reads as empty
    sheet.append(_row("Gamma Networks"))
    path = tmp_path / "cta.xlsx"
    book.save(path)
    _run(path)
    record = SbtiImport.objects.get()
    assert record.matched == 1
    assert [e["row"] for e in record.errors] == [2]
    assert SbtiStatus.objects.get().vendor == vendors["gamma"]


def test_duplicate_names_are_reported_and_the_first_kept(tmp_path, vendors):
    path = _csv(
        tmp_path,
        [_row("Beta Servers"), _row("BETA SERVERS Inc", status="Committed")],
    )
    _run(path)
    record = SbtiImport.objects.get()
    assert record.errors == [
        {
            "row": 3,
            "column": "name",
            "value": "BETA SERVERS Inc",
            "rule": "the company is listed twice (first on row 2); this row is ignored",
        }
    ]
    assert SbtiStatus.objects.get().near_term_status == "Targets Set"


def test_a_50_mb_file_is_refused_before_reading(tmp_path, vendors):
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.write((",".join(HEADER) + "\n").encode())
        out.truncate(50 * 1024 * 1024)
    with pytest.raises(CommandError, match=r"larger than the 20.0\sMB limit"):
        _run(path)
    assert SbtiStatus.objects.count() == 0


def test_binary_and_utf16_are_refused(tmp_path, vendors):
    path = tmp_path / "cta.csv"
    path.write_bytes(("\ufeff" + ",".join(HEADER)).encode("utf-16"))
    with pytest.raises(CommandError, match="UTF-16"):
        _run(path)
    zip_path = tmp_path / "fake.xlsx"
    zip_path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(CommandError, match="not a valid XLSX"):
        _run(zip_path)
    assert Decimal(SbtiImport.objects.filter(status="rejected").count()) == 2
