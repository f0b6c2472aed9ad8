"""Hostile spend files (docs/architecture.md, "Uploads"): each is refused with a message a user can
act
on, stores no line, and never makes the importer read an unbounded amount into memory."""

from __future__ import annotations

import zipfile

import pytest

from scope3.importers.spend import FIELDS, csv_safe, vendor_name_normalise
from scope3.models import ImportBatch, SpendLine
from scope3.services.spend import spend_import
from scope3.tests.spend_files import report_rows, row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def load(analyst, vendor_a):
    def _load(path, name=None, **options):
        return spend_import(
            actor=analyst, path_or_file=path, original_name=name or path.name, **options
        )

    return _load


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("currency", "ABC", "is not an active ISO 4217 currency code (e.g. USD, EUR)"),
        ("currency", "", "is required"),
        ("date", "2025-02-30", "is not a real calendar date"),
        ("date", "31/03/2025", "is not a date in ISO 8601 form YYYY-MM-DD (e.g. 2025-03-31)"),
        ("date", "20250331", "is not a date in ISO 8601 form YYYY-MM-DD (e.g. 2025-03-31)"),
        ("amount", "1e309", "is not a number (plain decimal notation like 1234.56 expected)"),
        ("amount", "NaN", "is not a number (plain decimal notation like 1234.56 expected)"),
        ("amount", "inf", "is not a number (plain decimal notation like 1234.56 expected)"),
        ("amount", "-Infinity", "is not a number (plain decimal notation like 1234.56 expected)"),
        ("amount", "1_000", "is not a number (plain decimal notation like 1234.56 expected)"),
        ("amount", "1.23456", "has more than 4 decimal places"),
        (
            "amount",
            "12345678901234567",
            "is too large (at most 16 digits before the decimal point)",
        ),
        ("quantity", "-1", "must not be negative"),
        ("naics", "33441", "is not a six-digit NAICS code"),
        ("capital", "maybe", "is not a yes/no value (true, false, yes, no, 1, 0 or empty)"),
        ("gl_account", "9" * 41, "is longer than 40 characters (41)"),
    ],
)
def test_bad_values_are_reported_with_row_column_value_and_rule(
    tmp_path, load, column, value, rule
):
    path = write_csv(tmp_path / "ledger.csv", [row(external_id="OK"), row(**{column: value})])

    batch = load(path)

    assert batch.status == ImportBatch.Status.REJECTED
    assert not SpendLine.objects.exists()
    assert report_rows(batch) == [
        {"row": "3", "column": column, "value": csv_safe(value), "rule": rule}
    ]


def test_formula_cells_are_stored_as_text_and_escaped_in_the_report(tmp_path, load):
    formula = '=HYPERLINK("http://x","click")'
    path = write_csv(
        tmp_path / "ledger.csv",
        [
            row(external_id="F1", description=formula, gl_account="@SUM(A1)"),
            row(external_id="F2", currency="=1+1", description="+cmd|' /C calc'!A0"),
        ],
    )

    batch = load(path, partial=True)

    stored = SpendLine.objects.get(external_id="F1")
    assert stored.description == formula and stored.gl_account == "@SUM(A1)"
    report = report_rows(batch)
    assert report == [
        {
            "row": "3",
            "column": "currency",
            "value": "'=1+1",
            "rule": "is not an active ISO 4217 currency code (e.g. USD, EUR)",
        }
    ]
    assert [csv_safe(v) for v in ("-2", "\tx", "\rx", "plain")] == ["'-2", "'\tx", "'\rx", "plain"]


def _refused(batch, fragment):
    assert batch.status == ImportBatch.Status.REJECTED
    assert fragment in batch.error_summary, batch.error_summary
    assert not SpendLine.objects.exists()
    assert report_rows(batch)[0]["rule"] == batch.error_summary


def test_twenty_megabytes_of_one_line(tmp_path, load):
    path = tmp_path / "ledger.csv"
    with path.open("w") as handle:
        handle.write(",".join(FIELDS) + "\n")
        handle.write("x" * (20 * 1024 * 1024))
    _refused(load(path), "a line is longer than 1048576 characters")


def test_one_enormous_quoted_field(tmp_path, load):
    path = tmp_path / "ledger.csv"
    with path.open("w") as handle:
        handle.write(",".join(FIELDS) + "\n")
        handle.write('"' + "line\n" * 30000 + '"\n')
    _refused(load(path), "malformed CSV (field larger than field limit (65536))")


def test_utf16_file(tmp_path, load):
    path = tmp_path / "ledger.csv"
    path.write_text("date,vendor,amount,currency\n2025-01-01,Acme,1,USD\n", encoding="utf-16")
    _refused(load(path), "not UTF-8 text (it is UTF-16)")


def test_nul_bytes(tmp_path, load):
    path = tmp_path / "ledger.csv"
    path.write_bytes(b"date,vendor,amount,currency\n2025-01-01,Ac\x00me,1,USD\n")
    _refused(load(path), "not UTF-8 text (it contains NUL bytes")


def test_latin1_file(tmp_path, load):
    path = tmp_path / "ledger.csv"
    path.write_bytes("date,vendor,amount,currency\n2025-01-01,Société,1,EUR\n".encode("latin-1"))
    _refused(load(path), "not UTF-8 text (invalid continuation byte")


def test_empty_file_and_header_only(tmp_path, load):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _refused(load(empty), "the file is empty")
    header_only = write_csv(tmp_path / "header.csv", [])
    _refused(load(header_only), "the file has a header but no data rows")


def test_semicolon_delimited_file_is_read_as_such(tmp_path, load, vendor_a):
    path = write_csv(tmp_path / "ledger.csv", [row(amount="12.5")], delimiter=";")
    batch = load(path)
    assert batch.status == ImportBatch.Status.IMPORTED, batch.error_summary
    assert SpendLine.objects.get().amount == 12.5


def test_row_with_too_many_cells(tmp_path, load):
    path = tmp_path / "ledger.csv"
    path.write_text("date,vendor,amount,currency\n2025-01-01,Acme,1,USD,extra\n")
    batch = load(path)
    assert report_rows(batch)[0]["rule"] == "the row has 5 cells but the header has 4"


def test_zip_bomb_named_xlsx(tmp_path, load):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b" " * (1024 * 1024)
            for _ in range(64):
                sheet.write(block)
    assert path.stat().st_size < 1024 * 1024
    _refused(load(path), "a decompression bomb, refused")


def test_xlsx_with_billion_laughs_is_refused(tmp_path, load):
    good = write_xlsx(tmp_path / "good.xlsx", [["date", "vendor", "amount", "currency"]])
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
            for n in range(1, 10)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    path = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode()
            target.writestr(entry, data)
    _refused(load(path), "the XLSX workbook cannot be read (EntitiesForbidden")


def test_a_zip_that_is_not_a_workbook(tmp_path, load):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _refused(load(path), "a ZIP archive but not an XLSX workbook")


def test_a_text_file_named_xlsx(tmp_path, load):
    path = tmp_path / "ledger.xlsx"
    path.write_text("date,vendor,amount,currency\n")
    _refused(load(path), "not a valid XLSX workbook (not a ZIP archive)")


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path, analyst, settings):
    from scope3.services.spend import SpendImportRefused

    settings.SPEND_IMPORT_MAX_BYTES = 100
    path = write_csv(tmp_path / "ledger.csv", [row(), row(external_id="2")])
    with pytest.raises(SpendImportRefused, match="larger than the 100"):
        spend_import(actor=analyst, path_or_file=path, original_name="ledger.csv")
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("ACME Accelerators, Inc.", "acme accelerators"),
        ("Acme   Accelerators", "acme accelerators"),
        ("Société Générale S.A.", "societe generale"),
        ("Tokyo Electron K.K.", "tokyo electron"),
        ("Limited", "limited"),
    ],
)
def test_vendor_name_normalisation(written, normalised):
    assert vendor_name_normalise(written) == normalised
