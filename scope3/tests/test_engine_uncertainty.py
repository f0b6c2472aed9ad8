"""Totals and their ranges: quadrature and a seeded Monte Carlo (no database)."""

from decimal import Decimal as D

import pytest

from scope3.engine import (
    Category,
    EstimateResult,
    Method,
    MethodUncertainty,
    bounds,
    combine_totals,
    monte_carlo_totals,
)


def result(kg, relative, method=Method.SPEND_BASED):
    low, high = bounds(D(kg), D(relative))
    return EstimateResult(
        line_id=kg,
        external_id=kg,
        vendor_id=None,
        category=Category.PURCHASED_GOODS_AND_SERVICES,
        method=method,
        kgco2e=D(kg),
        low_kgco2e=low,
        high_kgco2e=high,
        relative_uncertainty=D(relative),
        dq=4,
        reason="",
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


def test_two_line_total_combines_half_widths_in_quadrature():
    # 1,000 kg ±50 % -> half-width 500; 2,000 kg ±30 % -> half-width 600.
    # Total 3,000 kg ± sqrt(500² + 600²) = sqrt(250,000 + 360,000) = sqrt(610,000) = 781.0249...
    # -> 781.025 kg: range 2,218.975 .. 3,781.025 (not the 1,100 of adding half-widths).
    total = combine_totals([result("1000", "0.5"), result("2000", "0.3"), unaccounted()])

    assert total.kgco2e == D("3000.000")
    assert total.half_width_kgco2e == D("781.025")
    assert (total.low_kgco2e, total.high_kgco2e) == (D("2218.975"), D("3781.025"))
    assert (total.lines, total.unaccounted_lines) == (3, 1)


def test_empty_total_is_zero():
    total = combine_totals([])
    assert (total.kgco2e, total.low_kgco2e, total.high_kgco2e) == (D("0.000"),) * 3


def test_default_relative_uncertainty_per_method():
    defaults = MethodUncertainty()
    assert [defaults.for_method(m) for m in Method] == [
        D("0.10"),
        D("0.20"),
        D("0.30"),
        D("0.50"),
        D("0"),
    ]


def test_negative_uncertainty_is_refused():
    with pytest.raises(ValueError, match="spend_based"):
        MethodUncertainty(spend_based=D("-0.1"))


def test_monte_carlo_is_reproducible_from_its_seed():
    lines = [result("1000", "0.5"), result("2000", "0.3"), result("-300", "0.5")]

    first = monte_carlo_totals(lines, seed=42, draws=2000)
    again = monte_carlo_totals(lines, seed=42, draws=2000)
    other = monte_carlo_totals(lines, seed=43, draws=2000)

    assert first == again
    assert first != other
    assert (first.draws, first.seed, first.distribution) == (2000, 42, "normal")


def test_monte_carlo_normal_agrees_with_quadrature():
    # For normal lines the simulated 95 % interval of 3,000 ± 781.025 kg should come out within
    # sampling error of the analytic one: allow 3 % of the half-width.
    lines = [result("1000", "0.5"), result("2000", "0.3")]

    simulated = monte_carlo_totals(lines, seed=7)

    assert simulated.draws == 10_000
    assert abs(simulated.mean_kgco2e - D("3000")) < D("20")
    assert abs(simulated.p2_5_kgco2e - D("2218.975")) < D("25")
    assert abs(simulated.p97_5_kgco2e - D("3781.025")) < D("25")


def test_monte_carlo_lognormal_is_skewed_right_and_keeps_sign():
    positive = monte_carlo_totals([result("1000", "0.9")], seed=1, distribution="lognormal")
    negative = monte_carlo_totals([result("-1000", "0.9")], seed=1, distribution="lognormal")

    # Right-skewed: the upper tail is farther from the mean than the lower one, never below 0.
    assert positive.p2_5_kgco2e > 0
    assert (
        positive.p97_5_kgco2e - positive.mean_kgco2e > positive.mean_kgco2e - positive.p2_5_kgco2e
    )
    assert negative.p97_5_kgco2e == -positive.p2_5_kgco2e


def test_monte_carlo_refuses_unknown_distribution():
    with pytest.raises(ValueError, match="distribution"):
        monte_carlo_totals([], seed=1, distribution="uniform")
