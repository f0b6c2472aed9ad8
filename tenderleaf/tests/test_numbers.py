"""Numbers a person can read (config/numbers.py and its template filters), table-driven,
without a database. Expected texts are written out by hand: grouping by 3 with "," in English."""

from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.utils import translation

from config import numbers

MISSING = numbers.NOT_REPORTED


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        # Whole amounts given without decimals show none; stored cents are kept.
        (D("4180000"), "USD", "USD 4,180,000"),
        (4180000, "USD", "USD 4,180,000"),
        ("4180000", "USD", "USD 4,180,000"),
        (D("48000000.00"), "EUR", "EUR 48,000,000.00"),
        (D("4180000.5"), "usd", "USD 4,180,000.50"),
        (1234.5, "USD", "USD 1,234.50"),
        # A spend line stores 4 decimals: the currency's 2 show, zeros beyond are dropped...
        (D("500.0000"), "USD", "USD 500.00"),
        # ... but a digit beyond the minor units is never rounded away (a unit price).
        (D("0.0125"), "USD", "USD 0.0125"),
        # Credit notes.
        (D("-1250.00"), "USD", "USD -1,250.00"),
        (-1250, "EUR", "EUR -1,250"),
        (D("-0.50"), "GBP", "GBP -0.50"),
        # Zero.
        (D("0.00"), "USD", "USD 0.00"),
        (0, "USD", "USD 0"),
        # Minor units per ISO 4217: none for JPY and KRW, three for KWD.
        (D("1234.00"), "JPY", "JPY 1,234"),
        (D("1234567.0000"), "KRW", "KRW 1,234,567"),
        (D("1234.5"), "KWD", "KWD 1,234.500"),
        # Huge values: 10^17 and beyond the default 28-digit decimal context.
        (D("123456789012345678.90"), "USD", "USD 123,456,789,012,345,678.90"),
        (D("1E+30"), "USD", "USD 1" + ",000" * 10),
        # No currency recorded: the number, and a note rather than a guessed code.
        (D("1000.50"), "", "1,000.50 (currency not reported)"),
        (None, "USD", MISSING),
        ("", "USD", MISSING),
    ],
)
def test_money(amount, currency, expected):
    assert numbers.money(amount, currency) == expected


@pytest.mark.parametrize(
    ("kg", "unit", "expected"),
    [
        # From 1,000 kg in tonnes, with at least four significant digits (1 to 3 decimals).
        (D("12371.800"), None, "12.37 tCO2e"),
        (D("1000"), None, "1.000 tCO2e"),
        (3000, None, "3.000 tCO2e"),
        (D("2329"), None, "2.329 tCO2e"),
        (D("123456.789"), None, "123.5 tCO2e"),
        (D("48000000000"), None, "48,000,000.0 tCO2e"),
        # Below 1,000 kg in kilograms.
        (D("971.800"), None, "971.8 kgCO2e"),
        (D("12.5"), None, "12.50 kgCO2e"),
        (D("0.215"), None, "0.215 kgCO2e"),
        (0, None, "0 kgCO2e"),
        (D("0.000"), None, "0 kgCO2e"),
        # Negative (a restatement's change, a removal).
        (D("-2500"), None, "-2.500 tCO2e"),
        (D("-80.25"), None, "-80.25 kgCO2e"),
        # One unit forced for a whole table.
        (D("500"), "t", "0.500 tCO2e"),
        (D("12371.8"), "kg", "12,371.8 kgCO2e"),
        (None, None, MISSING),
        ("", "t", MISSING),
    ],
)
def test_emissions(kg, unit, expected):
    assert numbers.emissions(kg, unit) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((D("12371.8"), D("971.8")), "t"),
        ((D("999.999"), D("0")), "kg"),
        ((D("-1000"),), "t"),
        ((None, D("5")), "kg"),
        ((), "kg"),
    ],
)
def test_emissions_unit_is_chosen_by_the_largest_value(values, expected):
    assert numbers.emissions_unit(*values) == expected


@pytest.mark.parametrize(
    ("low", "high", "unit", "expected"),
    [
        # Both ends in one unit and with the decimals of the larger end.
        (D("9858.636"), D("15516.096"), None, "9.86 to 15.52 tCO2e"),
        (D("700"), D("1300"), None, "0.700 to 1.300 tCO2e"),
        (D("10"), D("20"), None, "10.00 to 20.00 kgCO2e"),
        (-100, 100, None, "-100.0 to 100.0 kgCO2e"),
        (D("2400"), D("3600"), "kg", "2,400.0 to 3,600.0 kgCO2e"),
        (0, 0, None, "0 to 0 kgCO2e"),
        (None, D("5"), None, MISSING),
        (D("5"), None, None, MISSING),
    ],
)
def test_emissions_range(low, high, unit, expected):
    assert numbers.emissions_range(low, high, unit) == expected


@pytest.mark.parametrize(
    ("t", "places", "expected"),
    [
        # A reported figure keeps its precision, trailing zeros dropped, in tonnes.
        (D("1004.500"), None, "1,004.5 tCO2e"),
        (D("1200.000"), None, "1,200 tCO2e"),
        (D("2.329"), None, "2.329 tCO2e"),
        (D("48000000.000"), None, "48,000,000 tCO2e"),
        (D("0.0005"), None, "0.001 tCO2e"),
        (1200, None, "1,200 tCO2e"),
        (D("-5"), None, "-5 tCO2e"),
        (0, None, "0 tCO2e"),
        (D("3"), 3, "3.000 tCO2e"),
        (None, None, MISSING),
    ],
)
def test_tco2e(t, places, expected):
    assert numbers.tco2e(t, places) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (D("37.50"), None, "37.5%"),
        (D("100.00"), None, "100%"),
        (D("33.333"), None, "33.33%"),
        (D("12.5"), 2, "12.50%"),
        (0, None, "0%"),
        (D("-4.5"), None, "-4.5%"),
        (D("12345.6"), None, "12,345.6%"),
        (None, None, MISSING),
    ],
)
def test_percent(value, places, expected):
    assert numbers.percent(value, places) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (D("1250.0000"), "pieces", "1,250 pieces"),
        (D("1.3000"), "PUE", "1.3 PUE"),
        (D("47.5000"), "%", "47.5%"),
        (D("12345678"), "", "12,345,678"),
        (12345678, None, "12,345,678"),
        (D("0.123456789"), "kgCO2e", "0.123457 kgCO2e"),
        (D("-1500"), "kWh", "-1,500 kWh"),
        (0, "t", "0 t"),
        (None, "kg", MISSING),
    ],
)
def test_quantity(value, unit, expected):
    assert numbers.quantity(value, unit) == expected


@pytest.mark.parametrize(
    ("language", "expected_money", "expected_emissions"),
    [
        ("en", "EUR 4,180,000.50", "12,371.8 kgCO2e"),
        ("de", "EUR 4.180.000,50", "12.371,8 kgCO2e"),
        ("fr", "EUR 4\xa0180\xa0000,50", "12\xa0371,8 kgCO2e"),
    ],
)
def test_grouping_follows_the_active_language(language, expected_money, expected_emissions):
    with translation.override(language):
        assert numbers.money(D("4180000.50"), "EUR") == expected_money
        assert numbers.emissions(D("12371.8"), "kg") == expected_emissions


def test_grouping_without_an_active_language_uses_the_projects_language():
    # Management commands may run with translations deactivated; numbers still group.
    with translation.override(None):
        assert translation.get_language() is None
        assert numbers.money(D("4180000"), "USD") == "USD 4,180,000"


def test_rounding_is_half_up_and_never_shows_minus_zero():
    assert numbers.grouped(D("2.5"), 0) == "3"
    assert numbers.grouped(D("0.125"), 2) == "0.13"
    assert numbers.grouped(D("-0.0004"), 2) == "0.00"


@pytest.mark.parametrize("value", [True, "abc", D("NaN"), D("Infinity"), object()])
def test_what_is_not_a_number_is_refused(value):
    with pytest.raises((TypeError, ValueError)):
        numbers.quantity(value)


def test_an_unknown_emissions_unit_is_refused():
    with pytest.raises(ValueError, match="not an emissions unit"):
        numbers.emissions(D("1"), "g")


# --- template filters ----------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load numbers %}" + source).render(Context(context))


SPAN = '<span class="not-reported">not reported</span>'


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{{ v|money:c }}", {"v": D("4180000.00"), "c": "USD"}, "USD 4,180,000.00"),
        ("{{ v|money:c }}", {"v": None, "c": "USD"}, SPAN),
        ("{{ v|emissions }}", {"v": D("12371.8")}, "12.37 tCO2e"),
        ("{{ v|emissions:'kg' }}", {"v": D("12371.8")}, "12,371.8 kgCO2e"),
        ("{{ v|emissions:u }}", {"v": D("500"), "u": ""}, "500.0 kgCO2e"),
        ("{{ v|tco2e }}", {"v": D("1004.500")}, "1,004.5 tCO2e"),
        ("{{ v|tco2e }}", {"v": None}, SPAN),
        ("{{ v|percent }}", {"v": D("37.50")}, "37.5%"),
        ("{{ v|quantity:u }}", {"v": D("1.3000"), "u": "PUE"}, "1.3 PUE"),
        ("{{ v|quantity }}", {"v": 12345}, "12,345"),
        (
            "{% emissions_range a b %}",
            {"a": D("9858.636"), "b": D("15516.096")},
            "9.86 to 15.52 tCO2e",
        ),
        ("{% emissions_range a b 'kg' %}", {"a": 1, "b": 2}, "1.000 to 2.000 kgCO2e"),
        ("{% emissions_range a b %}", {"a": None, "b": 2}, SPAN),
        ("{{ v|or_not_reported }}", {"v": ""}, SPAN),
        ("{{ v|or_not_reported }}", {"v": "Verifier AG"}, "Verifier AG"),
        ("{% not_reported %}", {}, SPAN),
        # Never raises: what is not a number renders as it is (escaped).
        ("{{ v|money:'USD' }}", {"v": "<b>n/a</b>"}, "&lt;b&gt;n/a&lt;/b&gt;"),
        # The currency is text from a user: escaped.
        ("{{ v|money:c }}", {"v": 1, "c": "<i>"}, "&lt;I&gt; 1"),
    ],
)
def test_filters(source, context, expected):
    assert render(source, **context) == expected


def test_plain_template_output_stays_ungrouped_so_ids_and_years_are_untouched():
    # USE_THOUSAND_SEPARATOR is off on purpose: {{ pk }} and {{ year }} must never read 2,025.
    assert render("{{ year }} {{ v|quantity }}", year=2025, v=2025) == "2025 2,025"
