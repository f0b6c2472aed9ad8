"""Restore a backup_instance folder into an empty instance and prove nothing was lost
(docs/backup-restore.md)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from assurance.backup import BackupError, RestoreFailed, RestoreRefused, restore_instance


class Command(BaseCommand):
    help = (
        "Restore BACKUP_DIR (written by backup_instance) into the configured database, which must "
        "have no tables, and EVIDENCE_ROOT, which must hold no files. Then verify: each evidence "
        "file's sha256 equals the manifest's and the one recorded in the restored database, the "
        "row counts equal the manifest's and the audit trail verifies up to the backed-up head. "
        "Exit status 1, naming each difference, when anything does not match."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup_dir")

    def handle(self, *args, backup_dir, **options):
        try:
            result = restore_instance(backup_dir, say=self.stdout.write)
        except (RestoreRefused, BackupError) as exc:
            raise CommandError(f"Restore refused: {exc}") from exc
        except RestoreFailed as exc:
            self.stderr.write(
                self.style.ERROR(
                    f"RESTORE DOES NOT VERIFY. {exc}\nThe restored data is left in place for "
                    "inspection; do not put this instance into service."
                )
            )
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore verified: {result.tables} tables with the manifest's row counts, "
                f"{result.evidence_files} evidence file(s) matching their sha256s. "
                f"{result.chain_summary}"
            )
        )
