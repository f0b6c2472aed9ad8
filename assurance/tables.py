"""Reading tabular uploads (CSV) the same way everywhere: header checks, delimiter choice, row
errors that name row, column, value and rule.

The disclosure upload and the asset inventory import both read "one header row, then one row per
record" files. What differs (the columns, which are required, what the empty-file message says)
is a :class:`TableSpec`; everything else is here once. Type sniffing, size and line limits come
from :mod:`assurance.uploads`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from assurance import uploads
from assurance.uploads import UploadRefused

DELIMITERS = (",", ";", "\t")
MAX_FIELD_CHARS = 64 * 1024
MAX_REPORTED_VALUE_CHARS = 200


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


@dataclass(frozen=True)
class Header:
    """``positions[i]``: the cell index of the spec's i-th column, None if the file lacks it."""

    positions: tuple[int | None, ...]
    width: int


@dataclass(frozen=True)
class TableSpec:
    """What one kind of table file holds.

    ``header_hint`` follows the list of header problems (e.g. "Use the template's header row");
    ``empty_message`` is the whole refusal of a file without a header row.
    """

    columns: tuple[str, ...]
    required: tuple[str, ...]
    header_hint: str
    empty_message: str


def shown(value: str) -> str:
    """A cell value as quoted back in an error, cut short so a 20 MB cell is not echoed."""
    if len(value) > MAX_REPORTED_VALUE_CHARS:
        return value[: MAX_REPORTED_VALUE_CHARS - 3] + "..."
    return value


def _column_name(raw) -> str:
    return (raw or "").strip().lstrip("\ufeff").casefold()


def header_parse(cells: list[str], spec: TableSpec) -> Header:
    """Map header cells to columns, refusing missing required, unknown and repeated columns."""
    found: dict[str, int] = {}
    unknown, repeated = [], []
    for index, raw in enumerate(cells):
        name = _column_name(raw)
        if not name:
            continue
        if name not in spec.columns:
            unknown.append(shown((raw or "").strip()))
            continue
        if name in found:
            repeated.append(name)
            continue
        found[name] = index
    parts = []
    missing = [name for name in spec.required if name not in found]
    if missing:
        parts.append("missing required columns: " + ", ".join(missing))
    if unknown:
        parts.append("unknown columns: " + ", ".join(repr(name) for name in unknown))
    if repeated:
        parts.append("columns given twice: " + ", ".join(repeated))
    if parts:
        raise UploadRefused(
            "Row 1 (the header): " + "; ".join(parts) + ". " + spec.header_hint, code="header"
        )
    return Header(positions=tuple(found.get(name) for name in spec.columns), width=len(cells))


def delimiter_for(header_line: str, columns: tuple[str, ...]) -> str:
    """The delimiter that turns the header line into the most known columns.

    Comma, semicolon (European Excel's "CSV") and tab are tried; a semicolon file is read as one,
    never mis-parsed into a single column.
    """

    def score(delimiter):
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(1 for cell in cells if _column_name(cell) in columns)

    best = max(DELIMITERS, key=score)
    return best if score(best) else ","


def csv_rows(binary, spec: TableSpec) -> Iterator[Header | tuple[int, list[str]]]:
    """Yield the Header, then ``(row number, cells)`` of every non-blank data row of a CSV.

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
            raise UploadRefused(spec.empty_message, code="empty")
        delimiter = delimiter_for(header_line, spec.columns)
        yield header_parse(next(csv.reader([header_line], delimiter=delimiter), []), spec)
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
        # Leave the caller's file open (it closes it); it may already be closed if the caller
        # dropped this generator late.
        if not binary.closed:
            handle.detach()
