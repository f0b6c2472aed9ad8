"""``manage.py import_sbti PATH``: import the SBTi's list of companies taking action.

manage.py import_sbti companies-taking-action.xlsx
manage.py import_sbti companies-taking-action.csv

Companies are matched to vendors by LEI, by ISIN (recorded on a vendor's SBTi status) or by
exact normalised name; the unmatched are listed, never guessed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from assurance.history import acting_as_system
from targets.models import SbtiImport
from targets.services import SBTI_IMPORT_REASON, sbti_import


class Command(BaseCommand):
    help = (
        "Import the SBTi companies-taking-action list (CSV or XLSX as published). A file "
        "refused as a whole stores nothing; rows with a problem are listed with their reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV (UTF-8) or XLSX file.")

    def handle(self, *args, path, **options):
        with acting_as_system(SBTI_IMPORT_REASON) as system:
            record = sbti_import(actor=system, path=path)
        if record.status == SbtiImport.Status.REJECTED:
            raise CommandError(
                f"Nothing was imported from {path} (SBTi import #{record.pk}): "
                f"{record.error_summary}"
            )
        self.stdout.write(
            f"SBTi import #{record.pk}: {record.rows_total} rows, {record.matched} vendors "
            f"matched, {len(record.unmatched)} companies unmatched, {len(record.errors)} rows "
            "with a problem."
        )
        for error in record.errors:
            self.stdout.write(
                f"  row {error['row']}, column {error['column']} “{error['value']}”: "
                f"{error['rule']}"
            )
        if record.unmatched:
            self.stdout.write("Unmatched companies (no vendor has this LEI, ISIN or name):")
            for entry in record.unmatched[:200]:
                self.stdout.write(f"  row {entry['row']}: {entry['name']}")
            if len(record.unmatched) > 200:
                self.stdout.write(f"  ... and {len(record.unmatched) - 200} more (see the admin)")
