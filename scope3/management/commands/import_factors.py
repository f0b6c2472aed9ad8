"""``manage.py import_factors``: import an emission-factor, FX or price-index dataset.

manage.py import_factors --kind useeio SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv
manage.py import_factors --kind useeio https://example.org/file_v1.4.0_.csv --version 1.4.0
manage.py import_factors --kind hardware scope3/data/hardware_embodied.csv
manage.py import_factors --starter-pack      (same as --kind starter; safe to repeat)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from assurance.history import acting_as_system
from config.progress import CommandProgress
from scope3.models import FactorDataset
from scope3.services.factors import (
    IMPORT_REASON,
    FactorFileError,
    factor_dataset_import,
    starter_pack_import,
)

STARTER = "starter"


class Command(BaseCommand):
    help = (
        "Import a factor dataset from a path or an http(s) URL (validated whole; any error "
        "stores nothing), or the curated starter pack shipped in scope3/data/."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version is the dataset version here, as the issue names it; "resolve" lets it
        # replace Django's own --version (which prints Django's version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "source",
            nargs="?",
            help="Path or http(s) URL of the file (not used with --starter-pack).",
        )
        parser.add_argument(
            "--kind",
            choices=[*FactorDataset.Kind.values, STARTER],
            help="What the file holds; 'starter' imports the whole curated starter pack.",
        )
        parser.add_argument(
            "--version",
            dest="dataset_version",
            help="Dataset version, when the file name or the file does not state it.",
        )
        parser.add_argument(
            "--starter-pack",
            action="store_true",
            help="Import every curated table in scope3/data/ (already imported ones are skipped).",
        )

    def handle(
        self, *args, source=None, kind=None, dataset_version=None, starter_pack=False, **options
    ):
        if starter_pack or kind == STARTER:
            if source:
                raise CommandError("--starter-pack takes no file: it imports scope3/data/*.csv")
            return self._starter_pack(options["verbosity"])
        if not kind:
            raise CommandError("give --kind (or --starter-pack)")
        if not source:
            raise CommandError("give the path or URL of the file to import")
        bar = CommandProgress(self.stdout, verbosity=options["verbosity"], unit="row")
        with bar, acting_as_system(IMPORT_REASON) as system:
            try:
                result = factor_dataset_import(
                    actor=system,
                    kind=kind,
                    source=source,
                    version=dataset_version,
                    progress=lambda done, total, step: bar.update(done, total, desc=step),
                )
            except FactorFileError as exc:
                raise CommandError(self._report(source, exc)) from exc
        self.stdout.write(result.message)

    def _starter_pack(self, verbosity: int):
        bar = CommandProgress(self.stdout, verbosity=verbosity, unit="table")
        with bar, acting_as_system(IMPORT_REASON) as system:
            try:
                pack = starter_pack_import(
                    actor=system,
                    progress=lambda done, total, step: bar.update(done, total, desc=step),
                )
            except FactorFileError as exc:
                raise CommandError(self._report("the starter pack", exc)) from exc
        results = pack.tables
        for result in results:
            self.stdout.write(result.message)
        for message in pack.messages:
            self.stdout.write(message)
        created = sum(result.created for result in results)
        self.stdout.write(
            f"Starter pack: {created} tables imported, {len(results) - created} already present."
        )

    @staticmethod
    def _report(source, exc: FactorFileError) -> str:
        lines = "\n".join(f"  - {error}" for error in exc.errors)
        return f"Nothing was imported from {source}; {len(exc.errors)} problem(s):\n{lines}"
