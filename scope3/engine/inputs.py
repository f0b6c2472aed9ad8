"""Plain inputs of the Scope 3 engine: what a run pinned and what it reads.

Everything here is a frozen dataclass of ``Decimal``, ``str``, ``int`` and ``date`` values so that
an inventory run is reproducible: the adapter (``scope3/adapters.py``) loads rows from the
database into these once per chunk, and the engine never touches the ORM.

Quantities carry their unit in the field name (``_kg``, ``_t``, ``_km``, ``kgco2e``). Tonnes of
CO2e (``_t``) appear only where suppliers report them (corporate disclosures); the engine turns
them into kilograms explicitly.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

LineId = int | str
VendorId = int | str


class Category(enum.IntEnum):
    """Scope 3 categories covered (GHG Protocol Corporate Value Chain (Scope 3) Standard, 5.3)."""

    PURCHASED_GOODS_AND_SERVICES = 1
    CAPITAL_GOODS = 2
    UPSTREAM_TRANSPORTATION = 4
    WASTE_GENERATED_IN_OPERATIONS = 5


class Method(enum.StrEnum):
    """Calculation methods, best first (Scope 3 Standard 7.5; Technical Guidance table 1.1).

    ``rank`` is the position in docs/method.md, section 2: the lower, the better.
    """

    SUPPLIER_SPECIFIC = "supplier_specific"
    HYBRID = "hybrid"
    AVERAGE_DATA = "average_data"
    SPEND_BASED = "spend_based"
    UNACCOUNTED = "unaccounted"

    @property
    def rank(self) -> int | None:
        return _METHOD_RANK[self]


_METHOD_RANK = {
    Method.SUPPLIER_SPECIFIC: 1,
    Method.HYBRID: 2,
    Method.AVERAGE_DATA: 3,
    Method.SPEND_BASED: 4,
    Method.UNACCOUNTED: None,
}


class AverageKind(enum.StrEnum):
    """Which activity an average-data factor multiplies, and so its required unit."""

    HARDWARE = "hardware"  # kgCO2e per unit (embodied carbon of one GPU, server, ...)
    FREIGHT = "freight"  # kgCO2e per tonne-km
    WASTE = "waste"  # kgCO2e per tonne treated

    @property
    def unit(self) -> str:
        return _AVERAGE_UNIT[self]


_AVERAGE_UNIT = {
    AverageKind.HARDWARE: "unit",
    AverageKind.FREIGHT: "tonne-km",
    AverageKind.WASTE: "tonne",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SpendLineInput:
    """One line of the purchase ledger.

    ``naics`` is the line's own NAICS-6 code; ``vendor_naics`` the vendor's default, used only
    when the line has none (and then scored one data-quality point worse). ``amount`` is signed:
    a credit note is negative and reduces emissions. Transport lines carry ``weight_kg``,
    ``distance_km`` and ``mode``; waste lines carry ``waste_treatment`` and ``waste_tonnes``
    (else ``weight_kg`` is read as the waste's weight). ``country`` is the ISO 3166-1 alpha-2
    country the purchase came from (the vendor's), for the geographical data-quality score.
    """

    line_id: LineId
    external_id: str
    vendor_id: VendorId | None
    date: dt.date
    amount: Decimal
    currency: str
    naics: str | None = None
    vendor_naics: str | None = None
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    hardware_class: str = ""
    product_id: str = ""
    weight_kg: Decimal | None = None
    distance_km: Decimal | None = None
    mode: str = ""
    waste_treatment: str = ""
    waste_tonnes: Decimal | None = None
    capital: bool = False
    country: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpendFactor:
    """An environmentally-extended input-output factor, kgCO2e per unit of currency.

    ``kgco2e_per_unit`` is the factor *with margins* (purchaser price), the one applied to spend;
    the margins are never added on top of it (EPA Supply Chain GHG Emission Factors v1.3 user
    guide). ``currency`` and ``dollar_year`` are the basis of the factor, e.g. ``USD`` 2022.
    """

    dataset_key: str
    code: str
    kgco2e_per_unit: Decimal
    currency: str
    dollar_year: int
    kgco2e_per_unit_without_margins: Decimal | None = None
    margins_kgco2e_per_unit: Decimal | None = None
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AverageFactor:
    """An average-data factor: kgCO2e per unit of physical activity.

    ``unit`` must match the kind: ``unit`` for hardware, ``tonne-km`` for freight, ``tonne`` for
    waste. ``source`` and ``boundary`` travel into every result that uses the factor, because
    published figures for the same item differ by an order of magnitude (docs/method.md,
    "Hardware").
    """

    dataset_key: str
    kind: AverageKind
    code: str
    kgco2e_per_unit: Decimal
    unit: str
    source: str = ""
    boundary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductFootprintInput:
    """A supplier's product carbon footprint (e.g. a PACT ProductFootprint).

    ``kgco2e_per_declared_unit`` is per *one* declared unit: the adapter divides a PACT
    ``pcfExcludingBiogenic`` by ``declaredUnitAmount`` first. ``valid_from``/``valid_to`` limit
    the footprint to purchases within its validity period when given.
    """

    footprint_id: str
    vendor_id: VendorId
    product_id: str
    kgco2e_per_declared_unit: Decimal
    declared_unit: str = "unit"
    assured: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    relative_uncertainty: Decimal | None = None


# Upstream Scope 3 categories a supplier must report for its figure to be cradle-to-gate
# (docs/method.md, "Hybrid"): purchased goods and services, capital goods, fuel- and
# energy-related activities, upstream transportation and distribution.
CRADLE_TO_GATE_CATEGORIES = frozenset({1, 2, 3, 4})
ALLOCATION_CRADLE_TO_GATE = "cradle_to_gate"
ALLOCATION_SCOPE12 = "scope12"


@dataclass(frozen=True, slots=True, kw_only=True)
class DisclosureInput:
    """A vendor's *accepted* corporate disclosure for a period (the adapter passes no others).

    Emissions are in tonnes CO2e as suppliers report them; ``revenue`` is in ``currency``.
    ``scope3_upstream_t`` is the upstream Scope 3 the vendor reported, covering the categories
    in ``upstream_categories``. ``allocated_to_us_t`` is the vendor's own allocation of its
    emissions to us for the period, covering ``allocation_boundary`` (``"scope12"`` or
    ``"cradle_to_gate"``); ``allocation_uncertainty_pct`` is a percentage (``15`` means ±15 %).
    """

    disclosure_id: str
    vendor_id: VendorId
    period_start: dt.date
    period_end: dt.date
    scope1_t: Decimal | None
    scope2_market_t: Decimal | None
    currency: str
    revenue: Decimal | None = None
    scope3_upstream_t: Decimal | None = None
    allocated_to_us_t: Decimal | None = None
    allocation_uncertainty_pct: Decimal | None = None
    verified: bool = False
    upstream_categories: frozenset[int] = frozenset()
    allocation_boundary: str = ""

    @property
    def upstream_complete(self) -> bool:
        """Upstream Scope 3 is reported for at least categories 1-4 (cradle-to-gate)."""
        return self.scope3_upstream_t is not None and CRADLE_TO_GATE_CATEGORIES.issubset(
            self.upstream_categories
        )

    @property
    def missing_upstream_categories(self) -> list[int]:
        if self.scope3_upstream_t is None:
            return sorted(CRADLE_TO_GATE_CATEGORIES)
        return sorted(CRADLE_TO_GATE_CATEGORIES - self.upstream_categories)


@dataclass(frozen=True, slots=True, kw_only=True)
class DatasetRef:
    """A pinned factor dataset version.

    ``region`` (a country code, ``"GLO"`` or empty for a global average) and ``reference_year``
    (the year the data describes) feed the geographical and temporal data-quality scores.
    ``relative_uncertainty`` (e.g. ``Decimal("0.35")`` for ±35 %) overrides the method default
    for every result computed from this dataset.
    """

    key: str
    version: str
    relative_uncertainty: Decimal | None = None
    region: str = ""
    reference_year: int | None = None

    @property
    def label(self) -> str:
        return f"{self.key} {self.version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorSet:
    """The dataset versions one inventory run pinned, one per kind."""

    spend: DatasetRef | None = None
    hardware: DatasetRef | None = None
    freight: DatasetRef | None = None
    waste: DatasetRef | None = None
    fx: DatasetRef | None = None
    price_index: DatasetRef | None = None

    def for_average(self, kind: AverageKind) -> DatasetRef | None:
        return getattr(self, kind.value)

    def pins(self) -> dict[str, str]:
        """``{kind: version}`` of every pinned dataset, for the run's record."""
        out = {}
        for kind in ("spend", "hardware", "freight", "waste", "fx", "price_index"):
            ref = getattr(self, kind)
            if ref is not None:
                out[kind] = f"{ref.key}={ref.version}"
        return out


# NAICS-6 prefixes whose spend is upstream transportation and distribution (Scope 3 Standard,
# category 4: transport, third-party warehousing). Passenger transport (481111, 4851...) is
# business travel, category 6, and deliberately absent.
DEFAULT_TRANSPORT_NAICS_PREFIXES = (
    "481112",  # scheduled freight air
    "481212",  # nonscheduled chartered freight air
    "482",  # rail
    "483111",  # deep sea freight
    "483113",  # coastal and Great Lakes freight
    "483211",  # inland water freight
    "484",  # truck
    "4885",  # freight transportation arrangement
    "492",  # couriers and messengers
    "493",  # warehousing and storage
)

# NAICS-6 prefixes of waste collection, treatment and disposal (category 5).
DEFAULT_WASTE_NAICS_PREFIXES = ("5621", "5622", "562920")


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryRules:
    """How a line's NAICS code maps to categories 4 and 5 when its fields do not say."""

    transport_naics_prefixes: tuple[str, ...] = DEFAULT_TRANSPORT_NAICS_PREFIXES
    waste_naics_prefixes: tuple[str, ...] = DEFAULT_WASTE_NAICS_PREFIXES


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationBase:
    """Our spend with a vendor over a disclosure's whole period, and how it splits by year.

    ``total`` is the net spend (in the disclosure's currency) of every line that selects the
    disclosure, whatever its calendar year; ``by_year`` the same per calendar year. An
    allocation is spread over ``total``, so a reporting year counts ``by_year[year] ÷ total`` of
    it (docs/method.md, "Hybrid").
    """

    total: Decimal
    by_year: dict[int, Decimal]

    def as_json(self) -> dict:
        return {
            "total": str(self.total),
            "by_year": {str(year): str(value) for year, value in sorted(self.by_year.items())},
        }

    @classmethod
    def from_json(cls, data) -> AllocationBase:
        if isinstance(data, str | int | Decimal):
            # A plan written before bases were split by year: the total alone.
            return cls(total=Decimal(data), by_year={})
        return cls(
            total=Decimal(data["total"]),
            by_year={int(year): Decimal(value) for year, value in data["by_year"].items()},
        )
