"""Reporting periods of a KPI clause: pure date arithmetic, no Django.

Rule: periods are aligned to the calendar (months; quarters starting January, April, July and
October; half-years starting January and July; calendar years), then clipped to the contract's
dates. A contract that starts mid-quarter therefore gets a partial first period from its start
date to the quarter's end, and one that ends mid-quarter a partial last period ending on its end
date (inclusive). A contract shorter than one period gets exactly one period: its own dates.
Calendar alignment keeps a vendor's KPI reports comparable with its financial and GHG reporting,
which follow the same calendar. The report is due ``due_days`` after the period ends.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due: date


def _block_end(day: date, months: int) -> date:
    """Last day of the calendar block (month, quarter, half-year, year) that contains ``day``."""
    block_index = (day.month - 1) // months
    last_month = block_index * months + months
    return date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def periods_generate(*, start: date, end: date, frequency: str, due_days: int) -> list[Period]:
    """Periods covering ``start``..``end`` (both inclusive) for ``frequency``.

    Raises ``ValueError`` for an unknown frequency or an end before the start.
    """
    if frequency not in MONTHS_PER_PERIOD:
        raise ValueError(
            f"Unknown reporting frequency {frequency!r}; use one of {', '.join(MONTHS_PER_PERIOD)}."
        )
    if end < start:
        raise ValueError(f"The end date {end} is before the start date {start}.")
    months = MONTHS_PER_PERIOD[frequency]
    periods = []
    cursor = start
    while cursor <= end:
        period_end = min(_block_end(cursor, months), end)
        periods.append(Period(cursor, period_end, period_end + timedelta(days=due_days)))
        cursor = period_end + timedelta(days=1)
    return periods
