"""Reader for the US EPA "Supply Chain GHG Emission Factors for US Industries and Commodities".

Format (every release so far): one row per 2017 NAICS-6 code with the columns in
:data:`EPA_COLUMNS`. The ``Unit`` column names the price year ("kg CO2e/2022 USD, purchaser
price"), which differs between releases, so it is read from the file and never assumed. Spend in
purchaser prices takes the *with margins* factor; the margins column is informational.
"""

from __future__ import annotations

import re

from scope3.importers.base import (
    ErrorCollector,
    ParsedTable,
    TextSource,
    check_header,
    csv_rows,
    parse_decimal,
)
from scope3.importers.common import FactorReader

EPA_COLUMNS = [
    "2017 NAICS Code",
    "2017 NAICS Title",
    "GHG",
    "Unit",
    "Supply Chain Emission Factors without Margins",
    "Margins of Supply Chain Emission Factors",
    "Supply Chain Emission Factors with Margins",
    "Reference USEEIO Code",
]
(
    COL_CODE,
    COL_TITLE,
    COL_GHG,
    COL_UNIT,
    COL_WITHOUT,
    COL_MARGINS,
    COL_WITH,
    COL_USEEIO,
) = EPA_COLUMNS

NAICS6 = re.compile(r"\d{6}")
# "kg CO2e/2022 USD, purchaser price" -> 2022
DOLLAR_YEAR_IN_UNIT = re.compile(r"kg\s*CO2e\s*/\s*((?:19|20)\d\d)\s*USD", re.IGNORECASE)
VERSION_IN_NAME = re.compile(r"_v(\d+(?:\.\d+)+)_")

EPA_NAME = "US EPA Supply Chain GHG Emission Factors for US Industries and Commodities"
EPA_PUBLISHER = "US Environmental Protection Agency, Office of Research and Development"
EPA_LICENCE = "US federal government work, public domain"

# What the file itself does not say, from each release's documentation on the EPA Science Hub
# (and scope3/data/README.md). An unknown release imports with these fields left blank.
KNOWN_RELEASES = {
    "1.3.0": {
        "doi": "10.23719/1531143",
        "source_url": "https://doi.org/10.23719/1531143",
        "gwp_basis": "AR5 GWP-100",
        "notes": "USEEIO v2.2; factors keyed by 2017 NAICS-6.",
    },
    "1.2": {
        "doi": "10.23719/1528686",
        "source_url": "https://doi.org/10.23719/1528686",
        "gwp_basis": "AR4 GWP-100",
        "notes": "USEEIO v2.1; factors keyed by 2017 NAICS-6.",
    },
}


def version_from_filename(name: str) -> str | None:
    """``..._v1.3.0_NAICS...csv`` -> "1.3.0"; ``..._v1.2_...`` -> "1.2"; else None."""
    match = VERSION_IN_NAME.search(name)
    return match.group(1) if match else None


class EpaSupplyChainReader(FactorReader):
    row_type = "factor"

    def version_hint(self) -> str | None:
        return self.version or version_from_filename(self.source_name)

    def _walk(self, source: TextSource, errors: ErrorCollector, table: ParsedTable):
        rows = csv_rows(source.text, errors)
        first = next(rows, None)
        if first is None:
            errors.add("the file is empty")
            return
        if not check_header(first[1], EPA_COLUMNS, errors):
            return
        seen: dict[str, int] = {}
        unit_seen: tuple[str, int] | None = None
        for line, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(EPA_COLUMNS):
                errors.add(f"line {line}: expected {len(EPA_COLUMNS)} cells, found {len(cells)}")
                continue
            row = dict(zip(EPA_COLUMNS, (cell.strip() for cell in cells), strict=True))
            ok = True

            code = row[COL_CODE]
            if not NAICS6.fullmatch(code):
                errors.cell(line, COL_CODE, code, "must be a six-digit NAICS code")
                ok = False
            elif code in seen:
                errors.cell(line, COL_CODE, code, f"duplicate code (first on line {seen[code]})")
                ok = False
            else:
                seen[code] = line

            if not row[COL_TITLE]:
                errors.cell(line, COL_TITLE, "", "a title is required")
                ok = False

            unit = row[COL_UNIT]
            year_match = DOLLAR_YEAR_IN_UNIT.search(unit)
            if not year_match:
                errors.cell(
                    line,
                    COL_UNIT,
                    unit,
                    'must name the dollar year, like "kg CO2e/2022 USD, purchaser price"',
                )
                ok = False
            elif unit_seen is None:
                unit_seen = (unit, line)
            elif unit != unit_seen[0]:
                errors.cell(
                    line,
                    COL_UNIT,
                    unit,
                    f"differs from the unit on line {unit_seen[1]} ({unit_seen[0]!r}); "
                    "every row must use the same unit and dollar year",
                )
                ok = False

            values = {}
            for column in (COL_WITHOUT, COL_MARGINS, COL_WITH):
                try:
                    values[column] = parse_decimal(row[column])
                except ValueError as exc:
                    errors.cell(line, column, row[column], str(exc))
                    ok = False

            if ok and not errors:
                yield {
                    "code": code,
                    "title": row[COL_TITLE][:300],
                    "value": values[COL_WITH],
                    "value_without_margins": values[COL_WITHOUT],
                    "margins": values[COL_MARGINS],
                    "unit": unit,
                    "source": "",
                    "extra": {"ghg": row[COL_GHG], "useeio_code": row[COL_USEEIO]},
                }

        if unit_seen is not None:
            version = self.version_hint() or ""
            known = KNOWN_RELEASES.get(version, {})
            table.metadata.update(
                {
                    "name": EPA_NAME,
                    "publisher": EPA_PUBLISHER,
                    "licence": EPA_LICENCE,
                    "unit": unit_seen[0],
                    "currency": "USD",
                    "dollar_year": int(DOLLAR_YEAR_IN_UNIT.search(unit_seen[0]).group(1)),
                    "region": "US",
                    "doi": known.get("doi", ""),
                    "source_url": known.get("source_url", ""),
                    "gwp_basis": known.get("gwp_basis", ""),
                    "notes": known.get(
                        "notes",
                        "GWP basis not stated in the file; see the release's documentation.",
                    ),
                }
            )
