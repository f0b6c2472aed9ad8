"""Scoring rules, weighted totals, ranking and sensitivity: pure functions over dataclasses.

No ORM here. ``procurement/selectors.py`` loads an RFP's criteria, bids, answers and scores into
the dataclasses below; these functions compute the numbers the matrix, the results API, the
automatic scorer and the award all show, so every place gives the same digits.

Conventions (docs/domain.md, "RFP scoring"):

- a criterion's *fraction* is its score on 0..1, quantised to 4 decimal places (ROUND_HALF_UP);
- its *points* are fraction x weight (weights are percentages summing to 100), kept exact, and
  a bid's *total* is the sum of its points quantised to 0.01; totals out of 100;
- numeric criteria normalised linearly between the worst and best submitted answer:
  lower is better ``s = (worst - x) / (worst - best)``, higher is better
  ``s = (x - worst) / (best - worst)``; when every answer is equal, everyone gets 1; a missing
  answer scores 0;
- threshold scoring: ``thresholds`` is a list of ``(value, fraction)``; a higher-is-better
  answer earns the best fraction whose value it reaches (x >= value), a lower-is-better answer
  the best fraction whose value it does not exceed (x <= value); none reached scores 0;
- yes/no and derived criteria score 1 for yes and 0 for no (or no answer);
- manual criteria: the moderated score on the 0..N scale divided by N.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

FRACTION_Q = Decimal("0.0001")
POINTS_Q = Decimal("0.01")
WEIGHT_Q = Decimal("0.0001")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

MANUAL_SCALE = "manual_scale"
NUMERIC_LOWER = "numeric_lower"
NUMERIC_HIGHER = "numeric_higher"
YES_NO = "yes_no"
DERIVED = "derived"
# Life-cycle rules: the answer is the bid's figure computed by procurement/lifecycle.py from its
# offered configuration; lower is better and normalised like any numeric answer.
LCC = "lcc"
LCC_EXTERNALITY = "lcc_externality"
KGCO2E_PER_FU = "lc_kgco2e_per_fu"
LOWER_BETTER_RULES = frozenset({NUMERIC_LOWER, LCC, LCC_EXTERNALITY, KGCO2E_PER_FU})
NUMERIC_RULES = LOWER_BETTER_RULES | {NUMERIC_HIGHER}
AUTOMATIC_RULES = NUMERIC_RULES | {YES_NO, DERIVED}
LINEAR = "linear"
THRESHOLDS = "thresholds"

TIE_BREAK = (
    "Ties on the weighted total are broken by the higher sustainability subtotal, then the lower "
    "price, then the earlier submission."
)
LINEAR_FORMULA = {
    NUMERIC_LOWER: "s = (worst - x) / (worst - best)",
    NUMERIC_HIGHER: "s = (x - worst) / (best - worst)",
    LCC: "s = (worst - x) / (worst - best)",
    LCC_EXTERNALITY: "s = (worst - x) / (worst - best)",
    KGCO2E_PER_FU: "s = (worst - x) / (worst - best)",
}


def q4(value: Decimal) -> Decimal:
    return value.quantize(FRACTION_Q, rounding=ROUND_HALF_UP)


def q2(value: Decimal) -> Decimal:
    return value.quantize(POINTS_Q, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Criterion:
    id: int
    name: str
    rule: str
    weight: Decimal
    is_sustainability: bool = False
    scale_max: int = 5
    normalisation: str = LINEAR
    thresholds: tuple[tuple[Decimal, Decimal], ...] = ()

    @property
    def is_automatic(self) -> bool:
        return self.rule in AUTOMATIC_RULES


@dataclass(frozen=True)
class BidFacts:
    """What ranking needs to know about a bid besides its scores."""

    id: int
    label: str
    price: Decimal | None = None
    submitted_at: datetime | None = None


class ScoringError(ValueError):
    """Input a rule cannot score; the message names the criterion and the value."""


# --- one criterion ---------------------------------------------------------------------------


def numeric_fractions(
    criterion: Criterion, answers: Mapping[int, Decimal | None]
) -> dict[int, Decimal]:
    """Fractions of every bid on a numeric criterion (see the module docstring for the rules)."""
    if criterion.rule not in NUMERIC_RULES:
        raise ScoringError(f"{criterion.name}: {criterion.rule} is not a numeric rule")
    lower_better = criterion.rule in LOWER_BETTER_RULES
    given = {bid: Decimal(x) for bid, x in answers.items() if x is not None}
    result = {bid: ZERO.quantize(FRACTION_Q) for bid in answers}
    if not given:
        return result
    if criterion.normalisation == THRESHOLDS:
        for bid, x in given.items():
            result[bid] = q4(threshold_fraction(criterion, x))
        return result
    best = min(given.values()) if lower_better else max(given.values())
    worst = max(given.values()) if lower_better else min(given.values())
    for bid, x in given.items():
        if best == worst:
            result[bid] = q4(ONE)
        elif lower_better:
            result[bid] = q4((worst - x) / (worst - best))
        else:
            result[bid] = q4((x - worst) / (best - worst))
    return result


def threshold_fraction(criterion: Criterion, x: Decimal) -> Decimal:
    reached = [
        Decimal(fraction)
        for value, fraction in criterion.thresholds
        if (x <= Decimal(value) if criterion.rule in LOWER_BETTER_RULES else x >= Decimal(value))
    ]
    return max(reached, default=ZERO)


def boolean_fraction(value: bool | None) -> Decimal:
    return q4(ONE if value else ZERO)


def manual_fraction(criterion: Criterion, points: Decimal | None) -> Decimal | None:
    if points is None:
        return None
    return q4(Decimal(points) / Decimal(criterion.scale_max))


def manual_score_check(criterion: Criterion, points: Decimal) -> None:
    """An evaluator's score must lie on the criterion's scale 0..N."""
    if points < 0 or points > criterion.scale_max:
        raise ScoringError(
            f"{criterion.name}: {points} is outside the scale 0..{criterion.scale_max}"
        )


def automatic_fractions(
    criterion: Criterion, answers: Mapping[int, Decimal | bool | None]
) -> dict[int, Decimal]:
    """Fractions of every bid on an automatic criterion, from its answers (or derived facts)."""
    if criterion.rule in NUMERIC_RULES:
        return numeric_fractions(criterion, answers)
    if criterion.rule in (YES_NO, DERIVED):
        return {bid: boolean_fraction(value) for bid, value in answers.items()}
    raise ScoringError(f"{criterion.name}: {criterion.rule} is scored by evaluators")


def mean_score(points: Iterable[Decimal]) -> Decimal | None:
    values = list(points)
    if not values:
        return None
    return q4(sum(values, ZERO) / Decimal(len(values)))


def spread(points: Iterable[Decimal]) -> Decimal | None:
    values = list(points)
    if not values:
        return None
    return max(values) - min(values)


# --- totals, rank, sensitivity ---------------------------------------------------------------


@dataclass
class BidTotal:
    bid: BidFacts
    points: dict[int, Decimal]
    total: Decimal
    sustainability: Decimal
    rank: int = 0


def weights_check(criteria: Sequence[Criterion], min_sustainability: Decimal) -> list[str]:
    """Why the weights cannot be published, or [] when they sum to exactly 100 and carry
    at least ``min_sustainability`` points on sustainability criteria."""
    problems = []
    total = sum((c.weight for c in criteria), ZERO)
    if total != HUNDRED:
        problems.append(f"The weights sum to {q2(total)}, not 100.")
    sustainability = sum((c.weight for c in criteria if c.is_sustainability), ZERO)
    if sustainability < min_sustainability:
        problems.append(
            f"Sustainability criteria carry {q2(sustainability)}, below the minimum of "
            f"{q2(Decimal(min_sustainability))}."
        )
    return problems


def weighted_totals(
    criteria: Sequence[Criterion],
    bids: Sequence[BidFacts],
    fractions: Mapping[int, Mapping[int, Decimal | None]],
    weights: Mapping[int, Decimal] | None = None,
) -> list[BidTotal]:
    """Points per criterion and totals per bid; ``fractions[bid_id][criterion_id]`` (None = 0)."""
    weight_of = weights or {c.id: c.weight for c in criteria}
    results = []
    for bid in bids:
        own = fractions.get(bid.id, {})
        points = {}
        for c in criteria:
            fraction = own.get(c.id)
            points[c.id] = (fraction or ZERO) * weight_of[c.id]
        total = q2(sum(points.values(), ZERO))
        sustainability = q2(sum((points[c.id] for c in criteria if c.is_sustainability), ZERO))
        results.append(BidTotal(bid=bid, points=points, total=total, sustainability=sustainability))
    return rank(results)


def _rank_key(row: BidTotal):
    price = row.bid.price
    submitted = row.bid.submitted_at
    return (
        -row.total,
        -row.sustainability,
        (price is None, price if price is not None else ZERO),
        (submitted is None, submitted.timestamp() if submitted else 0.0),
        row.bid.id,
    )


def rank(rows: list[BidTotal]) -> list[BidTotal]:
    """Order by total, then :data:`TIE_BREAK`; ranks 1..n (the bid id settles exact equality,
    so the order is always total)."""
    ordered = sorted(rows, key=_rank_key)
    for position, row in enumerate(ordered, start=1):
        row.rank = position
    return ordered


def rescaled_weights(
    criteria: Sequence[Criterion], criterion_id: int, delta: Decimal
) -> dict[int, Decimal] | None:
    """Weights with ``criterion_id`` moved by ``delta`` (clamped to 0..100) and every other
    weight scaled proportionally so the sum stays 100. None when the move is impossible (the
    criterion already carries all weight, or none is left for the others to absorb)."""
    moved = next(c for c in criteria if c.id == criterion_id)
    new = min(max(moved.weight + delta, ZERO), HUNDRED)
    if new == moved.weight:
        return None
    rest = HUNDRED - moved.weight
    if rest == 0:
        return None
    factor = (HUNDRED - new) / rest
    weights = {c.id: q4(c.weight * factor) for c in criteria if c.id != criterion_id}
    weights[criterion_id] = new
    return weights


@dataclass(frozen=True)
class SensitivityRow:
    criterion: Criterion
    weight: Decimal
    minus_weight: Decimal | None
    minus_winner: BidFacts | None
    plus_weight: Decimal | None
    plus_winner: BidFacts | None
    winner: BidFacts | None

    @property
    def flips(self) -> bool:
        return any(
            alt is not None and self.winner is not None and alt.id != self.winner.id
            for alt in (self.minus_winner, self.plus_winner)
        )


@dataclass
class Sensitivity:
    rows: list[SensitivityRow] = field(default_factory=list)

    @property
    def any_flip(self) -> bool:
        return any(row.flips for row in self.rows)


def _scaled(value: Decimal) -> int:
    """``value`` x 10^4 as an exact integer (fractions and weights carry at most 4 decimals)."""
    scaled = Decimal(value).scaleb(4)
    integral = scaled.to_integral_value()
    if integral != scaled:
        raise ScoringError(f"{value} has more than 4 decimal places")
    return int(integral)


def _winner(
    criteria: Sequence[Criterion],
    bids: Sequence[BidFacts],
    vectors: Mapping[int, list[int]],
    weights: Mapping[int, Decimal],
) -> BidFacts:
    """The top bid under ``weights``: the same totals and order as :func:`weighted_totals`,
    computed in exact integers (units of 10^-8 points), which sensitivity runs many times."""
    w = [_scaled(weights[c.id]) for c in criteria]
    sustainable = [c.is_sustainability for c in criteria]
    unit = Decimal("1E-8")
    rows = []
    for bid in bids:
        vector = vectors[bid.id]
        total = 0
        sustainability = 0
        for f, weight, is_sustainable in zip(vector, w, sustainable, strict=True):
            product = f * weight
            total += product
            if is_sustainable:
                sustainability += product
        rows.append(
            BidTotal(
                bid=bid,
                points={},
                total=q2(Decimal(total) * unit),
                sustainability=q2(Decimal(sustainability) * unit),
            )
        )
    return rank(rows)[0].bid


def sensitivity(
    criteria: Sequence[Criterion],
    bids: Sequence[BidFacts],
    fractions: Mapping[int, Mapping[int, Decimal | None]],
    delta: Decimal = Decimal(5),
) -> Sensitivity:
    """For every criterion, the winner when its weight moves by -delta and +delta points with
    the other weights rescaled proportionally to keep 100, against today's winner."""
    base = weighted_totals(criteria, bids, fractions)
    winner = base[0].bid if base else None
    vectors = {
        bid.id: [_scaled(fractions.get(bid.id, {}).get(c.id) or ZERO) for c in criteria]
        for bid in bids
    }
    result = Sensitivity()
    for c in criteria:
        row = {}
        for sign, key in ((-1, "minus"), (1, "plus")):
            weights = rescaled_weights(criteria, c.id, delta * sign)
            if weights is None or not bids:
                row[key] = (None, None)
                continue
            row[key] = (weights[c.id], _winner(criteria, bids, vectors, weights))
        result.rows.append(
            SensitivityRow(
                criterion=c,
                weight=c.weight,
                minus_weight=row["minus"][0],
                minus_winner=row["minus"][1],
                plus_weight=row["plus"][0],
                plus_winner=row["plus"][1],
                winner=winner,
            )
        )
    return result
