"""Uncertainty of line estimates and of totals (docs/method.md, "Uncertainty").

**What a relative uncertainty means.** ``u`` is the half-width of a 95 % interval relative to
the estimate, the convention of the GHG Protocol's uncertainty guidance and of the IPCC 2006
Guidelines (Vol. 1, ch. 3): the standard deviation of the estimate is ``u·|x| / 1.96``.

**Which distribution.** Emission factors are positive and right-skewed, so the engine assumes a
*lognormal* with the estimate as its mean and that standard deviation (IPCC 2006 Vol. 1, 3.2.2.4,
recommends lognormal for large, positive uncertainties). Its parameters are moment-matched:

    s² = ln(1 + (u / 1.96)²)        the variance of ln X
    m_low  = exp(-s²/2 - 1.96·s)     X's 2.5th percentile ÷ its mean
    m_high = exp(-s²/2 + 1.96·s)     X's 97.5th percentile ÷ its mean

and a line's bounds are ``x·m_low .. x·m_high`` (ordered for a credit note, whose bounds are
negative too). ``m_low`` is always positive, so no positive estimate has a negative bound
whatever ``u`` is; for small ``u`` the interval is nearly ``x·(1 ∓ u)``.

**Shared sources.** Lines that use one factor row, one disclosure, one product footprint or one
hardware spec share that source's error: if the factor is 30 % too high, it is 30 % too high for
every line that used it. Within one shared source the errors are fully correlated, so the
source's bounds are the *linear* sums of its lines' scenario values (``Σ xᵢ·m_lowᵢ`` and
``Σ xᵢ·m_highᵢ``); a purchase and its full credit note therefore cancel to 0 ± 0. Different
sources are independent and combine in *quadrature* (IPCC 2006 Vol. 1, eq. 3.1, approach 1,
which requires uncorrelated terms "or aggregated until they can be treated as uncorrelated"):
``total - sqrt(Σ_g d⁻_g²) .. total + sqrt(Σ_g d⁺_g²)`` with ``d⁻_g``/``d⁺_g`` each source's
distance below and above its own sum. The Monte Carlo option (approach 2) draws one standard
normal per source per trial and applies it to every line of the source.

Everything a total needs is the sum of kg per (source, relative uncertainty):
:class:`GroupSums`. Chunked runs store those sums per chunk and add them up, so a run's total
is the same whether it was computed in one pass or in a thousand chunks.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from .inputs import Method

KG_QUANTUM = Decimal("0.001")
# Every engine calculation runs in this context, whatever the caller's: results must not depend
# on a thread's decimal settings. 50 digits keep intermediate products of money, FX rates and
# index ratios exact well past the gram.
ENGINE_DECIMAL_CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
Z_95 = Decimal("1.959963984540054")  # two-sided 95 % quantile of the standard normal
_Z_95_FLOAT = float(Z_95)

ANALYTIC = "analytic"
MONTECARLO = "montecarlo"
DISTRIBUTION = "lognormal (mean = estimate, 95 % half-width = relative uncertainty)"
DEFAULT_MONTECARLO_SEED = 20_261_203
DEFAULT_MONTECARLO_DRAWS = 10_000


def quantise_kg(value: Decimal) -> Decimal:
    """Round kilograms to grams, half to even, so every run rounds identically."""
    return value.quantize(KG_QUANTUM, ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodUncertainty:
    """Default relative uncertainty of each method (docs/method.md, "Uncertainty").

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


@dataclass(frozen=True, slots=True)
class Lognormal:
    """The moment-matched lognormal of a relative uncertainty ``u`` (see the module text)."""

    relative: Decimal
    sigma: Decimal  # s, the standard deviation of ln X
    m_low: Decimal
    m_high: Decimal

    @property
    def sigma_float(self) -> float:
        return float(self.sigma)


_LOGNORMALS: dict[Decimal, Lognormal] = {}


def lognormal(relative: Decimal) -> Lognormal:
    """Parameters of ``u`` (cached: a run meets a handful of distinct uncertainties)."""
    found = _LOGNORMALS.get(relative)
    if found is not None:
        return found
    if not relative.is_finite() or relative < 0:
        raise ValueError(f"relative uncertainty must be a non-negative number: {relative}")
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        if relative == 0:
            made = Lognormal(relative, Decimal(0), Decimal(1), Decimal(1))
        else:
            variance = (1 + (relative / Z_95) ** 2).ln()
            sigma = variance.sqrt()
            made = Lognormal(
                relative,
                sigma,
                (-variance / 2 - Z_95 * sigma).exp(),
                (-variance / 2 + Z_95 * sigma).exp(),
            )
    return _LOGNORMALS.setdefault(relative, made)


def bounds(kgco2e: Decimal, relative: Decimal) -> tuple[Decimal, Decimal]:
    """``(low, high)`` of one line: ``kg·m_low .. kg·m_high``, ordered (a credit note's too)."""
    dist = lognormal(relative)
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        a = (kgco2e * dist.m_low).quantize(KG_QUANTUM, ROUND_HALF_EVEN)
        b = (kgco2e * dist.m_high).quantize(KG_QUANTUM, ROUND_HALF_EVEN)
    return (a, b) if a <= b else (b, a)


# --- sums per shared source ----------------------------------------------------------------------


class GroupSums:
    """Σ kg per shared source and relative uncertainty: all a total's range depends on.

    ``add`` takes anything with ``method``, ``kgco2e``, ``relative_uncertainty`` and
    ``source_key`` (engine results or rows read back from the database). ``as_json`` and
    ``from_json`` keep every digit (strings), for chunk totals stored between processes.
    """

    __slots__ = ("_sums", "independent_squares", "lines", "unaccounted_lines")

    def __init__(self):
        self._sums: dict[str, dict[Decimal, Decimal]] = {}
        # Σ half-width² of lines estimated before sources were recorded (method version 1):
        # those runs stay as they were, each line an independent term in quadrature.
        self.independent_squares = Decimal(0)
        self.lines = 0
        self.unaccounted_lines = 0

    def add(self, result) -> None:
        self.lines += 1
        if result.method == Method.UNACCOUNTED:
            self.unaccounted_lines += 1
            return
        self.add_sum(
            result.source_key or f"line:{getattr(result, 'line_id', id(result))}",
            result.relative_uncertainty or Decimal(0),
            result.kgco2e,
        )

    def add_sum(self, source: str, relative: Decimal, kgco2e: Decimal, lines: int = 0) -> None:
        by_u = self._sums.setdefault(source, {})
        with localcontext(ENGINE_DECIMAL_CONTEXT):
            by_u[relative] = by_u.get(relative, Decimal(0)) + kgco2e
        self.lines += lines

    def add_independent(self, kgco2e: Decimal, half_width_squares: Decimal, lines: int) -> None:
        """Lines without a recorded source (older runs): a sum and its Σ half-width²."""
        self.add_sum("", Decimal(0), kgco2e, lines=lines)
        with localcontext(ENGINE_DECIMAL_CONTEXT):
            self.independent_squares += half_width_squares

    def merge(self, other: GroupSums) -> GroupSums:
        for source, by_u in other._sums.items():
            for relative, kg in by_u.items():
                self.add_sum(source, relative, kg)
        self.independent_squares += other.independent_squares
        self.lines += other.lines
        self.unaccounted_lines += other.unaccounted_lines
        return self

    def items(self) -> Iterable[tuple[str, Mapping[Decimal, Decimal]]]:
        return self._sums.items()

    def __len__(self) -> int:
        return len(self._sums)

    def as_json(self) -> dict:
        return {
            source: {str(relative): str(kg) for relative, kg in sorted(by_u.items())}
            for source, by_u in sorted(self._sums.items())
        }

    @classmethod
    def from_json(cls, data: Mapping, *, lines: int = 0, unaccounted_lines: int = 0) -> GroupSums:
        """The sums ``as_json`` wrote; the line counts travel beside them."""
        sums = cls()
        for source, by_u in (data or {}).items():
            for relative, kg in by_u.items():
                sums.add_sum(source, Decimal(relative), Decimal(kg))
        sums.lines = lines
        sums.unaccounted_lines = unaccounted_lines
        return sums


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRange:
    """One shared source's sum and its fully correlated bounds."""

    source: str
    kgco2e: Decimal
    low_kgco2e: Decimal
    high_kgco2e: Decimal

    @property
    def width_kgco2e(self) -> Decimal:
        return self.high_kgco2e - self.low_kgco2e


def source_ranges(sums: GroupSums) -> list[SourceRange]:
    """Each source's Σ kg and its bounds ``min/max(Σ kg·m_low, Σ kg·m_high)`` (linear sums)."""
    out = []
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        for source, by_u in sums.items():
            value = low = high = Decimal(0)
            for relative, kg in by_u.items():
                dist = lognormal(relative)
                value += kg
                low += kg * dist.m_low
                high += kg * dist.m_high
            if low > high:
                low, high = high, low
            out.append(SourceRange(source=source, kgco2e=value, low_kgco2e=low, high_kgco2e=high))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Total:
    """A total with its range and how the range was combined.

    ``minus_kgco2e``/``plus_kgco2e`` are the distances of the bounds below and above the total
    (they differ: lognormal ranges are skewed). ``sources`` counts the shared sources and
    ``widest_source`` names the one whose own range is widest (the dominant term).
    """

    kgco2e: Decimal
    low_kgco2e: Decimal
    high_kgco2e: Decimal
    lines: int
    unaccounted_lines: int
    method: str = ANALYTIC
    sources: int = 0
    widest_source: str = ""
    widest_source_width_kgco2e: Decimal = Decimal(0)
    seed: int | None = None
    draws: int | None = None

    @property
    def minus_kgco2e(self) -> Decimal:
        return self.kgco2e - self.low_kgco2e

    @property
    def plus_kgco2e(self) -> Decimal:
        return self.high_kgco2e - self.kgco2e

    @property
    def method_label(self) -> str:
        return method_label(self.method, seed=self.seed, draws=self.draws)


def method_label(method: str, *, seed: int | None = None, draws: int | None = None) -> str:
    """How a range was combined, in words, shown beside every range."""
    if method == MONTECARLO:
        return (
            f"Monte Carlo, one draw per shared source ({draws or DEFAULT_MONTECARLO_DRAWS:,} "
            f"draws, seed {seed if seed is not None else DEFAULT_MONTECARLO_SEED}), lognormal "
            "lines, 95 % interval"
        )
    return (
        "lognormal lines, linear within a shared source, quadrature across sources, 95 % interval"
    )


def total_from_sums(
    sums: GroupSums,
    *,
    method: str = ANALYTIC,
    seed: int = DEFAULT_MONTECARLO_SEED,
    draws: int = DEFAULT_MONTECARLO_DRAWS,
) -> Total:
    """The total of ``sums`` and its 95 % range (docs/method.md, "Uncertainty").

    Analytic: ``Σ kg - sqrt(Σ_g d⁻_g²) .. Σ kg + sqrt(Σ_g d⁺_g²)``, linear within a source,
    quadrature across. Monte Carlo: the 2.5th and 97.5th percentiles of ``draws`` simulated
    totals, one standard-normal draw per source per trial (``random.Random(seed)``, sources in
    sorted order, so the same sums, seed and draws give the same range). Either way the
    central value is the exact sum of the lines, and the bounds never cross it.
    """
    if method not in (ANALYTIC, MONTECARLO):
        raise ValueError(f"uncertainty method must be {ANALYTIC!r} or {MONTECARLO!r}")
    ranges = source_ranges(sums)
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        total = quantise_kg(sum((r.kgco2e for r in ranges), Decimal(0)))
        widest = max(ranges, key=lambda r: (r.width_kgco2e, r.source), default=None)
        if method == ANALYTIC:
            extra = sums.independent_squares
            minus = sum(((r.kgco2e - r.low_kgco2e) ** 2 for r in ranges), extra).sqrt()
            plus = sum(((r.high_kgco2e - r.kgco2e) ** 2 for r in ranges), extra).sqrt()
            low = total - quantise_kg(minus)
            high = total + quantise_kg(plus)
        else:
            p_low, p_high = _montecarlo(sums, seed=seed, draws=draws)
            low = min(total, p_low)
            high = max(total, p_high)
    return Total(
        kgco2e=total,
        low_kgco2e=low,
        high_kgco2e=high,
        lines=sums.lines,
        unaccounted_lines=sums.unaccounted_lines,
        method=method,
        sources=len(ranges),
        widest_source=widest.source if widest else "",
        widest_source_width_kgco2e=quantise_kg(widest.width_kgco2e) if widest else Decimal(0),
        seed=seed if method == MONTECARLO else None,
        draws=draws if method == MONTECARLO else None,
    )


def combine_totals(
    results: Iterable,
    *,
    method: str = ANALYTIC,
    seed: int = DEFAULT_MONTECARLO_SEED,
    draws: int = DEFAULT_MONTECARLO_DRAWS,
) -> Total:
    """Sum line estimates and combine their ranges by shared source (see ``total_from_sums``)."""
    sums = GroupSums()
    for result in results:
        sums.add(result)
    return total_from_sums(sums, method=method, seed=seed, draws=draws)


def _percentile(ordered: Sequence[float], p: float) -> float:
    # Linear interpolation between closest ranks (numpy's default, "type 7").
    position = p * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _montecarlo(sums: GroupSums, *, seed: int, draws: int) -> tuple[Decimal, Decimal]:
    if draws < 2:
        raise ValueError("draws must be at least 2")
    # Per source: [(kg, sigma)] for each uncertainty. A trial multiplies every line of a source
    # by exp(-s²/2 + s·z) with the source's one z: mean 1, fully correlated within the source.
    sources = []
    for _source, by_u in sorted(sums.items()):
        terms = []
        for relative, kg in sorted(by_u.items()):
            if kg == 0:
                continue
            sigma = lognormal(relative).sigma_float
            terms.append((float(kg), sigma, -sigma * sigma / 2))
        if terms:
            sources.append(terms)
    if not sources:
        return Decimal(0), Decimal(0)
    rng = random.Random(seed)
    gauss = rng.gauss
    exp = math.exp
    totals = []
    for _ in range(draws):
        trial = []
        for terms in sources:
            z = gauss(0.0, 1.0)
            trial.extend(kg * exp(shift + sigma * z) for kg, sigma, shift in terms)
        totals.append(math.fsum(trial))
    totals.sort()

    def as_kg(value: float) -> Decimal:
        return quantise_kg(Decimal(repr(value)))

    return as_kg(_percentile(totals, 0.025)), as_kg(_percentile(totals, 0.975))
