"""``manage.py import_hardware_specs``: import hardware specs (ACT model inputs) from a CSV file.

manage.py import_hardware_specs specs.csv
manage.py import_hardware_specs specs.csv --report errors.csv

Cell syntax (scope3/importers/hardware_specs.py, scope3/data/README.md): aliases separated by
``|``; dies like ``814mm2@5nm`` or ``8 x 115mm2@5nm + 4 x 370mm2@7nm``; memory like ``80GB HBM3``.
All rows or none: any error stores nothing and lists every error by line and column.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assurance.history import acting_as_system
from assurance.uploads import csv_safe
from scope3.services.hardware import IMPORT_REASON, SpecFileError, hardware_specs_import


class Command(BaseCommand):
    help = (
        "Import hardware specs from a CSV file (name, aliases, kind, dies, memory, storage_gb, "
        "mass_kg, platform_kgco2e, boundary, source, source_url, notes). A row whose name exists "
        "updates that spec. Any error stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8).")
        parser.add_argument(
            "--report",
            metavar="PATH",
            help="Also write the errors (line, column, value, rule) to this CSV file.",
        )

    def handle(self, *args, path, report=None, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{path}: no such file")
        with acting_as_system(IMPORT_REASON) as system:
            try:
                result = hardware_specs_import(actor=system, path=source)
            except SpecFileError as exc:
                if report:
                    self._write_report(Path(report), exc)
                lines = "\n".join(f"  - {error}" for error in exc.errors)
                raise CommandError(
                    f"Nothing was imported from {source.name}; {len(exc.errors)} problem(s):\n"
                    f"{lines}"
                ) from exc
        self.stdout.write(f"{source.name}: {result.message}")

    @staticmethod
    def _write_report(path: Path, exc: SpecFileError) -> None:
        # Cells a spreadsheet would run as formulas are quoted (csv_safe): values come from the
        # imported file, which may be hostile.
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "column", "value", "rule"])
            for error in exc.errors:
                writer.writerow(
                    [
                        error.line,
                        csv_safe(error.column),
                        csv_safe(error.value),
                        csv_safe(error.rule),
                    ]
                )
