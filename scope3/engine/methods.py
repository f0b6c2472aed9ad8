"""The four calculation methods of PRODUCT.md section 5, one function each.

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

from decimal import ROUND_HALF_EVEN, Decimal

from .context import EstimationContext, normalise_code, normalise_unit
from .fx import MissingRate
from .inputs import AverageKind, Category, DisclosureInput, Method, SpendLineInput
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
    dq,
    reason,
    notes,
    *,
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
        dq=dq,
        reason=reason,
        notes=tuple(notes),
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


# Rank 1 -----------------------------------------------------------------------------------


def supplier_specific(
    ctx: EstimationContext, line: SpendLineInput, category: Category, notes: list[str]
) -> EstimateResult | str:
    """quantity * kgCO2e per declared unit of the vendor's product footprint.

    Technical Guidance, category 1, "supplier-specific method": product-level cradle-to-gate
    data from the supplier. Data quality 1 when the footprint is third-party assured, else 2.
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
    return _result(
        line,
        category,
        Method.SUPPLIER_SPECIFIC,
        quantity * footprint.kgco2e_per_declared_unit,
        relative,
        1 if footprint.assured else 2,
        f"product footprint {footprint.footprint_id} of product {product_id}"
        + (" (assured)" if footprint.assured else " (not assured)"),
        notes,
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


def hybrid(
    ctx: EstimationContext,
    line: SpendLineInput,
    category: Category,
    notes: list[str],
    allocation_bases: dict[str, Decimal] | None,
) -> EstimateResult | str:
    """Spend * the vendor's emission intensity, or its allocation to us, spread by spend.

    Technical Guidance, category 1, "hybrid method" (supplier-specific scope 1 and 2 data
    allocated to the reporting company by an economic factor): intensity = (Scope 1 + Scope 2
    market-based [+ upstream Scope 3 when disclosed]) ÷ revenue, with spend converted to the
    disclosure's currency at the purchase year's rate (Scope 2 Guidance: market-based figures
    are the ones that reflect supplier choices). When the vendor allocated emissions to us for
    the period, that allocation is used directly and spread over our lines from the vendor that
    select the same disclosure, pro rata by their spend in the disclosure's currency (so the
    lines of the period add up to the allocation). Data quality 2 when verified, else 3.
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
    dq = 2 if disclosure.verified else 3
    verified = "verified" if disclosure.verified else "not verified"
    reasons = []
    if disclosure.allocated_to_us_t is not None:
        base = (allocation_bases or {}).get(disclosure.disclosure_id)
        if base is not None and base > 0:
            allocated_kg = disclosure.allocated_to_us_t * KG_PER_TONNE
            relative = ctx.uncertainty.hybrid
            if disclosure.allocation_uncertainty_pct is not None:
                relative = disclosure.allocation_uncertainty_pct / _HUNDRED
            return _result(
                line,
                category,
                Method.HYBRID,
                allocated_kg * spend / base,
                relative,
                dq,
                f"vendor's allocation to us in disclosure {disclosure.disclosure_id} "
                f"({verified}), spread pro rata by spend",
                notes,
                factor_kgco2e_per_unit=allocated_kg / base,
                factor_source=f"disclosure {disclosure.disclosure_id} allocation",
                activity_value=spend,
                activity_unit=disclosure.currency,
                disclosure_id=disclosure.disclosure_id,
            )
        reasons.append(
            f"allocation in disclosure {disclosure.disclosure_id} cannot be spread: "
            "our net spend with the vendor in its period is not positive"
        )
    if disclosure.scope1_t is None or disclosure.scope2_market_t is None:
        reasons.append(
            f"disclosure {disclosure.disclosure_id} lacks Scope 1 or market-based Scope 2"
        )
    elif not _finite(disclosure.revenue) or disclosure.revenue <= 0:
        reasons.append(f"disclosure {disclosure.disclosure_id} has no revenue")
    else:
        emissions_t = disclosure.scope1_t + disclosure.scope2_market_t
        scopes = "Scope 1 + Scope 2 market-based"
        if disclosure.scope3_upstream_t is not None:
            emissions_t += disclosure.scope3_upstream_t
            scopes += " + upstream Scope 3"
        intensity = emissions_t * KG_PER_TONNE / disclosure.revenue
        return _result(
            line,
            category,
            Method.HYBRID,
            spend * intensity,
            ctx.uncertainty.hybrid,
            dq,
            f"disclosure {disclosure.disclosure_id} ({verified}): ({scopes}) ÷ revenue",
            notes + reasons,
            factor_kgco2e_per_unit=intensity,
            factor_source=f"disclosure {disclosure.disclosure_id}",
            activity_value=spend,
            activity_unit=disclosure.currency,
            disclosure_id=disclosure.disclosure_id,
        )
    return "; ".join(reasons)


# Rank 3 -----------------------------------------------------------------------------------


def average_data(
    ctx: EstimationContext, line: SpendLineInput, category: Category, notes: list[str]
) -> EstimateResult | str:
    """Physical activity * an average factor, by category.

    Category 1/2: units of a known hardware class * embodied kgCO2e per unit (Technical
    Guidance category 1, "average-data method"). Category 4: weight_kg ÷ 1000 * distance_km *
    kgCO2e per tonne-km of the mode (category 4, "distance-based method"). Category 5: tonnes *
    kgCO2e per tonne of the treatment (category 5, "waste-type-specific method"; tonnes from
    ``waste_tonnes``, else ``weight_kg`` ÷ 1000). Data quality 3.
    """
    if category is Category.UPSTREAM_TRANSPORTATION:
        return _freight(ctx, line, category, notes)
    if category is Category.WASTE_GENERATED_IN_OPERATIONS:
        return _waste(ctx, line, category, notes)
    return _hardware(ctx, line, category, notes)


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
        3,
        reason,
        notes,
        factor_dataset=ref.key,
        factor_version=ref.version,
        factor_code=factor.code,
        factor_kgco2e_per_unit=factor.kgco2e_per_unit,
        factor_source=factor.source,
        activity_value=activity,
        activity_unit=kind.unit,
    )


def _hardware(ctx, line, category, notes):
    hardware_class = normalise_code(line.hardware_class)
    if not hardware_class:
        return "no hardware class on the line"
    if not _finite(line.quantity) or line.quantity == 0:
        return "no quantity on the line for its hardware class"
    factor = ctx.average_factor(AverageKind.HARDWARE, hardware_class)
    if factor is None:
        return f"no hardware factor for class {line.hardware_class.strip()!r}"
    if line.unit and normalise_unit(line.unit) != "unit":
        return f"line unit {line.unit!r} is not a count of units of {factor.code}"
    quantity = _signed(line, line.quantity)
    return _average_result(
        ctx,
        line,
        category,
        notes,
        AverageKind.HARDWARE,
        factor,
        quantity,
        f"{factor.code}: units * embodied kgCO2e per unit",
    )


def _freight(ctx, line, category, notes):
    mode = normalise_code(line.mode)
    if not (mode and _finite(line.weight_kg) and _finite(line.distance_km)):
        return "no weight, distance and mode on the line for transport"
    if line.weight_kg <= 0 or line.distance_km <= 0:
        return "weight and distance must be positive for transport"
    factor = ctx.average_factor(AverageKind.FREIGHT, mode)
    if factor is None:
        return f"no freight factor for mode {line.mode.strip()!r}"
    tonne_km = _signed(line, line.weight_kg / KG_PER_TONNE * line.distance_km)
    return _average_result(
        ctx,
        line,
        category,
        notes,
        AverageKind.FREIGHT,
        factor,
        tonne_km,
        f"{factor.code}: tonnes * km * kgCO2e per tonne-km",
    )


def _waste(ctx, line, category, notes):
    treatment = normalise_code(line.waste_treatment)
    if not treatment:
        return "no waste treatment on the line"
    if _finite(line.waste_tonnes):
        tonnes = line.waste_tonnes
    elif _finite(line.weight_kg):
        tonnes = line.weight_kg / KG_PER_TONNE
    else:
        return "no waste tonnage (waste_tonnes or weight_kg) on the line"
    if tonnes <= 0:
        return "waste tonnage must be positive"
    factor = ctx.average_factor(AverageKind.WASTE, treatment)
    if factor is None:
        return f"no waste factor for treatment {line.waste_treatment.strip()!r}"
    return _average_result(
        ctx,
        line,
        category,
        notes,
        AverageKind.WASTE,
        factor,
        _signed(line, tonnes),
        f"{factor.code}: tonnes * kgCO2e per tonne treated",
    )


# Rank 4 -----------------------------------------------------------------------------------


def spend_based(
    ctx: EstimationContext, line: SpendLineInput, category: Category, notes: list[str]
) -> EstimateResult | str:
    """Spend in the factor's currency and dollar year * the EEIO factor with margins.

    Technical Guidance, category 1, "spend-based method": amount converted at the purchase
    year's exchange rate, deflated with the price index to the factor's dollar year
    (``* I[dollar_year] ÷ I[purchase_year]``), * kgCO2e per unit *with* margins (EPA Supply
    Chain GHG Emission Factors). The line's own NAICS code is used, else the vendor's default;
    data quality 4, or 5 with the vendor's default (a proxy for the line's real activity,
    Scope 3 Standard Table 7.6, technological representativeness). A missing rate or index
    value is a reason, never an assumed 1.
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
    return _result(
        line,
        category,
        Method.SPEND_BASED,
        activity * factor.kgco2e_per_unit,
        relative,
        5 if from_vendor else 4,
        f"NAICS {factor.code} from {source}, spend in {factor.currency} {factor.dollar_year}",
        notes + missing,
        factor_dataset=ref.key,
        factor_version=ref.version,
        factor_code=factor.code,
        factor_kgco2e_per_unit=factor.kgco2e_per_unit,
        factor_source=ref.label,
        activity_value=activity,
        activity_unit=f"{factor.currency} {factor.dollar_year}",
    )
