"""Everything one inventory run pinned, indexed once so each line costs a few dict lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from .fx import FxTable, MissingIndex, MissingRate, PriceIndex
from .hardware import SpecEmbodied, SpecIndex
from .inputs import (
    AverageFactor,
    AverageKind,
    CategoryRules,
    DisclosureInput,
    FactorSet,
    ProductFootprintInput,
    SpendFactor,
)
from .uncertainty import MethodUncertainty
from .vocabulary import Vocabulary


def normalise_code(code: str | None) -> str:
    """Codes compare trimmed and case-folded: ``" GPU "`` finds the factor ``"gpu"``."""
    return code.strip().casefold() if code else ""


_UNIT_SYNONYMS = {
    "unit": "unit",
    "units": "unit",
    "each": "unit",
    "ea": "unit",
    "pc": "unit",
    "pcs": "unit",
    "piece": "unit",
    "pieces": "unit",
    "item": "unit",
    "items": "unit",
    "tonne-km": "tonne-km",
    "tonne.km": "tonne-km",
    "tonne km": "tonne-km",
    "t-km": "tonne-km",
    "t.km": "tonne-km",
    "tkm": "tonne-km",
    "tonne": "tonne",
    "tonnes": "tonne",
    "t": "tonne",
    "metric ton": "tonne",
    "kg": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
}


def normalise_unit(unit: str | None) -> str:
    text = normalise_code(unit)
    return _UNIT_SYNONYMS.get(text, text)


class EstimationContext:
    """Factors, supplier data, FX and price indices of one run, indexed for lookups by key.

    Build it once per run (or per chunk task) and pass it to ``estimate_lines`` for every
    chunk: nothing here is rebuilt per line. Raises ``ValueError`` when the inputs contradict
    the pinned ``FactorSet`` (a factor of an unpinned dataset, duplicate codes, a freight factor
    not per tonne-km...), because mixing datasets silently would make a run irreproducible.

    ``allocation_bases`` maps a disclosure id to the vendor's spend (in the disclosure's
    currency) over which its allocation to us is spread; see ``allocation_bases()``. When None,
    ``estimate_lines`` computes it from the lines it is given.
    """

    __slots__ = (
        "_average",
        "_disclosures",
        "_footprints",
        "_fx_cache",
        "_hardware_specs",
        "_spend",
        "allocation_bases",
        "category_rules",
        "factor_set",
        "fx",
        "has_allocations",
        "price_index",
        "uncertainty",
        "vocabulary",
    )

    def __init__(
        self,
        *,
        factor_set: FactorSet,
        spend_factors: Iterable[SpendFactor] = (),
        average_factors: Iterable[AverageFactor] = (),
        product_footprints: Iterable[ProductFootprintInput] = (),
        disclosures: Iterable[DisclosureInput] = (),
        fx: FxTable | None = None,
        price_index: PriceIndex | None = None,
        uncertainty: MethodUncertainty | None = None,
        category_rules: CategoryRules | None = None,
        allocation_bases: Mapping[str, Decimal] | None = None,
        hardware_specs: Iterable[SpecEmbodied] = (),
        vocabulary: Vocabulary | None = None,
    ):
        self.factor_set = factor_set
        self.fx = fx
        self.price_index = price_index
        self.uncertainty = uncertainty or MethodUncertainty()
        self.category_rules = category_rules or CategoryRules()
        self.allocation_bases = dict(allocation_bases) if allocation_bases is not None else None
        self._fx_cache: dict[tuple[str, int, str, int], Decimal | str] = {}
        self._spend = self._index_spend(spend_factors)
        self._average = self._index_average(average_factors)
        self._footprints = self._index_footprints(product_footprints)
        self._disclosures = self._index_disclosures(disclosures)
        # Specs by name and alias (a word naming two specs raises), and the ledger vocabulary:
        # both pinned in the run's plan, so every chunk resolves a word the same way.
        self._hardware_specs = SpecIndex(hardware_specs)
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary()
        self.has_allocations = any(
            d.allocated_to_us_t is not None for ds in self._disclosures.values() for d in ds
        )

    def with_allocation_bases(self, bases: Mapping[str, Decimal]) -> EstimationContext:
        """A copy sharing the indexes, with allocation bases pinned (for chunked runs)."""
        clone = object.__new__(EstimationContext)
        for name in EstimationContext.__slots__:
            setattr(clone, name, getattr(self, name))
        clone.allocation_bases = dict(bases)
        return clone

    # Indexes -------------------------------------------------------------------------------

    def _index_spend(self, factors: Iterable[SpendFactor]) -> dict[str, SpendFactor]:
        ref = self.factor_set.spend
        index: dict[str, SpendFactor] = {}
        for factor in factors:
            if ref is None or factor.dataset_key != ref.key:
                raise ValueError(
                    f"spend factor {factor.code} belongs to dataset {factor.dataset_key!r}, "
                    "which the factor set does not pin"
                )
            if not factor.kgco2e_per_unit.is_finite():
                raise ValueError(f"spend factor {factor.code} is not a finite number")
            code = normalise_code(factor.code)
            if code in index:
                raise ValueError(f"duplicate spend factor code {factor.code}")
            index[code] = factor
        return index

    def _index_average(self, factors: Iterable[AverageFactor]):
        index: dict[tuple[AverageKind, str], AverageFactor] = {}
        for factor in factors:
            kind = AverageKind(factor.kind)
            ref = self.factor_set.for_average(kind)
            if ref is None or factor.dataset_key != ref.key:
                raise ValueError(
                    f"{kind} factor {factor.code} belongs to dataset {factor.dataset_key!r}, "
                    "which the factor set does not pin"
                )
            if normalise_unit(factor.unit) != kind.unit:
                raise ValueError(
                    f"{kind} factor {factor.code} must be per {kind.unit}, not per {factor.unit}"
                )
            if not factor.kgco2e_per_unit.is_finite():
                raise ValueError(f"{kind} factor {factor.code} is not a finite number")
            key = (kind, normalise_code(factor.code))
            if key in index:
                raise ValueError(f"duplicate {kind} factor code {factor.code}")
            index[key] = factor
        return index

    @staticmethod
    def _index_footprints(footprints: Iterable[ProductFootprintInput]):
        grouped: dict[tuple, list[ProductFootprintInput]] = {}
        for footprint in footprints:
            key = (footprint.vendor_id, footprint.product_id.strip())
            grouped.setdefault(key, []).append(footprint)
        # Preference when several apply on a date: assured first, then the most recent, then
        # the id, so the choice never depends on the order rows came from the database.
        return {
            key: tuple(sorted(items, key=_footprint_preference)) for key, items in grouped.items()
        }

    @staticmethod
    def _index_disclosures(disclosures: Iterable[DisclosureInput]):
        grouped: dict[object, list[DisclosureInput]] = {}
        for disclosure in disclosures:
            if disclosure.period_end < disclosure.period_start:
                raise ValueError(f"disclosure {disclosure.disclosure_id} ends before it starts")
            grouped.setdefault(disclosure.vendor_id, []).append(disclosure)
        # Overlapping periods: the latest-ending disclosure wins, verified before unverified,
        # then the highest id — deterministic whatever order the rows came in.
        return {
            vendor: tuple(
                sorted(
                    items,
                    key=lambda d: (d.period_end, d.verified, d.disclosure_id),
                    reverse=True,
                )
            )
            for vendor, items in grouped.items()
        }

    # Lookups -----------------------------------------------------------------------------

    def spend_factor(self, code: str) -> SpendFactor | None:
        return self._spend.get(code)

    def average_factor(self, kind: AverageKind, code: str) -> AverageFactor | None:
        return self._average.get((kind, code))

    def hardware_spec(self, word: str | None) -> SpecEmbodied | None:
        """The spec a ledger word (a name, an alias or ``spec:<name>``) names, if any."""
        return self._hardware_specs.get(word)

    def footprints(self, vendor_id, product_id: str) -> tuple[ProductFootprintInput, ...]:
        return self._footprints.get((vendor_id, product_id), ())

    def disclosures(self, vendor_id) -> tuple[DisclosureInput, ...]:
        return self._disclosures.get(vendor_id, ())

    def allocation_windows(self):
        """``(vendor_id, first day, last day)`` spanned by each vendor's allocating disclosures.

        The lines an allocation is spread over lie in these windows, in any calendar year.
        """
        windows = []
        for vendor_id, disclosures in sorted(self._disclosures.items(), key=lambda i: str(i[0])):
            allocating = [d for d in disclosures if d.allocated_to_us_t is not None]
            if allocating:
                windows.append(
                    (
                        vendor_id,
                        min(d.period_start for d in allocating),
                        max(d.period_end for d in allocating),
                    )
                )
        return windows

    def spend_multiplier(
        self, currency: str, year: int, to_currency: str, dollar_year: int
    ) -> Decimal | str:
        """Factor turning ``currency`` spent in ``year`` into ``to_currency`` of ``dollar_year``.

        FX at the purchase year first, then deflation with the price index of the factor's
        currency: ``* rate(to)/rate(from) * I[dollar_year]/I[year]``. Returns the reason (a
        ``str``) when a rate or index value is missing. Cached per currency and year.
        """
        key = (currency, year, to_currency, dollar_year)
        cached = self._fx_cache.get(key)
        if cached is not None:
            return cached
        value: Decimal | str
        try:
            value = self._multiplier(currency, year, to_currency, dollar_year)
        except (MissingRate, MissingIndex) as error:
            value = str(error)
        self._fx_cache[key] = value
        return value

    def _multiplier(self, currency, year, to_currency, dollar_year) -> Decimal:
        if currency.strip().upper() == to_currency.strip().upper():
            fx = Decimal(1)
        elif self.fx is None:
            raise MissingRate(currency.strip().upper(), year)
        else:
            fx = self.fx.multiplier(currency, to_currency, year)
        if year == dollar_year:
            return fx
        if self.price_index is None:
            raise MissingIndex(to_currency.strip().upper(), year)
        if self.price_index.currency != to_currency.strip().upper():
            # An index of another currency would deflate with the wrong inflation.
            raise MissingIndex(to_currency.strip().upper(), year)
        return fx * self.price_index.ratio(year, dollar_year)

    def convert(self, amount: Decimal, currency: str, to_currency: str, year: int) -> Decimal:
        """Convert at the year's FX rate; raises ``MissingRate``."""
        if currency.strip().upper() == to_currency.strip().upper():
            return amount
        if self.fx is None:
            raise MissingRate(currency.strip().upper(), year)
        return amount * self.fx.multiplier(currency, to_currency, year)


def _footprint_preference(footprint: ProductFootprintInput):
    valid_from = footprint.valid_from.toordinal() if footprint.valid_from else 0
    return (not footprint.assured, -valid_from, footprint.footprint_id)
