"""Reader for Tenderleaf's own curated tables (``scope3/data/*.csv``, see its README.md).

A curated table starts with ``# key: value`` lines describing the dataset (kind, name, version,
publisher, unit, ...), then a CSV header that must match the kind's columns exactly, then one row
per value. Every row cites its source (publication and table or page) and a URL or DOI: a value
without a citation is refused, because the product promises that every number is traceable.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from scope3.importers.base import (
    ErrorCollector,
    ParsedTable,
    TextSource,
    check_header,
    csv_rows,
    parse_decimal,
)
from scope3.importers.common import FactorReader
from scope3.importers.epa import DOLLAR_YEAR_IN_UNIT, NAICS6

FACTOR_COLUMNS = ["code", "title", "value", "unit", "source", "source_url", "notes"]
COLUMNS_BY_KIND = {
    "useeio": [
        "code",
        "title",
        "value",
        "value_without_margins",
        "margins",
        "unit",
        "source",
        "source_url",
        "notes",
    ],
    "hardware": ["code", "title", "value", "unit", "boundary", "source", "source_url", "notes"],
    "freight": FACTOR_COLUMNS,
    "waste": FACTOR_COLUMNS,
    "fx": ["key", "year", "value", "unit", "source", "source_url", "notes"],
    "price_index": ["key", "year", "value", "unit", "source", "source_url", "notes"],
}
RATE_KINDS = {"fx", "price_index"}

METADATA_KEYS = {
    "kind",
    "name",
    "version",
    "publisher",
    "source_url",
    "doi",
    "licence",
    "unit",
    "currency",
    "dollar_year",
    "gwp_basis",
    "region",
    "notes",
    "relative_uncertainty",
}
REQUIRED_METADATA = ("kind", "name", "publisher", "unit")
_METADATA_LINE = re.compile(r"#\s*([a-z_]+)\s*:\s*(.*)")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,59}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_CITATION_URL = re.compile(r"(https?://\S+|doi:\S+)")
YEAR_RANGE = range(1900, 2101)
# A relative uncertainty above 1000 % is a typo (a percentage given as a fraction's place).
MAX_RELATIVE_UNCERTAINTY = Decimal(10)
# Hardware rows that are inputs of the ACT model (per cm² of die, per GB, a yield fraction), not
# per-item factors: flagged in ``extra`` so that no loader offers them as kg CO2e per unit.
_MODEL_PARAMETER_UNIT = re.compile(
    r"\bper\s+(cm2|cm²|mm2|mm²|gb|tb|mb|kwh)\b|^\s*fraction\b", re.IGNORECASE
)


def read_preamble(source: TextSource, errors: ErrorCollector) -> tuple[dict, str | None, int]:
    """Read the ``# key: value`` lines; return (metadata, the header line, its line number)."""
    metadata: dict[str, str] = {}
    line_number = 0
    try:
        for line_number, line in enumerate(iter(source.text.readline, ""), start=1):
            if not line.startswith("#"):
                return metadata, line, line_number
            match = _METADATA_LINE.fullmatch(line.strip())
            if not match:
                if line.strip("#").strip():
                    errors.add(f'line {line_number}: expected "# key: value", found {line!r}')
                continue
            key, value = match.group(1), match.group(2).strip()
            if key not in METADATA_KEYS:
                errors.add(
                    f"line {line_number}: unknown metadata key {key!r} "
                    f"(known: {', '.join(sorted(METADATA_KEYS))})"
                )
            elif key in metadata:
                errors.add(f"line {line_number}: metadata key {key!r} given twice")
            else:
                metadata[key] = value
    except UnicodeDecodeError as exc:
        errors.add(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
    return metadata, None, line_number


class CuratedTableReader(FactorReader):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_type = "rate" if self.kind in RATE_KINDS else "factor"
        self._preamble_version: str | None = None

    def version_hint(self) -> str | None:
        return self.version or self._preamble_version

    def _walk(self, source: TextSource, errors: ErrorCollector, table: ParsedTable):
        metadata, header_line, header_number = read_preamble(source, errors)
        if header_line is None:
            if not errors:
                errors.add("the file has no header line")
            return
        self._check_metadata(metadata, errors)
        expected = COLUMNS_BY_KIND[self.kind]
        rows = csv_rows(
            itertools.chain([header_line], source.text), errors, first_line=header_number
        )
        header = next(rows, None)
        if header is None or not check_header(header[1], expected, errors):
            return
        unit_seen: tuple[str, int] | None = None
        seen: dict[tuple, int] = {}
        for line, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(expected):
                errors.add(f"line {line}: expected {len(expected)} cells, found {len(cells)}")
                continue
            row = dict(zip(expected, (cell.strip() for cell in cells), strict=True))
            ok = self._check_citation(line, row, errors)
            if self.row_type == "rate":
                parsed = self._rate(line, row, errors, seen)
            else:
                parsed = self._factor(line, row, errors, seen)
                if parsed is not None and self.kind == "useeio":
                    unit_seen, ok_unit = self._check_dollar_year(line, row, errors, unit_seen)
                    ok = ok and ok_unit
            if parsed is not None and ok and not errors:
                yield parsed
        if self.kind == "useeio" and unit_seen is not None:
            metadata.setdefault("currency", "USD")
            metadata["dollar_year"] = DOLLAR_YEAR_IN_UNIT.search(unit_seen[0]).group(1)
        table.metadata.update(metadata)

    def _check_metadata(self, metadata: dict, errors: ErrorCollector) -> None:
        for key in REQUIRED_METADATA:
            if not metadata.get(key):
                errors.add(f'metadata line "# {key}: ..." is required')
        kind = metadata.get("kind")
        if kind and kind != self.kind:
            errors.add(f"the file declares kind {kind!r} but is being imported as {self.kind!r}")
        self._preamble_version = metadata.pop("version", "") or None
        if self.version and self._preamble_version and self.version != self._preamble_version:
            errors.add(
                f"--version {self.version!r} disagrees with the file's own version "
                f"{self._preamble_version!r}"
            )
        year = metadata.get("dollar_year")
        if year and not (year.isdigit() and int(year) in YEAR_RANGE):
            errors.add(f"metadata dollar_year {year!r} is not a year")
        uncertainty = metadata.get("relative_uncertainty")
        if uncertainty:
            try:
                value = parse_decimal(uncertainty)
            except ValueError as exc:
                errors.add(f"metadata relative_uncertainty {uncertainty!r}: {exc}")
            else:
                if not Decimal(0) <= value <= MAX_RELATIVE_UNCERTAINTY:
                    errors.add(
                        f"metadata relative_uncertainty {uncertainty!r} must be between 0 and "
                        f"{MAX_RELATIVE_UNCERTAINTY} (0.3 means ±30 %)"
                    )

    def _check_citation(self, line: int, row: dict, errors: ErrorCollector) -> bool:
        ok = True
        if not row["source"]:
            errors.cell(line, "source", "", "every value needs its source (publication, table)")
            ok = False
        if not _CITATION_URL.match(row["source_url"]):
            errors.cell(line, "source_url", row["source_url"], "must be an http(s) URL or doi:...")
            ok = False
        return ok

    def _value(self, line, row, column, errors, *, positive=False):
        try:
            return parse_decimal(row[column], positive=positive)
        except ValueError as exc:
            errors.cell(line, column, row[column], str(exc))
            return None

    def _factor(self, line: int, row: dict, errors: ErrorCollector, seen: dict):
        code = row["code"]
        ok = True
        if self.kind == "useeio" and not NAICS6.fullmatch(code):
            errors.cell(line, "code", code, "must be a six-digit NAICS code")
            ok = False
        elif not _CODE.fullmatch(code):
            errors.cell(line, "code", code, "must be letters, digits, '_', '.' or '-'")
            ok = False
        elif (code,) in seen:
            errors.cell(line, "code", code, f"duplicate code (first on line {seen[(code,)]})")
            ok = False
        else:
            seen[(code,)] = line
        if not row["title"]:
            errors.cell(line, "title", "", "a title is required")
            ok = False
        if not row["unit"]:
            errors.cell(line, "unit", "", "a unit is required")
            ok = False
        value = self._value(line, row, "value", errors)
        extra = {"source_url": row["source_url"]}
        if row["notes"]:
            extra["notes"] = row["notes"]
        fields = {}
        if self.kind == "useeio":
            fields["value_without_margins"] = self._value(
                line, row, "value_without_margins", errors
            )
            fields["margins"] = self._value(line, row, "margins", errors)
            if None in fields.values():
                ok = False
        if self.kind == "hardware":
            if not row["boundary"]:
                errors.cell(line, "boundary", "", "state the system boundary (e.g. cradle-to-gate)")
                ok = False
            extra["boundary"] = row["boundary"]
            if _MODEL_PARAMETER_UNIT.search(row["unit"]):
                extra["parameter"] = True
        if value is None or not ok:
            return None
        return {
            "code": code,
            "title": row["title"][:300],
            "value": value,
            "unit": row["unit"],
            "source": f"{row['source']} {row['source_url']}",
            "extra": extra,
            **fields,
        }

    def _check_dollar_year(self, line, row, errors, unit_seen):
        unit = row["unit"]
        if not DOLLAR_YEAR_IN_UNIT.search(unit):
            errors.cell(line, "unit", unit, 'must name the dollar year, like "kg CO2e/2022 USD"')
            return unit_seen, False
        if unit_seen is None:
            return (unit, line), True
        if unit != unit_seen[0]:
            errors.cell(
                line,
                "unit",
                unit,
                f"differs from the unit on line {unit_seen[1]}; "
                "every row must use the same unit and dollar year",
            )
            return unit_seen, False
        return unit_seen, True

    def _rate(self, line: int, row: dict, errors: ErrorCollector, seen: dict):
        key, year_text = row["key"], row["year"]
        ok = True
        if self.kind == "fx" and not _CURRENCY.fullmatch(key):
            errors.cell(line, "key", key, "must be an ISO 4217 currency code like EUR")
            ok = False
        elif not _CODE.fullmatch(key):
            errors.cell(line, "key", key, "must be letters, digits, '_', '.' or '-'")
            ok = False
        year = int(year_text) if year_text.isdigit() else None
        if year is None or year not in YEAR_RANGE:
            errors.cell(line, "year", year_text, "must be a year between 1900 and 2100")
            ok = False
        elif ok and (key, year) in seen:
            errors.cell(
                line,
                "year",
                year_text,
                f"duplicate {key} {year} (first on line {seen[(key, year)]})",
            )
            ok = False
        elif ok:
            seen[(key, year)] = line
        value = self._value(line, row, "value", errors, positive=True)
        if value is None or not ok:
            return None
        extra = {"source_url": row["source_url"]}
        if row["notes"]:
            extra["notes"] = row["notes"]
        return {
            "key": key,
            "year": year,
            "value": value,
            "unit": row["unit"],
            "source": f"{row['source']} {row['source_url']}",
            "extra": extra,
        }
