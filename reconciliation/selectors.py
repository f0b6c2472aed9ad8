"""Reads of the reconciliation app: flags, the asset inventory, and what the nightly checks compare.

Every loader of the checks aggregates in SQL (one query each, whatever the number of vendors,
disclosures, ledger lines or assets), so a reconciliation run costs the same number of queries on
a small ledger and a large one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Lower, Trim

from config.progress import Progress
from reconciliation.models import Asset, AssetImport, ReconciliationFlag, ReconciliationRun

ACTIVE_STATUSES = (ReconciliationFlag.Status.OPEN, ReconciliationFlag.Status.ACKNOWLEDGED)


_COLUMN_PLACES = Decimal("0.0001")  # SpendLine amounts and quantities: four decimal places


def _decimal(value, places: Decimal = _COLUMN_PLACES) -> Decimal:
    # SQLite sums decimals as floats: back through their text, then to the column's places, so
    # both databases give the same figures.
    if value is None:
        value = 0
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(places)


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- flags -------------------------------------------------------------------------------------


def flag_list() -> QuerySet[ReconciliationFlag]:
    return ReconciliationFlag.objects.select_related("vendor", "target_type", "decided_by")


def flags_active_for(*, vendor=None, target=None) -> list[ReconciliationFlag]:
    """Open and acknowledged flags of a vendor (any kind) or about one object, newest first."""
    from django.contrib.contenttypes.models import ContentType

    flags = ReconciliationFlag.objects.filter(status__in=ACTIVE_STATUSES)
    if vendor is not None:
        flags = flags.filter(vendor=vendor)
    if target is not None:
        flags = flags.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        )
    return list(flags.order_by("-last_seen_at", "-pk")[:50])


def flags_of_year(*, year: int, kinds) -> QuerySet[ReconciliationFlag]:
    return ReconciliationFlag.objects.filter(reporting_year=year, kind__in=list(kinds))


# --- the asset inventory -----------------------------------------------------------------------


def asset_import_list() -> QuerySet[AssetImport]:
    return AssetImport.objects.select_related("created_by")


def asset_import_latest() -> AssetImport | None:
    """The inventory in force: the latest file imported without errors."""
    return (
        AssetImport.objects.filter(status=AssetImport.Status.IMPORTED)
        .order_by("-created_at", "-pk")
        .first()
    )


def asset_import_already_imported(*, sha256: str) -> AssetImport | None:
    return AssetImport.objects.filter(
        file_sha256=sha256, status=AssetImport.Status.IMPORTED
    ).first()


def hardware_classes_known() -> frozenset[str] | None:
    """The codes of the newest hardware factor dataset, case-folded; None when none is imported
    (then any well-formed class is accepted, as the ledger accepts any)."""
    from scope3.engine.context import normalise_code
    from scope3.models import EmissionFactor, FactorDataset
    from scope3.selectors import factor_dataset_latest

    dataset = factor_dataset_latest(kind=FactorDataset.Kind.HARDWARE)
    if dataset is None:
        return None
    codes = EmissionFactor.objects.filter(dataset=dataset).values_list("code", flat=True)
    return frozenset(normalise_code(code) for code in codes)


# --- what the checks compare -------------------------------------------------------------------


def accepted_disclosures(*, year: int):
    """Accepted (so not superseded) disclosures whose period ends in ``year``, with vendors."""
    from vendors.models import EmissionsDisclosure

    return list(
        EmissionsDisclosure.objects.filter(
            status=EmissionsDisclosure.Status.ACCEPTED, period_end__year=year
        )
        .select_related("vendor")
        .order_by("pk")
    )


@dataclass(frozen=True)
class SpendTotal:
    vendor_id: int | None
    vendor_name: str
    vendor_tax_id: str
    currency: str
    amount: Decimal
    lines: int


def spend_by_vendor(*, year: int) -> list[SpendTotal]:
    """Net spend (credit notes included) of matched vendors in ``year``, per vendor and currency."""
    from scope3.models import SpendLine

    first, last = _year_range(year)
    rows = (
        SpendLine.objects.filter(date__range=(first, last), vendor__isnull=False)
        .values("vendor_id", "vendor__name", "currency")
        .annotate(amount=Sum("amount"), lines=Count("id"))
        .order_by("vendor_id", "currency")
    )
    return [
        SpendTotal(
            vendor_id=row["vendor_id"],
            vendor_name=row["vendor__name"],
            vendor_tax_id="",
            currency=row["currency"],
            amount=_decimal(row["amount"]),
            lines=row["lines"],
        )
        for row in rows
    ]


def spend_unmatched(*, year: int) -> list[SpendTotal]:
    """Spend of ledger lines of ``year`` whose vendor is not in the master, per name as written."""
    from scope3.models import SpendLine

    first, last = _year_range(year)
    rows = (
        SpendLine.objects.filter(date__range=(first, last), vendor__isnull=True)
        .values("vendor_name", "vendor_tax_id", "currency")
        .annotate(amount=Sum("amount"), lines=Count("id"))
        .order_by("vendor_name", "vendor_tax_id", "currency")
    )
    return [
        SpendTotal(
            vendor_id=None,
            vendor_name=row["vendor_name"],
            vendor_tax_id=row["vendor_tax_id"],
            currency=row["currency"],
            amount=_decimal(row["amount"]),
            lines=row["lines"],
        )
        for row in rows
    ]


def vendors_with_contract_in(*, year: int, vendor_ids) -> set[int]:
    """Which of ``vendor_ids`` have a contract in force at some point of ``year``.

    A contract counts from its start to its end date once it left draft: an expired, renewed or
    terminated contract still covered the part of the year it ran.
    """
    from contracts.models import Contract

    first, last = _year_range(year)
    return set(
        Contract.objects.filter(
            vendor_id__in=list(vendor_ids), start_date__lte=last, end_date__gte=first
        )
        .exclude(status=Contract.Status.DRAFT)
        .values_list("vendor_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class HardwareQuantity:
    hardware_class: str
    vendor_id: int | None
    vendor_name: str
    quantity: Decimal
    rows: int


def ledger_hardware_quantities(*, year: int) -> list[HardwareQuantity]:
    """Units bought in ``year`` per hardware class and vendor: lines with a class and a quantity.

    A credit note (negative amount) returns its units, as the Scope 3 engine counts it. A ledger
    word the Scope 3 vocabulary maps to a factor code (``gpu`` -> the per-GPU factor's code) is
    counted under that code, as the asset inventory names classes by factor code; other words
    stay as written (docs/method.md, "Vocabulary").
    """
    from scope3 import adapters
    from scope3.models import SpendLine

    first, last = _year_range(year)
    signed = Case(
        When(amount__lt=0, then=-F("quantity")),
        default=F("quantity"),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    rows = (
        SpendLine.objects.filter(date__range=(first, last), quantity__isnull=False)
        .exclude(hardware_class="")
        .annotate(code=Lower(Trim("hardware_class")))
        .values("code", "vendor_id", "vendor__name")
        .annotate(units=Sum(signed), rows=Count("id"))
        .order_by("code", "vendor_id")
    )
    vocabulary = adapters.vocabulary_from_snapshot(adapters.vocabulary_snapshot())
    known = hardware_classes_known() or frozenset()
    merged: dict[tuple, list] = {}
    for row in rows:
        code = row["code"]
        if code not in known:
            target = vocabulary.resolve("hardware", code)
            if target and not target.startswith("spec:"):
                code = target.strip().casefold()
        entry = merged.setdefault(
            (code, row["vendor_id"]), [row["vendor__name"] or "", Decimal(0), 0]
        )
        entry[1] += _decimal(row["units"])
        entry[2] += row["rows"]
    return [
        HardwareQuantity(
            hardware_class=code,
            vendor_id=vendor_id,
            vendor_name=name,
            quantity=units,
            rows=count,
        )
        for (code, vendor_id), (name, units, count) in sorted(
            merged.items(), key=lambda item: (item[0][0], item[0][1] or 0)
        )
    ]


def inventory_hardware_quantities(*, asset_import: AssetImport, year: int):
    """Units of the inventory that entered service in ``year``, per hardware class and vendor."""
    first, last = _year_range(year)
    rows = (
        Asset.objects.filter(asset_import=asset_import, in_service_date__range=(first, last))
        .values("hardware_class", "vendor_id", "vendor__name")
        .annotate(units=Sum("quantity"), rows=Count("id"))
        .order_by("hardware_class", "vendor_id")
    )
    return [
        HardwareQuantity(
            hardware_class=row["hardware_class"],
            vendor_id=row["vendor_id"],
            vendor_name=row["vendor__name"] or "",
            quantity=Decimal(row["units"] or 0),
            rows=row["rows"],
        )
        for row in rows
    ]


def reconciliation_run_progress(run) -> Progress:
    """A run's steps (``services.RUN_STEPS``: four checks, then the flags) as a percentage, with the
    step it is on."""
    from reconciliation.services import RUN_STEPS

    status = ReconciliationRun.Status
    done = run.status in (status.DONE, status.FAILED)
    note = run.step if run.status == status.RUNNING else ""
    if run.status == status.QUEUED:
        note = "waiting for a worker"
    return Progress(
        status=run.status,
        status_label=run.get_status_display(),
        value=round(
            100 * (len(RUN_STEPS) if run.status == status.DONE else run.steps_done) / len(RUN_STEPS)
        ),
        total=100,
        unit="%",
        done=done,
        failed=run.status == status.FAILED,
        started_at=run.started_at,
        finished_at=run.finished_at,
        note=note,
    )


def reconciliation_run_list() -> QuerySet:
    return ReconciliationRun.objects.select_related("requested_by")
