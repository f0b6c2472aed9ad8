"""The reader protocol: validate a whole file first, then walk it again to yield rows to store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scope3.importers.base import (
    ErrorCollector,
    FactorFileError,
    ParsedTable,
    TextSource,
    open_text,
)


class FactorReader:
    """Base of the readers. Subclasses implement :meth:`_walk`.

    ``_walk`` reads the file once, reports every problem to ``errors`` and yields the model
    field values of each valid row. :meth:`validate` runs it only to collect errors and
    metadata; :meth:`rows` runs it again for the insert, so memory does not grow with the file.
    """

    #: "factor" rows become EmissionFactor, "rate" rows ReferenceRate
    row_type = "factor"

    def __init__(self, path: Path, *, kind: str, source_name: str = "", version: str = ""):
        self.path = path
        self.kind = kind
        self.source_name = source_name or path.name
        self.version = version
        self.table: ParsedTable | None = None

    def _walk(self, source: TextSource, errors: ErrorCollector, table: ParsedTable):
        raise NotImplementedError

    def version_hint(self) -> str | None:
        """The version the file itself states (its name or its metadata), if any."""
        return None

    def validate(self) -> ParsedTable:
        errors = ErrorCollector()
        table = ParsedTable()
        source = open_text(self.path)
        try:
            for _row in self._walk(source, errors, table):
                table.row_count += 1
        finally:
            source.text.close()
        if not errors and table.row_count == 0:
            errors.add("the file has a header but no data rows")
        if errors:
            raise FactorFileError(errors.report())
        self.table = table
        return table

    def rows(self, expected_sha256: str) -> Iterator[dict[str, Any]]:
        errors = ErrorCollector()
        source = open_text(self.path)
        try:
            yield from self._walk(source, errors, ParsedTable())
            digest = source.drain_hash()
        finally:
            source.text.close()
        if errors or digest != expected_sha256:
            raise FactorFileError(
                [f"{self.source_name}: the file changed while it was being imported; try again"]
            )
