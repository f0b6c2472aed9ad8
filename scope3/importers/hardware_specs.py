"""Reading hardware-spec CSV files (``manage.py import_hardware_specs``, the starter set).

The reader checks every row and cell and never touches the database; the service
(``scope3.services.hardware.hardware_specs_import``) then saves the rows, all or nothing. Every
problem is a :class:`SpecRowError` ``(line, column, value, rule)``.

Columns (header names, any order): ``name, aliases, kind, dies, memory, storage_gb, mass_kg,
platform_kgco2e, boundary, source, source_url, notes``, and optionally ``platform_source``.
Lines starting with ``#`` before the header are comments. Cell syntax, readable in a spreadsheet:

- ``aliases``: words separated by ``|``: ``H100 SXM|H100 SXM5``;
- ``dies``: ``[N x ]AREA UNIT @ NODE`` joined by ``+``, the unit ``mm2`` or ``cm2`` (``mm²``,
  ``cm²``): ``814mm2@5nm``, ``8 x 115.5mm2@5nm + 4 x 370mm2@7nm``;
- ``memory``: ``AMOUNT UNIT TYPE`` joined by ``+``, the unit ``GB`` or ``TB`` (1 TB = 1000 GB, as
  vendors count), the type ``HBM`` (also HBM2, HBM2e, HBM3, HBM3e) or ``DRAM`` (also DDR4, DDR5,
  LPDDR4, LPDDR5): ``80GB HBM3``, ``1TB DDR5``;
- ``storage_gb``, ``mass_kg``, ``platform_kgco2e``: plain decimal numbers, empty for none.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from assurance import uploads
from scope3.engine.hardware import normalise_node
from scope3.importers.base import parse_decimal

REQUIRED_COLUMNS = (
    "name",
    "aliases",
    "kind",
    "dies",
    "memory",
    "storage_gb",
    "mass_kg",
    "platform_kgco2e",
    "boundary",
    "source",
    "source_url",
    "notes",
)
OPTIONAL_COLUMNS = ("platform_source",)
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_CELL_CHARS = 4000
MAX_ERRORS = 500
MAX_SHOWN_VALUE_CHARS = 80

_DIE = re.compile(
    r"(?:(?P<count>\d{1,4})\s*[x\u00d7*]\s*)?"
    r"(?P<area>\d+(?:\.\d+)?)\s*(?P<unit>mm2|mm²|cm2|cm²)\s*@\s*"
    r"(?P<node>[A-Za-z0-9][A-Za-z0-9._ ]*)",
    re.IGNORECASE,
)
_MEMORY = re.compile(
    r"(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>GB|TB)\s+(?P<type>[A-Za-z0-9]+)", re.IGNORECASE
)
_MEMORY_TYPES = {
    "hbm": "hbm",
    "hbm2": "hbm",
    "hbm2e": "hbm",
    "hbm3": "hbm",
    "hbm3e": "hbm",
    "dram": "dram",
    "ddr4": "dram",
    "ddr5": "dram",
    "lpddr4": "dram",
    "lpddr4x": "dram",
    "lpddr5": "dram",
    "lpddr5x": "dram",
}
_MM2_PER_CM2 = Decimal(100)
_GB_PER_TB = Decimal(1000)


@dataclass(frozen=True, slots=True)
class SpecRowError:
    line: int
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        column = f", column {self.column!r}" if self.column else ""
        value = f", value {self.value!r}" if self.value else ""
        return f"{where}{column}{value}: {self.rule}"


class SpecFileError(Exception):
    """The file is refused; ``errors`` lists every problem found (capped)."""

    def __init__(self, errors: list[SpecRowError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass(frozen=True, slots=True)
class SpecRow:
    """One valid row: its line in the file and the service's keyword fields."""

    line: int
    fields: dict


def _shown(value: str) -> str:
    return (
        value if len(value) <= MAX_SHOWN_VALUE_CHARS else value[: MAX_SHOWN_VALUE_CHARS - 3] + "..."
    )


def json_number(value: Decimal) -> int | float:
    """A Decimal as the JSON number stored in ``dies``/``memory`` (an int when whole)."""
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def parse_aliases(text: str) -> list[str]:
    return [alias.strip() for alias in text.split("|") if alias.strip()]


def parse_dies(text: str) -> list[dict]:
    """``"8 x 115mm2@5nm + 826mm2@7nm"`` -> ``[{"area_mm2": 115, "node": "5nm", "count": 8}, ...]``.

    Raises ``ValueError`` naming the part and the rule.
    """
    dies = []
    for part in (piece.strip() for piece in text.split("+")):
        if not part:
            raise ValueError("an empty die between '+' signs")
        match = _DIE.fullmatch(part)
        if match is None:
            raise ValueError(
                f"{part!r} is not a die: write [N x ]AREA mm2@NODE, e.g. 814mm2@5nm or "
                "8 x 115mm2@5nm"
            )
        area = Decimal(match["area"])
        if match["unit"].casefold().startswith("cm"):
            area *= _MM2_PER_CM2
        if area <= 0:
            raise ValueError(f"{part!r}: the die area must be greater than zero")
        count = int(match["count"]) if match["count"] else 1
        if count < 1:
            raise ValueError(f"{part!r}: the die count must be 1 or more")
        dies.append(
            {"area_mm2": json_number(area), "node": normalise_node(match["node"]), "count": count}
        )
    return dies


def parse_memory(text: str) -> list[dict]:
    """``"80GB HBM3 + 2TB DDR5"`` -> ``[{"type": "hbm", "gb": 80}, {"type": "dram", ...}]``."""
    memory = []
    for part in (piece.strip() for piece in text.split("+")):
        if not part:
            raise ValueError("an empty memory item between '+' signs")
        match = _MEMORY.fullmatch(part)
        if match is None:
            raise ValueError(f"{part!r} is not memory: write AMOUNT GB TYPE, e.g. 80GB HBM3")
        kind = _MEMORY_TYPES.get(match["type"].casefold())
        if kind is None:
            raise ValueError(
                f"{part!r}: unknown memory type {match['type']!r} (known: "
                f"{', '.join(sorted(_MEMORY_TYPES))})"
            )
        gb = Decimal(match["amount"])
        if match["unit"].casefold() == "tb":
            gb *= _GB_PER_TB
        if gb <= 0:
            raise ValueError(f"{part!r}: the capacity must be greater than zero")
        memory.append({"type": kind, "gb": json_number(gb)})
    return memory


def format_dies(dies) -> str:
    """The cell syntax of stored dies (for exports and the admin)."""
    parts = []
    for die in dies or []:
        count = die.get("count", 1)
        prefix = f"{count} x " if count != 1 else ""
        parts.append(f"{prefix}{die.get('area_mm2')}mm2@{die.get('node')}")
    return " + ".join(parts)


def format_memory(memory) -> str:
    return " + ".join(
        f"{item.get('gb')}GB {str(item.get('type', '')).upper()}" for item in memory or []
    )


def _optional_decimal(text: str) -> Decimal | None:
    return parse_decimal(text) if text.strip() else None


def _row_fields(line: int, row: dict, errors: list[SpecRowError]) -> dict | None:
    fields: dict = {}
    count = len(errors)

    def fail(column: str, rule: str) -> None:
        errors.append(SpecRowError(line, column, _shown(row.get(column, "")), rule))

    for column in ("name", "kind", "boundary", "source", "source_url"):
        if not row[column]:
            fail(column, "required")
    fields["name"] = row["name"]
    fields["kind"] = row["kind"].casefold()
    for column in ("boundary", "source", "source_url", "notes"):
        fields[column] = row[column]
    fields["platform_source"] = row.get("platform_source", "")
    fields["aliases"] = parse_aliases(row["aliases"])
    for column, parse in (("dies", parse_dies), ("memory", parse_memory)):
        try:
            fields[column] = parse(row[column]) if row[column] else []
        except ValueError as exc:
            fail(column, str(exc))
    for column in ("storage_gb", "mass_kg", "platform_kgco2e"):
        try:
            fields[column] = _optional_decimal(row[column])
        except ValueError as exc:
            fail(column, str(exc))
    if fields.get("storage_gb") is None:
        fields["storage_gb"] = Decimal(0)
    return fields if len(errors) == count else None


def read_spec_file(path: Path, *, max_bytes: int | None = None) -> list[SpecRow]:
    """Every row of a spec file, checked; raises :class:`SpecFileError` with all problems.

    Hostile input: the size is checked before reading, the bytes must be UTF-8 text (not a
    spreadsheet, UTF-16 or binary), lines and cells have length limits and the row count a cap,
    and reported values are cut short (the caller writes them through ``csv_safe``).
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    size = path.stat().st_size
    if size > max_bytes:
        raise SpecFileError(
            [SpecRowError(0, "", "", uploads.too_large_message(path.name, max_bytes, "spec files"))]
        )
    with path.open("rb") as handle:
        refusal = uploads.text_refusal(uploads.sniff_kind(handle.read(4096)))
    if refusal is not None:
        raise SpecFileError([SpecRowError(0, "", "", str(refusal))])
    errors: list[SpecRowError] = []
    rows: list[SpecRow] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            lines = list(uploads.text_lines(handle, max_line_chars=MAX_CELL_CHARS * 4))
        except uploads.UploadRefused as exc:
            raise SpecFileError([SpecRowError(0, "", "", str(exc))]) from None
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        first += 1
    reader = csv.reader(lines[first:], strict=True)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        header_line = first + 1
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        unknown = [c for c in header if c not in REQUIRED_COLUMNS and c not in OPTIONAL_COLUMNS]
        repeated = sorted({c for c in header if header.count(c) > 1})
        if not header or missing or unknown or repeated:
            rule = "the header must name the columns " + ", ".join(REQUIRED_COLUMNS)
            if missing:
                rule += f"; missing: {', '.join(missing)}"
            if unknown:
                rule += f"; unknown: {', '.join(_shown(c) for c in unknown)}"
            if repeated:
                rule += f"; repeated: {', '.join(repeated)}"
            raise SpecFileError([SpecRowError(header_line, "", "", rule)])
        seen: dict[str, int] = {}
        for cells in reader:
            line = first + reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                errors.append(SpecRowError(line, "", "", f"more than {MAX_ROWS} rows; split it"))
                break
            if len(cells) != len(header):
                errors.append(
                    SpecRowError(line, "", "", f"expected {len(header)} cells, found {len(cells)}")
                )
                continue
            row = dict(zip(header, (cell.strip() for cell in cells), strict=True))
            too_long = [c for c, v in row.items() if len(v) > MAX_CELL_CHARS]
            if too_long:
                for column in too_long:
                    errors.append(
                        SpecRowError(line, column, "", f"longer than {MAX_CELL_CHARS} characters")
                    )
                continue
            fields = _row_fields(line, row, errors)
            if fields is None:
                continue
            key = fields["name"].casefold()
            if key in seen:
                errors.append(
                    SpecRowError(line, "name", _shown(fields["name"]), f"repeats line {seen[key]}")
                )
                continue
            seen[key] = line
            rows.append(SpecRow(line, fields))
            if len(errors) >= MAX_ERRORS:
                break
    except csv.Error as exc:
        errors.append(SpecRowError(first + reader.line_num, "", "", f"malformed CSV ({exc})"))
    if errors:
        raise SpecFileError(errors[:MAX_ERRORS])
    if not rows:
        raise SpecFileError([SpecRowError(0, "", "", "the file has no spec rows")])
    return rows
