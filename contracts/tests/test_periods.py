"""Reporting-period generation worked examples (no database)."""

import itertools
from datetime import date

import pytest

from contracts.periods import periods_generate


def spans(periods):
    return [(p.start, p.end) for p in periods]


def test_quarterly_starting_mid_quarter_has_a_partial_first_period():
    periods = periods_generate(
        start=date(2025, 5, 10), end=date(2026, 5, 9), frequency="quarterly", due_days=30
    )
    assert spans(periods) == [
        (date(2025, 5, 10), date(2025, 6, 30)),  # partial Q2: 10 May..30 June
        (date(2025, 7, 1), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 5, 9)),  # partial last: ends with the contract
    ]
    # 30 June + 30 days = 30 July; 9 May + 30 days = 8 June.
    assert periods[0].due == date(2025, 7, 30)
    assert periods[-1].due == date(2026, 6, 8)


def test_quarterly_ending_in_a_leap_year():
    periods = periods_generate(
        start=date(2027, 10, 1), end=date(2028, 2, 29), frequency="quarterly", due_days=30
    )
    assert spans(periods) == [
        (date(2027, 10, 1), date(2027, 12, 31)),
        (date(2028, 1, 1), date(2028, 2, 29)),  # 2028 is a leap year: 29 February exists
    ]
    # 29 Feb 2028 + 30 days: 1 day left in Feb, 31 in March -> 30 March 2028.
    assert periods[-1].due == date(2028, 3, 30)


def test_monthly_february_of_a_leap_year_ends_on_the_29th():
    periods = periods_generate(
        start=date(2028, 1, 15), end=date(2028, 3, 31), frequency="monthly", due_days=10
    )
    assert spans(periods) == [
        (date(2028, 1, 15), date(2028, 1, 31)),
        (date(2028, 2, 1), date(2028, 2, 29)),
        (date(2028, 3, 1), date(2028, 3, 31)),
    ]


def test_contract_shorter_than_one_period_gets_one_period():
    periods = periods_generate(
        start=date(2025, 2, 1), end=date(2025, 3, 15), frequency="annual", due_days=30
    )
    assert spans(periods) == [(date(2025, 2, 1), date(2025, 3, 15))]
    # Shorter than one quarter and inside one quarter.
    periods = periods_generate(
        start=date(2025, 4, 10), end=date(2025, 5, 20), frequency="quarterly", due_days=30
    )
    assert spans(periods) == [(date(2025, 4, 10), date(2025, 5, 20))]


def test_semiannual_and_annual_align_to_the_calendar():
    assert spans(
        periods_generate(
            start=date(2025, 3, 1), end=date(2026, 2, 28), frequency="semiannual", due_days=0
        )
    ) == [
        (date(2025, 3, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 2, 28)),
    ]
    assert spans(
        periods_generate(
            start=date(2025, 7, 1), end=date(2027, 6, 30), frequency="annual", due_days=0
        )
    ) == [
        (date(2025, 7, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 6, 30)),
    ]


def test_periods_cover_the_contract_without_gaps_or_overlaps():
    periods = periods_generate(
        start=date(2024, 2, 29), end=date(2029, 11, 3), frequency="monthly", due_days=30
    )
    assert periods[0].start == date(2024, 2, 29)
    assert periods[-1].end == date(2029, 11, 3)
    for before, after in itertools.pairwise(periods):
        assert (after.start - before.end).days == 1


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="frequency"):
        periods_generate(
            start=date(2025, 1, 1), end=date(2025, 2, 1), frequency="weekly", due_days=1
        )
    with pytest.raises(ValueError, match="before the start"):
        periods_generate(
            start=date(2025, 2, 1), end=date(2025, 1, 1), frequency="annual", due_days=1
        )
