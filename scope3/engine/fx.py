"""Exchange rates and price indices: bring an amount to a factor's currency and dollar year.

A spend-based factor is kgCO2e per unit of one currency *in one year's prices* (EPA v1.3: 2022
USD, purchaser price). GHG Protocol Scope 3 Technical Guidance (category 1, spend-based method)
asks for spend in the factor's currency and for inflation to be removed, so the engine converts
at the purchase year's exchange rate and then deflates with a price index of the factor's
currency. A missing rate is an error the caller reports, never a silent ``1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


class MissingRate(LookupError):
    """No exchange rate for a currency in a year. ``str()`` is the reason shown to users."""

    def __init__(self, currency: str, year: int):
        self.currency = currency
        self.year = year
        super().__init__(f"no FX rate for {currency} in {year}")


class MissingIndex(LookupError):
    """No price index value for a year. ``str()`` is the reason shown to users."""

    def __init__(self, currency: str, year: int):
        self.currency = currency
        self.year = year
        super().__init__(f"no {currency} price index for {year}")


def _code(currency: str) -> str:
    return currency.strip().upper()


@dataclass(frozen=True, slots=True)
class FxTable:
    """Annual exchange rates, quoted as **units of the currency per one unit of ``base``**.

    ``rates[("EUR", 2024)] == Decimal("0.924")`` means 1 USD bought 0.924 EUR on average in
    2024. The base currency's rate is 1 by definition; every other pair goes through the base:
    ``amount_in_to = amount_in_from / rate(from) * rate(to)``.
    """

    rates: Mapping[tuple[str, int], Decimal]
    base: str = "USD"
    _rates: dict[tuple[str, int], Decimal] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        rates = {}
        for (currency, year), rate in self.rates.items():
            if not rate.is_finite() or rate <= 0:
                raise ValueError(f"FX rate for {currency} in {year} must be positive: {rate}")
            rates[(_code(currency), int(year))] = rate
        object.__setattr__(self, "base", _code(self.base))
        object.__setattr__(self, "_rates", rates)

    def rate(self, currency: str, year: int) -> Decimal:
        """Units of ``currency`` per one ``base``; raises :class:`MissingRate`."""
        currency = _code(currency)
        if currency == self.base:
            return Decimal(1)
        try:
            return self._rates[(currency, year)]
        except KeyError:
            raise MissingRate(currency, year) from None

    def multiplier(self, from_currency: str, to_currency: str, year: int) -> Decimal:
        """What one unit of ``from_currency`` is worth in ``to_currency`` in ``year``."""
        if _code(from_currency) == _code(to_currency):
            return Decimal(1)
        return self.rate(to_currency, year) / self.rate(from_currency, year)

    def convert(self, amount: Decimal, from_currency: str, to_currency: str, year: int) -> Decimal:
        if _code(from_currency) == _code(to_currency):
            return amount
        return amount / self.rate(from_currency, year) * self.rate(to_currency, year)


@dataclass(frozen=True, slots=True)
class PriceIndex:
    """A price index of one currency by year (e.g. the US GDP implicit price deflator).

    Only ratios matter: ``deflate(amount, from_year, to_year) = amount * I[to] / I[from]``, which
    turns purchase-year money into the factor's dollar year.
    """

    values: Mapping[int, Decimal]
    currency: str = "USD"
    name: str = ""
    _values: dict[int, Decimal] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        values = {}
        for year, value in self.values.items():
            if not value.is_finite() or value <= 0:
                raise ValueError(f"price index for {year} must be positive: {value}")
            values[int(year)] = value
        object.__setattr__(self, "currency", _code(self.currency))
        object.__setattr__(self, "_values", values)

    def value(self, year: int) -> Decimal:
        try:
            return self._values[year]
        except KeyError:
            raise MissingIndex(self.currency, year) from None

    def ratio(self, from_year: int, to_year: int) -> Decimal:
        """``I[to_year] / I[from_year]``; 1 when the years are equal (no index needed)."""
        if from_year == to_year:
            return Decimal(1)
        # Look up the purchase year first so the reason names the year users can act on.
        from_value = self.value(from_year)
        return self.value(to_year) / from_value

    def deflate(self, amount: Decimal, from_year: int, to_year: int) -> Decimal:
        if from_year == to_year:
            return amount
        return amount * self.value(to_year) / self.value(from_year)
