"""Estimate spend lines: pick each line's category, then its best available method.

GHG Protocol Scope 3 Standard, section 7.5: prefer primary (supplier) data over secondary data,
and record which method produced each number. The hierarchy is docs/method.md, section 2: supplier-
specific, hybrid, average-data, spend-based, else unaccounted with the reasons. A line gets one
result from the best method that applies, so it is never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext

from .context import EstimationContext
from .fx import MissingRate
from .inputs import AllocationBase, Category, Method, SpendLineInput
from .methods import average_data, hybrid, select_disclosure, spend_based, supplier_specific
from .results import EstimateResult
from .uncertainty import ENGINE_DECIMAL_CONTEXT

_ZERO_KG = Decimal("0.000")


def categorise(ctx: EstimationContext, line: SpendLineInput) -> Category:
    """The line's Scope 3 category (Scope 3 Standard, chapter 5, Table 5.3).

    The line's own fields decide first: a waste treatment makes it category 5 (waste generated
    in operations), a transport mode category 4 (upstream transportation and distribution), the
    capital-goods flag category 2 (capital goods follow the company's financial accounting,
    Technical Guidance category 2). Otherwise its NAICS code (own, else the vendor's) decides:
    waste services are category 5, freight and warehousing category 4; anything else is
    category 1 (purchased goods and services).
    """
    if line.waste_treatment and line.waste_treatment.strip():
        return Category.WASTE_GENERATED_IN_OPERATIONS
    if line.mode and line.mode.strip():
        return Category.UPSTREAM_TRANSPORTATION
    if line.capital:
        return Category.CAPITAL_GOODS
    code = (line.naics or "").strip() or (line.vendor_naics or "").strip()
    if code:
        rules = ctx.category_rules
        if code.startswith(rules.waste_naics_prefixes):
            return Category.WASTE_GENERATED_IN_OPERATIONS
        if code.startswith(rules.transport_naics_prefixes):
            return Category.UPSTREAM_TRANSPORTATION
    return Category.PURCHASED_GOODS_AND_SERVICES


def allocation_bases(
    ctx: EstimationContext, lines: Iterable[SpendLineInput]
) -> dict[str, AllocationBase]:
    """Per disclosure with an allocation to us: our spend with the vendor over its period.

    The spend of every line that selects the disclosure (same vendor, date in the period; the
    same choice ``hybrid`` makes), **whatever its calendar year**, converted to the disclosure's
    currency at each line's purchase-year rate, in total and per calendar year; credit notes
    reduce it. ``lines`` must therefore cover the disclosure periods, not just the reporting
    year (the run's planner streams them with the adapter). Lines whose rate is missing are left
    out, as they cannot use the disclosure either. Memory does not grow with ``lines``; merge
    partial results of parallel passes with ``merge_allocation_bases``.
    """
    totals: dict[str, dict[int, Decimal]] = {}
    if not ctx.has_allocations:
        return {}
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        for line in lines:
            if line.vendor_id is None or not line.amount.is_finite():
                continue
            disclosure = select_disclosure(ctx, line)
            if disclosure is None or disclosure.allocated_to_us_t is None:
                continue
            try:
                spend = ctx.convert(line.amount, line.currency, disclosure.currency, line.date.year)
            except MissingRate:
                continue
            years = totals.setdefault(disclosure.disclosure_id, {})
            years[line.date.year] = years.get(line.date.year, Decimal(0)) + spend
        return {
            key: AllocationBase(total=sum(years.values(), Decimal(0)), by_year=years)
            for key, years in totals.items()
        }


def merge_allocation_bases(*parts: Mapping[str, AllocationBase]) -> dict[str, AllocationBase]:
    merged: dict[str, dict[int, Decimal]] = {}
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        for part in parts:
            for key, base in part.items():
                years = merged.setdefault(key, {})
                for year, value in base.by_year.items():
                    years[year] = years.get(year, Decimal(0)) + value
        return {
            key: AllocationBase(total=sum(years.values(), Decimal(0)), by_year=years)
            for key, years in merged.items()
        }


def _unaccounted(line: SpendLineInput, category: Category, notes: list[str]) -> EstimateResult:
    return EstimateResult(
        line_id=line.line_id,
        external_id=line.external_id,
        vendor_id=line.vendor_id,
        category=category,
        method=Method.UNACCOUNTED,
        kgco2e=_ZERO_KG,
        low_kgco2e=_ZERO_KG,
        high_kgco2e=_ZERO_KG,
        relative_uncertainty=None,
        dq=None,
        reason="; ".join(notes),
        notes=tuple(notes),
    )


def _estimate_one(
    ctx: EstimationContext, line: SpendLineInput, bases: Mapping[str, AllocationBase] | None
) -> EstimateResult:
    category = categorise(ctx, line)
    if not line.amount.is_finite():
        return _unaccounted(line, category, ["amount is not a finite number"])
    notes: list[str] = []
    unknown: list[str] = []
    outcome = supplier_specific(ctx, line, category, notes)
    if isinstance(outcome, EstimateResult):
        return outcome
    notes.append(outcome)
    outcome = hybrid(ctx, line, category, notes, bases)
    if isinstance(outcome, EstimateResult):
        return outcome
    notes.append(outcome)
    outcome = average_data(ctx, line, category, notes, unknown)
    if not isinstance(outcome, EstimateResult):
        notes.append(outcome)
        outcome = spend_based(ctx, line, category, notes)
    if isinstance(outcome, EstimateResult):
        return _with_unknown(outcome, unknown)
    notes.append(outcome)
    return _with_unknown(_unaccounted(line, category, notes), unknown)


def _with_unknown(result: EstimateResult, unknown: list[str]) -> EstimateResult:
    """Name ledger words nobody understood in the reason: never a silent downgrade."""
    if unknown:
        result.unknown_terms = tuple(unknown)
        words = ", ".join(unknown)
        if result.method is not Method.UNACCOUNTED:
            result.reason = f"{result.reason} (not average-data: {words} unknown)"
    return result


def estimate_lines(ctx: EstimationContext, lines: Iterable[SpendLineInput]) -> list[EstimateResult]:
    """One ``EstimateResult`` per line, in the order given, by the best method that applies.

    Pure and deterministic: the same context and lines give the same results to the digit
    (``Decimal`` in a fixed 50-digit context, kg quantised half-even to 0.001). When a vendor
    allocated emissions to us and ``ctx.allocation_bases`` is None, the bases are computed from
    ``lines``, which must then be all of that vendor's lines for the disclosure period; chunked
    runs pin them first with ``ctx.with_allocation_bases(allocation_bases(ctx, all_lines))``.
    A line whose arithmetic fails (an absurd magnitude) is unaccounted with the reason rather
    than aborting the chunk.
    """
    lines = lines if isinstance(lines, list | tuple) else list(lines)
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        bases = ctx.allocation_bases
        if bases is None and ctx.has_allocations:
            bases = allocation_bases(ctx, lines)
        results = []
        append = results.append
        for line in lines:
            try:
                append(_estimate_one(ctx, line, bases))
            except ArithmeticError as error:
                append(
                    _unaccounted(
                        line, categorise(ctx, line), [f"cannot compute this line: {error!r}"]
                    )
                )
        return results


def estimate_line(ctx: EstimationContext, line: SpendLineInput) -> EstimateResult:
    """``estimate_lines`` for one line (allocations then need pinned bases)."""
    return estimate_lines(ctx, [line])[0]
