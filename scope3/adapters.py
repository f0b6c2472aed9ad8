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
    AllocationBase,
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
from scope3.engine.hardware import (
    ActParameters,
    DieSpec,
    HardwareSpecInput,
    SpecEmbodied,
    SpecTerm,
    normalise_node,
    spec_embodied,
)
from scope3.engine.vocabulary import Vocabulary, spec_target
from scope3.importers.spend import csv_safe
from scope3.models import (
    EmissionEstimate,
    EmissionFactor,
    FactorDataset,
    HardwareSpec,
    InventoryRun,
    ReferenceRate,
    SpendLine,
    VocabularyTerm,
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
_MODEL_PARAMETER_UNITS = {"cm2", "cm²", "mm2", "mm²", "gb", "tb", "mb", "kwh", "fraction"}
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
    vendor_country: Mapping[int, str]


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
            region=dataset.region or "",
            reference_year=dataset_reference_year(dataset),
        )
        for dataset in datasets
    }
    return FactorSet(**refs)


_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")


def dataset_reference_year(dataset: FactorDataset) -> int | None:
    """The year a dataset's values describe, for the temporal data-quality score.

    A spend dataset's dollar year (EPA v1.3: 2022); otherwise the first year in its version
    ("2025.1" -> 2025) or name; None when neither says (scored as unknown).
    """
    if dataset.dollar_year:
        return int(dataset.dollar_year)
    for text in (dataset.version, dataset.name):
        match = _YEAR.search(text or "")
        if match:
            return int(match.group(1))
    return None


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
                # "kg CO2 per cm2 of die", "per GB": the first word is the unit, and a model
                # parameter is never a per-item factor (8 units would otherwise be 8 cm²).
                first = per.split(" ", 1)[0] if per else ""
                if first in _MODEL_PARAMETER_UNITS or (extra or {}).get("parameter"):
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


def load_vendor_countries() -> dict[int, str]:
    """Each vendor's ISO country, the purchase's origin for the geographical DQ score."""
    return {
        pk: str(country or "")
        for pk, country in Vendor.objects.exclude(country="").values_list("pk", "country")
    }


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
            upstream_categories=frozenset(int(c) for c in (categories or [])),
            allocation_boundary=allocation_boundary or "",
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
            categories,
            allocation_boundary,
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
            "scope3_upstream_categories",
            "allocation_boundary",
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


# --- hardware specs and the ledger vocabulary --------------------------------------------------

_ACT_CPA = re.compile(r"act_cpa_(?P<node>.+)")
_ACT_YIELD = re.compile(r"act_yield_(?P<node>.+)")
_ACT_MEMORY = re.compile(r"act_(?P<type>dram|hbm)_per_gb")
_ACT_STORAGE = "act_ssd_per_gb"
SNAPSHOT_VERSION = 1


def act_parameters(dataset: FactorDataset | None) -> ActParameters | None:
    """The ACT model parameters of a hardware dataset (one query), None without a dataset.

    Rows are recognised by code: ``act_cpa_<node>`` (kg CO2e per cm² before yield),
    ``act_yield_<node>``, ``act_dram_per_gb``/``act_hbm_per_gb`` and ``act_ssd_per_gb``
    (scope3/data/README.md). Each value's citation travels in ``sources``.
    """
    if dataset is None:
        return None
    cpa: dict[str, Decimal] = {}
    yields: dict[str, Decimal] = {}
    memory: dict[str, Decimal] = {}
    storage = None
    sources: dict[str, str] = {}
    rows = EmissionFactor.objects.filter(dataset=dataset, code__startswith="act_").values_list(
        "code", "value", "source"
    )
    for code, value, source in rows:
        cited = f"{code} ({dataset_key(dataset)} {dataset.version}): {source}"
        if match := _ACT_CPA.fullmatch(code):
            node = normalise_node(match["node"])
            cpa[node] = value
            sources[f"cpa:{node}"] = cited
        elif match := _ACT_YIELD.fullmatch(code):
            node = normalise_node(match["node"])
            yields[node] = value
            sources[f"yield:{node}"] = cited
        elif match := _ACT_MEMORY.fullmatch(code):
            memory[match["type"]] = value
            sources[f"memory:{match['type']}"] = cited
        elif code == _ACT_STORAGE:
            storage = value
            sources["storage"] = cited
    return ActParameters(
        carbon_per_cm2_by_node=cpa,
        yield_by_node=yields,
        kg_per_gb_by_memory=memory,
        kg_per_gb_storage=storage,
        sources=sources,
        dataset_label=f"{dataset_key(dataset)} {dataset.version}",
    )


def hardware_spec_input(spec) -> HardwareSpecInput:
    """A ``HardwareSpec`` row (or a historical record of one) as the engine reads it."""
    return HardwareSpecInput(
        spec_id=spec.id,
        name=spec.name,
        aliases=tuple(spec.aliases or ()),
        dies=tuple(
            DieSpec(
                area_cm2=Decimal(str(die["area_mm2"])) / 100,
                node=str(die["node"]),
                count=int(die.get("count", 1)),
            )
            for die in spec.dies or ()
        ),
        memory=tuple((str(item["type"]), Decimal(str(item["gb"]))) for item in spec.memory or ()),
        storage_gb=spec.storage_gb or Decimal(0),
        platform_kgco2e=spec.platform_kgco2e,
        platform_source=spec.platform_source,
        boundary=spec.boundary,
        source=f"{spec.source} {spec.source_url}".strip(),
    )


def hardware_spec_inputs(*, as_of=None) -> list[HardwareSpecInput]:
    """Every hardware spec, as it is now or as it stood at ``as_of`` (one query)."""
    if as_of is None:
        return [hardware_spec_input(spec) for spec in HardwareSpec.objects.order_by("name")]
    latest: dict[int, object] = {}
    records = HardwareSpec.history.filter(history_date__lte=as_of).order_by(
        "id", "-history_date", "-history_id"
    )
    for record in records:
        latest.setdefault(record.id, record)
    return [
        hardware_spec_input(record)
        for record in sorted(latest.values(), key=lambda r: r.name)
        if record.history_type != "-"
    ]


def hardware_specs_snapshot(hardware_dataset: FactorDataset | None, *, as_of=None) -> dict:
    """Every spec's embodied carbon with ``hardware_dataset``'s ACT parameters, as JSON.

    What a run stores in ``InventoryRun.plan["hardware_specs"]`` when it is planned, so every
    chunk (and a re-run) reads the same specs and numbers even if a spec is edited later. A spec
    the parameters cannot compute (a node without a value, no dataset pinned) is listed under
    ``unavailable`` with the reason, so a line naming it is reported, never estimated as zero.
    Decimals are strings. Read back with :func:`hardware_specs_from_snapshot`.
    """
    params = act_parameters(hardware_dataset)
    specs, unavailable = [], []
    for spec in hardware_spec_inputs(as_of=as_of):
        if params is None:
            unavailable.append({"name": spec.name, "reason": "no hardware dataset pinned"})
            continue
        try:
            embodied = spec_embodied(spec, params)
        except (ValueError, ArithmeticError) as error:
            unavailable.append({"name": spec.name, "reason": str(error)})
            continue
        specs.append(
            {
                "spec_id": embodied.spec_id,
                "name": embodied.name,
                "aliases": list(embodied.aliases),
                "boundary": embodied.boundary,
                "source": embodied.source,
                "total_kgco2e": str(embodied.total_kgco2e),
                "terms": [
                    {
                        "label": term.label,
                        "kgco2e": str(term.kgco2e),
                        "formula": term.formula,
                        "source": term.source,
                    }
                    for term in embodied.terms
                ],
            }
        )
    return {
        "version": SNAPSHOT_VERSION,
        "dataset": params.dataset_label if params else None,
        "dataset_id": hardware_dataset.pk if hardware_dataset is not None else None,
        "specs": specs,
        "unavailable": unavailable,
    }


def hardware_specs_from_snapshot(data: Mapping | None) -> list[SpecEmbodied]:
    """The specs a run pinned (:func:`hardware_specs_snapshot`), for ``EstimationContext``.

    Raises ``ValueError`` if a spec's total is not the sum of its terms (an edited plan).
    """
    specs = []
    label = (data or {}).get("dataset") or ""
    for item in (data or {}).get("specs", ()):
        terms = tuple(
            SpecTerm(
                term["label"], Decimal(term["kgco2e"]), term["formula"], term.get("source", "")
            )
            for term in item["terms"]
        )
        total = Decimal(item["total_kgco2e"])
        if total != sum((term.kgco2e for term in terms), Decimal(0)):
            raise ValueError(f"hardware spec {item['name']!r}: total is not the sum of its terms")
        specs.append(
            SpecEmbodied(
                spec_id=item["spec_id"],
                name=item["name"],
                total_kgco2e=total,
                terms=terms,
                aliases=tuple(item.get("aliases", ())),
                boundary=item.get("boundary", ""),
                source=item.get("source", ""),
                dataset_label=label,
            )
        )
    return specs


def vocabulary_snapshot(*, as_of=None) -> dict:
    """The ledger vocabulary as JSON ``{"terms": [[kind, word, target], ...]}`` (one query).

    ``target`` is a factor code or ``spec:<name>``. What a run stores in
    ``InventoryRun.plan["vocabulary"]``; read back with :func:`vocabulary_from_snapshot`.
    """
    if as_of is None:
        rows = VocabularyTerm.objects.select_related("target_spec").order_by("kind", "word")
        terms = [[term.kind, term.word, term.target] for term in rows]
    else:
        latest: dict[int, object] = {}
        for record in VocabularyTerm.history.filter(history_date__lte=as_of).order_by(
            "id", "-history_date", "-history_id"
        ):
            latest.setdefault(record.id, record)
        live = [record for record in latest.values() if record.history_type != "-"]
        spec_ids = {record.target_spec_id for record in live if record.target_spec_id}
        names = dict(HardwareSpec.objects.filter(pk__in=spec_ids).values_list("pk", "name"))
        terms = sorted(
            [
                record.kind,
                record.word,
                spec_target(names[record.target_spec_id])
                if record.target_spec_id
                else record.target_code,
            ]
            for record in live
            if not record.target_spec_id or record.target_spec_id in names
        )
    return {"version": SNAPSHOT_VERSION, "terms": terms}


def reference_snapshots(hardware_dataset: FactorDataset | None) -> dict:
    """What a run pins besides datasets and supplier data, for its plan: the hardware specs
    (embodied carbon computed with the pinned hardware parameters) and the ledger vocabulary,
    so every chunk computes alike even if an analyst edits either while the run goes on."""
    return {
        "hardware_specs": hardware_specs_snapshot(hardware_dataset),
        "vocabulary": vocabulary_snapshot(),
    }


def vocabulary_from_snapshot(data: Mapping | None) -> Vocabulary:
    """The vocabulary a run pinned (:func:`vocabulary_snapshot`); empty for an old plan."""
    return Vocabulary(tuple(term) for term in (data or {}).get("terms", ()))


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
        hardware_specs=hardware_specs_from_snapshot(plan.get("hardware_specs")),
        vocabulary=vocabulary_from_snapshot(plan.get("vocabulary")),
    )
    bases = plan.get("allocation_bases")
    if bases is not None:
        context = context.with_allocation_bases(
            {key: AllocationBase.from_json(value) for key, value in bases.items()}
        )
    return RunInputs(
        context=context,
        dataset_ids={dataset_key(d): d.pk for d in datasets.values()},
        vendor_naics=load_vendor_naics(),
        vendor_country=load_vendor_countries(),
    )


# --- spend lines -------------------------------------------------------------------------------


def year_lines(year: int):
    return SpendLine.objects.filter(date__year=year)


def _line_input(
    row, vendor_naics: Mapping[int, str], vendor_country: Mapping[int, str]
) -> SpendLineInput:
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
        country=vendor_country.get(vendor_id, ""),
    )


def chunk_line_inputs(
    *,
    year: int,
    first_line_id: int,
    last_line_id: int,
    vendor_naics: Mapping[int, str],
    vendor_country: Mapping[int, str] | None = None,
) -> list[SpendLineInput]:
    """The year's lines with ids in the chunk's range, in id order (one query)."""
    rows = (
        year_lines(year)
        .filter(id__gte=first_line_id, id__lte=last_line_id)
        .order_by("id")
        .values_list(*_LINE_FIELDS)
    )
    countries = vendor_country or {}
    return [_line_input(row, vendor_naics, countries) for row in rows]


def iter_allocation_line_inputs(
    context: EstimationContext, *, vendor_naics: Mapping[int, str], batch: int = 5000
) -> Iterator[SpendLineInput]:
    """Every line that may fall in an allocating disclosure's period, whatever its year.

    The base of an allocation is all of the vendor's lines in the disclosure period (see
    ``engine.allocation_bases``), which can reach into the years before and after the run's:
    stream those vendors' lines between the earliest start and the latest end of their
    allocating disclosures, by vendor (a few queries, rows streamed).
    """
    for vendor_id, start, end in context.allocation_windows():
        rows = (
            SpendLine.objects.filter(vendor_id=vendor_id, date__gte=start, date__lte=end)
            .order_by("id")
            .values_list(*_LINE_FIELDS)
        )
        for row in rows.iterator(chunk_size=batch):
            yield _line_input(row, vendor_naics, {})


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
    "source_key",
    "dq_indicators",
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
        result.source_key[:120],
        result.dq_indicators,
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
