"""The IT asset inventory file (CSV): its columns and its row-by-row reader.

One row per asset tag: a number of units of one model and hardware class, where they are, who sold
them and when they entered service. The reader streams the file (never holding it whole), checks
each cell's form and reports every problem as ``(row, column, value, rule)``, like the spend and
disclosure importers. Vendor matching and storing are ``reconciliation.services``' job; nothing
here touches the database.

File-level problems (not UTF-8 text, an unusable header, an endless line) raise
:class:`assurance.uploads.UploadRefused`: nothing of such a file can be trusted.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from assurance import uploads
from assurance.uploads import UploadRefused
from scope3.engine.context import normalise_code

COLUMNS = (
    "asset_tag",
    "model",
    "hardware_class",
    "quantity",
    "location",
    "vendor",
    "vendor_tax_id",
    "in_service_date",
)
REQUIRED_COLUMNS = ("asset_tag", "hardware_class", "quantity", "in_service_date")
REQUIRED_VALUES = REQUIRED_COLUMNS
TEXT_LIMITS = {"model": 200, "location": 200, "vendor": 300, "vendor_tax_id": 40}
DELIMITERS = (",", ";", "\t")
MAX_FIELD_CHARS = 64 * 1024
MAX_REPORTED_VALUE_CHARS = 200
# Inventories count whole units; more than a million of one tag is a typo, not a data centre.
MAX_QUANTITY = 1_000_000

# Asset tags are identifiers people type and print on labels; a tag starting with "=" or "+" is
# a spreadsheet formula that leaked into the export, not a tag.
_ASSET_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/#\- ]{0,99}")
# The hardware factor dataset's code form (scope3.importers.curated), compared case-folded.
_HARDWARE_CLASS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,59}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE_NUMBER = re.compile(r"\+?\d+")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        shown_value = f" “{self.value}”" if self.value else ""
        return f"row {self.row}, column {self.column}{shown_value}: {self.rule}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class AssetRow:
    """One valid row, its values converted; vendor fields as written."""

    row: int
    asset_tag: str
    model: str
    hardware_class: str
    quantity: int
    location: str
    vendor: str
    vendor_tax_id: str
    in_service_date: datetime.date


@dataclass(frozen=True)
class Header:
    """``positions[i]`` is the cell index of COLUMNS[i], or None if the file lacks the column."""

    positions: tuple[int | None, ...]
    width: int


def shown(value: str) -> str:
    if len(value) > MAX_REPORTED_VALUE_CHARS:
        return value[: MAX_REPORTED_VALUE_CHARS - 3] + "..."
    return value


# --- header ------------------------------------------------------------------------------------


def header_parse(cells: list[str]) -> Header:
    """Map header cells to columns, refusing missing required, unknown and repeated columns."""
    found: dict[str, int] = {}
    unknown, repeated = [], []
    for index, raw in enumerate(cells):
        name = (raw or "").strip().lstrip("\ufeff").casefold()
        if not name:
            continue
        if name not in COLUMNS:
            unknown.append(shown((raw or "").strip()))
            continue
        if name in found:
            repeated.append(name)
            continue
        found[name] = index
    parts = []
    missing = [name for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        parts.append("missing required columns: " + ", ".join(missing))
    if unknown:
        parts.append("unknown columns: " + ", ".join(repr(name) for name in unknown))
    if repeated:
        parts.append("columns given twice: " + ", ".join(repeated))
    if parts:
        raise UploadRefused(
            "Row 1 (the header): "
            + "; ".join(parts)
            + ". Known columns: "
            + ", ".join(COLUMNS)
            + "; required: "
            + ", ".join(REQUIRED_COLUMNS)
            + ".",
            code="header",
        )
    return Header(positions=tuple(found.get(name) for name in COLUMNS), width=len(cells))


# --- cells -------------------------------------------------------------------------------------


def _asset_tag(text: str) -> str:
    if not _ASSET_TAG.fullmatch(text):
        raise ValueError(
            "is not an asset tag: up to 100 letters, digits, spaces and _ . : / # -, starting "
            "with a letter or a digit"
        )
    return text


def hardware_class_parse(text: str, known: frozenset[str] | None) -> str:
    """The class as stored (trimmed, lower-case); with ``known``, it must be one of those codes."""
    if not _HARDWARE_CLASS.fullmatch(text):
        raise ValueError(
            "is not a hardware class code (letters, digits, _ . -, up to 60 characters, e.g. gpu)"
        )
    code = normalise_code(text)
    if known is not None and code not in known:
        listed = ", ".join(sorted(known)[:20]) + (", ..." if len(known) > 20 else "")
        raise ValueError(
            f"is not a hardware class of the hardware factor dataset (known classes: {listed})"
        )
    return code


def _quantity(text: str) -> int:
    if text.startswith("-") and _WHOLE_NUMBER.fullmatch(text[1:]):
        raise ValueError("must not be negative (a number of units in service)")
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError("is not a whole number of units (e.g. 8)")
    value = int(text)
    if value == 0:
        raise ValueError("must be at least 1 (leave retired assets out of the inventory)")
    if value > MAX_QUANTITY:
        raise ValueError(f"is more than {MAX_QUANTITY:,} units for one asset tag")
    return value


def _date(text: str) -> datetime.date:
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("is not a date in the form YYYY-MM-DD (e.g. 2025-03-31)")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a real calendar date") from None


def _text(column: str):
    limit = TEXT_LIMITS[column]

    def convert(text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"is longer than {limit} characters ({len(text)})")
        return text

    return convert


def row_parse(
    row_number: int,
    cells: list,
    header: Header,
    errors: list[RowError],
    *,
    known_classes: frozenset[str] | None = None,
) -> AssetRow | None:
    """One row's values, or None if any cell broke a rule (each broken rule goes to ``errors``).

    Text is kept as written apart from surrounding whitespace: a location such as
    ``=HYPERLINK(...)`` is data, stored as text and escaped wherever it is exported.
    """
    width = len(cells)
    if width > header.width and any(str(cell).strip() for cell in cells[header.width :]):
        errors.append(
            RowError(
                row_number,
                "*",
                f"{width} cells",
                f"the row has {width} cells but the header has {header.width}",
            )
        )
        return None
    converters = {
        "asset_tag": _asset_tag,
        "model": _text("model"),
        "hardware_class": lambda text: hardware_class_parse(text, known_classes),
        "quantity": _quantity,
        "location": _text("location"),
        "vendor": _text("vendor"),
        "vendor_tax_id": _text("vendor_tax_id"),
        "in_service_date": _date,
    }
    values: dict = {}
    ok = True
    for column, position in zip(COLUMNS, header.positions, strict=True):
        raw = cells[position] if position is not None and position < width else ""
        raw = "" if raw is None else str(raw)
        text = raw.strip()
        if not text:
            if column in REQUIRED_VALUES:
                errors.append(RowError(row_number, column, "", "is required"))
                ok = False
            else:
                values[column] = ""
            continue
        try:
            values[column] = converters[column](text)
        except ValueError as exc:
            ok = False
            errors.append(RowError(row_number, column, shown(raw), str(exc)))
    if not ok:
        return None
    return AssetRow(row=row_number, **values)


# --- the file ----------------------------------------------------------------------------------


def _delimiter_for(header_line: str) -> str:
    """Comma, semicolon (European Excel's "CSV") or tab: whichever yields the most columns."""

    def score(delimiter):
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(1 for cell in cells if cell.strip().lstrip("\ufeff").casefold() in COLUMNS)

    best = max(DELIMITERS, key=score)
    return best if score(best) else ","


def csv_rows(binary) -> Iterator[Header | tuple[int, list[str]]]:
    """Yield the Header, then ``(row number, cells)`` of every non-blank data row.

    The type is decided from the bytes (an XLSX, a PDF or UTF-16 text is refused with what to do),
    lines are read with a length limit (a 20 MB line is refused before csv parses it), and csv
    fields are capped.
    """
    binary.seek(0)
    refusal = uploads.text_refusal(uploads.sniff_kind(binary.read(4096)))
    if refusal is not None:
        raise refusal
    binary.seek(0)
    csv.field_size_limit(MAX_FIELD_CHARS)
    handle = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    try:
        lines = uploads.text_lines(handle)
        header_line = next(lines, None)
        while header_line is not None and not header_line.strip():
            header_line = next(lines, None)
        if header_line is None:
            raise UploadRefused(
                "The file is empty: it needs a header row (" + ", ".join(COLUMNS) + ") and one "
                "row per asset tag.",
                code="empty",
            )
        delimiter = _delimiter_for(header_line)
        header = header_parse(next(csv.reader([header_line], delimiter=delimiter), []))
        yield header
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        row_number = 1
        try:
            for cells in reader:
                row_number += 1
                if not cells or not any(cell.strip() for cell in cells):
                    continue
                yield row_number, cells
        except csv.Error as exc:
            raise UploadRefused(
                f"Row {row_number + 1}: malformed CSV ({exc}); cells are limited to "
                f"{MAX_FIELD_CHARS} characters.",
                code="malformed",
            ) from None
    finally:
        # Leave the caller's file open: the caller closes it.
        if not binary.closed:
            handle.detach()


def template_csv() -> bytes:
    """The header row, UTF-8 with a BOM so that Excel opens it as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
