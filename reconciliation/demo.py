"""Demo reconciliation for ``seed_demo``: the sample asset register imported, reconciliation of
2024 and 2025 run as the nightly task runs it, and the analyst's first decisions on its flags.

What the flags show (docs/samples/README.md): vendors with spend above the threshold and no
contract, ledger vendors missing from the vendor master, disclosures whose intensity is far from
their sector's, and hardware the ledger bought that the asset register does not show in service
(spares and edge kits, which the analyst dismisses, and a December batch racked in January,
which she acknowledges); she also dismisses the low intensity of a geothermal site and
acknowledges a misspelt vendor name.

Idempotent: the asset file is imported once (same sha256), a year that has flags is not
reconciled again by the demo, and decisions are taken only on the flags of this run.
"""

from __future__ import annotations

import hashlib

from accounts.demo import DemoSetupError
from assurance.demo import sample_path
from reconciliation.models import AssetImport, ReconciliationFlag
from reconciliation.selectors import asset_import_already_imported, hardware_classes_known
from reconciliation.services import (
    asset_import,
    flag_acknowledge,
    flag_dismiss,
    reconciliation_run_record,
)

ASSETS_SAMPLE = "asset-inventory.csv"
YEARS = (2024, 2025)
Kind = ReconciliationFlag.Kind
# The colocation site whose very low intensity the analyst explains away.
GEOTHERMAL = "Polar Vault Colocation"


def assets_seed(*, actor, tally) -> AssetImport:
    """The sample asset register, imported once as an analyst would."""
    path = sample_path(ASSETS_SAMPLE)
    already = asset_import_already_imported(sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    if already is not None:
        return already
    record = asset_import(actor=actor, path_or_file=path, original_name=ASSETS_SAMPLE)
    if record.status != AssetImport.Status.IMPORTED:
        raise DemoSetupError(
            f"The sample asset register {ASSETS_SAMPLE} was not imported: {record.error_summary}"
        )
    tally.add("asset files", created=True)
    return record


def reconciliation_seed(*, system, analyst, tally, today) -> None:
    """Reconcile YEARS once, then the analyst's decisions on the new flags."""
    codes = hardware_classes_known() or frozenset()
    for year in YEARS:
        if ReconciliationFlag.objects.filter(reporting_year=year).exists():
            continue
        # Recorded as the nightly task records its runs, so the demo's run log is not empty.
        run = reconciliation_run_record(actor=system, year=year, today=today)
        tally.add("reconciliation flags", created=True, count=run.summary.get("created", 0))
        for flag in ReconciliationFlag.objects.filter(reporting_year=year).order_by("pk"):
            _decide(flag, analyst=analyst, codes=codes, tally=tally)


def _decide(flag: ReconciliationFlag, *, analyst, codes, tally) -> None:
    if flag.kind == Kind.ASSET_QUANTITY_MISMATCH:
        hardware_class = flag.details.get("hardware_class", "")
        if hardware_class not in codes:
            # A ledger word (gpu, H100 SXM5, ...) on expensed spares: never asset-tagged.
            flag_dismiss(
                actor=analyst,
                flag=flag,
                reason="Spares and edge kits are expensed and not asset-tagged; the register "
                "covers capital hardware only.",
            )
        else:
            flag_acknowledge(
                actor=analyst,
                flag=flag,
                note="Delivered at the end of December and racked in January; the register "
                "counts it in next year's intake.",
            )
        tally.add("reconciliation decisions", created=True)
    elif flag.kind == Kind.DISCLOSURE_INTENSITY and getattr(flag.vendor, "name", "") == GEOTHERMAL:
        flag_dismiss(
            actor=analyst,
            flag=flag,
            reason="Geothermal and hydro power with guarantees of origin: a market-based Scope 2 "
            "far below the sector's is expected for this site.",
        )
        tally.add("reconciliation decisions", created=True)
    elif flag.kind == Kind.VENDOR_NOT_IN_MASTER and "netwrks" in flag.key:
        flag_acknowledge(
            actor=analyst,
            flag=flag,
            note="A misspelling of Meridian Fabric Networks in the ERP; AP is correcting it.",
        )
        tally.add("reconciliation decisions", created=True)
