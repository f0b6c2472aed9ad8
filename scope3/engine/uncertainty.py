"""Uncertainty of line estimates and of totals.

Relative uncertainties are read as half-widths of a 95 % confidence interval, the convention of
the GHG Protocol's uncertainty guidance and of the IPCC 2006 Guidelines (Vol. 1, ch. 3): a line
of 1,000 kg at ±50 % lies between 500 and 1,500 kg. Totals of independent lines combine
absolute half-widths in quadrature (IPCC 2006, Vol. 1, eq. 3.1, "approach 1"), or by a seeded
Monte Carlo simulation ("approach 2") when the lognormal skew of large relative errors matters.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from .inputs import Method

KG_QUANTUM = Decimal("0.001")
# Every engine calculation runs in this context, whatever the caller's: results must not depend
# on a thread's decimal settings. 50 digits keep intermediate products of money, FX rates and
# index ratios exact well past the gram.
ENGINE_DECIMAL_CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
_Z_95 = 1.959963984540054  # two-sided 95 % quantile of the standard normal


def quantise_kg(value: Decimal) -> Decimal:
    """Round kilograms to grams, half to even, so every run rounds identically."""
    return value.quantize(KG_QUANTUM, ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodUncertainty:
    """Default relative uncertainty of each method (PRODUCT.md section 5; issue 6 item 4).

    A dataset's own ``DatasetRef.relative_uncertainty`` overrides the default for results
    computed from it; a disclosure's allocation uncertainty or a footprint's own uncertainty
    overrides it for those.
    """

    supplier_specific: Decimal = Decimal("0.10")
    hybrid: Decimal = Decimal("0.20")
    average_data: Decimal = Decimal("0.30")
    spend_based: Decimal = Decimal("0.50")

    def __post_init__(self):
        for name in ("supplier_specific", "hybrid", "average_data", "spend_based"):
            value = getattr(self, name)
            if not value.is_finite() or value < 0:
                raise ValueError(f"{name} uncertainty must be a non-negative number: {value}")

    def for_method(self, method: Method) -> Decimal:
        if method is Method.UNACCOUNTED:
            return Decimal(0)
        return getattr(self, method.value)


_SPREADS: dict[Decimal, tuple[Decimal, Decimal]] = {}


def bounds(kgco2e: Decimal, relative: Decimal) -> tuple[Decimal, Decimal]:
    """``(low, high) = kg * (1 ∓ u)``, ordered so that low <= high even for negative kg."""
    spread = _SPREADS.get(relative)
    if spread is None:
        # A handful of distinct uncertainties per run: compute 1 ∓ u once for each.
        spread = _SPREADS.setdefault(relative, (1 - relative, 1 + relative))
    a = (kgco2e * spread[0]).quantize(KG_QUANTUM, ROUND_HALF_EVEN)
    b = (kgco2e * spread[1]).quantize(KG_QUANTUM, ROUND_HALF_EVEN)
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True, slots=True, kw_only=True)
class Total:
    """A total with its range. ``half_width_kgco2e = sqrt(Σ hᵢ²)`` for independent lines."""

    kgco2e: Decimal
    low_kgco2e: Decimal
    high_kgco2e: Decimal
    half_width_kgco2e: Decimal
    lines: int
    unaccounted_lines: int


def combine_totals(results: Iterable) -> Total:
    """Sum line estimates and combine their ranges in quadrature (IPCC 2006 Vol. 1 eq. 3.1).

    Each line contributes its absolute half-width ``hᵢ = (highᵢ - lowᵢ) / 2``; the total's range
    is ``Σ kgᵢ ± sqrt(Σ hᵢ²)``. Accepts anything with ``kgco2e``, ``low_kgco2e``,
    ``high_kgco2e`` and ``method`` (engine results or rows read back from the database).
    """
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        return _combine(results)


def _combine(results: Iterable) -> Total:
    total = Decimal(0)
    squares = Decimal(0)
    lines = 0
    unaccounted = 0
    for result in results:
        lines += 1
        if result.method == Method.UNACCOUNTED:
            unaccounted += 1
            continue
        total += result.kgco2e
        half_width = (result.high_kgco2e - result.low_kgco2e) / 2
        squares += half_width * half_width
    half_width = quantise_kg(squares.sqrt())
    total = quantise_kg(total)
    return Total(
        kgco2e=total,
        low_kgco2e=total - half_width,
        high_kgco2e=total + half_width,
        half_width_kgco2e=half_width,
        lines=lines,
        unaccounted_lines=unaccounted,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MonteCarloTotal:
    """Percentiles of the simulated total; ``seed`` and ``draws`` reproduce it exactly."""

    mean_kgco2e: Decimal
    p2_5_kgco2e: Decimal
    p97_5_kgco2e: Decimal
    draws: int
    seed: int
    distribution: str


def _percentile(ordered: Sequence[float], p: float) -> float:
    # Linear interpolation between closest ranks (numpy's default, "type 7").
    position = p * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def monte_carlo_totals(
    results: Iterable,
    *,
    seed: int,
    draws: int = 10_000,
    distribution: str = "normal",
) -> MonteCarloTotal:
    """Simulate the total of independent lines; return its mean and 95 % interval.

    Each line is drawn from a normal (or lognormal, keeping the sign of the estimate) with mean
    ``kgco2e`` and standard deviation ``half-width / 1.96``. The generator is
    ``random.Random(seed)`` and lines are drawn in the order given, so the same results, seed
    and draws give the same percentiles. Cost is lines * draws: aggregate lines first (e.g. per
    vendor and method, combining half-widths in quadrature) for large inventories.
    """
    if distribution not in ("normal", "lognormal"):
        raise ValueError("distribution must be 'normal' or 'lognormal'")
    if draws < 2:
        raise ValueError("draws must be at least 2")
    params = []
    for result in results:
        if result.method == Method.UNACCOUNTED or result.kgco2e == 0:
            continue
        mean = float(result.kgco2e)
        sd = float(result.high_kgco2e - result.low_kgco2e) / 2 / _Z_95
        if distribution == "lognormal":
            # Moment-matched lognormal of |mean|: s² = ln(1 + (sd/mean)²), mu = ln|mean| - s²/2.
            sigma = math.sqrt(math.log1p((sd / mean) ** 2))
            params.append(
                (math.log(abs(mean)) - sigma * sigma / 2, sigma, -1.0 if mean < 0 else 1.0)
            )
        else:
            params.append((mean, sd, 1.0))
    rng = random.Random(seed)
    totals = []
    if distribution == "lognormal":
        for _ in range(draws):
            totals.append(math.fsum(sign * rng.lognormvariate(mu, s) for mu, s, sign in params))
    else:
        for _ in range(draws):
            totals.append(math.fsum(rng.gauss(mu, s) for mu, s, _sign in params))
    mean_total = math.fsum(totals) / draws
    totals.sort()

    def as_kg(value: float) -> Decimal:
        return quantise_kg(Decimal(repr(value)))

    return MonteCarloTotal(
        mean_kgco2e=as_kg(mean_total),
        p2_5_kgco2e=as_kg(_percentile(totals, 0.025)),
        p97_5_kgco2e=as_kg(_percentile(totals, 0.975)),
        draws=draws,
        seed=seed,
        distribution=distribution,
    )
