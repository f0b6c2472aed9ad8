"""Reading purchase-ledger files (CSV or XLSX) row by row, with every rule a row must pass.

The reader never touches the database and never holds more than one row (plus the errors it
reports, capped) in memory: the service streams its rows, matches vendors and decides what to
store. Every problem is reported as ``(row, column, value, rule)`` so a user can fix the file.

File-level problems (not UTF-8, an unusable header, a zip bomb) raise :class:`SpendFileError`:
nothing of such a file can be trusted, so there is no row-by-row report.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from assurance import uploads
from assurance.uploads import csv_safe  # noqa: F401 - re-exported: exports escape through it
from config.currencies import ISO_4217
from scope3.models import SpendLine

# --- the columns -------------------------------------------------------------------------------

FIELDS = (
    "external_id",
    "date",
    "vendor",
    "vendor_tax_id",
    "amount",
    "currency",
    "naics",
    "description",
    "gl_account",
    "quantity",
    "unit",
    "hardware_class",
    "product_id",
    "weight_kg",
    "distance_km",
    "mode",
    "waste_treatment",
    "capital",
)
REQUIRED = ("date", "amount", "currency")
# A line must name its vendor somehow; either column will do.
VENDOR_COLUMNS = ("vendor", "vendor_tax_id")
DECIMAL_FIELDS = ("quantity", "weight_kg", "distance_km")
# Model field each file column is stored in, when the names differ.
_MODEL_FIELD = {"vendor": "vendor_name"}
TEXT_FIELDS = (
    "external_id",
    "vendor",
    "vendor_tax_id",
    "description",
    "gl_account",
    "unit",
    "hardware_class",
    "product_id",
    "mode",
    "waste_treatment",
)
# Length limits come from the model so the two cannot drift apart.
TEXT_LIMITS = {
    name: SpendLine._meta.get_field(_MODEL_FIELD.get(name, name)).max_length for name in TEXT_FIELDS
}
AMOUNT_DECIMAL_PLACES = 4
AMOUNT_INTEGER_DIGITS = 16  # SpendLine amounts are DecimalField(max_digits=20, decimal_places=4)


TRUE_WORDS = frozenset({"true", "yes", "1", "y"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", ""})

# --- limits that keep a hostile file from exhausting memory --------------------------------------

MAX_FIELD_CHARS = 64 * 1024
MAX_LINE_CHARS = uploads.MAX_LINE_CHARS
MAX_REPORTED_VALUE_CHARS = 200
DELIMITERS = (",", ";", "\t")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Plain decimal notation only: Decimal() alone would accept "NaN", "Infinity", "1_000", "1e309".
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_NAICS = re.compile(r"\d{6}")
VENDOR_ID_PATTERN = re.compile(r"[1-9]\d{0,17}")


class SpendFileError(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str
    rule: str


# --- small helpers -----------------------------------------------------------------------------


def _file_error(refusal: uploads.UploadRefused) -> SpendFileError:
    """The shared upload refusal, worded like this reader's other messages ("the file ...")."""
    message = refusal.message.rstrip(".")
    return SpendFileError(message[:1].lower() + message[1:])


_LEGAL_SUFFIX_WORDS = (
    "inc incorporated ltd limited llc llp lp gmbh ag sa sas sarl plc corp corporation co company "
    "kk bv nv pte pty srl spa ab as oy"
)
_LEGAL_SUFFIXES = frozenset(_LEGAL_SUFFIX_WORDS.split())
_NOT_WORD = re.compile(r"[^\w\s]+")


def vendor_name_normalise(name: str) -> str:
    """A vendor name reduced to what identifies it.

    "ACME Accelerators, Inc." and "Acme  Accelerators" both become "acme accelerators":
    case-folded, accents and punctuation dropped, whitespace collapsed, and trailing legal-form
    words (Inc, Ltd, GmbH, KK, ...) removed, so the same company written by two ledgers matches.
    """
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # "S.A." and "K.K." are one word each; other punctuation separates words.
    words = _NOT_WORD.sub(" ", text.replace(".", "").replace("'", "")).split()
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def tax_id_normalise(value: str) -> str:
    """Tax ids are written with and without spaces, dots and dashes: compare them without."""
    return re.sub(r"[\s.\-/]", "", value).upper()


def _shown(value: str) -> str:
    if len(value) > MAX_REPORTED_VALUE_CHARS:
        return value[: MAX_REPORTED_VALUE_CHARS - 3] + "..."
    return value


# --- header ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """Where each known field sits in a row: ``positions[i]`` is the cell index of FIELDS[i]."""

    positions: tuple[int | None, ...]
    width: int


def column_map_check(column_map: dict | None) -> dict[str, str]:
    """Validate a ``{file header: field}`` map; raises SpendFileError naming bad entries."""
    if not column_map:
        return {}
    if not isinstance(column_map, dict):
        raise SpendFileError('the column map must be an object like {"Invoice date": "date"}')
    cleaned, problems = {}, []
    for header, field in column_map.items():
        if not isinstance(header, str) or not isinstance(field, str):
            problems.append(f"{header!r}={field!r} (both must be text)")
            continue
        if field.strip() not in FIELDS:
            problems.append(f"{header!r}={field!r} ({field!r} is not a known field)")
            continue
        cleaned[header.strip()] = field.strip()
    if problems:
        raise SpendFileError(
            "the column map has entries that cannot be used: "
            + "; ".join(problems)
            + ". Known fields: "
            + ", ".join(FIELDS)
        )
    return cleaned


def header_parse(cells: list[str], column_map: dict[str, str]) -> Header:
    """Map header cells to fields, refusing missing required, unknown and repeated columns."""
    lowered_map = {key.casefold(): value for key, value in column_map.items()}
    found: dict[str, int] = {}
    unknown, repeated = [], []
    for index, raw in enumerate(cells):
        name = (raw or "").strip().lstrip("\ufeff")
        field = column_map.get(name) or lowered_map.get(name.casefold())
        if field is None and name.casefold() in FIELDS:
            field = name.casefold()
        if field is None:
            if name:
                unknown.append(name)
            continue
        if field in found:
            repeated.append(name)
            continue
        found[field] = index
    missing = [field for field in REQUIRED if field not in found]
    if not any(field in found for field in VENDOR_COLUMNS):
        missing.append("vendor or vendor_tax_id")
    parts = []
    if missing:
        parts.append("missing required columns: " + ", ".join(missing))
    if unknown:
        parts.append(
            "unknown columns: "
            + ", ".join(repr(_shown(name)) for name in unknown)
            + " (remove them or map them to a field, e.g. --map 'Invoice date=date')"
        )
    if repeated:
        parts.append("columns given twice: " + ", ".join(repr(name) for name in repeated))
    if parts:
        raise SpendFileError(
            "row 1 (header): "
            + "; ".join(parts)
            + ". Known columns: "
            + ", ".join(FIELDS)
            + "; required: date, amount, currency and vendor or vendor_tax_id."
        )
    return Header(positions=tuple(found.get(field) for field in FIELDS), width=len(cells))


# --- row validation ----------------------------------------------------------------------------

_I = {field: index for index, field in enumerate(FIELDS)}


def _decimal(text: str, *, negative_ok: bool) -> Decimal:
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError("is not a number (plain decimal notation like 1234.56 expected)")
    value = Decimal(text)  # cannot fail: the pattern admits only finite plain literals
    if not negative_ok and value < 0:
        raise ValueError("must not be negative")
    # Checked on the text first: the common case needs no Decimal arithmetic.
    digits = text.lstrip("+-")
    whole, _, fraction = digits.partition(".")
    if len(whole.lstrip("0")) > AMOUNT_INTEGER_DIGITS:
        raise ValueError(
            f"is too large (at most {AMOUNT_INTEGER_DIGITS} digits before the decimal point)"
        )
    if len(fraction.rstrip("0")) > AMOUNT_DECIMAL_PLACES:
        raise ValueError(f"has more than {AMOUNT_DECIMAL_PLACES} decimal places")
    return value


def _date(text: str) -> datetime.date:
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("is not a date in ISO 8601 form YYYY-MM-DD (e.g. 2025-03-31)")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a real calendar date") from None


def _text_converter(limit: int):
    def convert(text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"is longer than {limit} characters ({len(text)})")
        return text

    return convert


def _required(convert):
    def required(text: str):
        if not text:
            raise ValueError("is required")
        return convert(text)

    return required


def _currency(text: str) -> str:
    code = text.upper()
    if code not in ISO_4217:
        raise ValueError("is not an active ISO 4217 currency code (e.g. USD, EUR)")
    return code


def _naics(text: str) -> str:
    if text and not _NAICS.fullmatch(text):
        raise ValueError("is not a six-digit NAICS code")
    return text


def _quantity(text: str) -> Decimal | None:
    return _decimal(text, negative_ok=False) if text else None


def _capital(text: str) -> bool:
    word = text.casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("is not a yes/no value (true, false, yes, no, 1, 0 or empty)")


# One converter per field, in FIELDS order: each returns the stored value or raises ValueError
# whose text is the rule that was broken.
CONVERTERS = {
    **{field: _text_converter(TEXT_LIMITS[field]) for field in TEXT_FIELDS},
    "date": _required(_date),
    "amount": _required(lambda text: _decimal(text, negative_ok=True)),
    "currency": _required(_currency),
    "naics": _naics,
    "quantity": _quantity,
    "weight_kg": _quantity,
    "distance_km": _quantity,
    "capital": _capital,
}
# (field, converter, strip the cell?, value of an empty optional cell or _REQUIRED)
_REQUIRED_CELL = object()
_EMPTY = {"quantity": None, "weight_kg": None, "distance_km": None, "capital": False}
_PLAN = tuple(
    (
        field,
        CONVERTERS[field],
        field != "description",
        _REQUIRED_CELL if field in REQUIRED else _EMPTY.get(field, ""),
    )
    for field in FIELDS
)
_VENDOR, _TAX_ID = FIELDS.index("vendor"), FIELDS.index("vendor_tax_id")


def row_parse(row_number: int, cells: list, header: Header, errors: list[RowError]):
    """Check one row; returns its values in FIELDS order, or None if it broke a rule.

    Every broken rule of the row is appended to ``errors``; values are converted (dates,
    decimals, booleans) and text is kept as written except surrounding whitespace (a formula-like
    cell is data and is stored as text). Empty text is ``""``, empty numbers ``None``.
    """
    width = len(cells)
    if width != header.width and not (width > header.width and not any(cells[header.width :])):
        errors.append(
            RowError(
                row_number,
                "*",
                f"{width} cells",
                f"the row has {width} cells but the header has {header.width}",
            )
        )
        return None
    ok = True
    values: list = []
    append = values.append
    for (field, convert, strip, empty), position in zip(_PLAN, header.positions):  # noqa: B905
        raw = cells[position] if position is not None else ""
        text = raw.strip() if strip else raw
        if not text and empty is not _REQUIRED_CELL:
            append(empty)
            continue
        try:
            append(convert(text))
        except ValueError as exc:
            ok = False
            append(None)
            errors.append(RowError(row_number, field, _shown(raw), str(exc)))
    if ok and not values[_VENDOR] and not values[_TAX_ID]:
        errors.append(RowError(row_number, "vendor", "", "a vendor or a vendor_tax_id is required"))
        ok = False
    return values if ok else None


def stored_values(values: list) -> tuple:
    """``row_parse`` values in the form they are stored and spooled: plain str/bool/None.

    Dates become ISO text and decimals their canonical text (``str(Decimal)``); both COPY and
    ``executemany`` take them as such, and plain values spool fast (marshal).
    """
    stored = list(values)
    stored[_DATE] = values[_DATE].isoformat()
    for index in _DECIMAL_INDEXES:
        if values[index] is not None:
            stored[index] = str(values[index])
    return tuple(stored)


_DATE, _AMOUNT = FIELDS.index("date"), FIELDS.index("amount")
_DECIMAL_INDEXES = tuple(FIELDS.index(field) for field in ("amount", *DECIMAL_FIELDS))
_FROM_ISO = datetime.date.fromisoformat


def _plain_decimal_ok(text: str) -> bool:
    """True when ``_decimal`` would accept ``text`` (sign aside), checked on the text alone.

    The same language as ``_PLAIN_DECIMAL`` (``\\d`` and ``str.isdecimal`` both mean Unicode
    category Nd) without the regular expression, which costs more than the rest of a row's
    checks together.
    """
    if not text:
        return False
    body = text[1:] if text[0] in "+-" else text
    whole, _, fraction = body.partition(".")
    if whole:
        if not whole.isdecimal() or (fraction and not fraction.isdecimal()):
            return False
    elif not fraction.isdecimal():
        return False
    if len(whole) > AMOUNT_INTEGER_DIGITS and len(whole.lstrip("0")) > AMOUNT_INTEGER_DIGITS:
        return False
    return len(fraction) <= AMOUNT_DECIMAL_PLACES or (
        len(fraction.rstrip("0")) <= AMOUNT_DECIMAL_PLACES
    )


def _negative(text: str) -> bool:
    # "-0" and "-0.00" are zero, not negative (as Decimal compares them).
    return text.startswith("-") and text.strip("-0.") != ""


def row_parser(header: Header):
    """``parse(row_number, cells, errors)`` for rows under ``header``: the hot loop of an import.

    Same rules, messages and results as :func:`row_parse`, whose output it returns already in
    stored form (:func:`stored_values`), but with the per-column decisions taken once per file
    and every check of a valid row inlined: no converter call per cell and no ``Decimal``
    arithmetic for checks the text answers. A row that fails any check goes through
    ``row_parse`` itself, so the errors reported are exactly its errors (and if the fast checks
    were ever stricter than the rules, the row is still accepted as ``row_parse`` decides).
    """
    width = header.width
    # Absent columns read the empty cell appended at the end of every row.
    p = [position if position is not None else -1 for position in header.positions]
    (
        p_ext, p_date, p_vendor, p_tax, p_amount, p_currency, p_naics, p_description, p_gl,
        p_quantity, p_unit, p_hardware, p_product, p_weight, p_distance, p_mode, p_waste,
        p_capital,
    ) = p  # fmt: skip
    limits = TEXT_LIMITS
    l_ext, l_vendor, l_tax = limits["external_id"], limits["vendor"], limits["vendor_tax_id"]
    l_description, l_gl, l_unit = limits["description"], limits["gl_account"], limits["unit"]
    l_hardware, l_product = limits["hardware_class"], limits["product_id"]
    l_mode, l_waste = limits["mode"], limits["waste_treatment"]
    currencies, true_words, false_words = ISO_4217, TRUE_WORDS, FALSE_WORDS
    decimal_ok, negative, from_iso = _plain_decimal_ok, _negative, _FROM_ISO

    def slow(row_number, cells, errors):
        values = row_parse(row_number, cells, header, errors)
        return None if values is None else stored_values(values)

    def parse(row_number: int, cells: list, errors: list[RowError]):
        if len(cells) != width:
            return slow(row_number, cells, errors)
        cells.append("")
        try:
            external_id = cells[p_ext].strip()
            date = cells[p_date].strip()
            vendor = cells[p_vendor].strip()
            tax_id = cells[p_tax].strip()
            amount = cells[p_amount].strip()
            currency = cells[p_currency].strip().upper()
            naics = cells[p_naics].strip()
            description = cells[p_description]
            gl_account = cells[p_gl].strip()
            quantity = cells[p_quantity].strip()
            unit = cells[p_unit].strip()
            hardware = cells[p_hardware].strip()
            product = cells[p_product].strip()
            weight = cells[p_weight].strip()
            distance = cells[p_distance].strip()
            mode = cells[p_mode].strip()
            waste = cells[p_waste].strip()
            capital = cells[p_capital].strip().casefold()
        finally:
            cells.pop()
        if (
            not (vendor or tax_id)
            or len(external_id) > l_ext
            or len(vendor) > l_vendor
            or len(tax_id) > l_tax
            or len(description) > l_description
            or len(gl_account) > l_gl
            or len(unit) > l_unit
            or len(hardware) > l_hardware
            or len(product) > l_product
            or len(mode) > l_mode
            or len(waste) > l_waste
            or currency not in currencies
            or (naics and not (len(naics) == 6 and naics.isdecimal()))
            # The shape of YYYY-MM-DD; fromisoformat below checks the digits and the calendar.
            or len(date) != 10
            or date[4] != "-"
            or date[7] != "-"
            or not date.isascii()
            or not decimal_ok(amount)
        ):
            return slow(row_number, cells, errors)
        try:
            from_iso(date)
        except ValueError:
            return slow(row_number, cells, errors)
        if capital in true_words:
            capital = True
        elif capital in false_words:
            capital = False
        else:
            return slow(row_number, cells, errors)
        for text in (quantity, weight, distance):
            if text and (not decimal_ok(text) or negative(text)):
                return slow(row_number, cells, errors)
        return (
            external_id,
            date,
            vendor,
            tax_id,
            str(Decimal(amount)),
            currency,
            naics,
            description,
            gl_account,
            str(Decimal(quantity)) if quantity else None,
            unit,
            hardware,
            product,
            str(Decimal(weight)) if weight else None,
            str(Decimal(distance)) if distance else None,
            mode,
            waste,
            capital,
        )

    return parse


# --- file readers ------------------------------------------------------------------------------


def _text_lines(handle: io.TextIOBase) -> Iterator[str]:
    """Lines of a text stream, refusing binary content and lines too long to be a ledger row."""
    try:
        yield from uploads.text_lines(handle, max_line_chars=MAX_LINE_CHARS)
    except uploads.UploadRefused as exc:
        raise _file_error(exc) from None


def _delimiter_for(header_line: str, column_map: dict[str, str]) -> str:
    """The delimiter that turns the header line into the most known columns.

    Only comma, semicolon and tab are considered; a semicolon file (common in European Excel
    exports) is read as such instead of being mis-parsed into one column.
    """
    known = set(FIELDS) | {key.casefold() for key in column_map}

    def score(delimiter):
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(1 for cell in cells if cell.strip().lstrip("\ufeff").casefold() in known)

    best = max(DELIMITERS, key=score)
    return best if score(best) else ","


def csv_rows(path: Path, column_map: dict[str, str]) -> Iterator[tuple[int, list[str]] | Header]:
    """Yield the Header, then ``(row number, cells)`` of each non-blank data row of a CSV."""
    with path.open("rb") as raw:
        start = raw.read(64)
    if uploads.sniff_kind(start) == uploads.KIND_UTF16:
        raise _file_error(uploads.text_refusal(uploads.KIND_UTF16))
    csv.field_size_limit(MAX_FIELD_CHARS)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = _text_lines(handle)
        header_line = next(lines, None)
        if header_line is None or not header_line.strip():
            raise SpendFileError("the file is empty: it needs a header row and data rows")
        delimiter = _delimiter_for(header_line, column_map)
        header_cells = next(csv.reader([header_line], delimiter=delimiter), [])
        header = header_parse(header_cells, column_map)
        yield header
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        row_number = 1
        try:
            for cells in reader:
                row_number += 1
                if not cells or not any(cells):
                    continue
                yield row_number, cells
        except csv.Error as exc:
            raise SpendFileError(
                f"row {row_number + 1}: malformed CSV ({exc}); fields are limited to "
                f"{MAX_FIELD_CHARS} characters"
            ) from None


def xlsx_rows(path: Path, column_map: dict[str, str]) -> Iterator[tuple[int, list[str]] | Header]:
    """Yield the Header, then ``(row number, cells)`` of the first worksheet's data rows.

    The archive is checked before openpyxl opens it; openpyxl reads in read-only mode (rows are
    streamed) and, with defusedxml installed, refuses XML entity expansion (billion laughs).
    """
    try:
        workbook = uploads.xlsx_open_safely(path)
    except uploads.UploadRefused as exc:
        raise _file_error(exc) from None
    try:
        if not workbook.worksheets:
            raise SpendFileError("the workbook has no worksheet")
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = None
        try:
            for row_number, values in enumerate(rows, start=1):
                cells = [uploads.xlsx_cell_text(value) for value in values]
                if len(cells) > uploads.XLSX_MAX_COLUMNS:
                    raise SpendFileError(
                        f"row {row_number} has more than {uploads.XLSX_MAX_COLUMNS} columns; "
                        "refused"
                    )
                if header is None:
                    # Trailing empty header cells are formatting, not columns.
                    while cells and not cells[-1].strip():
                        cells.pop()
                    if not cells:
                        raise SpendFileError("the worksheet is empty: it needs a header row")
                    header = header_parse(cells, column_map)
                    yield header
                    continue
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) < header.width:
                    cells.extend([""] * (header.width - len(cells)))
                yield row_number, cells
        except SpendFileError:
            raise
        except Exception as exc:
            raise _file_error(uploads.xlsx_read_error(exc)) from None
        if header is None:
            raise SpendFileError("the worksheet is empty: it needs a header row")
    finally:
        workbook.close()


def is_xlsx(path: Path, original_name: str = "") -> bool:
    """XLSX by content (a ZIP signature) or by name; a .xlsx that is not a ZIP is refused later."""
    with path.open("rb") as handle:
        start = handle.read(4)
    return start == b"PK\x03\x04" or (original_name or path.name).lower().endswith(".xlsx")


def file_rows(path: Path, *, original_name: str = "", column_map: dict | None = None):
    """The Header then the data rows of a CSV or XLSX ledger file."""
    cleaned = column_map_check(column_map)
    if path.stat().st_size == 0:
        raise SpendFileError("the file is empty: it needs a header row and data rows")
    if is_xlsx(path, original_name):
        return xlsx_rows(path, cleaned)
    return csv_rows(path, cleaned)
