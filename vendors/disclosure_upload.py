"""The bulk disclosure file: its CSV/XLSX template and its row-by-row reader (docs/domain.md,
"Vendor disclosure").

One row per reporting entity and period; one column per vendor field of EmissionsDisclosure. The
reader streams rows (a file is never held whole in memory), checks each cell's form (dates,
plain decimals, choices, lengths) and reports every problem as ``(row, column, value, rule)``.
Whether the values are plausible (negative emissions, period order, what a request asks) is
decided afterwards by the plausibility rules of ``vendors.plausibility``; storing is the job of
``vendors.services.disclosure_bulk``. No database access here.

File-level problems (not UTF-8, not a workbook, an unusable header, too many rows) raise
:class:`assurance.uploads.UploadRefused`: nothing of such a file can be trusted.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from assurance import tables, uploads
from assurance.tables import Header, RowError, shown
from assurance.uploads import UploadRefused, csv_safe
from config.currencies import ISO_4217
from vendors.boundary import CRADLE_TO_GATE_TEXT, categories_parse
from vendors.models import EmissionsDisclosure

# Template column order: the form's order, which is the model's.
COLUMNS = (
    "reporting_entity",
    "period_start",
    "period_end",
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "scope3_upstream_tco2e",
    "scope3_upstream_categories",
    "revenue",
    "revenue_currency",
    "allocated_to_us_tco2e",
    "allocation_boundary",
    "allocation_method",
    "allocation_uncertainty_pct",
    "verification",
    "verification_standard",
    "verifier",
    "methodology_notes",
)
# Columns holding a list, stored as JSON.
LIST_COLUMNS = ("scope3_upstream_categories",)
REQUIRED = ("period_start", "period_end", "scope1_tco2e")
SPEC = tables.TableSpec(
    columns=COLUMNS,
    required=REQUIRED,
    header_hint="Use the template's header row; known columns: " + ", ".join(COLUMNS) + ".",
    empty_message="The file is empty: it needs the template's header row and one row per "
    "reporting entity and period.",
)
XLSX_SHEET = "Disclosures"

_MODEL = EmissionsDisclosure._meta


def _decimal_shape(name: str) -> tuple[int, int]:
    model_field = _MODEL.get_field(name)
    return model_field.max_digits - model_field.decimal_places, model_field.decimal_places


DECIMAL_COLUMNS = {
    name: _decimal_shape(name)
    for name in (
        "scope1_tco2e",
        "scope2_location_tco2e",
        "scope2_market_tco2e",
        "scope3_upstream_tco2e",
        "revenue",
        "allocated_to_us_tco2e",
        "allocation_uncertainty_pct",
    )
}
TEXT_LIMITS = {
    "reporting_entity": _MODEL.get_field("reporting_entity").max_length,
    "verifier": _MODEL.get_field("verifier").max_length,
    "methodology_notes": 10_000,
}


def _choices(name: str) -> dict[str, str]:
    """Accepted spellings of a choice column: the stored value or its label, any case."""
    accepted = {}
    for value, label in _MODEL.get_field(name).choices:
        accepted[value.casefold()] = value
        accepted[str(label).casefold()] = value
    return accepted


CHOICE_COLUMNS = {
    name: _choices(name)
    for name in (
        "allocation_boundary",
        "allocation_method",
        "verification",
        "verification_standard",
    )
}

# What the template's instructions say about each column: (required?, format, example).
COLUMN_HELP = {
    "reporting_entity": (
        False,
        "Legal entity or group the figures cover (up to 200 characters); empty for the whole "
        "company.",
        "Example Holdings Ltd.",
    ),
    "period_start": (True, "First day of the reporting period, YYYY-MM-DD.", "2025-01-01"),
    "period_end": (True, "Last day of the reporting period, YYYY-MM-DD.", "2025-12-31"),
    "scope1_tco2e": (True, "Scope 1, tonnes CO2e, plain decimal (0 if none).", "1250.5"),
    "scope2_location_tco2e": (False, "Scope 2 location-based, tonnes CO2e.", "3400"),
    "scope2_market_tco2e": (False, "Scope 2 market-based, tonnes CO2e.", "900"),
    "scope3_upstream_tco2e": (False, "Upstream Scope 3, tonnes CO2e.", "15000"),
    "scope3_upstream_categories": (
        False,
        "GHG Protocol upstream Scope 3 categories (1 to 8) the upstream figure includes, "
        "separated by ; or , (required with an upstream figure). Your figures count as "
        f"cradle-to-gate only when categories {CRADLE_TO_GATE_TEXT} are included.",
        "1;2;3;4",
    ),
    "revenue": (False, "Total revenue of the period, plain decimal.", "120000000"),
    "revenue_currency": (False, "ISO 4217 code of the revenue (required with revenue).", "USD"),
    "allocated_to_us_tco2e": (False, "Emissions allocated to us, tonnes CO2e.", "42.7"),
    "allocation_boundary": (
        False,
        "What the allocation covers: scope12 (Scope 1 and 2 only) or cradle_to_gate (Scope 1, 2 "
        "and upstream Scope 3); required with an allocation.",
        "cradle_to_gate",
    ),
    "allocation_method": (False, "economic or physical (required with an allocation).", "economic"),
    "allocation_uncertainty_pct": (False, "Allocation uncertainty, ± percent (0 to 100).", "15"),
    "verification": (False, "none, limited or reasonable (empty means none).", "limited"),
    "verification_standard": (
        False,
        "iso_14064_3, isae_3410, isae_3000, aa1000as or other.",
        "iso_14064_3",
    ),
    "verifier": (False, "Name of the verification body.", "Verifier GmbH"),
    "methodology_notes": (False, "Free text (up to 10,000 characters).", "GHG Protocol"),
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Plain decimal notation only: Decimal() alone would accept "NaN", "Infinity", "1_000", "1e309".
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


# --- header ------------------------------------------------------------------------------------


def header_parse(cells: list[str]) -> Header:
    return tables.header_parse(cells, SPEC)


# --- cells -------------------------------------------------------------------------------------


def _decimal(text: str, column: str) -> Decimal:
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(
            "is not a number (plain decimal notation like 1234.5 expected, no thousands "
            "separators, no exponent)"
        )
    integer_digits, places = DECIMAL_COLUMNS[column]
    whole, _, fraction = text.lstrip("+-").partition(".")
    if len(whole.lstrip("0")) > integer_digits:
        raise ValueError(f"is too large (at most {integer_digits} digits before the point)")
    if len(fraction.rstrip("0")) > places:
        raise ValueError(f"has more than {places} decimal places")
    return Decimal(text)  # cannot fail: the pattern admits only finite plain literals


def _date(text: str) -> datetime.date:
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("is not a date in the form YYYY-MM-DD (e.g. 2025-12-31)")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a real calendar date") from None


def _categories(text: str) -> tuple[int, ...]:
    # A tuple: the parsed values of a row are shared with the plausibility facts as they are.
    return tuple(categories_parse(text))


def _currency(text: str) -> str:
    code = text.upper()
    if not _CURRENCY.fullmatch(text) or code not in ISO_4217:
        raise ValueError("is not an active ISO 4217 currency code (e.g. USD, EUR)")
    return code


_EMPTY = {
    **dict.fromkeys(DECIMAL_COLUMNS),
    "reporting_entity": "",
    "scope3_upstream_categories": (),
    "revenue_currency": "",
    "allocation_boundary": "",
    "allocation_method": "",
    "verification": EmissionsDisclosure.Verification.NONE.value,
    "verification_standard": "",
    "verifier": "",
    "methodology_notes": "",
}


@functools.cache
def _decimal_pattern(column: str):
    """``fullmatch`` of a pattern admitting exactly what :func:`_decimal` admits for ``column``:
    plain notation, at most the column's digits before the point and its decimal places after
    it, leading and trailing zeros aside."""
    integer_digits, places = DECIMAL_COLUMNS[column]
    return re.compile(
        rf"[+-]?(?=\.?\d)0*\d{{0,{integer_digits}}}(?:\.\d{{0,{places}}}0*)?"
    ).fullmatch


def _decimal_fast(column: str):
    """A converter for ``column`` checking form and size with one precompiled pattern; what it
    refuses goes to :func:`_decimal` for the precise reason."""
    accepted = _decimal_pattern(column)

    def convert(text: str) -> Decimal:
        if accepted(text) is not None:
            return Decimal(text)
        return _decimal(text, column)

    return convert


def _date_cached():
    """A date converter remembering the texts it has seen: a file repeats a few periods."""
    seen: dict[str, datetime.date] = {}

    def convert(text: str) -> datetime.date:
        value = seen.get(text)
        if value is None:
            value = _date(text)
            if len(seen) < 1024:
                seen[text] = value
        return value

    return convert


def _choice(column: str):
    accepted = CHOICE_COLUMNS[column]
    # An empty cell is the empty choice already; the message lists the values to write.
    allowed = "is not one of " + ", ".join(sorted(set(accepted.values()) - {""}))

    def convert(text: str) -> str:
        value = accepted.get(text.casefold())
        if value is None:
            raise ValueError(allowed)
        return value

    return convert


def _text(column: str):
    limit = TEXT_LIMITS[column]

    def convert(text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"is longer than {limit} characters ({len(text)})")
        return text

    return convert


def _converter(column: str):
    if column in DECIMAL_COLUMNS:
        return _decimal_fast(column)
    if column in ("period_start", "period_end"):
        return _date_cached()
    if column == "revenue_currency":
        return _currency
    if column in LIST_COLUMNS:
        return _categories
    if column in CHOICE_COLUMNS:
        return _choice(column)
    return _text(column)


def _decimal_cell(column: str, required: bool):
    """The cell function of a decimal column, its pattern inlined: most cells are numbers."""
    accepted = _decimal_pattern(column)

    def cell(raw: str):
        text = raw.strip()
        if text:
            if accepted(text) is not None:
                return Decimal(text)
            raise ValueError
        if required:
            raise ValueError
        return None

    return cell


def _cell(column: str, convert, strip: bool, required: bool, empty):
    """One cell's value from its text; ValueError for any rule broken (without saying which)."""
    if column in DECIMAL_COLUMNS:
        return _decimal_cell(column, required)
    if not strip:

        def cell(raw: str):
            if raw.strip():
                return convert(raw)
            return empty

    elif required:

        def cell(raw: str):
            text = raw.strip()
            if text:
                return convert(text)
            raise ValueError

    else:

        def cell(raw: str):
            text = raw.strip()
            if text:
                return convert(text)
            return empty

    return cell


class RowParser:
    """:func:`row_parse` for one header, with the per-column decisions taken once.

    A bulk upload parses thousands of rows against the same header: which cell feeds which
    column, how it is converted, whether it is required and what an empty cell stores are
    decided here, so that a row costs one pass over its cells.
    """

    def __init__(self, header: Header):
        self.header = header
        self.plan = tuple(
            (
                column,
                position,
                column != "methodology_notes",
                column in REQUIRED,
                _EMPTY.get(column),
                _converter(column),
            )
            for column, position in zip(COLUMNS, header.positions, strict=True)
        )
        # The common case, a row as wide as the header whose every cell is right, takes one
        # comprehension; the first problem sends the row to the full pass, which finds them all.
        self.present = tuple(
            (column, position, _cell(column, convert, strip, required, empty))
            for column, position, strip, required, empty, convert in self.plan
            if position is not None
        )
        self.absent = {
            column: empty for column, position, _s, _r, empty, _c in self.plan if position is None
        }

    def __call__(self, row_number: int, cells: list, errors: list[RowError]):
        """One row's field values (a dict), or None if any cell broke a rule (see row_parse)."""
        if len(cells) == self.header.width:
            try:
                values = {column: cell(cells[position]) for column, position, cell in self.present}
            except (ValueError, AttributeError):
                pass  # a rule broken, or a cell that is not text: the full pass says which
            else:
                if self.absent:
                    values.update(self.absent)
                return values
        return self.check(row_number, cells, errors)

    def check(self, row_number: int, cells: list, errors: list[RowError]):
        """Every cell of the row, every broken rule appended to ``errors``."""
        width = len(cells)
        header_width = self.header.width
        if width > header_width and any(str(cell).strip() for cell in cells[header_width:]):
            errors.append(
                RowError(
                    row_number,
                    "*",
                    f"{width} cells",
                    f"the row has {width} cells but the header has {header_width}",
                )
            )
            return None
        values: dict = {}
        ok = True
        for column, position, strip, required, empty, convert in self.plan:
            raw = cells[position] if position is not None and position < width else ""
            if raw.__class__ is not str:
                raw = "" if raw is None else str(raw)
            text = raw.strip() if strip else raw
            if not text or (not strip and not text.strip()):
                if required:
                    errors.append(RowError(row_number, column, "", "is required"))
                    ok = False
                else:
                    values[column] = empty
                continue
            try:
                values[column] = convert(text)
            except ValueError as exc:
                ok = False
                errors.append(RowError(row_number, column, shown(raw), str(exc)))
        return values if ok else None


def row_parse(row_number: int, cells: list, header: Header, errors: list[RowError]):
    """One row's field values (a dict), or None if any cell broke a rule.

    Every broken rule is appended to ``errors``. Text is kept as written apart from surrounding
    whitespace (a formula-like cell such as ``=HYPERLINK(...)`` is data, stored as text and
    escaped on export). Never raises for any list of strings. To parse many rows, make one
    :class:`RowParser` for their header and call it instead.
    """
    return RowParser(header)(row_number, cells, errors)


# --- readers -----------------------------------------------------------------------------------


def csv_rows(binary) -> Iterator[Header | tuple[int, list[str]]]:
    """Yield the Header, then ``(row number, cells)`` of every non-blank data row of a CSV."""
    return tables.csv_rows(binary, SPEC)


def xlsx_rows(binary) -> Iterator[Header | tuple[int, list[str]]]:
    """Yield the Header, then ``(row number, cells)`` of the "Disclosures" (or first) sheet."""
    workbook = uploads.xlsx_open_safely(binary)
    try:
        if not workbook.worksheets:
            raise UploadRefused("The workbook has no worksheet.", code="empty")
        sheet = (
            workbook[XLSX_SHEET] if XLSX_SHEET in workbook.sheetnames else workbook.worksheets[0]
        )
        header = None
        try:
            for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if len(values) > uploads.XLSX_MAX_COLUMNS:
                    raise UploadRefused(
                        f"Row {row_number} has more than {uploads.XLSX_MAX_COLUMNS} columns.",
                        code="malformed",
                    )
                cells = [uploads.xlsx_cell_text(value) for value in values]
                if header is None:
                    while cells and not cells[-1].strip():
                        cells.pop()
                    if not cells:
                        continue
                    header = header_parse(cells)
                    yield header
                    continue
                if not any(cell.strip() for cell in cells):
                    continue
                yield row_number, cells
        except UploadRefused:
            raise
        except Exception as exc:  # defusedxml and openpyxl errors surface while streaming
            raise uploads.xlsx_read_error(exc) from None
        if header is None:
            raise UploadRefused(
                "The worksheet is empty: it needs the template's header row.", code="empty"
            )
    finally:
        workbook.close()


def file_rows(binary) -> Iterator[Header | tuple[int, list[str]]]:
    """The Header, then the data rows, of a CSV or XLSX file, told apart by content alone."""
    binary.seek(0)
    kind = uploads.sniff_kind(binary.read(8))
    binary.seek(0)
    if kind == uploads.KIND_EMPTY:
        raise UploadRefused(
            "The file is empty: it needs the template's header row and data rows.", code="empty"
        )
    if kind == uploads.KIND_ZIP:
        return xlsx_rows(binary)
    return csv_rows(binary)


@dataclass
class ParseOutcome:
    """What :func:`file_parse` found: valid rows, row errors, or a file-level refusal."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""


def file_parse(binary, *, max_rows: int | None = None) -> ParseOutcome:
    """Read a whole (small) file into a ParseOutcome; never raises. For tests and tools: the
    service streams instead of collecting rows."""
    outcome = ParseOutcome()
    try:
        rows = file_rows(binary)
        parse = RowParser(next(rows))
        for row_number, cells in rows:
            if max_rows is not None and len(outcome.rows) + 1 > max_rows:
                outcome.file_error = f"more than {max_rows} rows"
                break
            values = parse(row_number, cells, outcome.errors)
            if values is not None:
                outcome.rows.append((row_number, values))
    except UploadRefused as exc:
        outcome.file_error = exc.message
    return outcome


# --- templates ---------------------------------------------------------------------------------


def template_csv() -> bytes:
    """The CSV template: the header row, UTF-8 with a BOM so that Excel opens it as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The XLSX template: a "Disclosures" sheet with the header row and an "Instructions" sheet
    saying, per column, whether it is required, its format and an example."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = XLSX_SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(
            14, len(column) + 2
        )
        if column in ("period_start", "period_end", *LIST_COLUMNS):
            # Dates typed into a text column stay YYYY-MM-DD instead of the locale's format, and
            # "1,2,3,4" stays a list instead of becoming the number 1234.
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].number_format = "@"
    guide = workbook.create_sheet("Instructions")
    guide.append(["column", "required", "format", "example"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        required, rule, example = COLUMN_HELP[column]
        guide.append([column, "yes" if required else "no", csv_safe(rule), csv_safe(example)])
    guide.append([])
    guide.append(
        [
            "One row per reporting entity and period on the Disclosures sheet. Emissions are in "
            "tonnes CO2e. Uploaded rows are saved as drafts: review and submit each one in the "
            "portal."
        ]
    )
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["C"].width = 80
    guide.column_dimensions["D"].width = 24
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_rows(disclosures: Iterable[EmissionsDisclosure]) -> Iterator[list[str]]:
    """Disclosures as template rows (header first), every cell escaped with csv_safe: the file
    may be opened in a spreadsheet, and stored text such as ``=HYPERLINK(...)`` must stay text."""
    yield list(COLUMNS)
    for disclosure in disclosures:
        yield [csv_safe(_exported(getattr(disclosure, c))) for c in COLUMNS]


def _exported(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return value
