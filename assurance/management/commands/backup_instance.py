"""Back up the database and the evidence files into a folder, with a manifest
(docs/backup-restore.md)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from assurance.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup of this instance into OUTPUT_DIR (new or empty): the database "
        "(pg_dump --format=custom on PostgreSQL, the online backup API on SQLite), every evidence "
        "file, and manifest.json with versions, time, row counts and sha256s. Exit status 1 when "
        "an evidence file is missing or does not match the sha256 recorded at upload (the backup "
        "is still written and its manifest lists them). Restore with restore_instance."
    )

    def add_arguments(self, parser):
        parser.add_argument("output_dir")

    def handle(self, *args, output_dir, **options):
        try:
            result = backup_create(output_dir, say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result.problems:
            self.stderr.write(
                self.style.ERROR(
                    "The backup is written, but the live instance has damaged evidence:\n"
                    + "\n".join(f"- {p}" for p in result.problems)
                )
            )
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"Backup complete: {result.path}"))
