"""The scoring rules, totals, rank and sensitivity, on worked examples computed by hand.

Pure functions: no database.
"""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from procurement import scoring
from procurement.scoring import BidFacts, Criterion

PRICE = Criterion(1, "Price", scoring.NUMERIC_LOWER, D(40))
ISO = Criterion(2, "ISO 14001 valid", scoring.DERIVED, D(10), is_sustainability=True)
TAKE_BACK = Criterion(3, "Take-back", scoring.YES_NO, D(10), is_sustainability=True)
FIT = Criterion(4, "Technical fit", scoring.MANUAL_SCALE, D(30), scale_max=5)
PLAN = Criterion(5, "Renewable plan", scoring.MANUAL_SCALE, D(10), True, scale_max=10)
CRITERIA = [PRICE, ISO, TAKE_BACK, FIT, PLAN]

A = BidFacts(11, "A", D(100000), datetime(2026, 3, 1, 9, tzinfo=UTC))
B = BidFacts(12, "B", D(120000), datetime(2026, 3, 1, 10, tzinfo=UTC))
C = BidFacts(13, "C", D(90000), datetime(2026, 3, 1, 11, tzinfo=UTC))


def test_worked_example_three_bids_five_criteria_two_evaluators():
    # Price, lower is better: best 90,000 (C), worst 120,000 (B), range 30,000.
    #   A: (120000 - 100000) / 30000 = 0.666666.. -> 0.6667; B: 0 / 30000 = 0; C: 30000/30000 = 1
    price = scoring.numeric_fractions(PRICE, {11: A.price, 12: B.price, 13: C.price})
    assert price == {11: D("0.6667"), 12: D("0.0000"), 13: D("1.0000")}
    # ISO 14001 valid at the deadline (derived): A yes, B yes, C no -> 1, 1, 0.
    iso = scoring.automatic_fractions(ISO, {11: True, 12: True, 13: False})
    assert iso == {11: D(1), 12: D(1), 13: D(0)}
    # Take-back programme (yes/no): A no, B yes, C yes -> 0, 1, 1.
    take_back = scoring.automatic_fractions(TAKE_BACK, {11: False, 12: True, 13: True})
    assert take_back == {11: D(0), 12: D(1), 13: D(1)}
    # Technical fit (0..5), evaluators E1 and E2: A 4 and 5 -> mean 4.5 -> 4.5/5 = 0.9;
    # B 3 and 4 -> 3.5 -> 0.7; C 3 and 2 -> 2.5 -> 0.5.
    fit = {
        b: scoring.mean_score(s)
        for b, s in {11: [D(4), D(5)], 12: [D(3), D(4)], 13: [D(3), D(2)]}.items()
    }
    assert fit == {11: D("4.5"), 12: D("3.5"), 13: D("2.5")}
    assert scoring.spread([D(4), D(5)]) == D(1)
    # Renewable plan (0..10): A 6 and 7 -> 6.5 -> 0.65; B 8 and 8 -> 0.8; C 5 and 4 -> 4.5 -> 0.45.
    plan = {
        b: scoring.mean_score(s)
        for b, s in {11: [D(6), D(7)], 12: [D(8), D(8)], 13: [D(5), D(4)]}.items()
    }
    fractions = {
        bid: {
            1: price[bid],
            2: iso[bid],
            3: take_back[bid],
            4: scoring.manual_fraction(FIT, fit[bid]),
            5: scoring.manual_fraction(PLAN, plan[bid]),
        }
        for bid in (11, 12, 13)
    }
    assert fractions[11][4] == D("0.9") and fractions[13][5] == D("0.45")

    totals = scoring.weighted_totals(CRITERIA, [A, B, C], fractions)
    # Points = fraction x weight:
    #   A: 0.6667x40 = 26.668 + 1x10 + 0x10 + 0.9x30 = 27 + 0.65x10 = 6.5 -> 70.168 -> 70.17
    #      sustainability: 10 + 0 + 6.5 = 16.50
    #   B: 0 + 10 + 10 + 0.7x30 = 21 + 0.8x10 = 8 -> 49.00; sustainability 28.00
    #   C: 1x40 = 40 + 0 + 10 + 0.5x30 = 15 + 0.45x10 = 4.5 -> 69.50; sustainability 14.50
    # Rank: A (70.17), C (69.50), B (49.00).
    assert [(t.bid.label, t.total, t.sustainability, t.rank) for t in totals] == [
        ("A", D("70.17"), D("16.50"), 1),
        ("C", D("69.50"), D("14.50"), 2),
        ("B", D("49.00"), D("28.00"), 3),
    ]
    assert totals[0].points[1] == D("26.668000")


FLIP_PRICE = Criterion(1, "Price", scoring.NUMERIC_LOWER, D(60))
FLIP_RENEWABLE = Criterion(2, "Renewable share", scoring.NUMERIC_HIGHER, D(40), True)


def test_sensitivity_flips_the_winner_when_a_weight_moves_five_points():
    # A: price 1, renewable 0.4 -> 60 + 16 = 76; B: price 0.7, renewable 0.9 -> 42 + 36 = 78.
    # B wins. Price +5 -> 65, renewable rescaled to 35: A 65 + 14 = 79, B 45.5 + 31.5 = 77 -> A.
    # Price -5 -> 55, renewable 45: A 55 + 18 = 73, B 38.5 + 40.5 = 79 -> B (no change).
    a, b = BidFacts(1, "A", D(10)), BidFacts(2, "B", D(20))
    fractions = {1: {1: D(1), 2: D("0.4")}, 2: {1: D("0.7"), 2: D("0.9")}}
    result = scoring.sensitivity([FLIP_PRICE, FLIP_RENEWABLE], [a, b], fractions)
    price_row, renewable_row = result.rows
    assert price_row.winner.label == "B"
    assert (price_row.plus_weight, price_row.plus_winner.label) == (D(65), "A")
    assert (price_row.minus_weight, price_row.minus_winner.label) == (D(55), "B")
    assert price_row.flips
    # Renewable -5 is the same weighting as price +5: A wins there too.
    assert (renewable_row.minus_weight, renewable_row.minus_winner.label) == (D(35), "A")
    assert renewable_row.flips and result.any_flip


def test_sensitivity_without_a_flip():
    # A dominates on both criteria (100 against 50): no ±5 move changes the winner.
    a, b = BidFacts(1, "A"), BidFacts(2, "B")
    fractions = {1: {1: D(1), 2: D(1)}, 2: {1: D("0.5"), 2: D("0.5")}}
    result = scoring.sensitivity([FLIP_PRICE, FLIP_RENEWABLE], [a, b], fractions)
    assert not result.any_flip
    assert all(row.plus_winner.label == row.minus_winner.label == "A" for row in result.rows)


def test_rescaling_keeps_100_proportionally():
    criteria = [
        Criterion(1, "x", scoring.YES_NO, D(50)),
        Criterion(2, "y", scoring.YES_NO, D(30)),
        Criterion(3, "z", scoring.YES_NO, D(20)),
    ]
    # x +5 -> 55; the others share 45 in the ratio 30:20 -> 27 and 18.
    assert scoring.rescaled_weights(criteria, 1, D(5)) == {
        1: D(55),
        2: D("27.0000"),
        3: D("18.0000"),
    }
    # A criterion with all the weight cannot move up, and others would absorb nothing.
    assert scoring.rescaled_weights([Criterion(1, "x", scoring.YES_NO, D(100))], 1, D(5)) is None


def test_higher_is_better_linear_and_all_equal():
    crit = Criterion(1, "Recycled", scoring.NUMERIC_HIGHER, D(10))
    # worst 10, best 30: 20 -> (20 - 10) / (30 - 10) = 0.5; missing answer -> 0.
    assert scoring.numeric_fractions(crit, {1: D(10), 2: D(20), 3: D(30), 4: None}) == {
        1: D(0),
        2: D("0.5"),
        3: D(1),
        4: D(0),
    }
    # All equal: everyone gets 1.
    assert scoring.numeric_fractions(crit, {1: D(7), 2: D(7)}) == {1: D(1), 2: D(1)}


def test_thresholds():
    pue = Criterion(
        1,
        "PUE",
        scoring.NUMERIC_LOWER,
        D(10),
        normalisation=scoring.THRESHOLDS,
        thresholds=((D("1.2"), D(1)), (D("1.4"), D("0.5"))),
    )
    # 1.15 <= 1.2 -> 1; 1.3 <= 1.4 only -> 0.5; 1.5 reaches no threshold -> 0.
    assert scoring.numeric_fractions(pue, {1: D("1.15"), 2: D("1.3"), 3: D("1.5")}) == {
        1: D(1),
        2: D("0.5"),
        3: D(0),
    }


def test_tie_break_by_sustainability_then_price_then_submission():
    crit = [
        Criterion(1, "p", scoring.YES_NO, D(50)),
        Criterion(2, "s", scoring.YES_NO, D(50), True),
    ]
    early = datetime(2026, 1, 1, tzinfo=UTC)
    late = datetime(2026, 1, 2, tzinfo=UTC)
    a = BidFacts(1, "A", D(100), late)
    b = BidFacts(2, "B", D(100), early)
    c = BidFacts(3, "C", D(90), late)
    # All three total 50. B and C carry their 50 on sustainability, A on the other criterion;
    # between B and C the lower price (C, 90) wins.
    fractions = {1: {1: D(1), 2: D(0)}, 2: {1: D(0), 2: D(1)}, 3: {1: D(0), 2: D(1)}}
    order = [t.bid.label for t in scoring.weighted_totals(crit, [a, b, c], fractions)]
    assert order == ["C", "B", "A"]
    # Same price too: the earlier submission wins.
    c2 = BidFacts(3, "C", D(100), late)
    order = [t.bid.label for t in scoring.weighted_totals(crit, [a, b, c2], fractions)]
    assert order == ["B", "C", "A"]


@pytest.mark.parametrize("points", [D(-1), D("5.5"), D(6)])
def test_manual_score_outside_scale_is_refused(points):
    with pytest.raises(scoring.ScoringError, match=r"outside the scale 0\.\.5"):
        scoring.manual_score_check(FIT, points)


def test_weights_check_names_the_actual_sums():
    low = [Criterion(1, "p", scoring.YES_NO, D(95)), Criterion(2, "s", scoring.YES_NO, D(4), True)]
    assert scoring.weights_check(low, D(10)) == [
        "The weights sum to 99.00, not 100.",
        "Sustainability criteria carry 4.00, below the minimum of 10.00.",
    ]
    assert scoring.weights_check(CRITERIA, D(10)) == []


def test_sensitivity_winners_match_a_full_recomputation():
    # The fast integer path must pick the same winner as weighted_totals with the same weights.
    import random

    rng = random.Random(3)
    criteria = [
        Criterion(i, f"c{i}", scoring.YES_NO, w, is_sustainability=i % 2 == 0)
        for i, w in enumerate([D(35), D(25), D(20), D(12), D(8)], start=1)
    ]
    bids = [BidFacts(b, f"bid{b}", D(rng.randrange(1, 5))) for b in range(1, 9)]
    fractions = {b.id: {c.id: D(rng.randrange(0, 10001)) / 10000 for c in criteria} for b in bids}
    result = scoring.sensitivity(criteria, bids, fractions)
    for row in result.rows:
        for delta, winner in ((D(-5), row.minus_winner), (D(5), row.plus_winner)):
            weights = scoring.rescaled_weights(criteria, row.criterion.id, delta)
            expected = scoring.weighted_totals(criteria, bids, fractions, weights)[0].bid
            assert winner == expected
