"""Trajectory worked examples, computed by hand (no database)."""

from decimal import Decimal

import pytest

from contracts.trajectory import expected_value, is_on_track

LOWER = {
    "baseline_value": Decimal("100"),
    "baseline_year": 2023,
    "target_value": Decimal("60"),
    "target_year": 2027,
}
# Higher is better, mirrored: 40 % renewable in 2023 rising to 80 % in 2027.
HIGHER = {
    "baseline_value": Decimal("40"),
    "baseline_year": 2023,
    "target_value": Decimal("80"),
    "target_year": 2027,
}


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # 100 + (60 - 100) * (year - 2023) / 4: -10 a year.
        (2023, "100"),
        (2024, "90"),
        (2025, "80"),  # 100 - 40 * 2/4 = 80
        (2026, "70"),
        (2027, "60"),
        (2022, "100"),  # before the baseline year: the baseline
        (2030, "60"),  # target year passed: stays at the target
    ],
)
def test_lower_is_better_trajectory(year, expected):
    assert expected_value(year=year, **LOWER) == Decimal(expected)


def test_lower_is_better_worked_example_2025():
    expected = expected_value(year=2025, **LOWER)  # 80
    assert not is_on_track(value=Decimal("82"), expected=expected, direction="lower")  # 82 > 80
    assert is_on_track(value=Decimal("79"), expected=expected, direction="lower")  # 79 < 80
    assert is_on_track(value=Decimal("80"), expected=expected, direction="lower")  # on the line


def test_higher_is_better_worked_example_2025():
    # 40 + (80 - 40) * 2/4 = 60 in 2025.
    expected = expected_value(year=2025, **HIGHER)
    assert expected == Decimal("60")
    assert not is_on_track(value=Decimal("58"), expected=expected, direction="higher")
    assert is_on_track(value=Decimal("61"), expected=expected, direction="higher")


def test_target_year_passed():
    # Target 60 in 2027; in 2029 the expectation is still 60, not 40 (the line is clamped).
    expected = expected_value(year=2029, **LOWER)
    assert expected == Decimal("60")
    assert is_on_track(value=Decimal("60"), expected=expected, direction="lower")
    assert not is_on_track(value=Decimal("61"), expected=expected, direction="lower")
    assert expected_value(year=2029, **HIGHER) == Decimal("80")


def test_non_integer_steps_are_rounded_to_four_decimals():
    # 1.50 -> 1.30 over 2024..2027: -0.0666... a year; 2025: 1.50 - 0.2/3 = 1.43333... -> 1.4333.
    assert expected_value(
        baseline_value=Decimal("1.50"),
        baseline_year=2024,
        target_value=Decimal("1.30"),
        target_year=2027,
        year=2025,
    ) == Decimal("1.4333")


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        is_on_track(value=Decimal(1), expected=Decimal(1), direction="sideways")
