"""``manage.py import_assets PATH``: import an IT asset inventory (CSV) that reconciliation compares
the ledger's hardware quantities with.

manage.py import_assets assets-2025.csv
manage.py import_assets assets.csv --reject-file rejects.csv
"""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from assurance.history import acting_as_system
from assurance.uploads import csv_safe
from reconciliation.asset_file import COLUMNS
from reconciliation.models import AssetImport
from reconciliation.services import ASSET_IMPORT_REASON, AssetImportRefused, asset_import


class Command(BaseCommand):
    help = (
        "Import an IT asset inventory CSV (columns: "
        + ", ".join(COLUMNS)
        + "). A file with any error stores nothing; the command then exits non-zero and lists "
        "the errors (row, column, value, rule)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8).")
        parser.add_argument(
            "--reject-file",
            metavar="PATH",
            help="Also write the errors (row, column, value, rule) to this CSV file.",
        )

    def handle(self, *args, path, reject_file=None, **options):
        with acting_as_system(ASSET_IMPORT_REASON) as system:
            try:
                record = asset_import(
                    actor=system, path_or_file=path, source=AssetImport.Source.COMMAND
                )
            except AssetImportRefused as exc:
                raise CommandError(f"Nothing was imported: {exc.message}") from exc
        if reject_file and record.errors:
            with open(reject_file, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "column", "value", "rule"])
                for error in record.errors:
                    writer.writerow(
                        [error["row"], error["column"], csv_safe(error["value"]), error["rule"]]
                    )
        if record.status == AssetImport.Status.REJECTED:
            raise CommandError(
                f"Nothing was imported from {path} (asset import #{record.pk}, "
                f"{record.error_count} errors):\n{record.error_summary}"
            )
        self.stdout.write(
            f"Asset import #{record.pk} {record.original_name}: {record.accepted_rows} assets "
            f"stored, {record.unmatched_vendor_rows} with a vendor not in the vendor master."
        )
