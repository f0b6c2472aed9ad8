"""Scope 3 estimation engine: pure Python, dataclasses in, dataclasses out.

No Django, DRF or Celery here (a test checks every module's imports): ``scope3/adapters.py``
loads rows into the inputs below, builds one ``EstimationContext`` per run or chunk and stores
the ``EstimateResult`` rows. Method: docs/method.md; GHG Protocol Corporate Value Chain
(Scope 3) Standard and its Technical Guidance, categories 1, 2, 4 and 5.

Typical use::

    ctx = EstimationContext(factor_set=..., spend_factors=..., average_factors=...,
                            product_footprints=..., disclosures=..., fx=..., price_index=...)
    ctx = ctx.with_allocation_bases(allocation_bases(ctx, iter_all_lines()))
    for chunk in chunks:
        results = estimate_lines(ctx, chunk)
    total = combine_totals(results)  # or total_from_sums(chunk sums merged)
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
from .hardware import (
    ActParameters,
    DieSpec,
    EmbodiedBreakdown,
    HardwareSpecInput,
    SpecEmbodied,
    SpecIndex,
    SpecTerm,
    embodied_kgco2e,
    normalise_node,
    spec_embodied,
)
from .inputs import (
    AllocationBase,
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
    ANALYTIC,
    ENGINE_DECIMAL_CONTEXT,
    MONTECARLO,
    GroupSums,
    MethodUncertainty,
    Total,
    bounds,
    combine_totals,
    lognormal,
    method_label,
    quantise_kg,
    total_from_sums,
)
from .vocabulary import Vocabulary, normalise_term, spec_target

__all__ = [
    "ANALYTIC",
    "ENGINE_DECIMAL_CONTEXT",
    "MONTECARLO",
    "ActParameters",
    "AllocationBase",
    "AverageFactor",
    "AverageKind",
    "Category",
    "CategoryRules",
    "DatasetRef",
    "DieSpec",
    "DisclosureInput",
    "EmbodiedBreakdown",
    "EstimateResult",
    "EstimationContext",
    "FactorSet",
    "FxTable",
    "GroupSums",
    "HardwareSpecInput",
    "Method",
    "MethodUncertainty",
    "MissingIndex",
    "MissingRate",
    "PriceIndex",
    "ProductFootprintInput",
    "SpecEmbodied",
    "SpecIndex",
    "SpecTerm",
    "SpendFactor",
    "SpendLineInput",
    "Total",
    "Vocabulary",
    "allocation_bases",
    "bounds",
    "categorise",
    "combine_totals",
    "embodied_kgco2e",
    "estimate_line",
    "estimate_lines",
    "lognormal",
    "merge_allocation_bases",
    "method_label",
    "normalise_code",
    "normalise_node",
    "normalise_term",
    "normalise_unit",
    "quantise_kg",
    "spec_embodied",
    "spec_target",
    "total_from_sums",
]
