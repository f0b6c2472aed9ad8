"""Demo Scope 3 data for ``seed_demo``: the starter factor pack, the sample hardware specs, the
sample purchase ledger imported through the spend importer, and completed inventory runs of 2024
and 2025, the last of them a restatement.

The story (docs/samples/README.md): the analyst imports ``docs/samples/spend-ledger.csv`` and runs
both years; every method of the hierarchy (docs/method.md, section 2) has lines in them, and some
lines stay unaccounted with their reasons. Then the officer accepts Polar Vault's cradle-to-gate
disclosure for 2025, and the analyst runs 2025 again: its lines move from spend-based to hybrid,
and the restatement page names why.

Idempotent: the ledger is imported once (the importer refuses a file with the same sha256), a
year that has a run is not run again, and the restatement happens once.
"""

from __future__ import annotations

from accounts.demo import DemoSetupError
from assurance.demo import REASON, sample_path
from scope3.importers.hardware_specs import SpecFileError, read_spec_file
from scope3.models import HardwareSpec, ImportBatch, InventoryRun
from scope3.selectors import import_batch_already_imported
from scope3.services.factors import factor_starter_pack_import
from scope3.services.hardware import hardware_specs_import
from scope3.services.runs import inventory_run_execute, inventory_run_start
from scope3.services.spend import spend_import

LEDGER_SAMPLE = "spend-ledger.csv"
SPECS_SAMPLE = "hardware-specs.csv"
RUN_YEARS = (2024, 2025)
RESTATED_YEAR = 2025
# Whose disclosure, accepted between the two runs of RESTATED_YEAR, makes the restatement.
RESTATEMENT_VENDOR = "Polar Vault Colocation"


def factors_seed(*, actor, tally) -> None:
    """The starter pack (spend, hardware, freight, waste, FX, price index, specs, vocabulary),
    then the sample hardware specs (the ledger's ``FJ-7`` accelerator is one of them)."""
    for result in factor_starter_pack_import(actor=actor):
        tally.add("factor datasets", created=result.created)
    path = sample_path(SPECS_SAMPLE)
    names = [row.fields["name"] for row in read_spec_file(path)]
    if HardwareSpec.objects.filter(name__in=names).count() < len(names):
        try:
            result = hardware_specs_import(actor=actor, path=path, reason=REASON)
        except SpecFileError as exc:
            problems = "; ".join(str(error) for error in exc.errors)
            raise DemoSetupError(f"The sample {SPECS_SAMPLE} was refused: {problems}") from exc
        tally.add("hardware specs", created=True, count=len(result.created))


def ledger_seed(*, actor, tally) -> ImportBatch:
    """The sample ledger, imported once through the spend importer as an analyst would."""
    from scope3.importers.base import file_sha256

    path = sample_path(LEDGER_SAMPLE)
    already = import_batch_already_imported(sha256=file_sha256(path))
    if already is not None:
        return already
    batch = spend_import(actor=actor, path_or_file=path, original_name=LEDGER_SAMPLE, reason=REASON)
    if batch.status != ImportBatch.Status.IMPORTED:
        raise DemoSetupError(
            f"The sample ledger {LEDGER_SAMPLE} was not imported ({batch.get_status_display()}): "
            f"{batch.error_summary}"
        )
    tally.add("spend files", created=True)
    tally.add("spend lines", created=True, count=batch.accepted_rows)
    return batch


def _run(*, analyst, year: int, tally) -> InventoryRun:
    run = inventory_run_start(actor=analyst, year=year, queue=False, reason=REASON)
    run = inventory_run_execute(run=run)
    if run.status != InventoryRun.Status.COMPLETED:
        raise DemoSetupError(f"The demo's {year} inventory run did not complete: {run.error}")
    tally.add("inventory runs", created=True)
    return run


def inventory_seed(*, analyst, officer, tally) -> dict[int, InventoryRun]:
    """Completed runs of RUN_YEARS, then the restatement of RESTATED_YEAR; returns the latest
    completed run of each year."""
    from vendors.models import EmissionsDisclosure
    from vendors.services import disclosure_accept

    for year in RUN_YEARS:
        if not InventoryRun.objects.filter(reporting_year=year).exists():
            _run(analyst=analyst, year=year, tally=tally)
    pending = EmissionsDisclosure.objects.filter(
        vendor__name=RESTATEMENT_VENDOR,
        period_start__year=RESTATED_YEAR,
        status=EmissionsDisclosure.Status.SUBMITTED,
    ).first()
    if (
        pending is not None
        and InventoryRun.objects.filter(reporting_year=RESTATED_YEAR).count() < 2
    ):
        disclosure_accept(
            actor=officer,
            disclosure=pending,
            comment="Upstream Scope 3 categories 1-4 checked against the verification statement.",
            reason=REASON,
        )
        _run(analyst=analyst, year=RESTATED_YEAR, tally=tally)
    return {
        year: InventoryRun.objects.filter(reporting_year=year, status=InventoryRun.Status.COMPLETED)
        .order_by("-pk")
        .first()
        for year in RUN_YEARS
    }
