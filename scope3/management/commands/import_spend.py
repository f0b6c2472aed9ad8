"""``manage.py import_spend``: import a purchase-ledger file (CSV or XLSX) into the spend ledger.

manage.py import_spend ledger-2025.csv
manage.py import_spend ledger.xlsx --map "Invoice date=date" --map "Supplier=vendor"
manage.py import_spend ledger.csv --partial --reject-file rejects.csv
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assurance.history import acting_as_system
from assurance.storage import evidence_storage
from config.progress import CommandProgress
from scope3.importers.spend import FIELDS
from scope3.models import ImportBatch
from scope3.services.spend import (
    IMPORT_REASON,
    SpendImportRefused,
    import_batch_error_report_open,
    spend_import,
    spend_rows_estimate,
)
from scope3.services.vocabulary import unknown_terms_describe


def _mapping(text: str) -> tuple[str, str]:
    header, separator, field = text.rpartition("=")
    if not separator or not header.strip() or not field.strip():
        raise CommandError(f"--map {text!r}: write it as 'file header=field'")
    if field.strip() not in FIELDS:
        raise CommandError(
            f"--map {text!r}: {field.strip()!r} is not a field; fields: {', '.join(FIELDS)}"
        )
    return header.strip(), field.strip()


class Command(BaseCommand):
    help = (
        "Import a spend file (CSV or XLSX) into the ledger. By default a file with any error "
        "stores nothing and the command exits non-zero naming its error report; --partial "
        "stores the valid rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV (UTF-8) or XLSX file.")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Store the valid rows and report the rejected ones instead of storing nothing.",
        )
        parser.add_argument(
            "--map",
            dest="mappings",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="Read the file column HEADER as FIELD (repeatable), e.g. --map 'Supplier=vendor'.",
        )
        parser.add_argument(
            "--reject-file",
            metavar="PATH",
            help="Also write the error report (row, column, value, rule) to this file.",
        )

    def handle(self, *args, path, partial=False, mappings=(), reject_file=None, **options):
        column_map = dict(_mapping(item) for item in mappings)
        bar = CommandProgress(self.stdout, verbosity=options["verbosity"], unit="row")
        estimate = spend_rows_estimate(Path(path)) if bar.shown else None

        def progress(done, total, step):
            bar.update(done, total if total is not None else estimate, note=step)

        with bar, acting_as_system(IMPORT_REASON) as system:
            try:
                batch = spend_import(
                    actor=system,
                    path_or_file=path,
                    original_name=Path(path).name,
                    source=ImportBatch.Source.COMMAND,
                    partial=partial,
                    column_map=column_map,
                    progress=progress,
                )
            except SpendImportRefused as exc:
                raise CommandError(f"Nothing was imported: {exc.message}") from exc

        self.stdout.write(
            f"Batch #{batch.pk} {batch.original_name}: {batch.get_status_display()}.\n"
            f"  rows read: {batch.total_rows}\n"
            f"  accepted: {batch.accepted_rows}\n"
            f"  rejected: {batch.rejected_rows}\n"
            f"  skipped (external id already imported): {batch.skipped_existing_rows}\n"
            f"  unmatched vendors (kept, flagged): {batch.unmatched_vendor_rows}"
        )
        for description in unknown_terms_describe(batch.unknown_terms):
            # Words nothing maps to: add a vocabulary term (admin) so a run can estimate them.
            self.stdout.write(f"  unknown word: {description}")
        report = self._report_path(batch, reject_file)
        if report:
            self.stdout.write(f"  error report: {report}")
        if batch.status == ImportBatch.Status.REJECTED:
            raise CommandError(
                f"Nothing was imported from {path}:\n{batch.error_summary}\nError report: {report}"
            )

    @staticmethod
    def _report_path(batch: ImportBatch, reject_file: str | None) -> str:
        if not batch.error_report_name:
            return ""
        if reject_file:
            with import_batch_error_report_open(batch) as source, open(reject_file, "wb") as out:
                shutil.copyfileobj(source, out)
            return reject_file
        return evidence_storage().path(batch.error_report_name)
