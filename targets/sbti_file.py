"""Reading the SBTi's list of companies taking action (CSV or XLSX, as the SBTi publishes it).

The published file has many columns and renames some between releases; only the company name
and the near-term target status are required, found under any of their known headings, and
every other column is ignored. The upload checks are the project's own
(``assurance.uploads``): the size is checked before a byte is read, text must be UTF-8, a
workbook's archive is checked before openpyxl opens it (read-only, cached values, defusedxml),
and a cell that holds a spreadsheet formula is refused rather than taken as a name.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assurance import uploads
from assurance.tables import MAX_FIELD_CHARS, RowError, shown
from assurance.uploads import UploadRefused

# Field -> the headings it is published under (compared case-folded, spaces collapsed).
HEADINGS = {
    "name": ("company name", "company_name", "name"),
    "status": (
        "near term - target status",
        "near-term - target status",
        "near term target status",
        "near_term_status",
        "target status",
        "status",
    ),
    "classification": (
        "near term - target classification",
        "near term target classification",
        "target classification",
        "classification",
    ),
    "target_year": ("near term - target year", "near term target year", "target year"),
    "lei": ("lei",),
    "isin": ("isin",),
    "date": ("date", "date published", "date_published"),
}
REQUIRED = ("name", "status")
_FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class SbtiRow:
    row: int
    name: str
    status: str
    classification: str
    target_year: int | None
    lei: str
    isin: str
    listed_on: str  # ISO date or ""


def _heading(raw) -> str:
    return " ".join(str(raw or "").strip().lstrip("\ufeff").casefold().split())


def header_map(cells: list[str]) -> dict[str, int]:
    """Field -> cell index; refuses a header without a company name or a target status."""
    found: dict[str, int] = {}
    for index, raw in enumerate(cells):
        heading = _heading(raw)
        for field, names in HEADINGS.items():
            if heading in names and field not in found:
                found[field] = index
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        expected = "; ".join(
            f"{field}: {' or '.join(repr(n) for n in HEADINGS[field][:2])}" for field in missing
        )
        raise UploadRefused(
            "Row 1 (the header) is not the SBTi's companies-taking-action list: no column for "
            f"{expected}. Found: {', '.join(repr(shown(str(c))) for c in cells[:12] if c)}.",
            code="header",
        )
    return found


def _csv_cells(handle) -> Iterator[tuple[int, list[str]]]:
    handle.seek(0)
    refusal = uploads.text_refusal(uploads.sniff_kind(handle.read(4096)))
    if refusal is not None:
        raise refusal
    handle.seek(0)
    csv.field_size_limit(MAX_FIELD_CHARS)
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        lines = uploads.text_lines(text)
        first = next(lines, None)
        if first is None:
            raise UploadRefused("The file is empty: the SBTi list has a header row.", code="empty")
        delimiter = max((",", ";", "\t"), key=first.count)
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
        number = 0
        try:
            for cells in reader:
                number += 1
                yield number, cells
        except csv.Error as exc:
            raise UploadRefused(
                f"Row {number + 1}: malformed CSV ({exc}).", code="malformed"
            ) from None
    finally:
        if not handle.closed:
            text.detach()


def _xlsx_cells(handle) -> Iterator[tuple[int, list[str]]]:
    workbook = uploads.xlsx_open_safely(handle)
    try:
        if not workbook.worksheets:
            raise UploadRefused("The workbook has no worksheet.", code="empty")
        try:
            for number, values in enumerate(
                workbook.worksheets[0].iter_rows(values_only=True), start=1
            ):
                if len(values) > uploads.XLSX_MAX_COLUMNS:
                    raise UploadRefused(
                        f"Row {number} has more than {uploads.XLSX_MAX_COLUMNS} columns.",
                        code="malformed",
                    )
                yield number, [uploads.xlsx_cell_text(v) for v in values]
        except UploadRefused:
            raise
        except Exception as exc:  # defusedxml and openpyxl errors surface while streaming
            raise uploads.xlsx_read_error(exc) from None
    finally:
        workbook.close()


def is_xlsx(handle) -> bool:
    handle.seek(0)
    kind = uploads.sniff_kind(handle.read(8))
    handle.seek(0)
    return kind == uploads.KIND_ZIP


def rows(handle, errors: list[RowError]) -> Iterator[SbtiRow]:
    """Valid rows of the list; rows with a problem go to ``errors`` (row, column, value, rule).

    Raises ``UploadRefused`` when the file as a whole cannot be read or its header is wrong.
    """
    cells_of = _xlsx_cells(handle) if is_xlsx(handle) else _csv_cells(handle)
    header = None
    for number, cells in cells_of:
        if header is None:
            if not any(str(c).strip() for c in cells):
                continue
            header = header_map(cells)
            continue
        if not any(str(c).strip() for c in cells):
            continue

        def cell(field, cells=cells, header=header):
            index = header.get(field)
            return str(cells[index]).strip() if index is not None and index < len(cells) else ""

        values = {field: cell(field) for field in HEADINGS}
        bad = [f for f, v in values.items() if v.startswith(_FORMULA_STARTS)]
        if bad:
            for field in bad:
                errors.append(
                    RowError(
                        number,
                        field,
                        shown(values[field]),
                        "a spreadsheet formula, not a value; the row is ignored",
                    )
                )
            continue
        if not values["name"]:
            errors.append(
                RowError(
                    number,
                    "name",
                    "",
                    "no company name (a formula without a "
                    "stored value reads as empty); the row is ignored",
                )
            )
            continue
        if not values["status"]:
            errors.append(RowError(number, "status", "", "no near-term target status"))
            continue
        year = None
        if values["target_year"]:
            digits = values["target_year"].split(".")[0]
            if digits.isdigit() and 1990 <= int(digits) <= 2100:
                year = int(digits)
            else:
                errors.append(
                    RowError(
                        number,
                        "target_year",
                        shown(values["target_year"]),
                        "not a year; left empty",
                    )
                )
        yield SbtiRow(
            row=number,
            name=shown(values["name"])[:300],
            status=values["status"][:60],
            classification=values["classification"][:60],
            target_year=year,
            lei=values["lei"].upper()[:20],
            isin=values["isin"].upper()[:12],
            listed_on=values["date"][:10],
        )
    if header is None:
        raise UploadRefused("The file is empty: the SBTi list has a header row.", code="empty")


def path_check(path: Path, limit: int) -> None:
    if not path.is_file():
        raise UploadRefused(f"{path}: no such file", code="missing")
    if path.stat().st_size > limit:
        raise UploadRefused(
            uploads.too_large_message(path.name, limit, "SBTi lists"), code="too_large"
        )
