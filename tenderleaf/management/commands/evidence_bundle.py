"""Generate an evidence bundle from the command line and write its PDF (and ZIP)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assurance.bundles.services import (
    bundle_file_open,
    evidence_bundle_generate,
    evidence_bundle_request,
)
from assurance.history import acting_as_system
from assurance.models import EvidenceBundle
from config.progress import CommandProgress


class Command(BaseCommand):
    help = (
        "Generate an evidence bundle for a vendor and year(s), a contract or a Scope 3 run, and "
        "write it to PATH (the PDF; the ZIP goes next to it with .zip)."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--vendor", type=int, help="vendor id (with --year)")
        target.add_argument("--contract", type=int, help="contract id")
        target.add_argument("--run", type=int, help="Scope 3 inventory run id")
        parser.add_argument("--year", type=int, help="reporting year")
        parser.add_argument("--year-to", type=int, help="last reporting year of a longer period")
        parser.add_argument("-o", "--output", required=True, help="path of the PDF to write")

    def handle(
        self,
        *args,
        vendor=None,
        contract=None,
        run=None,
        year=None,
        year_to=None,
        output=None,
        **options,
    ):
        from contracts.models import Contract
        from scope3.models import InventoryRun
        from vendors.models import Vendor

        kwargs = {}
        try:
            if vendor is not None:
                if year is None:
                    raise CommandError("--vendor needs --year.")
                kwargs = {
                    "scope": EvidenceBundle.Scope.VENDOR_PERIOD,
                    "vendor": Vendor.objects.get(pk=vendor),
                    "year": year,
                    "year_to": year_to,
                }
            elif contract is not None:
                kwargs = {
                    "scope": EvidenceBundle.Scope.CONTRACT,
                    "contract": Contract.objects.get(pk=contract),
                }
            else:
                kwargs = {
                    "scope": EvidenceBundle.Scope.RUN,
                    "run": InventoryRun.objects.get(pk=run),
                }
        except (Vendor.DoesNotExist, Contract.DoesNotExist, InventoryRun.DoesNotExist) as error:
            raise CommandError(str(error)) from error

        bar = CommandProgress(self.stdout, verbosity=options["verbosity"], unit="%", total=100)
        with bar, acting_as_system("evidence_bundle command") as system:
            bundle = evidence_bundle_request(actor=system, queue=False, **kwargs)
            bundle = evidence_bundle_generate(
                bundle_id=bundle.pk,
                actor=system,
                progress=lambda percent, total, step: bar.update(percent, total, desc=step),
            )
        if bundle.status != EvidenceBundle.Status.DONE:
            raise CommandError(f"Bundle #{bundle.pk} failed: {bundle.error}")
        pdf_path = Path(output)
        zip_path = pdf_path.with_suffix(".zip")
        for kind, path in (("pdf", pdf_path), ("zip", zip_path)):
            with bundle_file_open(bundle, kind) as source, open(path, "wb") as out:
                for chunk in iter(lambda source=source: source.read(1024 * 1024), b""):
                    out.write(chunk)
        self.stdout.write(
            f"Bundle #{bundle.pk}: {bundle.page_count} pages\n"
            f"  PDF {pdf_path} sha256 {bundle.pdf_sha256}\n"
            f"  ZIP {zip_path} sha256 {bundle.zip_sha256}\n"
            f"  manifest sha256 {bundle.manifest_sha256}\n"
            f"  audit-trail head #{bundle.chain_seq} {bundle.chain_head}"
        )
