"""Target paths, base-year recalculation, engagement coverage, risk tiers and percentiles.

Pure rules (docs/targets.md): dataclasses and Decimals in, values out; no Django import. The
selectors load what a rule needs, the rule computes, the pages and exports only show.

- A target's **linear path** runs from the base-year value to the target value
  (``base x (1 - reduction)``) in equal yearly steps (SBTi Corporate Net-Zero Standard, linear
  annual reduction); a year is **on track** when its emissions (or intensity) are at or below
  the path's value of that year.
- **Base-year recalculation** (GHG Protocol Corporate Standard, ch. 5): a restatement of the
  base year that moves it by *more than* the significance threshold (5 % by default) flags the
  target for recalculation.
- **Engagement coverage** (SBTi supplier-engagement target): the share of the chosen emissions
  (or spend) that comes from vendors with a science-based target.
- **Risk tier**: the first stated rule, high before medium, whose every condition holds.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

HUNDRED = Decimal(100)
DEFAULT_SIGNIFICANCE = Decimal("0.05")
_PERCENT = Decimal("0.1")
_VALUE = Decimal("0.001")


def _q(value: Decimal, quantum: Decimal = _VALUE) -> Decimal:
    return value.quantize(quantum, ROUND_HALF_EVEN)


# --- target path ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetPath:
    """A reduction of ``reduction_pct`` % from ``base_value`` in ``base_year`` by ``target_year``.

    ``base_value`` is in the target's own unit: tCO2e for an absolute target, tCO2e per unit of
    the business metric for an intensity target.
    """

    base_year: int
    base_value: Decimal
    target_year: int
    reduction_pct: Decimal

    def __post_init__(self):
        if self.target_year <= self.base_year:
            raise ValueError(
                f"target year {self.target_year} must be after the base year {self.base_year}"
            )
        if not (Decimal(0) < self.reduction_pct <= HUNDRED):
            raise ValueError(f"reduction {self.reduction_pct} % must be above 0 and at most 100")
        if self.base_value < 0:
            raise ValueError(f"base value {self.base_value} must not be negative")

    @property
    def target_value(self) -> Decimal:
        return _q(self.base_value * (1 - self.reduction_pct / HUNDRED))

    def value_in(self, year: int) -> Decimal:
        """The path's value in ``year``: the base value before the base year, the target value
        from the target year on, a straight line in between."""
        if year <= self.base_year:
            return _q(self.base_value)
        if year >= self.target_year:
            return self.target_value
        elapsed = Decimal(year - self.base_year) / Decimal(self.target_year - self.base_year)
        return _q(self.base_value - (self.base_value - self.target_value) * elapsed)


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where one year stands against the path."""

    year: int
    actual: Decimal
    low: Decimal | None
    high: Decimal | None
    path_value: Decimal
    on_track: bool
    range_crosses_path: bool
    gap_left_pct: Decimal
    reduction_so_far_pct: Decimal


def progress_in(
    path: TargetPath,
    *,
    year: int,
    actual: Decimal,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> Progress:
    """On track when ``actual`` ≤ the path's value of ``year``; the share of the gap left is
    ``(actual - target) ÷ (base - target)``: 100 % at the base value, 0 % once the target value
    is reached (never below 0; above 100 % when emissions grew)."""
    path_value = path.value_in(year)
    span = path.base_value - path.target_value
    gap = (actual - path.target_value) / span * HUNDRED if span else Decimal(0)
    reduced = (
        (path.base_value - actual) / path.base_value * HUNDRED if path.base_value else Decimal(0)
    )
    crosses = low is not None and high is not None and low <= path_value < high
    return Progress(
        year=year,
        actual=actual,
        low=low,
        high=high,
        path_value=path_value,
        on_track=actual <= path_value,
        range_crosses_path=crosses,
        gap_left_pct=_q(max(gap, Decimal(0)), _PERCENT),
        reduction_so_far_pct=_q(reduced, _PERCENT),
    )


def intensity(emissions_t: Decimal, metric: Decimal) -> Decimal:
    """tCO2e per unit of a business metric (revenue, GPU-hours served, ...)."""
    if metric <= 0:
        raise ValueError(f"the business metric must be positive to divide by, not {metric}")
    return emissions_t / metric


# --- base-year recalculation ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recalculation:
    old_value: Decimal
    new_value: Decimal
    change_pct: Decimal
    threshold_pct: Decimal
    needed: bool


def recalculation_check(
    *, old_value: Decimal, new_value: Decimal, threshold: Decimal = DEFAULT_SIGNIFICANCE
) -> Recalculation:
    """Whether a restated base year needs the target recalculated (GHG Protocol Corporate
    Standard ch. 5): when ``|new - old| ÷ old`` is *more than* ``threshold``."""
    if threshold < 0:
        raise ValueError(f"the significance threshold must not be negative: {threshold}")
    if old_value == 0:
        change = Decimal(0) if new_value == 0 else HUNDRED
    else:
        change = abs(new_value - old_value) / old_value * HUNDRED
    threshold_pct = threshold * HUNDRED
    return Recalculation(
        old_value=old_value,
        new_value=new_value,
        change_pct=_q(change, Decimal("0.01")),
        threshold_pct=threshold_pct,
        needed=change > threshold_pct,
    )


# --- supplier engagement -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorShare:
    """One vendor's emissions (tCO2e or kg, one unit for all) and spend in one currency."""

    vendor_id: int
    kgco2e: Decimal
    spend: Decimal
    has_target: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Coverage:
    covered_kgco2e: Decimal
    total_kgco2e: Decimal
    covered_spend: Decimal
    total_spend: Decimal
    vendors_covered: int
    vendors_total: int

    @property
    def emissions_pct(self) -> Decimal:
        if not self.total_kgco2e:
            return Decimal(0)
        return _q(self.covered_kgco2e / self.total_kgco2e * HUNDRED, _PERCENT)

    @property
    def spend_pct(self) -> Decimal:
        if not self.total_spend:
            return Decimal(0)
        return _q(self.covered_spend / self.total_spend * HUNDRED, _PERCENT)


def engagement_coverage(vendors: Iterable[VendorShare]) -> Coverage:
    """The share of emissions and of spend from vendors with a science-based target."""
    covered_kg = total_kg = covered_spend = total_spend = Decimal(0)
    covered = total = 0
    for vendor in vendors:
        total += 1
        total_kg += vendor.kgco2e
        total_spend += vendor.spend
        if vendor.has_target:
            covered += 1
            covered_kg += vendor.kgco2e
            covered_spend += vendor.spend
    return Coverage(covered_kg, total_kg, covered_spend, total_spend, covered, total)


# SBTi "companies taking action" near-term statuses that count as a science-based target.
SBTI_TARGET_STATUSES = frozenset({"targets set"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetEvidence:
    """What says a vendor has a science-based target on a day."""

    certificate_valid: bool
    sbti_status: str = ""  # as imported from the SBTi list, e.g. "Targets Set", "Committed"


def has_science_based_target(evidence: TargetEvidence) -> tuple[bool, str]:
    """A valid "SBTi validated target" certificate, or "Targets Set" on the SBTi's list."""
    if evidence.certificate_valid:
        return True, "valid SBTi validated target certificate"
    if evidence.sbti_status.strip().casefold() in SBTI_TARGET_STATUSES:
        return True, f"SBTi list: {evidence.sbti_status}"
    if evidence.sbti_status:
        return False, f"SBTi list: {evidence.sbti_status} (no target set)"
    return False, "no SBTi certificate or listing"


# --- risk tiers ----------------------------------------------------------------------------------

LOW, MEDIUM, HIGH = "low", "medium", "high"
_TIER_ORDER = {HIGH: 0, MEDIUM: 1, LOW: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorFacts:
    """What the risk rules look at for one vendor."""

    emissions_rank: int | None  # 1 = the largest emitter of the run; None: no emissions
    years_without_disclosure: int  # consecutive latest reporting years without an accepted one
    has_target: bool
    dq: Decimal | None  # emissions-weighted data quality, 1 best .. 5 worst
    late_requests: int  # disclosure requests answered late or not at all
    open_findings: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskRule:
    """A stated rule: every condition given (not None) must hold for the rule to fire."""

    tier: str
    name: str
    position: int = 0
    min_years_without_disclosure: int | None = None
    top_n_by_emissions: int | None = None
    without_target: bool | None = None
    min_dq: Decimal | None = None
    min_late_requests: int | None = None
    min_open_findings: int | None = None

    def conditions(self) -> list[str]:
        parts = []
        if self.min_years_without_disclosure is not None:
            parts.append(f"no disclosure for {self.min_years_without_disclosure}+ years")
        if self.top_n_by_emissions is not None:
            parts.append(f"top {self.top_n_by_emissions} by emissions")
        if self.without_target:
            parts.append("no science-based target")
        if self.min_dq is not None:
            parts.append(f"data quality {self.min_dq} or worse")
        if self.min_late_requests is not None:
            parts.append(f"{self.min_late_requests}+ late or missing disclosures")
        if self.min_open_findings is not None:
            parts.append(f"{self.min_open_findings}+ open audit findings")
        return parts

    def describe(self) -> str:
        return f"{self.name}: " + (" and ".join(self.conditions()) or "always")

    def fires(self, facts: VendorFacts) -> bool:
        checks = []
        if self.min_years_without_disclosure is not None:
            checks.append(facts.years_without_disclosure >= self.min_years_without_disclosure)
        if self.top_n_by_emissions is not None:
            checks.append(
                facts.emissions_rank is not None and facts.emissions_rank <= self.top_n_by_emissions
            )
        if self.without_target:
            checks.append(not facts.has_target)
        if self.min_dq is not None:
            checks.append(facts.dq is not None and facts.dq >= self.min_dq)
        if self.min_late_requests is not None:
            checks.append(facts.late_requests >= self.min_late_requests)
        if self.min_open_findings is not None:
            checks.append(facts.open_findings >= self.min_open_findings)
        return all(checks)


DEFAULT_RULES: tuple[RiskRule, ...] = (
    RiskRule(
        tier=HIGH,
        name="Silent large emitter",
        position=1,
        min_years_without_disclosure=2,
        top_n_by_emissions=20,
    ),
    RiskRule(
        tier=HIGH,
        name="Large emitter without target, poor data",
        position=2,
        top_n_by_emissions=20,
        without_target=True,
        min_dq=Decimal(4),
    ),
    RiskRule(tier=MEDIUM, name="No recent disclosure", position=3, min_years_without_disclosure=1),
    RiskRule(tier=MEDIUM, name="Late with disclosures", position=4, min_late_requests=2),
    RiskRule(tier=MEDIUM, name="Open audit findings", position=5, min_open_findings=1),
)


@dataclass(frozen=True, slots=True)
class TierResult:
    tier: str
    rule: RiskRule | None

    @property
    def explanation(self) -> str:
        return self.rule.describe() if self.rule else "no rule fired"


@functools.lru_cache(maxsize=64)
def rules_ordered(rules: tuple[RiskRule, ...]) -> tuple[RiskRule, ...]:
    """High rules before medium, then by position and name."""
    return tuple(sorted(rules, key=lambda r: (_TIER_ORDER.get(r.tier, 9), r.position, r.name)))


def risk_tier(facts: VendorFacts, rules: Sequence[RiskRule] = DEFAULT_RULES) -> TierResult:
    """The tier of the first rule that fires (high rules before medium, then by position);
    low when none does."""
    for rule in rules_ordered(tuple(rules)):
        if rule.fires(facts):
            return TierResult(rule.tier, rule)
    return TierResult(LOW, None)


# --- peer benchmark ------------------------------------------------------------------------------


def percentile(value: Decimal, peers: Sequence[Decimal], *, lower_is_better: bool = True) -> int:
    """The share of ``peers`` (the vendor included) that ``value`` does better than, counting
    ties as half (the mid-rank percentile): 100 best, 0 worst, 50 for a lone vendor."""
    return percentile_sorted(value, sorted(peers), lower_is_better=lower_is_better)


def percentile_sorted(
    value: Decimal, ordered: Sequence[Decimal], *, lower_is_better: bool = True
) -> int:
    """:func:`percentile` over peers already sorted ascending (a binary search: a scorecard
    page for each of thousands of vendors need not rescan the category)."""
    if not ordered:
        raise ValueError("a percentile needs at least one peer value (the vendor's own)")
    below = bisect.bisect_left(ordered, value)
    above = len(ordered) - bisect.bisect_right(ordered, value)
    equal = len(ordered) - below - above
    worse = above if lower_is_better else below
    share = (Decimal(worse) + Decimal(equal) / 2) / Decimal(len(ordered)) * HUNDRED
    return int(share.quantize(Decimal(1), ROUND_HALF_EVEN))


ON_TIME, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"


def request_timeliness(*, due_date, submitted_on, today) -> str:
    """A disclosure request's answer: on time (submitted by the due date), late (after it),
    missing (nothing submitted and the due date passed) or pending (not yet due)."""
    if submitted_on is not None:
        return ON_TIME if submitted_on <= due_date else LATE
    return MISSING if today > due_date else PENDING


@dataclass(frozen=True, slots=True)
class Timeliness:
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    @property
    def on_time_pct(self) -> Decimal | None:
        answered = self.on_time + self.late + self.missing
        return _q(Decimal(self.on_time) / answered * HUNDRED, _PERCENT) if answered else None
