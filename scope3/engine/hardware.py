"""Embodied carbon of a piece of computing hardware, ACT-style.

Gupta et al., "ACT: Designing Sustainable Computer Systems with an Architectural Carbon Modeling
Tool", ISCA 2022: the embodied footprint of a system is the sum over its integrated circuits of
die area * carbon per area of the fabrication process node (divided by fab yield), plus memory
and storage per GB of capacity, plus IC packaging, plus the rest of the platform (board, chassis,
power supply). The carbon-per-area and per-GB values are parameters: the curated tables that ship
with the product supply them with their sources; nothing here is a default value.

The result feeds an average-data factor (kgCO2e per unit of a hardware class) — PRODUCT.md
section 5, rank 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from .uncertainty import ENGINE_DECIMAL_CONTEXT, quantise_kg


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbodiedBreakdown:
    """Embodied kgCO2e of one unit, by component; ``total_kgco2e`` is their sum."""

    processor_kgco2e: Decimal
    memory_kgco2e: Decimal
    storage_kgco2e: Decimal
    packaging_kgco2e: Decimal
    platform_kgco2e: Decimal
    total_kgco2e: Decimal


def _non_negative(name: str, value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value}")
    return value


def embodied_kgco2e(
    *,
    die_area_cm2: Decimal,
    carbon_per_cm2_kg: Decimal,
    memory_gb: Decimal,
    kg_per_gb_dram: Decimal,
    storage_gb: Decimal,
    kg_per_gb_storage: Decimal,
    platform_kg: Decimal,
    fab_yield: Decimal = Decimal(1),
    packaging_kg: Decimal = Decimal(0),
) -> EmbodiedBreakdown:
    """Embodied kgCO2e of one unit with the ACT model (Gupta et al., ISCA 2022).

    processor = die_area_cm2 * carbon_per_cm2_kg ÷ fab_yield   (ACT: area * CPA, per good die)
    memory    = memory_gb * kg_per_gb_dram                     (ACT: carbon per GB of DRAM)
    storage   = storage_gb * kg_per_gb_storage                 (ACT: carbon per GB of SSD/HDD)
    packaging = packaging_kg                                   (ACT: per-IC packaging, summed)
    platform  = platform_kg                                    (board, chassis, PSU share)

    ``carbon_per_cm2_kg`` is the carbon per area of the die's process node (kg/cm²), already
    including fab energy * grid intensity, process gases and materials; ``fab_yield`` is in
    (0, 1]. For several dies, pass the summed area of dies of one node, or add breakdowns.
    Every part is quantised to 0.001 kg and the total is the sum of the quantised parts.
    """
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        die_area_cm2 = _non_negative("die_area_cm2", die_area_cm2)
        carbon_per_cm2_kg = _non_negative("carbon_per_cm2_kg", carbon_per_cm2_kg)
        memory_gb = _non_negative("memory_gb", memory_gb)
        kg_per_gb_dram = _non_negative("kg_per_gb_dram", kg_per_gb_dram)
        storage_gb = _non_negative("storage_gb", storage_gb)
        kg_per_gb_storage = _non_negative("kg_per_gb_storage", kg_per_gb_storage)
        platform_kg = _non_negative("platform_kg", platform_kg)
        packaging_kg = _non_negative("packaging_kg", packaging_kg)
        fab_yield = _non_negative("fab_yield", fab_yield)
        if fab_yield == 0 or fab_yield > 1:
            raise ValueError(f"fab_yield must be in (0, 1], got {fab_yield}")

        processor = quantise_kg(die_area_cm2 * carbon_per_cm2_kg / fab_yield)
        memory = quantise_kg(memory_gb * kg_per_gb_dram)
        storage = quantise_kg(storage_gb * kg_per_gb_storage)
        packaging = quantise_kg(packaging_kg)
        platform = quantise_kg(platform_kg)
        return EmbodiedBreakdown(
            processor_kgco2e=processor,
            memory_kgco2e=memory,
            storage_kgco2e=storage,
            packaging_kgco2e=packaging,
            platform_kgco2e=platform,
            total_kgco2e=processor + memory + storage + packaging + platform,
        )
