"""Embodied carbon of a piece of computing hardware, ACT-style.

Gupta et al., "ACT: Designing Sustainable Computer Systems with an Architectural Carbon Modeling
Tool", ISCA 2022: the embodied footprint of a system is the sum over its integrated circuits of
die area * carbon per area of the fabrication process node (divided by fab yield), plus memory
and storage per GB of capacity, plus IC packaging, plus the rest of the platform (board, chassis,
power supply). The carbon-per-area and per-GB values are parameters: the curated tables that ship
with the product supply them with their sources; nothing here is a default value.

The result feeds an average-data factor (kgCO2e per unit of a hardware class) — docs/method.md,
section 6, "Hardware".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from .uncertainty import ENGINE_DECIMAL_CONTEXT, quantise_kg
from .vocabulary import normalise_term, spec_name


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


# --- hardware specs: the ACT model applied to a named product ----------------------------------

MEMORY_TYPES = ("hbm", "dram")
TIMES = "\u00d7"  # the multiplication sign of the formulas shown to readers
_NODE_SPACES = re.compile(r"\s+")


def normalise_node(node: str | None) -> str:
    """Process nodes compare without case or spaces: "5 nm", "5NM" and "5nm" are one node."""
    return _NODE_SPACES.sub("", node or "").casefold()


def _number(value: Decimal) -> str:
    # "8.14", "80", "0.875": the digits a reader checks by hand, without exponent notation.
    return format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class DieSpec:
    """``count`` identical dies of ``area_cm2`` each, made on process ``node``."""

    area_cm2: Decimal
    node: str
    count: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class HardwareSpecInput:
    """A hardware spec as the engine reads it (``scope3.models.HardwareSpec``).

    ``memory`` holds ``(type, GB)`` pairs, type ``hbm`` or ``dram``. ``platform_kgco2e`` is the
    board/chassis/power-supply share from a cited LCA, or None when the spec leaves it out (its
    ``boundary`` says so); it is a per-unit figure of this product, never derived here.
    """

    spec_id: int | str
    name: str
    aliases: tuple[str, ...] = ()
    dies: tuple[DieSpec, ...] = ()
    memory: tuple[tuple[str, Decimal], ...] = ()
    storage_gb: Decimal = Decimal(0)
    platform_kgco2e: Decimal | None = None
    platform_source: str = ""
    boundary: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActParameters:
    """The ACT model's parameters, from one pinned hardware dataset.

    ``carbon_per_cm2_by_node``: kg CO2e per cm² of die *before* yield (fab energy * grid
    intensity + process gases + materials); ``yield_by_node``: fab yield in (0, 1];
    ``kg_per_gb_by_memory``: kg CO2e per GB by memory type; ``kg_per_gb_storage``: per GB of SSD.
    Keys of the node mappings are ``normalise_node``-d. ``sources`` maps ``cpa:<node>``,
    ``yield:<node>``, ``memory:<type>`` and ``storage`` to the citation of the value. These are
    per-area and per-GB parameters of a model: they are never used as a per-unit factor.
    """

    carbon_per_cm2_by_node: Mapping[str, Decimal]
    yield_by_node: Mapping[str, Decimal]
    kg_per_gb_by_memory: Mapping[str, Decimal]
    kg_per_gb_storage: Decimal | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    dataset_label: str = ""

    def nodes(self) -> frozenset[str]:
        """The process nodes a die may name: those with both a carbon per area and a yield."""
        return frozenset(self.carbon_per_cm2_by_node) & frozenset(self.yield_by_node)


@dataclass(frozen=True, slots=True)
class SpecTerm:
    """One part of a spec's embodied carbon, with the formula a reader can recompute."""

    label: str
    kgco2e: Decimal
    formula: str
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecEmbodied:
    """Embodied kgCO2e of one unit of a hardware spec: ``total_kgco2e`` = sum of ``terms``."""

    spec_id: int | str
    name: str
    total_kgco2e: Decimal
    terms: tuple[SpecTerm, ...]
    aliases: tuple[str, ...] = ()
    boundary: str = ""
    source: str = ""
    dataset_label: str = ""

    @property
    def formula(self) -> str:
        """Every term's formula, joined: what the result's reason can quote."""
        return " + ".join(f"{term.label}: {term.formula}" for term in self.terms)


def _parameter(mapping: Mapping[str, Decimal], key: str, spec: str, what: str, params):
    value = mapping.get(key)
    if value is None:
        known = ", ".join(sorted(mapping)) or "none"
        raise ValueError(
            f"hardware spec {spec!r}: no {what} in {params.dataset_label or 'the parameters'} "
            f"(known: {known})"
        )
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"hardware spec {spec!r}: {what} must be a non-negative number")
    return value


def spec_embodied(spec: HardwareSpecInput, params: ActParameters) -> SpecEmbodied:
    """Embodied kgCO2e of one unit of ``spec`` with the ACT model (Gupta et al., ISCA 2022).

    die_i    = count_i * area_i (cm²) * CPA(node_i) ÷ yield(node_i)
    memory_j = GB_j * kg per GB(type_j)
    storage  = GB * kg per GB of SSD                       (only when the spec has storage)
    platform = the spec's cited board/chassis/PSU share     (only when the spec gives one)

    Each term is quantised to 0.001 kg (``quantise_kg``) and the total is the sum of the
    quantised terms, so the terms shown always add up to the total. A parameter the spec needs
    and ``params`` lacks (a node without carbon per area or yield, a memory type without a
    per-GB value) raises ``ValueError`` naming the spec and the parameter: a missing value is
    never taken as zero.
    """
    name = spec.name
    terms: list[SpecTerm] = []
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        for number, die in enumerate(spec.dies, start=1):
            node = normalise_node(die.node)
            area = _non_negative(f"hardware spec {name!r}: die {number} area_cm2", die.area_cm2)
            if area == 0:
                raise ValueError(f"hardware spec {name!r}: die {number} has no area")
            if not isinstance(die.count, int) or die.count < 1:
                raise ValueError(f"hardware spec {name!r}: die {number} count must be 1 or more")
            cpa = _parameter(
                params.carbon_per_cm2_by_node,
                node,
                name,
                f"carbon per cm² for process node {die.node!r}",
                params,
            )
            fab_yield = _parameter(
                params.yield_by_node, node, name, f"fab yield for process node {die.node!r}", params
            )
            if fab_yield == 0 or fab_yield > 1:
                raise ValueError(
                    f"hardware spec {name!r}: fab yield of node {die.node!r} must be in (0, 1], "
                    f"got {fab_yield}"
                )
            count = f"{die.count} {TIMES} " if die.count != 1 else ""
            terms.append(
                SpecTerm(
                    f"die {number}",
                    quantise_kg(die.count * area * cpa / fab_yield),
                    f"{count}{_number(area)} cm² {TIMES} {_number(cpa)} kg/cm² ({die.node}) ÷ "
                    f"{_number(fab_yield)} yield",
                    "; ".join(
                        source
                        for source in (
                            params.sources.get(f"cpa:{node}", ""),
                            params.sources.get(f"yield:{node}", ""),
                        )
                        if source
                    ),
                )
            )
        for memory_type, gb in spec.memory:
            kind = memory_type.strip().casefold()
            gb = _non_negative(f"hardware spec {name!r}: memory {memory_type} GB", gb)
            rate = _parameter(
                params.kg_per_gb_by_memory, kind, name, f"kg per GB of {memory_type}", params
            )
            terms.append(
                SpecTerm(
                    "memory",
                    quantise_kg(gb * rate),
                    f"{_number(gb)} GB {kind.upper()} {TIMES} {_number(rate)} kg/GB",
                    params.sources.get(f"memory:{kind}", ""),
                )
            )
        storage_gb = _non_negative(f"hardware spec {name!r}: storage_gb", spec.storage_gb)
        if storage_gb > 0:
            if params.kg_per_gb_storage is None:
                raise ValueError(
                    f"hardware spec {name!r}: no kg per GB of storage in "
                    f"{params.dataset_label or 'the parameters'}"
                )
            rate = _non_negative("kg per GB of storage", params.kg_per_gb_storage)
            terms.append(
                SpecTerm(
                    "storage",
                    quantise_kg(storage_gb * rate),
                    f"{_number(storage_gb)} GB SSD {TIMES} {_number(rate)} kg/GB",
                    params.sources.get("storage", ""),
                )
            )
        if spec.platform_kgco2e is not None:
            platform = _non_negative(
                f"hardware spec {name!r}: platform_kgco2e", spec.platform_kgco2e
            )
            source = spec.platform_source or spec.source
            terms.append(
                SpecTerm(
                    "platform share",
                    quantise_kg(platform),
                    f"{_number(platform)} kg (board, chassis, power supply share, {source})",
                    source,
                )
            )
        if not terms:
            raise ValueError(f"hardware spec {name!r} has no dies, memory, storage or platform")
        total = sum((term.kgco2e for term in terms), Decimal("0.000"))
    return SpecEmbodied(
        spec_id=spec.spec_id,
        name=name,
        total_kgco2e=total,
        terms=tuple(terms),
        aliases=tuple(spec.aliases),
        boundary=spec.boundary,
        source=spec.source,
        dataset_label=params.dataset_label,
    )


class SpecIndex:
    """Hardware specs by every normalised name and alias (``normalise_term``).

    "H100  SXM", "h100-sxm" and "H100_SXM" find the same spec. A word that names two specs
    raises ``ValueError``: one ledger word must never mean two products. ``spec:<name>`` (a
    vocabulary target) is accepted as well as the bare name.
    """

    __slots__ = ("_by_word", "_specs")

    def __init__(self, specs: Iterable[SpecEmbodied] = ()):
        by_word: dict[str, SpecEmbodied] = {}
        ordered = []
        for spec in specs:
            ordered.append(spec)
            for word in (spec.name, *spec.aliases):
                key = normalise_term(word)
                if not key:
                    continue
                other = by_word.get(key)
                if other is not None and other.name != spec.name:
                    raise ValueError(
                        f"hardware spec word {word!r} names both {other.name!r} and {spec.name!r}"
                    )
                by_word[key] = spec
        self._by_word = by_word
        self._specs = tuple(ordered)

    def get(self, word: str | None) -> SpecEmbodied | None:
        name = spec_name(word)
        return self._by_word.get(normalise_term(name if name is not None else word))

    def __len__(self) -> int:
        return len(self._specs)

    def __iter__(self) -> Iterator[SpecEmbodied]:
        return iter(self._specs)
