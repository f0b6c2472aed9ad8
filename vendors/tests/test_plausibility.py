"""Plausibility rules of a disclosure, table-driven, without a database (docs/domain.md, "Vendor
disclosure").

Sector factor used throughout: NAICS 334413 (semiconductors), 0.188 kgCO2e/USD without margins in
EPA v1.3.0, i.e. 0.188 x 1,000 = 188 tCO2e per million USD.
"""

import datetime
from dataclasses import replace
from decimal import Decimal as D

import pytest

from vendors.plausibility import (
    DisclosureFacts,
    PreviousDisclosure,
    WarningCode,
    disclosure_plausibility,
)

FACTOR = D("0.188")

# A plausible disclosure: 1,000 t Scope 1 + 500 t Scope 2 market-based on 10 M USD revenue is
# 1,500 / 10 = 150 t per million USD, 150 / 188 = 0.80 times the sector factor.
GOOD = DisclosureFacts(
    period_start=datetime.date(2025, 1, 1),
    period_end=datetime.date(2025, 12, 31),
    scope1_tco2e=D("1000"),
    scope2_location_tco2e=D("800"),
    scope2_market_tco2e=D("500"),
    revenue=D("10000000"),
    revenue_currency="USD",
    ask_scope2_location=True,
    ask_scope2_market=True,
    naics_code="334413",
    sector_factor_kg_per_usd=FACTOR,
    sector_factor_source="EPA v1.3.0",
)


def check(**changes):
    return disclosure_plausibility(replace(GOOD, **changes))


def codes(result):
    return [w["code"] for w in result.warnings]


def test_a_plausible_disclosure_has_no_errors_warnings_or_notes():
    result = check()
    assert result.errors == {}
    assert result.warnings == []
    assert result.notes == []


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"scope1_tco2e": D("-1")}, "scope1_tco2e", "Scope 1 cannot be negative (you entered -1"),
        ({"scope2_location_tco2e": D("-0.5")}, "scope2_location_tco2e", "-0.5 tCO2e"),
        ({"scope2_market_tco2e": D("-2")}, "scope2_market_tco2e", "cannot be negative"),
        ({"scope3_upstream_tco2e": D("-3")}, "scope3_upstream_tco2e", "cannot be negative"),
        (
            {"allocated_to_us_tco2e": D("-4"), "allocation_method": "economic"},
            "allocated_to_us_tco2e",
            "cannot be negative",
        ),
        ({"revenue": D("-10")}, "revenue", "Revenue cannot be negative (you entered -10)"),
        (
            {"period_end": datetime.date(2025, 1, 1)},
            "period_end",
            "ends on 01 January 2025, which is not after the start",
        ),
        ({"period_end": datetime.date(2024, 6, 30)}, "period_end", "must end after it starts"),
        (
            {"scope2_location_tco2e": None},
            "scope2_location_tco2e",
            "required when market-based is given: the request asks for both",
        ),
        (
            {"scope2_location_tco2e": None, "scope2_market_tco2e": None},
            "scope2_location_tco2e",
            "location-based is required: the request asks for it",
        ),
        ({"scope2_market_tco2e": None}, "scope2_market_tco2e", "market-based is required"),
        ({"scope1_tco2e": None}, "scope1_tco2e", "Scope 1 emissions are required"),
        ({"period_start": None}, "period_start", "first day"),
        (
            {"allocation_uncertainty_pct": D("100.01")},
            "allocation_uncertainty_pct",
            "0 to 100 (you entered 100.01)",
        ),
        ({"allocation_uncertainty_pct": D("-1")}, "allocation_uncertainty_pct", "0 to 100"),
        ({"revenue_currency": ""}, "revenue_currency", "Give the currency of the revenue"),
        ({"revenue_currency": "EURO"}, "revenue_currency", "“EURO” is not an ISO 4217"),
        ({"revenue_currency": "eu1"}, "revenue_currency", "three capital letters"),
        ({"allocated_to_us_tco2e": D("12")}, "allocation_method", "economic or physical"),
        # What the figures cover must be said, and only for figures that are given.
        (
            {"scope3_upstream_tco2e": D("15000"), "scope3_upstream_categories": (1, 9)},
            "scope3_upstream_categories",
            "9 is not an upstream Scope 3 category",
        ),
        (
            {"scope3_upstream_categories": (1, 2)},
            "scope3_upstream_categories",
            "You gave upstream Scope 3 categories (1 and 2) but no upstream Scope 3 figure",
        ),
        (
            {"scope3_upstream_tco2e": D("15000")},
            "scope3_upstream_categories",
            "Say which upstream Scope 3 categories your 15,000 tCO2e include",
        ),
        (
            {"allocated_to_us_tco2e": D("12"), "allocation_method": "economic"},
            "allocation_boundary",
            "Say what the emissions allocated to us cover",
        ),
        (
            {"allocation_boundary": "scope12"},
            "allocation_boundary",
            "(“Scope 1 and 2 only”) needs the emissions allocated to us",
        ),
        (
            {
                "allocated_to_us_tco2e": D("12"),
                "allocation_method": "economic",
                "allocation_boundary": "scope3",
            },
            "allocation_boundary",
            "“scope3” is not an allocation boundary",
        ),
    ],
)
def test_impossible_or_missing_values_are_errors_naming_the_field(changes, field, text):
    result = check(**changes)

    assert field in result.errors, result.errors
    assert any(text in message for message in result.errors[field]), result.errors[field]
    # Errors stop the warning rules: nothing to confirm until the errors are fixed.
    assert result.warnings == []


@pytest.mark.parametrize(
    "changes",
    [
        {"allocation_uncertainty_pct": D("0")},
        {"allocation_uncertainty_pct": D("100")},
        {
            "allocated_to_us_tco2e": D("12"),
            "allocation_method": "physical",
            "allocation_boundary": "scope12",
        },
        {
            "allocated_to_us_tco2e": D("12"),
            "allocation_method": "economic",
            "allocation_boundary": "cradle_to_gate",
        },
        # One category is enough to say what an upstream figure is; cradle-to-gate is the
        # engine's question, not an error.
        {"scope3_upstream_tco2e": D("15000"), "scope3_upstream_categories": (1,)},
        # Without a request asking for both, market-based alone is fine.
        {"scope2_location_tco2e": None, "ask_scope2_location": False},
        {"scope1_tco2e": D("0")},
        {"revenue": None, "revenue_currency": ""},
    ],
)
def test_boundary_values_are_not_errors(changes):
    assert check(**changes).errors == {}


def test_a_draft_may_lack_what_the_request_asks_but_not_hold_impossible_values():
    missing = disclosure_plausibility(
        replace(GOOD, scope2_location_tco2e=None, scope2_market_tco2e=None), submitting=False
    )
    negative = disclosure_plausibility(replace(GOOD, scope1_tco2e=D("-1")), submitting=False)
    short = disclosure_plausibility(
        replace(GOOD, period_end=datetime.date(2025, 3, 31)), submitting=False
    )

    assert missing.errors == {}
    assert "scope1_tco2e" in negative.errors
    assert short.warnings == []  # warnings wait for submission


@pytest.mark.parametrize(
    ("start", "end", "warned"),
    [
        # Inclusive day counts: 365, 366 (leap), 371 (53-week fiscal year) are about a year.
        ((2025, 1, 1), (2025, 12, 31), False),
        ((2024, 1, 1), (2024, 12, 31), False),
        ((2024, 12, 29), (2026, 1, 3), False),
        # 1 Jan..30 Jun 2025 = 181 days; 1 Dec 2024..31 Dec 2025 = 396 days.
        ((2025, 1, 1), (2025, 6, 30), True),
        ((2024, 12, 1), (2025, 12, 31), True),
        # Edges: 350 days (1 Jan..16 Dec 2025) passes, 349 (..15 Dec) warns.
        ((2025, 1, 1), (2025, 12, 16), False),
        ((2025, 1, 1), (2025, 12, 15), True),
    ],
)
def test_period_not_about_twelve_months_is_a_warning(start, end, warned):
    result = check(period_start=datetime.date(*start), period_end=datetime.date(*end))

    assert (WarningCode.PERIOD_LENGTH in codes(result)) is warned
    if warned:
        days = (datetime.date(*end) - datetime.date(*start)).days + 1
        assert f"covers {days} days" in result.warnings[0]["message"]


@pytest.mark.parametrize(
    ("location", "market", "warned"),
    [
        ("1000", "99", True),  # 1,000 / 99 = 10.1 > 10
        ("99", "1000", True),
        ("1000", "100", False),  # exactly tenfold is not "more than"
        ("1000", "0", False),  # zero market-based: fully covered by instruments
    ],
)
def test_scope2_location_and_market_more_than_tenfold_apart(location, market, warned):
    # Keep the intensity in range: Scope 1 1,000 t on 10 M USD is at least 100 t/M (x0.53).
    result = check(scope2_location_tco2e=D(location), scope2_market_tco2e=D(market))

    assert (WarningCode.SCOPE2_DIVERGENCE in codes(result)) is warned
    if warned:
        message = next(w["message"] for w in result.warnings if w["code"] == "scope2_divergence")
        assert f"({market if market != '1000' else '1,000'} tCO2e)" in message
        assert "10.1" in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # 1,000 + 500 = 1,500 t on 10 M USD = 150 t/M; 150 / 188 = 0.80: in range.
        ({}, []),
        # Location-based is used without market-based: 1,000 + 800 = 1,800 t -> 180 t/M, x0.96.
        ({"scope2_market_tco2e": None, "ask_scope2_market": False}, []),
        # 10 + 5 = 15 t on 100 M USD = 0.15 t/M; 0.15 / 188 = 0.0008 < 0.2.
        (
            {
                "scope1_tco2e": D("10"),
                "scope2_location_tco2e": D("8"),
                "scope2_market_tco2e": D("5"),
                "revenue": D("100000000"),
            },
            [WarningCode.INTENSITY_OUT_OF_RANGE],
        ),
        # 9,000 + 1,000 = 10,000 t on 10 M USD = 1,000 t/M; 1,000 / 188 = 5.3 > 5 (not > 50).
        (
            {
                "scope1_tco2e": D("9000"),
                "scope2_location_tco2e": D("1200"),
                "scope2_market_tco2e": D("1000"),
            },
            [WarningCode.INTENSITY_OUT_OF_RANGE],
        ),
        # 8,400 + 500 = 8,900 t -> 890 t/M, 890 / 188 = 4.73: inside x5.
        ({"scope1_tco2e": D("8400")}, []),
        # Kilograms typed as tonnes: 1,000,000 + 500,000 = 1,500,000 "t" -> 150,000 t/M;
        # 150,000 / 188 = 797.9 > 50.
        (
            {
                "scope1_tco2e": D("1000000"),
                "scope2_location_tco2e": D("800000"),
                "scope2_market_tco2e": D("500000"),
            },
            [WarningCode.INTENSITY_OUT_OF_RANGE, WarningCode.KG_AS_TONNES],
        ),
        # EUR at 0.924 EUR per USD: 9,240,000 EUR = 10,000,000 USD; 9,000 + 1,000 = 10,000 t
        # -> 1,000 t/M, x5.3.
        (
            {
                "scope1_tco2e": D("9000"),
                "scope2_location_tco2e": D("1200"),
                "scope2_market_tco2e": D("1000"),
                "revenue": D("9240000"),
                "revenue_currency": "EUR",
                "fx_units_per_usd": D("0.924"),
            },
            [WarningCode.INTENSITY_OUT_OF_RANGE],
        ),
    ],
)
def test_emissions_intensity_against_the_sector_factor(changes, expected):
    result = check(**changes)

    assert result.errors == {}
    assert codes(result) == expected


def test_intensity_warning_names_the_values():
    result = check(
        scope1_tco2e=D("9000"), scope2_location_tco2e=D("1200"), scope2_market_tco2e=D("1000")
    )

    message = result.warnings[0]["message"]
    assert "10,000 tCO2e" in message
    assert "10,000,000 USD" in message
    assert "1,000 tCO2e per million USD" in message
    assert "5.3 times" in message
    assert "NAICS 334413" in message
    assert "188 tCO2e per million USD" in message


def test_converted_revenue_is_said_to_be_converted():
    result = check(
        scope1_tco2e=D("9000"),
        revenue=D("9240000"),
        revenue_currency="EUR",
        fx_units_per_usd=D("0.924"),
    )
    assert "(converted to USD)" in result.warnings[0]["message"]


@pytest.mark.parametrize(
    ("changes", "note"),
    [
        ({"sector_factor_kg_per_usd": None}, "no spend-based factor is known for NAICS 334413"),
        (
            {"revenue_currency": "EUR", "fx_units_per_usd": None},
            "no exchange rate from EUR to USD",
        ),
    ],
)
def test_an_intensity_check_that_cannot_run_is_a_note_not_a_warning(changes, note):
    # Would be x797 with a factor and a rate; without them nothing is claimed.
    result = check(scope1_tco2e=D("1000000"), **changes)

    assert WarningCode.INTENSITY_OUT_OF_RANGE not in codes(result)
    assert any(note in n for n in result.notes), result.notes


@pytest.mark.parametrize(
    ("previous_scope1", "scope1", "warned"),
    [
        # 12.5 t last year, 12,500 "t" now: 12,500 / 12.5 = 1,000 times -> kilograms?
        ("12.5", "12500", True),
        # 12,499 / 12.5 = 999.9 times: just below the threshold.
        ("12.5", "12499", False),
        ("0", "12500", False),  # no basis for a ratio
    ],
)
def test_values_a_thousand_times_the_previous_accepted_disclosure(previous_scope1, scope1, warned):
    previous = PreviousDisclosure(
        label="01 Jan 2024 to 31 Dec 2024", scope1_tco2e=D(previous_scope1)
    )
    # No factor, so only the comparison with last year can warn.
    result = check(scope1_tco2e=D(scope1), previous=previous, sector_factor_kg_per_usd=None)

    assert (WarningCode.KG_AS_TONNES in codes(result)) is warned
    if warned:
        message = result.warnings[0]["message"]
        assert "Scope 1 of 12,500 tCO2e is 1,000.0 times the 12.5 tCO2e" in message
        assert "01 Jan 2024 to 31 Dec 2024" in message
