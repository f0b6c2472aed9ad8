"""The linear KPI trajectory from baseline to target and the on-track test: pure, no Django.

Rule (docs/domain.md, "Contracts and the renewal gate"): the trajectory is linear from the baseline
value in the baseline year to the target value in the target year. Before the baseline year the
expectation is the baseline; after the target year it stays at the target (the commitment does not
keep improving past its horizon).

Which year a report is judged at: the calendar year in which its reporting period *ends*. All
periods ending in 2025 are judged against the 2025 value of the trajectory. A fractional year
(e.g. 2025.49 for a period ending on 30 June) would move the expectation a little each quarter, but
it makes every expected value a long fraction that a reviewer cannot recompute by hand, and the
clause's baseline and target are themselves annual figures; an annual step is what the parties
signed.

On track means at least as good as expected: ``value <= expected`` when lower is better,
``value >= expected`` when higher is better. Exactly on the line is on track.
"""

from __future__ import annotations

from decimal import Decimal

QUANTUM = Decimal("0.0001")


def expected_value(
    *,
    baseline_value: Decimal,
    baseline_year: int,
    target_value: Decimal,
    target_year: int,
    year: int,
) -> Decimal:
    """The trajectory's value in ``year``, rounded half-even to 4 decimals (the stored scale)."""
    if target_year <= baseline_year:
        raise ValueError("The target year must be after the baseline year.")
    if year <= baseline_year:
        return Decimal(baseline_value).quantize(QUANTUM)
    if year >= target_year:
        return Decimal(target_value).quantize(QUANTUM)
    fraction = Decimal(year - baseline_year) / Decimal(target_year - baseline_year)
    value = Decimal(baseline_value) + (Decimal(target_value) - Decimal(baseline_value)) * fraction
    return value.quantize(QUANTUM)


def is_on_track(*, value: Decimal, expected: Decimal, direction: str) -> bool:
    if direction == "lower":
        return Decimal(value) <= Decimal(expected)
    if direction == "higher":
        return Decimal(value) >= Decimal(expected)
    raise ValueError(f"Unknown direction {direction!r}; use 'lower' or 'higher'.")
