"""The one bridge between the ORM and the Scope 3 engine (STYLE.md: "load, then compute").

Everything an inventory run reads from the database is loaded here into the engine's plain
dataclasses: the pinned factor datasets and their rows, FX and price-index tables, the vendors'
default NAICS codes, supplier data (accepted disclosures, product footprints) and the spend lines
of one chunk. Engine results go back to the database through :func:`estimates_insert`. Nothing
else in the app converts between the two, so the engine never sees a model instance and the
mapping of a model field to an engine field is written once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from scope3.engine import (
    AverageFactor,
    AverageKind,
    DatasetRef,
    DisclosureInput,
    EstimateResult,
    EstimationContext,
    FactorSet,
    FxTable,
    PriceIndex,
    ProductFootprintInput,
    SpendFactor,
    SpendLineInput,
    normalise_unit,
)
from scope3.importers.spend import csv_safe
from scope3.models import (
    EmissionEstimate,
    EmissionFactor,
    FactorDataset,
    InventoryRun,
    ReferenceRate,
    SpendLine,
)
from vendors.models import Vendor

# FactorDataset.kind -> the FactorSet field that pins it.
FACTOR_SET_FIELD = {
    FactorDataset.Kind.USEEIO: "spend",
    FactorDataset.Kind.HARDWARE: "hardware",
    FactorDataset.Kind.FREIGHT: "freight",
    FactorDataset.Kind.WASTE: "waste",
    FactorDataset.Kind.FX: "fx",
    FactorDataset.Kind.PRICE_INDEX: "price_index",
}
AVERAGE_KIND = {
    FactorDataset.Kind.HARDWARE: AverageKind.HARDWARE,
    FactorDataset.Kind.FREIGHT: AverageKind.FREIGHT,
    FactorDataset.Kind.WASTE: AverageKind.WASTE,
}
# Units of ACT-model parameters (per cm² of die, per GB of memory): inputs of the embodied-carbon
# model, not per-item factors a ledger quantity can multiply, so they are not offered as such.
_MODEL_PARAMETER_UNITS = {"cm2", "cm²", "mm2", "mm²", "gb", "tb", "mb", "kwh"}
_PER = re.compile(r"\bper\s+(.+)$", re.IGNORECASE)

# Column order of SpendLine rows read for the engine; see _line_input.
_LINE_FIELDS = (
    "id",
    "external_id",
    "vendor_id",
    "date",
    "amount",
    "currency",
    "naics",
    "description",
    "quantity",
    "unit",
    "hardware_class",
    "product_id",
    "weight_kg",
    "distance_km",
    "mode",
    "waste_treatment",
    "capital",
)


@dataclass(frozen=True)
class RunInputs:
    """What a run pinned, loaded once per process: the engine context and how to store results."""

    context: EstimationContext
    dataset_ids: Mapping[str, int]  # DatasetRef.key -> FactorDataset.pk
    vendor_naics: Mapping[int, str]


def dataset_key(dataset: FactorDataset) -> str:
    """The engine's name for a pinned dataset: its kind (a run pins one dataset per kind)."""
    return str(dataset.kind)


def factor_set_for(datasets: Iterable[FactorDataset], *, as_of=None) -> FactorSet:
    """The engine's pins, each with the dataset's own relative uncertainty (None: the method's).

    ``as_of`` (a run's creation time) takes the uncertainty in force then, from the datasets'
    history: an analyst may change it later, and a run's chunks must all compute alike.
    """
    datasets = list(datasets)
    uncertainty = dataset_uncertainties(datasets, as_of=as_of)
    refs = {
        FACTOR_SET_FIELD[dataset.kind]: DatasetRef(
            key=dataset_key(dataset),
            version=dataset.version,
            relative_uncertainty=uncertainty[dataset.pk],
        )
        for dataset in datasets
    }
    return FactorSet(**refs)


def dataset_uncertainties(datasets: list[FactorDataset], *, as_of=None) -> dict:
    """``{dataset pk: relative uncertainty}`` now, or as it stood at ``as_of`` (one query)."""
    current = {dataset.pk: dataset.relative_uncertainty for dataset in datasets}
    if as_of is None or not datasets:
        return current
    then: dict = {}
    rows = (
        FactorDataset.history.filter(id__in=list(current), history_date__lte=as_of)
        .order_by("id", "-history_date", "-history_id")
        .values_list("id", "relative_uncertainty")
    )
    for pk, value in rows:
        then.setdefault(pk, value)
    return {pk: then.get(pk, value) for pk, value in current.items()}


# --- loaders: one per kind of input ------------------------------------------------------------


def load_spend_factors(dataset: FactorDataset | None) -> list[SpendFactor]:
    if dataset is None:
        return []
    currency = dataset.currency or "USD"
    if dataset.dollar_year is None:
        # A spend factor without a price year cannot be deflated to; refuse rather than guess.
        raise ValueError(f"spend dataset {dataset} has no dollar year")
    key = dataset_key(dataset)
    return [
        SpendFactor(
            dataset_key=key,
            code=code,
            kgco2e_per_unit=value,
            currency=currency,
            dollar_year=dataset.dollar_year,
            kgco2e_per_unit_without_margins=without,
            margins_kgco2e_per_unit=margins,
            title=title,
        )
        for code, title, value, without, margins in EmissionFactor.objects.filter(
            dataset=dataset
        ).values_list("code", "title", "value", "value_without_margins", "margins")
    ]


def _per_unit(unit: str) -> str:
    """The unit a factor is *per*: "kg CO2e per tonne-km" -> "tonne-km"."""
    match = _PER.search(unit or "")
    return normalise_unit(match.group(1) if match else unit)


def load_average_factors(datasets: Iterable[FactorDataset]) -> list[AverageFactor]:
    """Hardware, freight and waste factors of the pinned datasets.

    Hardware figures are published per item ("per GPU", "per server", "per 8-GPU board"): each
    is a count of units for the engine. ACT model parameters (per cm² of die, per GB) are left
    out, as no ledger quantity is in those units.
    """
    factors = []
    for dataset in datasets:
        kind = AVERAGE_KIND.get(dataset.kind)
        if kind is None:
            continue
        key = dataset_key(dataset)
        rows = EmissionFactor.objects.filter(dataset=dataset).values_list(
            "code", "value", "unit", "source", "extra"
        )
        for code, value, unit, source, extra in rows:
            per = _per_unit(unit)
            if kind is AverageKind.HARDWARE:
                if per in _MODEL_PARAMETER_UNITS:
                    continue
                per = "unit"
            elif per != kind.unit:
                continue
            factors.append(
                AverageFactor(
                    dataset_key=key,
                    kind=kind,
                    code=code,
                    kgco2e_per_unit=value,
                    unit=per,
                    source=source,
                    boundary=str((extra or {}).get("boundary", "")),
                )
            )
    return factors


def load_fx(dataset: FactorDataset | None) -> FxTable | None:
    if dataset is None:
        return None
    rates = {
        (key, year): value
        for key, year, value in ReferenceRate.objects.filter(dataset=dataset).values_list(
            "key", "year", "value"
        )
    }
    return FxTable(rates, base=dataset.currency or "USD")


def load_price_index(dataset: FactorDataset | None) -> PriceIndex | None:
    """The price index series of the dataset (the first by key if it holds several)."""
    if dataset is None:
        return None
    rows = list(
        ReferenceRate.objects.filter(dataset=dataset)
        .order_by("key", "year")
        .values_list("key", "year", "value")
    )
    if not rows:
        return None
    series = rows[0][0]
    return PriceIndex(
        {year: value for key, year, value in rows if key == series},
        currency=dataset.currency or "USD",
        name=series,
    )


def load_vendor_naics() -> dict[int, str]:
    """Each vendor's default NAICS-6 code, used for lines that carry none (one query)."""
    return dict(Vendor.objects.exclude(naics_code="").values_list("pk", "naics_code"))


def load_disclosures(*, year: int, ids: Iterable[int] | None = None) -> list[DisclosureInput]:
    """Accepted corporate disclosures whose period overlaps ``year`` (hybrid method).

    Only ``accepted`` ones: a superseded disclosure was replaced by a later acceptance for the
    same period, and drafts, submitted and rejected ones are not evidence yet. ``ids`` (the ones
    a run recorded when it was planned) restrict it so every chunk of a run reads the same
    disclosures, even if one is superseded while the run is going.
    """
    from vendors.models import EmissionsDisclosure

    if ids is not None:
        rows = EmissionsDisclosure.objects.filter(pk__in=list(ids))
    else:
        rows = EmissionsDisclosure.objects.filter(
            status=EmissionsDisclosure.Status.ACCEPTED,
            period_start__year__lte=year,
            period_end__year__gte=year,
        )
    none = EmissionsDisclosure.Verification.NONE
    return [
        DisclosureInput(
            disclosure_id=str(pk),
            vendor_id=vendor_id,
            period_start=period_start,
            period_end=period_end,
            scope1_t=scope1,
            scope2_market_t=scope2_market,
            currency=(currency or "").upper(),
            revenue=revenue,
            scope3_upstream_t=scope3_upstream,
            allocated_to_us_t=allocated,
            allocation_uncertainty_pct=allocation_pct,
            verified=bool(verification) and verification != none,
        )
        for (
            pk,
            vendor_id,
            period_start,
            period_end,
            scope1,
            scope2_market,
            currency,
            revenue,
            scope3_upstream,
            allocated,
            allocation_pct,
            verification,
        ) in rows.order_by("vendor_id", "-period_end", "pk").values_list(
            "pk",
            "vendor_id",
            "period_start",
            "period_end",
            "scope1_tco2e",
            "scope2_market_tco2e",
            "revenue_currency",
            "revenue",
            "scope3_upstream_tco2e",
            "allocated_to_us_tco2e",
            "allocation_uncertainty_pct",
            "verification",
        )
    ]


def load_product_footprints(
    *, year: int, ids: Iterable[int] | None = None
) -> list[ProductFootprintInput]:
    """Product carbon footprints of vendors' products (supplier-specific method).

    Fed by ``vendors.ProductFootprint`` (PACT documents): the newest version of each active
    footprint, one input per product id it names, with ``pcf_excluding_biogenic_kgco2e``
    already per one unit of measurement (see ``vendors.pact``). ``ids`` as for
    :func:`load_disclosures`. ``year`` does not narrow them: a footprint describes a product,
    not a period, and the engine matches it by vendor, product id and unit.
    """
    from vendors.models import ProductFootprint

    rows = ProductFootprint.objects.all()
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    newest: dict[tuple, tuple] = {}
    for row in rows.order_by("vendor_id", "pact_id", "-pact_version", "-pk").values_list(
        "pk",
        "vendor_id",
        "pact_id",
        "pact_status",
        "product_ids",
        "declared_unit",
        "pcf_excluding_biogenic_kgco2e",
        "assured",
    ):
        newest.setdefault((row[1], row[2]), row)
    inputs = []
    for pk, vendor_id, _pact_id, pact_status, product_ids, unit, kg, assured in newest.values():
        if ids is None and pact_status != "Active":
            continue
        for product_id in product_ids or []:
            product_id = str(product_id).strip()
            if product_id:
                inputs.append(
                    ProductFootprintInput(
                        footprint_id=str(pk),
                        vendor_id=vendor_id,
                        product_id=product_id,
                        kgco2e_per_declared_unit=kg,
                        declared_unit=unit,
                        assured=assured,
                    )
                )
    return inputs


def supplier_data_ids(*, year: int) -> dict[str, list]:
    """Ids of the supplier data a run will read, recorded in its plan at planning time."""
    return {
        "disclosure_ids": sorted(int(d.disclosure_id) for d in load_disclosures(year=year)),
        "footprint_ids": sorted({int(f.footprint_id) for f in load_product_footprints(year=year)}),
    }


# --- the run context ---------------------------------------------------------------------------


def run_inputs(run: InventoryRun) -> RunInputs:
    """Load everything ``run`` pinned into an ``EstimationContext`` (a few queries per kind).

    Allocation bases recorded in the run's plan are pinned into the context, so a chunk spreads
    a vendor's allocation over *all* the vendor's lines of the year, not just its own.
    """
    datasets = {dataset.kind: dataset for dataset in run.datasets.all()}
    plan = run.plan or {}
    context = EstimationContext(
        factor_set=factor_set_for(datasets.values(), as_of=run.created_at),
        spend_factors=load_spend_factors(datasets.get(FactorDataset.Kind.USEEIO)),
        average_factors=load_average_factors(datasets.values()),
        product_footprints=load_product_footprints(
            year=run.reporting_year, ids=plan.get("footprint_ids")
        ),
        disclosures=load_disclosures(year=run.reporting_year, ids=plan.get("disclosure_ids")),
        fx=load_fx(datasets.get(FactorDataset.Kind.FX)),
        price_index=load_price_index(datasets.get(FactorDataset.Kind.PRICE_INDEX)),
    )
    bases = plan.get("allocation_bases")
    if bases is not None:
        context = context.with_allocation_bases(
            {key: Decimal(value) for key, value in bases.items()}
        )
    return RunInputs(
        context=context,
        dataset_ids={dataset_key(d): d.pk for d in datasets.values()},
        vendor_naics=load_vendor_naics(),
    )


# --- spend lines -------------------------------------------------------------------------------


def year_lines(year: int):
    return SpendLine.objects.filter(date__year=year)


def _line_input(row, vendor_naics: Mapping[int, str]) -> SpendLineInput:
    (
        line_id,
        external_id,
        vendor_id,
        date,
        amount,
        currency,
        naics,
        description,
        quantity,
        unit,
        hardware_class,
        product_id,
        weight_kg,
        distance_km,
        mode,
        waste_treatment,
        capital,
    ) = row
    return SpendLineInput(
        line_id=line_id,
        external_id=external_id or "",
        vendor_id=vendor_id,
        date=date,
        amount=amount,
        currency=currency,
        naics=naics or None,
        vendor_naics=vendor_naics.get(vendor_id),
        description=description,
        quantity=quantity,
        unit=unit,
        hardware_class=hardware_class,
        product_id=product_id,
        weight_kg=weight_kg,
        distance_km=distance_km,
        mode=mode,
        waste_treatment=waste_treatment,
        capital=capital,
    )


def chunk_line_inputs(
    *, year: int, first_line_id: int, last_line_id: int, vendor_naics: Mapping[int, str]
) -> list[SpendLineInput]:
    """The year's lines with ids in the chunk's range, in id order (one query)."""
    rows = (
        year_lines(year)
        .filter(id__gte=first_line_id, id__lte=last_line_id)
        .order_by("id")
        .values_list(*_LINE_FIELDS)
    )
    return [_line_input(row, vendor_naics) for row in rows]


def iter_year_line_inputs(
    *, year: int, vendor_naics: Mapping[int, str], batch: int = 5000
) -> Iterator[SpendLineInput]:
    """Every line of the year, streamed (for allocation bases over the whole ledger)."""
    rows = year_lines(year).order_by("id").values_list(*_LINE_FIELDS)
    for row in rows.iterator(chunk_size=batch):
        yield _line_input(row, vendor_naics)


# --- results back to the database --------------------------------------------------------------

_ESTIMATE_COLUMNS = (
    "run_id",
    "chunk_id",
    "spend_line_id",
    "vendor_id",
    "category",
    "method",
    "kgco2e",
    "low_kgco2e",
    "high_kgco2e",
    "relative_uncertainty",
    "dq",
    "reason",
    "factor_dataset_id",
    "factor_code",
    "factor_kgco2e_per_unit",
    "activity_value",
    "activity_unit",
    "source_disclosure_id",
    "source_footprint_id",
)
_FACTOR_QUANTUM = Decimal(1).scaleb(-12)
_RELATIVE_QUANTUM = Decimal("0.0001")


def _optional_int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def estimate_row(result: EstimateResult, *, run_id: int, chunk_id: int, dataset_ids) -> tuple:
    """An engine result as the column values of one EmissionEstimate (``_ESTIMATE_COLUMNS``).

    Values are quantised to the columns' decimal places here, explicitly, so every database
    stores the same digits.
    """
    factor = result.factor_kgco2e_per_unit
    relative = result.relative_uncertainty
    return (
        run_id,
        chunk_id,
        result.line_id,
        result.vendor_id,
        int(result.category),
        str(result.method),
        result.kgco2e,
        result.low_kgco2e,
        result.high_kgco2e,
        relative.quantize(_RELATIVE_QUANTUM) if relative is not None else None,
        result.dq,
        result.reason,
        dataset_ids.get(result.factor_dataset) if result.factor_dataset else None,
        # A product id can be longer than a factor code; the footprint id keeps the link.
        (result.factor_code or "")[:60],
        factor.quantize(_FACTOR_QUANTUM) if factor is not None else None,
        result.activity_value,
        result.activity_unit[:30],
        _optional_int(result.disclosure_id),
        _optional_int(result.product_footprint_id),
    )


def estimates_insert(rows: list[tuple], *, batch_size: int = 2000) -> None:
    """Insert estimate rows (``_ESTIMATE_COLUMNS``) in the caller's transaction.

    EmissionEstimate rows are immutable records without history or signals, so they are written
    without instantiating a model per line (the hot path of a million-line run): ``COPY`` on
    PostgreSQL, ``executemany`` of one parameterised INSERT elsewhere (SQLite's C loop). The
    values are already what the ORM would store: Decimals quantised in ``estimate_row``.
    """
    if not rows:
        return
    opts = EmissionEstimate._meta
    by_attname = {field.attname: field for field in opts.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    columns = ", ".join(quote(by_attname[name].column) for name in _ESTIMATE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(_ESTIMATE_COLUMNS))
        insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        for start in range(0, len(rows), batch_size):
            cursor.executemany(insert, rows[start : start + batch_size])


# --- export --------------------------------------------------------------------------------------

ESTIMATE_CSV_COLUMNS = (
    "external_id",
    "category",
    "method",
    "kgco2e",
    "low_kgco2e",
    "high_kgco2e",
    "dq",
    "factor_dataset",
    "factor_version",
    "factor_code",
    "reason",
)


def estimates_write_csv(rows: Iterable[tuple], stream) -> int:
    """Write ``ESTIMATE_CSV_COLUMNS`` rows (from ``selectors.inventory_run_estimate_rows``).

    Text cells go through ``csv_safe`` (a spreadsheet must not run them as formulas); numbers
    are written as numbers, since a credit note's negative kg is data, not a formula.
    """
    writer = csv.writer(stream)
    writer.writerow(ESTIMATE_CSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(
            [
                ("" if value is None else value)
                if isinstance(value, int | Decimal)
                else csv_safe(value)
                for value in row
            ]
        )
        count += 1
    return count
