"""Template filters for numbers a person can read (``{% load numbers %}``).

Each filter is a thin wrapper of :mod:`config.numbers`; a missing value renders
``<span class="not-reported">not reported</span>`` instead of a dash, so that no page shows
"— tCO2e". Filters never raise: a value that is not a number renders as it is.

    {{ bid.price|money:bid.currency }}          USD 4,180,000.00
    {{ run.total_kgco2e|emissions }}            12.37 tCO2e
    {{ row.new_kgco2e|emissions:unit }}         one unit ("t" or "kg") for a whole table
    {% emissions_range run.low_kgco2e run.high_kgco2e %}
    {{ disclosure.scope1_tco2e|tco2e }}         1,004.5 tCO2e
    {{ report.value|quantity:clause.unit }}     47.5%, 1.3 PUE
    {{ share|percent }}                         37.5%
    {{ verifier|or_not_reported }}              the value, or the span when it is blank
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from config import numbers

register = template.Library()


def _missing(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value, render):
    if _missing(value):
        return not_reported()
    try:
        return render()
    except (TypeError, ValueError):
        return value


@register.simple_tag
def not_reported():
    return format_html('<span class="not-reported">{}</span>', numbers.NOT_REPORTED)


@register.filter
def or_not_reported(value):
    """The value itself, or "not reported" when it is None or blank."""
    return not_reported() if _missing(value) else value


@register.filter
def money(amount, currency=""):
    return _shown(amount, lambda: numbers.money(amount, currency))


@register.filter
def emissions(kg, unit=""):
    return _shown(kg, lambda: numbers.emissions(kg, unit or None))


@register.filter
def tco2e(t):
    return _shown(t, lambda: numbers.tco2e(t))


@register.filter
def percent(value):
    return _shown(value, lambda: numbers.percent(value))


@register.filter
def quantity(value, unit=""):
    return _shown(value, lambda: numbers.quantity(value, unit))


@register.simple_tag
def emissions_range(low_kg, high_kg, unit=""):
    if _missing(low_kg) or _missing(high_kg):
        return not_reported()
    try:
        return numbers.emissions_range(low_kg, high_kg, unit or None)
    except (TypeError, ValueError):
        return f"{low_kg} to {high_kg}"
