"""Scope 3 estimation engine: pure Python, dataclasses in, dataclasses out.

No Django, DRF or Celery here (a test checks every module's imports): ``scope3/adapters.py``
loads rows into the inputs below, builds one ``EstimationContext`` per run or chunk and stores
the ``EstimateResult`` rows. Method: PRODUCT.md section 5; GHG Protocol Corporate Value Chain
(Scope 3) Standard and its Technical Guidance, categories 1, 2, 4 and 5.

Typical use::

    ctx = EstimationContext(factor_set=..., spend_factors=..., average_factors=...,
                            product_footprints=..., disclosures=..., fx=..., price_index=...)
    ctx = ctx.with_allocation_bases(allocation_bases(ctx, iter_all_lines()))
    for chunk in chunks:
        results = estimate_lines(ctx, chunk)
    total = combine_totals(results)
"""

from .context import EstimationContext, normalise_code, normalise_unit
from .estimate import (
    allocation_bases,
    categorise,
    estimate_line,
    estimate_lines,
    merge_allocation_bases,
)
from .fx import FxTable, MissingIndex, MissingRate, PriceIndex
from .hardware import EmbodiedBreakdown, embodied_kgco2e
from .inputs import (
    AverageFactor,
    AverageKind,
    Category,
    CategoryRules,
    DatasetRef,
    DisclosureInput,
    FactorSet,
    Method,
    ProductFootprintInput,
    SpendFactor,
    SpendLineInput,
)
from .results import EstimateResult
from .uncertainty import (
    ENGINE_DECIMAL_CONTEXT,
    MethodUncertainty,
    MonteCarloTotal,
    Total,
    bounds,
    combine_totals,
    monte_carlo_totals,
    quantise_kg,
)

__all__ = [
    "ENGINE_DECIMAL_CONTEXT",
    "AverageFactor",
    "AverageKind",
    "Category",
    "CategoryRules",
    "DatasetRef",
    "DisclosureInput",
    "EmbodiedBreakdown",
    "EstimateResult",
    "EstimationContext",
    "FactorSet",
    "FxTable",
    "Method",
    "MethodUncertainty",
    "MissingIndex",
    "MissingRate",
    "MonteCarloTotal",
    "PriceIndex",
    "ProductFootprintInput",
    "SpendFactor",
    "SpendLineInput",
    "Total",
    "allocation_bases",
    "bounds",
    "categorise",
    "combine_totals",
    "embodied_kgco2e",
    "estimate_line",
    "estimate_lines",
    "merge_allocation_bases",
    "monte_carlo_totals",
    "normalise_code",
    "normalise_unit",
    "quantise_kg",
]
