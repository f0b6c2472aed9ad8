"""Line ranges (lognormal) and totals combined by shared source (no database).

The rule (docs/method.md, "Uncertainty"): lines that share a source (one factor row, one
disclosure, one footprint, one hardware spec) share its error, so their bounds add linearly;
independent sources combine in quadrature. Lognormal multipliers for a relative uncertainty u:
s² = ln(1 + (u/1.96)²), m_low = exp(-s²/2 - 1.96 s), m_high = exp(-s²/2 + 1.96 s).
  u = 0.5: (0.5/1.96)² = 0.0650770, s² = 0.0630462, s = 0.2510900,
           m_low = exp(-0.0315231 - 0.4921271) = 0.5923459, m_high = exp(0.4606040) = 1.5850487
  u = 0.3: m_low = 0.7335614, m_high = 1.3320054
  u = 2:   (2/1.96)² = 1.0412328, s² = ln 2.0412328 = 0.7135512, s = 0.8447196,
           m_low = exp(-0.3567756 - 1.6556199) = 0.1336627, m_high = exp(1.2988443) = 3.6651110
"""

from decimal import Decimal as D

import pytest

from scope3.engine import (
    Category,
    EstimateResult,
    GroupSums,
    Method,
    MethodUncertainty,
    bounds,
    combine_totals,
    lognormal,
    total_from_sums,
)


def result(kg, relative, source="factor:useeio:1.3.0:334413", method=Method.SPEND_BASED, n=1):
    low, high = bounds(D(kg), D(relative))
    return EstimateResult(
        line_id=n,
        external_id=str(n),
        vendor_id=None,
        category=Category.PURCHASED_GOODS_AND_SERVICES,
        method=method,
        kgco2e=D(kg),
        low_kgco2e=low,
        high_kgco2e=high,
        relative_uncertainty=D(relative),
        dq=4,
        reason="",
        source_key=source,
    )


def unaccounted():
    return EstimateResult(
        line_id="u",
        external_id="u",
        vendor_id=None,
        category=Category.PURCHASED_GOODS_AND_SERVICES,
        method=Method.UNACCOUNTED,
        kgco2e=D("0.000"),
        low_kgco2e=D("0.000"),
        high_kgco2e=D("0.000"),
        relative_uncertainty=None,
        dq=None,
        reason="no NAICS code on the line or its vendor",
    )


# Line bounds ------------------------------------------------------------------------------


def test_line_bounds_are_lognormal_and_skewed_right():
    # 1,000 kg at u = 0.5: 1,000 * 0.5923459 = 592.346 .. 1,000 * 1.5850487 = 1,585.049.
    assert bounds(D("1000"), D("0.5")) == (D("592.346"), D("1585.049"))


def test_a_relative_uncertainty_above_one_keeps_the_low_bound_positive():
    # u = 2 (a dataset may say ±200 %): the old symmetric rule gave 1,000 * (1 - 2) = -1,000 kg.
    # Lognormal: 1,000 * 0.1336627 = 133.663 .. 1,000 * 3.6651110 = 3,665.111 kg.
    low, high = bounds(D("1000"), D("2"))

    assert (low, high) == (D("133.663"), D("3665.111"))
    assert low > 0
    # And u = 1.5, the review's example (old: -500 .. 2,500 kg): still positive.
    assert bounds(D("1000"), D("1.5"))[0] > 0


def test_credit_note_bounds_mirror_the_purchase():
    assert bounds(D("-1000"), D("0.5")) == (D("-1585.049"), D("-592.346"))


def test_zero_uncertainty_is_a_point():
    assert bounds(D("1234.5"), D("0")) == (D("1234.500"), D("1234.500"))
    assert lognormal(D("0")).m_low == 1


def test_negative_or_infinite_uncertainty_is_refused():
    with pytest.raises(ValueError, match="non-negative"):
        lognormal(D("-0.1"))
    with pytest.raises(ValueError, match="non-negative"):
        lognormal(D("Infinity"))


# Totals -------------------------------------------------------------------------------------


def test_lines_on_one_factor_add_their_ranges_linearly():
    # 200 lines of 1,000 kg on one EEIO factor at ±50 %. One factor, one error: if it is 40 %
    # too low for one line it is for all. Total 200,000 kg; range = the linear sum of the
    # lines' ranges: 200,000 * 0.5923459 = 118,469.177 .. 200,000 * 1.5850487 = 317,009.749 kg.
    # (Treated as independent, as before, the range would be ±50 %/sqrt(200) = ±3.5 %.)
    lines = [result("1000", "0.5", n=i) for i in range(200)]

    total = combine_totals(lines)

    assert total.kgco2e == D("200000.000")
    assert (total.low_kgco2e, total.high_kgco2e) == (D("118469.177"), D("317009.749"))
    assert total.low_kgco2e == pytest.approx(sum(r.low_kgco2e for r in lines), abs=D("0.2"))
    assert total.high_kgco2e == pytest.approx(sum(r.high_kgco2e for r in lines), abs=D("0.2"))
    assert (total.sources, total.widest_source) == (1, "factor:useeio:1.3.0:334413")


def test_a_purchase_and_its_full_credit_note_cancel_to_zero_plus_minus_zero():
    # +1,000 kg and -1,000 kg on the same factor: whatever the factor's error, the two cancel.
    # Low scenario 1,000 * 0.592 - 1,000 * 0.592 = 0; high likewise: 0 ± 0 (not ± 707 kg).
    total = combine_totals([result("1000", "0.5", n=1), result("-1000", "0.5", n=2)])

    assert (total.kgco2e, total.low_kgco2e, total.high_kgco2e) == (D("0.000"),) * 3


def test_independent_factors_combine_in_quadrature():
    # Factor A: 1,000 kg at u = 0.5 -> 407.654 below, 585.049 above.
    # Factor B: 2,000 kg at u = 0.3 -> 2,000 - 1,467.123 = 532.877 below, 664.011 above.
    # Total 3,000 kg; below sqrt(407.654² + 532.877²) = sqrt(166,181.9 + 283,958.1)
    # = 670.925; above sqrt(585.049² + 664.011²) = 884.982. Range 2,329.075 .. 3,884.982.
    total = combine_totals(
        [
            result("1000", "0.5", source="factor:a"),
            result("2000", "0.3", source="factor:b"),
            unaccounted(),
        ]
    )

    assert total.kgco2e == D("3000.000")
    assert (total.low_kgco2e, total.high_kgco2e) == (D("2329.075"), D("3884.982"))
    assert (total.lines, total.unaccounted_lines, total.sources) == (3, 1, 2)
    assert total.widest_source == "factor:b"
    assert "quadrature" in total.method_label


def test_empty_total_is_zero():
    total = combine_totals([])
    assert (total.kgco2e, total.low_kgco2e, total.high_kgco2e) == (D("0.000"),) * 3


def test_chunked_sums_give_the_same_total_as_one_pass():
    lines = [result(str(100 + i), "0.5", source=f"factor:{i % 3}", n=i) for i in range(30)]
    whole = combine_totals(lines)

    parts = []
    for start in range(0, 30, 7):
        part = GroupSums()
        for line in lines[start : start + 7]:
            part.add(line)
        parts.append(
            GroupSums.from_json(
                part.as_json(), lines=part.lines, unaccounted_lines=part.unaccounted_lines
            )
        )
    merged = GroupSums()
    for part in parts:
        merged.merge(part)

    assert total_from_sums(merged) == whole


def test_default_relative_uncertainty_per_method():
    defaults = MethodUncertainty()
    assert [defaults.for_method(m) for m in Method] == [
        D("0.10"),
        D("0.20"),
        D("0.30"),
        D("0.50"),
        D("0"),
    ]


def test_negative_default_uncertainty_is_refused():
    with pytest.raises(ValueError, match="spend_based"):
        MethodUncertainty(spend_based=D("-0.1"))


# Monte Carlo ------------------------------------------------------------------------------


def test_monte_carlo_is_reproducible_from_its_seed():
    lines = [
        result("1000", "0.5", source="a"),
        result("2000", "0.3", source="b"),
        result("-300", "0.5", source="a"),
    ]

    first = combine_totals(lines, method="montecarlo", seed=42, draws=2000)
    again = combine_totals(lines, method="montecarlo", seed=42, draws=2000)
    other = combine_totals(lines, method="montecarlo", seed=43, draws=2000)

    assert first == again
    assert first != other
    assert (first.draws, first.seed, first.method) == (2000, 42, "montecarlo")
    assert "seed 42" in first.method_label and "2,000 draws" in first.method_label


def test_monte_carlo_draws_once_per_shared_source():
    # 200 lines on one factor: one draw moves them all, so the simulated interval is the
    # source's own lognormal interval, 118,469 .. 317,010 kg, within sampling error; if each
    # line were drawn on its own the interval would shrink to about ±3.5 %.
    lines = [result("1000", "0.5", n=i) for i in range(200)]

    simulated = combine_totals(lines, method="montecarlo", seed=7, draws=20_000)

    assert simulated.low_kgco2e == pytest.approx(D("118469"), rel=D("0.03"))
    assert simulated.high_kgco2e == pytest.approx(D("317010"), rel=D("0.03"))


def test_monte_carlo_agrees_with_the_analytic_range_for_independent_sources():
    lines = [result("1000", "0.5", source="a"), result("2000", "0.3", source="b")]

    simulated = combine_totals(lines, method="montecarlo", seed=11, draws=20_000)
    analytic = combine_totals(lines)

    # Quadrature of lognormal deviations is an approximation of the simulated interval: the
    # two agree to a few percent of the total here.
    assert simulated.kgco2e == analytic.kgco2e == D("3000.000")
    assert abs(simulated.low_kgco2e - analytic.low_kgco2e) < D("150")
    assert abs(simulated.high_kgco2e - analytic.high_kgco2e) < D("150")
    assert simulated.low_kgco2e > 0


def test_unknown_uncertainty_method_is_refused():
    with pytest.raises(ValueError, match="uncertainty method"):
        combine_totals([], method="bootstrap")
