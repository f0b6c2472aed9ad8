"""The four calculation methods of docs/method.md (section 2), one function each.

Each function returns an ``EstimateResult`` when the method applies to the line, else a short
reason (``str``) saying why not; ``estimate.py`` tries them best first. Sources:
GHG Protocol Corporate Value Chain (Scope 3) Standard (2011), section 7.5 (data quality
hierarchy) and Appendix to chapter 7 (data quality indicators); Technical Guidance for
Calculating Scope 3 Emissions (2013), category 1 (supplier-specific, hybrid, average-data and
spend-based methods), category 2 (same methods for capital goods), category 4 (distance-based
method: mass * distance * mode factor) and category 5 (waste-type-specific method: mass *
treatment factor).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from .context import EstimationContext, normalise_code, normalise_unit
from .fx import MissingRate
from .inputs import (
    ALLOCATION_CRADLE_TO_GATE,
    AllocationBase,
    AverageKind,
    Category,
    DisclosureInput,
    Method,
    SpendLineInput,
)
from .quality import (
    COMPLETENESS,
    RELIABILITY,
    TECHNOLOGY,
    DqScores,
    geographical_score,
    temporal_score,
)
from .results import EstimateResult
from .uncertainty import KG_QUANTUM, bounds

KG_PER_TONNE = Decimal(1000)
_HUNDRED = Decimal(100)


def _finite(value: Decimal | None) -> bool:
    return value is not None and value.is_finite()


def _signed(line: SpendLineInput, quantity: Decimal) -> Decimal:
    # A credit note reverses the purchase it credits, whichever sign convention the ledger's
    # quantity column uses: physical quantities take the sign of the amount.
    return -abs(quantity) if line.amount < 0 else abs(quantity)


def _result(
    line,
    category,
    method,
    kg,
    relative,
    scores: DqScores,
    reason,
    notes,
    *,
    source_key: str,
    activity_value,
    activity_unit,
    factor_kgco2e_per_unit,
    factor_source,
    factor_dataset=None,
    factor_version=None,
    factor_code=None,
    disclosure_id=None,
    product_footprint_id=None,
) -> EstimateResult:
    kg = kg.quantize(KG_QUANTUM, ROUND_HALF_EVEN)
    low, high = bounds(kg, relative)
    return EstimateResult(
        line_id=line.line_id,
        external_id=line.external_id,
        vendor_id=line.vendor_id,
        category=category,
        method=method,
        kgco2e=kg,
        low_kgco2e=low,
        high_kgco2e=high,
        relative_uncertainty=relative,
        dq=scores.combined,
        dq_indicators=scores.code(),
        reason=reason,
        notes=tuple(notes),
        source_key=source_key,
        factor_dataset=factor_dataset,
        factor_version=factor_version,
        factor_code=factor_code,
        factor_kgco2e_per_unit=factor_kgco2e_per_unit,
        factor_source=factor_source,
        # Activity values are stored to the same 0.001 as emissions; factors keep their digits.
        activity_value=activity_value.quantize(KG_QUANTUM, ROUND_HALF_EVEN),
        activity_unit=activity_unit,
        disclosure_id=disclosure_id,
        product_footprint_id=product_footprint_id,
    )


def _secondary_scores(line, ref, *, technological: int) -> DqScores:
    """Scores of a line computed from a published secondary dataset (docs/method.md, "DQ")."""
    return DqScores(
        technological=technological,
        temporal=temporal_score(line.date.year, ref.reference_year if ref else None),
        geographical=geographical_score(line.country, ref.region if ref else ""),
        completeness=COMPLETENESS["average_data" if technological < 4 else "spend_based"],
        reliability=RELIABILITY["published_secondary"],
    )


# Rank 1 -----------------------------------------------------------------------------------


def supplier_specific(
    ctx: EstimationContext, line: SpendLineInput, category: Category, notes: list[str]
) -> EstimateResult | str:
    """quantity * kgCO2e per declared unit of the vendor's product footprint.

    Technical Guidance, category 1, "supplier-specific method": product-level cradle-to-gate
    data from the supplier. Data quality: the product's own data (technological 1), valid on the
    purchase date (temporal 1), the supplier's own production (geographical 1), cradle-to-gate
    (completeness 1), reliability 1 when third-party assured, else 2.
    """
    product_id = line.product_id.strip()
    if not product_id:
        return "no product id on the line"
    if line.vendor_id is None:
        return "no matched vendor for the product footprint"
    if not _finite(line.quantity) or line.quantity == 0:
        return "no quantity on the line for the product footprint"
    candidates = ctx.footprints(line.vendor_id, product_id)
    if not candidates:
        return f"no product footprint from the vendor for product {product_id}"
    footprint = None
    for candidate in candidates:
        if (candidate.valid_from is None or candidate.valid_from <= line.date) and (
            candidate.valid_to is None or line.date <= candidate.valid_to
        ):
            footprint = candidate
            break
    if footprint is None:
        return f"no product footprint for product {product_id} is valid on {line.date}"
    declared_unit = normalise_unit(footprint.declared_unit)
    if line.unit and normalise_unit(line.unit) != declared_unit:
        return (
            f"line unit {line.unit!r} differs from the declared unit {footprint.declared_unit!r} "
            f"of product footprint {footprint.footprint_id}"
        )
    quantity = _signed(line, line.quantity)
    relative = footprint.relative_uncertainty
    if relative is None:
        relative = ctx.uncertainty.supplier_specific
    scores = DqScores(
        technological=TECHNOLOGY["supplier_specific"],
        temporal=1,
        geographical=1,
        completeness=COMPLETENESS["supplier_specific"],
        reliability=RELIABILITY["verified_primary" if footprint.assured else "unverified_primary"],
    )
    return _result(
        line,
        category,
        Method.SUPPLIER_SPECIFIC,
        quantity * footprint.kgco2e_per_declared_unit,
        relative,
        scores,
        f"product footprint {footprint.footprint_id} of product {product_id}"
        + (" (assured)" if footprint.assured else " (not assured)"),
        notes,
        source_key=f"footprint:{footprint.footprint_id}",
        factor_code=product_id,
        factor_kgco2e_per_unit=footprint.kgco2e_per_declared_unit,
        factor_source=f"product footprint {footprint.footprint_id}",
        activity_value=quantity,
        activity_unit=declared_unit,
        product_footprint_id=footprint.footprint_id,
    )


# Rank 2 -----------------------------------------------------------------------------------


def select_disclosure(ctx: EstimationContext, line: SpendLineInput) -> DisclosureInput | None:
    """The vendor's accepted disclosure whose period covers the line's date, if any."""
    for disclosure in ctx.disclosures(line.vendor_id):
        if disclosure.period_start <= line.date <= disclosure.period_end:
            return disclosure
    return None


def _period(disclosure: DisclosureInput) -> str:
    return f"{disclosure.period_start.isoformat()}..{disclosure.period_end.isoformat()}"


def _money(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_EVEN):,} {currency}"


def _hybrid_scores(line: SpendLineInput, disclosure: DisclosureInput) -> DqScores:
    # The supplier's own figures for the period that holds the purchase: temporal and
    # geographical representativeness are those of primary data (1); technology is the
    # supplier's whole business, not the product (2); completeness is cradle-to-gate but
    # allocated economically (2); reliability by third-party verification.
    return DqScores(
        technological=TECHNOLOGY["hybrid"],
        temporal=1,
        geographical=1,
        completeness=COMPLETENESS["hybrid_complete"],
        reliability=RELIABILITY[
            "verified_primary" if disclosure.verified else "unverified_primary"
        ],
    )


def _categories(numbers) -> str:
    numbers = sorted(numbers)
    return ", ".join(str(n) for n in numbers) if numbers else "none"


def hybrid(
    ctx: EstimationContext,
    line: SpendLineInput,
    category: Category,
    notes: list[str],
    allocation_bases: Mapping[str, AllocationBase] | None,
) -> EstimateResult | str:
    """Our share of the supplier's cradle-to-gate emissions (docs/method.md, "Hybrid").

    Technical Guidance, category 1, "hybrid method": the supplier's Scope 1 and 2 allocated to
    us **plus** the upstream emissions of what the supplier bought. Two forms:

    - *allocation*: the vendor allocated emissions to us for the period and says the allocation
      is cradle-to-gate. It is spread over **all** our lines with the vendor in the disclosure
      period, whatever their calendar year, pro rata by spend in the disclosure's currency; a
      reporting year counts only its own lines' share (so a 60 t allocation over lines of
      300,000 and 100,000 USD in two years gives 45 t and 15 t, never 60 t twice).
    - *intensity*: spend * (Scope 1 + Scope 2 market-based + upstream Scope 3) ÷ revenue, when
      upstream Scope 3 is reported for at least categories 1-4.

    A Scope 1+2-only figure is tier 1 only and must never outrank a complete estimate: the line
    falls to the next method and the reason names what the disclosure lacked. No upstream fill
    from secondary data is made, because no cited split of the EEIO factors into direct and
    upstream intensities is pinned (docs/method.md explains).
    """
    if line.vendor_id is None:
        return "no matched vendor for supplier data"
    disclosure = select_disclosure(ctx, line)
    if disclosure is None:
        if ctx.disclosures(line.vendor_id):
            return f"no accepted disclosure from the vendor covers {line.date.isoformat()}"
        return "no accepted disclosure from the vendor"
    try:
        spend = ctx.convert(line.amount, line.currency, disclosure.currency, line.date.year)
    except MissingRate as error:
        return f"{error}, needed for disclosure {disclosure.disclosure_id} in {disclosure.currency}"
    verified = "verified" if disclosure.verified else "not verified"
    label = f"disclosure {disclosure.disclosure_id} ({_period(disclosure)}, {verified})"
    reasons = []
    if disclosure.allocated_to_us_t is not None:
        if disclosure.allocation_boundary != ALLOCATION_CRADLE_TO_GATE:
            reasons.append(
                f"the allocation to us in {label} covers Scope 1 and 2 only, not the "
                "supplier's upstream Scope 3 that a cradle-to-gate figure needs"
            )
        else:
            base = (allocation_bases or {}).get(disclosure.disclosure_id)
            if base is not None and base.total > 0:
                return _allocation_result(
                    ctx, line, category, notes, disclosure, label, spend, base
                )
            reasons.append(
                f"the allocation in {label} cannot be spread: our net spend with the vendor "
                "in its period is not positive"
            )
    if disclosure.scope1_t is None or disclosure.scope2_market_t is None:
        reasons.append(f"{label} lacks Scope 1 or market-based Scope 2")
    elif not _finite(disclosure.revenue) or disclosure.revenue <= 0:
        reasons.append(f"{label} has no revenue to form an intensity")
    elif not disclosure.upstream_complete:
        if disclosure.scope3_upstream_t is None:
            reasons.append(
                f"{label} reports Scope 1 and 2 only: no upstream Scope 3, so no cradle-to-gate "
                "figure can be formed"
            )
        else:
            reasons.append(
                f"{label} reports upstream Scope 3 for categories "
                f"{_categories(disclosure.upstream_categories)} only; categories "
                f"{_categories(disclosure.missing_upstream_categories)} are missing for a "
                "cradle-to-gate figure"
            )
    else:
        emissions_t = disclosure.scope1_t + disclosure.scope2_market_t
        emissions_t += disclosure.scope3_upstream_t
        intensity = emissions_t * KG_PER_TONNE / disclosure.revenue
        return _result(
            line,
            category,
            Method.HYBRID,
            spend * intensity,
            ctx.uncertainty.hybrid,
            _hybrid_scores(line, disclosure),
            f"{label}: (Scope 1 + Scope 2 market-based + upstream Scope 3 categories "
            f"{_categories(disclosure.upstream_categories)}) ÷ revenue",
            notes + reasons,
            source_key=f"disclosure:{disclosure.disclosure_id}",
            factor_kgco2e_per_unit=intensity,
            factor_source=f"disclosure {disclosure.disclosure_id}",
            activity_value=spend,
            activity_unit=disclosure.currency,
            disclosure_id=disclosure.disclosure_id,
        )
    return "; ".join(reasons)


def _allocation_result(ctx, line, category, notes, disclosure, label, spend, base):
    allocated_kg = disclosure.allocated_to_us_t * KG_PER_TONNE
    relative = ctx.uncertainty.hybrid
    if disclosure.allocation_uncertainty_pct is not None:
        relative = disclosure.allocation_uncertainty_pct / _HUNDRED
    year = line.date.year
    in_year = base.by_year.get(year, Decimal(0))
    reason = (
        f"vendor's cradle-to-gate allocation to us in {label}: "
        f"{disclosure.allocated_to_us_t} t spread by spend over our "
        f"{_money(base.total, disclosure.currency)} of lines with the vendor in its period"
    )
    if in_year != base.total:
        # Partial overlap of the period and the reporting year: say what this year counts.
        share = in_year / base.total * _HUNDRED if base.total else Decimal(0)
        year_t = disclosure.allocated_to_us_t * in_year / base.total
        reason += (
            f"; {_money(in_year, disclosure.currency)} of them in {year} "
            f"({share.quantize(Decimal('0.1'), ROUND_HALF_EVEN)} %, "
            f"{year_t.quantize(Decimal('0.001'), ROUND_HALF_EVEN)} t), the rest in other "
            "reporting years, which count their own share"
        )
    return _result(
        line,
        category,
        Method.HYBRID,
        allocated_kg * spend / base.total,
        relative,
        _hybrid_scores(line, disclosure),
        reason,
        notes,
        source_key=f"disclosure:{disclosure.disclosure_id}",
        factor_kgco2e_per_unit=allocated_kg / base.total,
        factor_source=f"disclosure {disclosure.disclosure_id} allocation",
        activity_value=spend,
        activity_unit=disclosure.currency,
        disclosure_id=disclosure.disclosure_id,
    )


# Rank 3 -----------------------------------------------------------------------------------


def average_data(
    ctx: EstimationContext,
    line: SpendLineInput,
    category: Category,
    notes: list[str],
    unknown: list[str],
) -> EstimateResult | str:
    """Physical activity * an average factor, by category.

    Category 1/2: units of a known hardware class * embodied kgCO2e per unit (Technical
    Guidance category 1, "average-data method"), from a published per-unit factor or from an
    ACT-style hardware spec (docs/method.md, "Hardware"). Category 4: weight_kg ÷ 1000 *
    distance_km * kgCO2e per tonne-km of the mode (category 4, "distance-based method").
    Category 5: tonnes * kgCO2e per tonne of the treatment (category 5, "waste-type-specific
    method"; tonnes from ``waste_tonnes``, else ``weight_kg`` ÷ 1000). Ledger words are looked
    up as factor codes, spec names and aliases, then in the vocabulary; a word none of them
    knows is appended to ``unknown`` so the result and the run name it.
    """
    if category is Category.UPSTREAM_TRANSPORTATION:
        return _freight(ctx, line, category, notes, unknown)
    if category is Category.WASTE_GENERATED_IN_OPERATIONS:
        return _waste(ctx, line, category, notes, unknown)
    return _hardware(ctx, line, category, notes, unknown)


def _average_result(ctx, line, category, notes, kind, factor, activity, reason):
    ref = ctx.factor_set.for_average(kind)
    relative = ref.relative_uncertainty
    if relative is None:
        relative = ctx.uncertainty.average_data
    return _result(
        line,
        category,
        Method.AVERAGE_DATA,
        activity * factor.kgco2e_per_unit,
        relative,
        _secondary_scores(line, ref, technological=TECHNOLOGY["average_data"]),
        reason,
        notes,
        source_key=f"factor:{ref.key}:{ref.version}:{factor.code}",
        factor_dataset=ref.key,
        factor_version=ref.version,
        factor_code=factor.code,
        factor_kgco2e_per_unit=factor.kgco2e_per_unit,
        factor_source=factor.source,
        activity_value=activity,
        activity_unit=kind.unit,
    )


def _resolve(ctx, kind: AverageKind, vocabulary_kind: str, word: str):
    """A factor (or a hardware spec) for a ledger word: its code, a spec, then the vocabulary."""
    code = normalise_code(word)
    factor = ctx.average_factor(kind, code)
    if factor is not None:
        return factor, None
    if kind is AverageKind.HARDWARE:
        spec = ctx.hardware_spec(word)
        if spec is not None:
            return None, spec
    target = ctx.vocabulary.resolve(vocabulary_kind, word)
    if target is None:
        return None, None
    if target.startswith("spec:"):
        return None, ctx.hardware_spec(target[len("spec:") :])
    return ctx.average_factor(kind, normalise_code(target)), None


def _hardware(ctx, line, category, notes, unknown):
    written = line.hardware_class.strip()
    product = line.product_id.strip()
    if not written and not product:
        return "no hardware class on the line"
    factor = spec = None
    if written:
        factor, spec = _resolve(ctx, AverageKind.HARDWARE, "hardware", written)
    if factor is None and spec is None and product:
        spec = ctx.hardware_spec(product)
    if factor is None and spec is None:
        if not written:
            return f"no hardware spec named {product!r} and no hardware class on the line"
        unknown.append(f"hardware class {written!r}")
        return (
            f"hardware class {written!r} unknown: not a hardware factor code, a hardware spec "
            "or a vocabulary word"
        )
    if not _finite(line.quantity) or line.quantity == 0:
        return "no quantity on the line for its hardware class"
    if line.unit and normalise_unit(line.unit) != "unit":
        what = factor.code if factor is not None else spec.name
        return f"line unit {line.unit!r} is not a count of units of {what}"
    quantity = _signed(line, line.quantity)
    if spec is not None:
        return _spec_result(ctx, line, category, notes, spec, quantity)
    how = "" if normalise_code(written) == normalise_code(factor.code) else f" ({written!r})"
    return _average_result(
        ctx,
        line,
        category,
        notes,
        AverageKind.HARDWARE,
        factor,
        quantity,
        f"{factor.code}{how}: units * embodied kgCO2e per unit",
    )


def _spec_result(ctx, line, category, notes, spec, quantity):
    ref = ctx.factor_set.hardware
    relative = ref.relative_uncertainty if ref is not None else None
    if relative is None:
        relative = ctx.uncertainty.average_data
    terms = "; ".join(f"{term.formula} = {term.kgco2e} kg" for term in spec.terms)
    scores = _secondary_scores(line, ref, technological=TECHNOLOGY["average_data_spec"])
    return _result(
        line,
        category,
        Method.AVERAGE_DATA,
        quantity * spec.total_kgco2e,
        relative,
        scores,
        f"hardware spec {spec.name} (ACT model): {terms}; total {spec.total_kgco2e} kg per unit",
        notes,
        source_key=f"spec:{spec.name}",
        factor_dataset=ref.key if ref is not None else None,
        factor_version=ref.version if ref is not None else None,
        factor_code=spec.name,
        factor_kgco2e_per_unit=spec.total_kgco2e,
        factor_source=getattr(spec, "source", "") or f"hardware spec {spec.name}",
        activity_value=quantity,
        activity_unit="unit",
    )


def _freight(ctx, line, category, notes, unknown):
    written = line.mode.strip()
    if not (written and _finite(line.weight_kg) and _finite(line.distance_km)):
        return "no weight, distance and mode on the line for transport"
    if line.weight_kg <= 0 or line.distance_km <= 0:
        return "weight and distance must be positive for transport"
    factor, _spec = _resolve(ctx, AverageKind.FREIGHT, "freight_mode", written)
    if factor is None:
        unknown.append(f"transport mode {written!r}")
        return f"transport mode {written!r} unknown: not a freight factor code or vocabulary word"
    tonne_km = _signed(line, line.weight_kg / KG_PER_TONNE * line.distance_km)
    how = "" if normalise_code(written) == normalise_code(factor.code) else f" ({written!r})"
    return _average_result(
        ctx,
        line,
        category,
        notes,
        AverageKind.FREIGHT,
        factor,
        tonne_km,
        f"{factor.code}{how}: tonnes * km * kgCO2e per tonne-km",
    )


def _waste(ctx, line, category, notes, unknown):
    written = line.waste_treatment.strip()
    if not written:
        return "no waste treatment on the line"
    if _finite(line.waste_tonnes):
        tonnes = line.waste_tonnes
    elif _finite(line.weight_kg):
        tonnes = line.weight_kg / KG_PER_TONNE
    else:
        return "no waste tonnage (waste_tonnes or weight_kg) on the line"
    if tonnes <= 0:
        return "waste tonnage must be positive"
    factor, _spec = _resolve(ctx, AverageKind.WASTE, "waste_treatment", written)
    if factor is None:
        unknown.append(f"waste treatment {written!r}")
        return f"waste treatment {written!r} unknown: not a waste factor code or vocabulary word"
    how = "" if normalise_code(written) == normalise_code(factor.code) else f" ({written!r})"
    return _average_result(
        ctx,
        line,
        category,
        notes,
        AverageKind.WASTE,
        factor,
        _signed(line, tonnes),
        f"{factor.code}{how}: tonnes * kgCO2e per tonne treated",
    )


# Rank 4 -----------------------------------------------------------------------------------


def spend_based(
    ctx: EstimationContext, line: SpendLineInput, category: Category, notes: list[str]
) -> EstimateResult | str:
    """Spend in the factor's currency and dollar year * the EEIO factor with margins.

    Technical Guidance, category 1, "spend-based method": amount converted at the purchase
    year's exchange rate, deflated with the price index to the factor's dollar year
    (``* I[dollar_year] ÷ I[purchase_year]``), * kgCO2e per unit *with* margins (EPA Supply
    Chain GHG Emission Factors). The line's own NAICS code is used, else the vendor's default
    (technological score 5 instead of 4: a proxy for the line's real activity, Scope 3
    Standard Table 7.6). A missing rate or index value is a reason, never an assumed 1.
    """
    ref = ctx.factor_set.spend
    own = (line.naics or "").strip()
    vendor = (line.vendor_naics or "").strip()
    if not own and not vendor:
        return "no NAICS code on the line or its vendor"
    if ref is None:
        return "no spend-based factor dataset pinned"
    factor = None
    from_vendor = False
    missing = []
    for code, is_vendor in ((own, False), (vendor, True)):
        if not code or (is_vendor and code == own):
            continue
        factor = ctx.spend_factor(normalise_code(code))
        if factor is not None:
            from_vendor = is_vendor
            break
        missing.append(f"no spend factor for NAICS {code} in {ref.label}")
    if factor is None:
        return "; ".join(missing)
    year = line.date.year
    multiplier = ctx.spend_multiplier(line.currency, year, factor.currency, factor.dollar_year)
    if isinstance(multiplier, str):
        target = f"{factor.currency} {factor.dollar_year}"
        return f"{multiplier} (to express {line.currency} of {year} in {target})"
    relative = ref.relative_uncertainty
    if relative is None:
        relative = ctx.uncertainty.spend_based
    activity = line.amount * multiplier
    source = "the vendor's default" if from_vendor else "the line"
    technology = TECHNOLOGY["spend_based_vendor_naics" if from_vendor else "spend_based"]
    return _result(
        line,
        category,
        Method.SPEND_BASED,
        activity * factor.kgco2e_per_unit,
        relative,
        _secondary_scores(line, ref, technological=technology),
        f"NAICS {factor.code} from {source}, spend in {factor.currency} {factor.dollar_year}",
        notes + missing,
        source_key=f"factor:{ref.key}:{ref.version}:{factor.code}",
        factor_dataset=ref.key,
        factor_version=ref.version,
        factor_code=factor.code,
        factor_kgco2e_per_unit=factor.kgco2e_per_unit,
        factor_source=ref.label,
        activity_value=activity,
        activity_unit=f"{factor.currency} {factor.dollar_year}",
    )
