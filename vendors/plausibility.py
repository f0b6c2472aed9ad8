"""Plausibility rules for an emissions disclosure: pure functions over plain values.

The rules of docs/domain.md ("Vendor disclosure", step 3). Impossible values are *errors* (the
disclosure cannot be submitted); unusual values are *warnings* the vendor must confirm, and both are
stored with the disclosure. Checks that could not run (no sector factor, no exchange rate) leave an
informational *note* rather than a warning, so a vendor is never asked to confirm something nobody
checked.

No Django, no database: :func:`disclosure_plausibility` takes a :class:`DisclosureFacts` loaded by
``vendors.services.disclosures.disclosure_check`` and returns a :class:`PlausibilityResult`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from vendors.boundary import (
    BOUNDARY_LABELS,
    BOUNDARY_NONE,
    CRADLE_TO_GATE_TEXT,
    categories_text,
    category_problem,
)

# A reporting year is "about 12 months": 365 or 366 days, with slack for 52/53-week fiscal years
# (364 or 371 days) and periods that end on a month's last working day.
PERIOD_MIN_DAYS = 350
PERIOD_MAX_DAYS = 380
# Location- and market-based Scope 2 differ by the emission factors of contractual instruments;
# more than a factor of ten usually means one of them is in the wrong unit or scope.
SCOPE2_MAX_RATIO = Decimal(10)
# docs/domain.md ("Reconciliation"): intensity outside x0.2 ... x5 of the sector factor.
INTENSITY_LOW = Decimal("0.2")
INTENSITY_HIGH = Decimal(5)
# An intensity this far above the sector's whole supply chain factor is what 1,000x (kg entered in
# a tonnes field) does to a plausible figure; a figure 1,000x last year's is the same slip.
KG_AS_TONNES_INTENSITY = Decimal(50)
KG_AS_TONNES_PREVIOUS = Decimal(1000)

CURRENCY_RE = re.compile(r"^[A-Z]{3}$")

EMISSION_FIELDS = (
    ("scope1_tco2e", "Scope 1"),
    ("scope2_location_tco2e", "Scope 2 location-based"),
    ("scope2_market_tco2e", "Scope 2 market-based"),
    ("scope3_upstream_tco2e", "Upstream Scope 3"),
    ("allocated_to_us_tco2e", "Emissions allocated to us"),
)


class WarningCode:
    PERIOD_LENGTH = "period_length"
    SCOPE2_DIVERGENCE = "scope2_divergence"
    INTENSITY_OUT_OF_RANGE = "intensity_out_of_range"
    KG_AS_TONNES = "kg_as_tonnes"


@dataclass(frozen=True)
class PreviousDisclosure:
    """The vendor's latest accepted disclosure, for the kilograms-as-tonnes comparison."""

    label: str
    scope1_tco2e: Decimal | None = None
    scope2_location_tco2e: Decimal | None = None
    scope2_market_tco2e: Decimal | None = None
    scope3_upstream_tco2e: Decimal | None = None


@dataclass(frozen=True)
class DisclosureFacts:
    """Everything the rules look at, as plain values (emissions in tCO2e)."""

    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    scope1_tco2e: Decimal | None = None
    scope2_location_tco2e: Decimal | None = None
    scope2_market_tco2e: Decimal | None = None
    scope3_upstream_tco2e: Decimal | None = None
    # GHG Protocol upstream categories the upstream figure includes (vendors/boundary.py).
    scope3_upstream_categories: tuple[int, ...] | list[int] = ()
    revenue: Decimal | None = None
    revenue_currency: str = ""
    allocated_to_us_tco2e: Decimal | None = None
    allocation_method: str = ""
    # What the allocation covers: "" (none), "scope12" or "cradle_to_gate".
    allocation_boundary: str = ""
    allocation_uncertainty_pct: Decimal | None = None
    # What the request asked for; without a request only Scope 1 is required.
    ask_scope2_location: bool = False
    ask_scope2_market: bool = False
    # The spend-based factor of the vendor's NAICS code, kgCO2e per USD, if one is known.
    naics_code: str = ""
    sector_factor_kg_per_usd: Decimal | None = None
    sector_factor_source: str = ""
    # Units of ``revenue_currency`` per one USD, when the currency is not USD and a rate is known.
    fx_units_per_usd: Decimal | None = None
    previous: PreviousDisclosure | None = None


# The facts a disclosure's own values give; the others come from the database.
VALUE_FIELDS = (
    "period_start",
    "period_end",
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "scope3_upstream_tco2e",
    "scope3_upstream_categories",
    "revenue",
    "revenue_currency",
    "allocated_to_us_tco2e",
    "allocation_method",
    "allocation_boundary",
    "allocation_uncertainty_pct",
)


def facts_with(base: DisclosureFacts, values: dict) -> DisclosureFacts:
    """``dataclasses.replace(base, **{name: values[name] for name in VALUE_FIELDS})``, fast.

    A bulk upload checks thousands of rows against the same database-backed facts; ``replace``
    walks every field in Python for each of them. The values are taken as they are (the upload's
    parser has already typed them), and the result is as frozen as ``base``.
    """
    facts = object.__new__(DisclosureFacts)
    state = facts.__dict__
    state.update(base.__dict__)
    for name in VALUE_FIELDS:
        state[name] = values[name]
    return facts


@dataclass
class PlausibilityResult:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def warn(self, code: str, message: str) -> None:
        self.warnings.append({"code": code, "message": message})


def _fmt(value: Decimal) -> str:
    """A number as a person reads it: thousands separated, no trailing zeros, no exponent."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text


def _ratio(value: Decimal) -> str:
    return f"{value:,.1f}" if value >= 1 else f"{value:,.2f}"


def disclosure_plausibility(
    facts: DisclosureFacts, *, submitting: bool = True
) -> PlausibilityResult:
    """Apply every rule. With ``submitting=False`` (saving a draft) only impossible values are
    errors: a draft may still lack what the request asks for, and warnings wait for submission."""
    result = PlausibilityResult()
    _impossible_values(facts, result)
    if submitting:
        _required_values(facts, result)
        if not result.errors:
            _period_length(facts, result)
            _scope2_divergence(facts, result)
            _intensity(facts, result)
            _previous_magnitude(facts, result)
    return result


# --- errors ------------------------------------------------------------------------------------


def _impossible_values(facts: DisclosureFacts, result: PlausibilityResult) -> None:
    for name, label in EMISSION_FIELDS:
        value = getattr(facts, name)
        if value is not None and value < 0:
            result.error(name, f"{label} cannot be negative (you entered {_fmt(value)} tCO2e).")
    if facts.revenue is not None and facts.revenue < 0:
        result.error("revenue", f"Revenue cannot be negative (you entered {_fmt(facts.revenue)}).")
    if (
        facts.period_start is not None
        and facts.period_end is not None
        and facts.period_end <= facts.period_start
    ):
        result.error(
            "period_end",
            f"The period must end after it starts: it ends on {facts.period_end:%d %B %Y}, "
            f"which is not after the start, {facts.period_start:%d %B %Y}.",
        )
    pct = facts.allocation_uncertainty_pct
    if pct is not None and not (0 <= pct <= 100):
        result.error(
            "allocation_uncertainty_pct",
            f"The allocation uncertainty is a percentage from 0 to 100 (you entered {_fmt(pct)}).",
        )
    currency = (facts.revenue_currency or "").strip()
    if facts.revenue is not None and not currency:
        result.error(
            "revenue_currency", "Give the currency of the revenue (ISO 4217 code, e.g. USD, EUR)."
        )
    elif currency and not CURRENCY_RE.match(currency):
        result.error(
            "revenue_currency",
            f"“{currency}” is not an ISO 4217 currency code: use three capital letters, e.g. USD.",
        )
    if facts.allocated_to_us_tco2e is not None and not facts.allocation_method:
        result.error(
            "allocation_method",
            "Say how the emissions allocated to us were allocated (economic or physical).",
        )
    _coverage(facts, result)


def _coverage(facts: DisclosureFacts, result: PlausibilityResult) -> None:
    """What the figures cover must be said, and only for figures that are given: the hybrid
    method reads the categories and the allocation boundary to decide whether the data is
    cradle-to-gate (vendors/boundary.py)."""
    categories = facts.scope3_upstream_categories or ()
    wrong = [c for c in categories if category_problem(c)]
    for value in wrong:
        result.error("scope3_upstream_categories", category_problem(value))
    if facts.scope3_upstream_tco2e is None and categories and not wrong:
        result.error(
            "scope3_upstream_categories",
            f"You gave upstream Scope 3 categories ({categories_text(categories)}) but no upstream "
            "Scope 3 figure: enter the tCO2e those categories add up to, or clear the categories.",
        )
    elif facts.scope3_upstream_tco2e is not None and not categories:
        result.error(
            "scope3_upstream_categories",
            f"Say which upstream Scope 3 categories your {_fmt(facts.scope3_upstream_tco2e)} tCO2e "
            f"include (at least one; cradle-to-gate needs categories {CRADLE_TO_GATE_TEXT}).",
        )
    boundary = facts.allocation_boundary or BOUNDARY_NONE
    if boundary not in BOUNDARY_LABELS:
        result.error(
            "allocation_boundary",
            f"“{boundary}” is not an allocation boundary: use scope12 (Scope 1 and 2 only) or "
            "cradle_to_gate (Scope 1, 2 and upstream Scope 3).",
        )
    elif facts.allocated_to_us_tco2e is not None and boundary == BOUNDARY_NONE:
        result.error(
            "allocation_boundary",
            "Say what the emissions allocated to us cover: Scope 1 and 2 only, or Scope 1, 2 "
            "and upstream Scope 3 (cradle-to-gate).",
        )
    elif facts.allocated_to_us_tco2e is None and boundary != BOUNDARY_NONE:
        result.error(
            "allocation_boundary",
            f"An allocation boundary (“{BOUNDARY_LABELS[boundary]}”) needs the emissions "
            "allocated to us: enter them, or choose “No allocation”.",
        )


def _required_values(facts: DisclosureFacts, result: PlausibilityResult) -> None:
    if facts.period_start is None:
        result.error("period_start", "Give the first day of the reporting period.")
    if facts.period_end is None:
        result.error("period_end", "Give the last day of the reporting period.")
    if facts.scope1_tco2e is None:
        result.error("scope1_tco2e", "Scope 1 emissions are required (enter 0 if you have none).")
    location_missing = facts.scope2_location_tco2e is None
    if facts.ask_scope2_location and location_missing:
        if facts.ask_scope2_market and facts.scope2_market_tco2e is not None:
            result.error(
                "scope2_location_tco2e",
                "Scope 2 location-based is required when market-based is given: the request "
                "asks for both.",
            )
        else:
            result.error(
                "scope2_location_tco2e",
                "Scope 2 location-based is required: the request asks for it.",
            )
    if facts.ask_scope2_market and facts.scope2_market_tco2e is None:
        result.error(
            "scope2_market_tco2e", "Scope 2 market-based is required: the request asks for it."
        )


# --- warnings ----------------------------------------------------------------------------------


def _period_length(facts: DisclosureFacts, result: PlausibilityResult) -> None:
    days = (facts.period_end - facts.period_start).days + 1
    if not (PERIOD_MIN_DAYS <= days <= PERIOD_MAX_DAYS):
        result.warn(
            WarningCode.PERIOD_LENGTH,
            f"The period {facts.period_start:%d %B %Y} to {facts.period_end:%d %B %Y} covers "
            f"{days} days; a reporting year is about 12 months ({PERIOD_MIN_DAYS} to "
            f"{PERIOD_MAX_DAYS} days).",
        )


def _scope2_divergence(facts: DisclosureFacts, result: PlausibilityResult) -> None:
    location, market = facts.scope2_location_tco2e, facts.scope2_market_tco2e
    # Zero market-based is plausible (all electricity covered by instruments): no ratio then.
    if not location or not market:
        return
    ratio = max(location, market) / min(location, market)
    if ratio > SCOPE2_MAX_RATIO:
        result.warn(
            WarningCode.SCOPE2_DIVERGENCE,
            f"Scope 2 market-based ({_fmt(market)} tCO2e) and location-based ({_fmt(location)} "
            f"tCO2e) differ by a factor of {_ratio(ratio)}, more than tenfold.",
        )


def emissions_scope12_tco2e(facts: DisclosureFacts) -> Decimal | None:
    """Scope 1 + Scope 2, market-based where given (GHG Protocol Scope 2 Guidance, ch. 7: the
    market-based figure reflects the vendor's purchasing choices), else location-based."""
    if facts.scope1_tco2e is None:
        return None
    scope2 = facts.scope2_market_tco2e
    if scope2 is None:
        scope2 = facts.scope2_location_tco2e
    return facts.scope1_tco2e + (scope2 or Decimal(0))


def revenue_usd(facts: DisclosureFacts) -> Decimal | None:
    if facts.revenue is None:
        return None
    currency = (facts.revenue_currency or "").strip().upper()
    if currency == "USD":
        return facts.revenue
    if facts.fx_units_per_usd:
        return facts.revenue / facts.fx_units_per_usd
    return None


def _intensity(facts: DisclosureFacts, result: PlausibilityResult) -> None:
    """Scope 1+2 per million USD of revenue against the sector's spend-based factor.

    Units: 1 kgCO2e/USD = 1 tCO2e per thousand USD = 1,000 tCO2e per million USD. The factor is
    a whole-supply-chain figure, so a vendor's own Scope 1+2 normally sits below it; the band
    x0.2 ... x5 flags only what is far off either way.
    """
    if not facts.revenue:
        return
    factor = facts.sector_factor_kg_per_usd
    if not factor:
        result.notes.append(
            f"Emissions intensity not checked: no spend-based factor is known for NAICS "
            f"{facts.naics_code or '(none)'}."
        )
        return
    usd = revenue_usd(facts)
    if usd is None:
        result.notes.append(
            f"Emissions intensity not checked: no exchange rate from {facts.revenue_currency} "
            "to USD is available."
        )
        return
    if usd <= 0:
        return
    emissions = emissions_scope12_tco2e(facts)
    intensity = emissions / (usd / Decimal(1_000_000))
    sector = factor * Decimal(1000)
    ratio = intensity / sector
    currency_note = "" if facts.revenue_currency.upper() == "USD" else " (converted to USD)"
    where = f" ({facts.sector_factor_source})" if facts.sector_factor_source else ""
    usd_text = _fmt(usd.quantize(Decimal(1)))
    if ratio < INTENSITY_LOW or ratio > INTENSITY_HIGH:
        result.warn(
            WarningCode.INTENSITY_OUT_OF_RANGE,
            f"Scope 1 + 2 of {_fmt(emissions)} tCO2e on revenue of {usd_text} USD"
            f"{currency_note} is {_fmt(intensity.quantize(Decimal('0.01')))} tCO2e per million "
            f"USD, {_ratio(ratio)} times the spend-based factor for NAICS {facts.naics_code} of "
            f"{_fmt(sector)} tCO2e per million USD{where}; we expect between "
            f"{_ratio(INTENSITY_LOW)} and {_ratio(INTENSITY_HIGH)} times.",
        )
    if ratio > KG_AS_TONNES_INTENSITY:
        result.warn(
            WarningCode.KG_AS_TONNES,
            f"Scope 1 + 2 of {_fmt(emissions)} tCO2e is over {_fmt(KG_AS_TONNES_INTENSITY)} "
            "times what the sector factor suggests for your revenue: were the values entered "
            "in kilograms? Every emissions field is in tonnes (1 t = 1,000 kg).",
        )


def _previous_magnitude(facts: DisclosureFacts, result: PlausibilityResult) -> None:
    previous = facts.previous
    if previous is None:
        return
    for name, label in EMISSION_FIELDS[:4]:
        now, before = getattr(facts, name), getattr(previous, name)
        if now is None or not before or before <= 0:
            continue
        if now >= before * KG_AS_TONNES_PREVIOUS:
            result.warn(
                WarningCode.KG_AS_TONNES,
                f"{label} of {_fmt(now)} tCO2e is {_ratio(now / before)} times the "
                f"{_fmt(before)} tCO2e of your accepted disclosure for {previous.label}: were "
                "the values entered in kilograms? Every emissions field is in tonnes.",
            )
