"""Re-verify the tamper-evident audit trail and name the first row that does not match."""

import sys

from django.core.management.base import BaseCommand

from assurance.chain import audit_chain_extend, audit_chain_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit-trail hash chain over every history record and audit event and "
        "report the first link that does not match (table, row, link number). Exit status 1 "
        "when the trail does not verify."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-extend",
            action="store_true",
            help="Do not link new rows first; verify only what is already chained.",
        )
        parser.add_argument("--chunk-size", type=int, default=1000)

    def handle(self, *args, no_extend=False, chunk_size=1000, **options):
        if not no_extend:
            linked = audit_chain_extend()
            if linked:
                self.stdout.write(f"Linked {linked} new row(s) into the chain.")
        result = audit_chain_verify(chunk_size=chunk_size)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.summary))
            if result.anchors_checked:
                self.stdout.write(f"Heads printed on {result.anchors_checked} bundle(s) match.")
            for label, count in sorted(result.unlinked.items()):
                self.stdout.write(f"Not linked yet: {count} row(s) of {label}.")
            return
        self.stderr.write(self.style.ERROR(result.summary))
        sys.exit(1)
