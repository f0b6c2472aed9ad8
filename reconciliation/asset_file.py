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

from assurance import tables
from assurance.tables import Header, RowError, shown
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
SPEC = tables.TableSpec(
    columns=COLUMNS,
    required=REQUIRED_COLUMNS,
    header_hint="Known columns: "
    + ", ".join(COLUMNS)
    + "; required: "
    + ", ".join(REQUIRED_COLUMNS)
    + ".",
    empty_message="The file is empty: it needs a header row ("
    + ", ".join(COLUMNS)
    + ") and one row per asset tag.",
)
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


def header_parse(cells: list[str]) -> Header:
    return tables.header_parse(cells, SPEC)


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


def csv_rows(binary) -> Iterator[Header | tuple[int, list[str]]]:
    """Yield the Header, then ``(row number, cells)`` of every non-blank data row."""
    return tables.csv_rows(binary, SPEC)


def template_csv() -> bytes:
    """The header row, UTF-8 with a BOM so that Excel opens it as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
