"""``manage.py seed_demo``: demo data of every app, with two to three years of history.

The top floor composes each app's demo builder (``<app>/demo.py``) in the order the import rule
allows, lower floors first: staff personas (accounts), the vendor master, portal users,
certificates, disclosures of 2023-2025 and PACT footprints (vendors), contracts and their
renewals (contracts), RFPs (procurement), the factor pack, the sample spend ledger and the
inventory runs of 2024 and 2025 with a restatement (scope3), the asset register and the
reconciliation flags (reconciliation), and one evidence bundle of each kind (assurance). The
sample files it imports are in docs/samples/ (docs/samples/README.md tells the story).

Idempotent: every builder looks its rows up by their natural keys and writes only what is
missing or different, so a second run changes nothing, not even history. Everything but the
bundles is written in one transaction, so a refused password or a failed import leaves nothing;
the bundles are generated after it commits, each recording its own outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEFAULT_PASSWORD, DEMO_TOTP_SECRET, STAFF, DemoSetupError, staff_seed
from assurance.demo import REASON, DemoTally, bundles_seed
from assurance.history import acting_as_system
from contracts import demo as contracts_demo
from procurement import demo as procurement_demo
from reconciliation import demo as reconciliation_demo
from scope3 import demo as scope3_demo
from targets import demo as targets_demo
from vendors import demo as vendors_demo

__all__ = ["DEFAULT_PASSWORD", "DEMO_TOTP_SECRET", "Command"]

# The evidence bundles the demo makes: a vendor's year, a contract, the restated run.
BUNDLE_VENDOR = "Northwind Accelerators"
BUNDLE_YEAR = 2024
BUNDLE_CONTRACT = "DEMO-CHC-CLOUD-01"


class Command(BaseCommand):
    help = (
        "Create or refresh the demo data of every app: staff personas, vendors and portal users, "
        "disclosures, contracts, RFPs, the sample spend ledger, Scope 3 runs, reconciliation "
        "flags and evidence bundles (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=None,
            help=f"Password for every demo login (default: {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args, password=None, **options):
        password = password or DEFAULT_PASSWORD
        tally = DemoTally()
        today = timezone.localdate()
        now = timezone.now()
        try:
            with transaction.atomic(), acting_as_system(REASON) as system:
                staff = staff_seed(password=password, tally=tally)
                officer, analyst = staff["officer"], staff["analyst"]
                vendors_demo.vendors_seed(
                    system=system,
                    officer=officer,
                    password=password,
                    tally=tally,
                    today=today,
                    now=now,
                )
                contracts_demo.seed_contracts(actor=system, today=today)
                for _title in procurement_demo.seed_procurement(actor=system):
                    tally.add("RFPs", created=True)
                scope3_demo.factors_seed(actor=system, tally=tally)
                scope3_demo.ledger_seed(actor=analyst, tally=tally)
                runs = scope3_demo.inventory_seed(analyst=analyst, officer=officer, tally=tally)
                reconciliation_demo.assets_seed(actor=analyst, tally=tally)
                reconciliation_demo.reconciliation_seed(
                    system=system, analyst=analyst, tally=tally, today=today
                )
                targets_demo.targets_seed(analyst=analyst, tally=tally)
        except DemoSetupError as exc:
            raise CommandError(str(exc)) from exc
        self._bundles(staff["auditor"], runs, tally)
        self.stdout.write(self.style.SUCCESS(tally.summary()))
        self._print_logins(password)

    def _bundles(self, auditor, runs, tally) -> None:
        from contracts.models import Contract
        from vendors.models import Vendor

        outcome = bundles_seed(
            actor=auditor,
            tally=tally,
            vendor=Vendor.objects.filter(name=BUNDLE_VENDOR).first(),
            year=BUNDLE_YEAR,
            contract=Contract.objects.filter(reference=BUNDLE_CONTRACT).first(),
            run=runs.get(scope3_demo.RESTATED_YEAR),
        )
        for bundle in outcome.failed:
            self.stderr.write(
                f"Evidence bundle #{bundle.pk} ({bundle.scope}) failed: {bundle.error}"
            )

    # --- output -----------------------------------------------------------------------------

    def _print_logins(self, password: str) -> None:
        base_url = settings.SITE_URL
        rows = [(spec.username, spec.what, "/admin/") for spec in STAFF]
        rows += [
            (spec.username, f"{spec.role} of {spec.vendor}", "/portal/")
            for spec in vendors_demo.PORTAL_USERS
        ]
        width = max(len(row[0]) for row in rows)
        what_width = max(len(row[1]) for row in rows)
        self.stdout.write("")
        self.stdout.write(f"Password for every login: {password}")
        secret = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))
        self.stdout.write(f"Authenticator key of the staff logins (time-based, 6 digits): {secret}")
        self.stdout.write("")
        self.stdout.write(f"{'login':<{width}}  {'who':<{what_width}}  where")
        for username, what, where in rows:
            self.stdout.write(f"{username:<{width}}  {what:<{what_width}}  {base_url}{where}")
        self.stdout.write("")
        self.stdout.write(f"Admin:  {base_url}/admin/")
        self.stdout.write(f"Portal: {base_url}/portal/")
