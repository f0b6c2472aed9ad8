"""Numbers a person can read: amounts with their currency, emissions with their unit, thousands
grouped as the active language groups them (en: ``4,180,000``; de: ``4.180.000``).

Pure functions, values in and text out, on the ground floor so every app may format with them
(config is imported by all, imports none); the template filters of
``config/templatetags/numbers.py`` wrap them for pages, PDFs and e-mails. Exports (CSV, XLSX,
API JSON) keep raw numbers and never come through here.

Conventions:

- a missing value (``None`` or ``""``) reads :data:`NOT_REPORTED`, never a dash with a unit
  after it; the filters show it as ``<span class="not-reported">``;
- rounding is ROUND_HALF_UP, like the scoring rules (procurement/scoring.py);
- ``-0`` never shows: a value that rounds to zero reads ``0``;
- ``int``, ``Decimal``, ``float`` and numeric strings are accepted (``bool`` is not a number).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format

NOT_REPORTED = "not reported"

KG_PER_TONNE = Decimal(1000)
EMISSION_UNITS = {"t": "tCO2e", "kg": "kgCO2e"}

# ISO 4217 currencies whose minor unit is not 2 (the "minor unit" column of the ISO 4217 list).
_NO_MINOR_UNIT = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMALS = "CLF UYW"
_MINOR_UNITS = {
    code: places
    for codes, places in ((_NO_MINOR_UNIT, 0), (_THREE_DECIMALS, 3), (_FOUR_DECIMALS, 4))
    for code in codes.split()
}


def as_decimal(value) -> Decimal | None:
    """``value`` as a finite Decimal, or None when it is missing (``None`` or blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a number") from exc
    else:
        raise TypeError(f"{value!r} is not a number")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def grouped(value, places: int) -> str:
    """``value`` rounded to ``places`` decimals, thousands grouped per the active language.

    Grouping is forced (``USE_THOUSAND_SEPARATOR`` stays off, so that ids and years rendered
    with ``{{ }}`` are never grouped); outside a request, where no language may be active, the
    project's ``LANGUAGE_CODE`` groups.
    """
    number = as_decimal(value)
    if number is None:
        return NOT_REPORTED
    with localcontext() as context:
        context.prec = 100  # the default 28 digits would refuse 10^27 with 2 decimals
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = rounded.copy_abs()
    if translation.get_language() is None:
        with translation.override(settings.LANGUAGE_CODE):
            return str(number_format(rounded, places, use_l10n=True, force_grouping=True))
    return str(number_format(rounded, places, use_l10n=True, force_grouping=True))


def fraction_digits(number: Decimal, limit: int) -> int:
    """How many decimals ``number`` needs to show its non-zero digits, at most ``limit``."""
    exponent = number.normalize().as_tuple().exponent
    return min(max(0, -exponent), limit)


def _sensible_places(number: Decimal) -> int:
    """1 to 3 decimals, for at least four significant digits: 1.234, 12.35, 123.5, 1,234.5."""
    if number.is_zero():
        return 0
    integer_digits = max(1, len(str(int(abs(number)))))
    return min(3, max(1, 4 - integer_digits))


# --- money -------------------------------------------------------------------------------------


def currency_places(currency: str) -> int:
    """The minor units of an ISO 4217 currency: 2 unless the standard says otherwise (JPY 0)."""
    return _MINOR_UNITS.get((currency or "").strip().upper(), 2)


def money(amount, currency: str) -> str:
    """``USD 4,180,000``, ``EUR 48,000,000.00``: the ISO code, then the grouped amount.

    Decimals are the currency's minor units (0 for JPY and KRW, 3 for KWD), except that a whole
    amount given without decimals (an ``int``, ``Decimal("4180000")``) shows none, and digits
    beyond the minor units are kept rather than rounded away (a unit price of USD 0.0125).
    Negative amounts (credit notes) keep their sign: ``USD -1,250.00``.
    """
    number = as_decimal(amount)
    if number is None:
        return NOT_REPORTED
    code = (currency or "").strip().upper()
    if number.as_tuple().exponent >= 0:
        places = 0
    else:
        places = max(currency_places(code), fraction_digits(number, 6))
    text = grouped(number, places)
    return f"{code} {text}" if code else f"{text} (currency not reported)"


# --- emissions ---------------------------------------------------------------------------------


def emissions_unit(*kgs) -> str:
    """``"t"`` when the largest of ``kgs`` is 1,000 kg or more, else ``"kg"``: one unit for a
    table or a range, so that its figures compare at a glance."""
    numbers = [abs(n) for n in (as_decimal(kg) for kg in kgs) if n is not None]
    return "t" if numbers and max(numbers) >= KG_PER_TONNE else "kg"


def _in_unit(kg: Decimal, unit: str) -> Decimal:
    if unit not in EMISSION_UNITS:
        raise ValueError(f"{unit!r} is not an emissions unit: use 't' or 'kg'")
    return kg / KG_PER_TONNE if unit == "t" else kg


def emissions(kg, unit: str | None = None) -> str:
    """Emissions stored in kgCO2e, in the unit that reads best: ``12.37 tCO2e`` from 1,000 kg,
    ``971.8 kgCO2e`` below, with 1 to 3 decimals (at least four significant digits).
    ``unit`` (``"t"`` or ``"kg"``) forces one unit, e.g. the one :func:`emissions_unit` chose
    for a whole table."""
    number = as_decimal(kg)
    if number is None:
        return NOT_REPORTED
    unit = unit or emissions_unit(number)
    shown = _in_unit(number, unit)
    return f"{grouped(shown, _sensible_places(shown))} {EMISSION_UNITS[unit]}"


def emissions_range(low_kg, high_kg, unit: str | None = None) -> str:
    """``9.86 to 15.52 tCO2e``: both ends in one unit and with the same decimals, chosen by the
    larger end."""
    low, high = as_decimal(low_kg), as_decimal(high_kg)
    if low is None or high is None:
        return NOT_REPORTED
    unit = unit or emissions_unit(low, high)
    low_shown, high_shown = _in_unit(low, unit), _in_unit(high, unit)
    places = _sensible_places(max(abs(low_shown), abs(high_shown)))
    return f"{grouped(low_shown, places)} to {grouped(high_shown, places)} {EMISSION_UNITS[unit]}"


def tco2e(t, places: int | None = None) -> str:
    """Emissions stored in tonnes (a vendor's disclosure), in tonnes: ``1,004.5 tCO2e``.

    A reported figure keeps its own precision (trailing zeros dropped, at most the 3 decimals
    stored) and its unit, so a reviewer reads the number the vendor entered in its form;
    ``places`` fixes the decimals instead.
    """
    number = as_decimal(t)
    if number is None:
        return NOT_REPORTED
    places = fraction_digits(number, 3) if places is None else places
    return f"{grouped(number, places)} {EMISSION_UNITS['t']}"


# --- other quantities --------------------------------------------------------------------------


def percent(value, places: int | None = None) -> str:
    """A value already in percent: ``37.5%``; trailing zeros dropped (at most 2 decimals)
    unless ``places`` fixes them."""
    number = as_decimal(value)
    if number is None:
        return NOT_REPORTED
    places = fraction_digits(number, 2) if places is None else places
    return f"{grouped(number, places)}%"


def quantity(value, unit: str = "", places: int | None = None) -> str:
    """A grouped number and its unit: ``1,250 pieces``, ``0.215 kgCO2e``; ``%`` reads as
    :func:`percent`. Trailing zeros dropped (at most 6 decimals) unless ``places`` fixes them."""
    unit = (unit or "").strip()
    if unit == "%":
        return percent(value, places)
    number = as_decimal(value)
    if number is None:
        return NOT_REPORTED
    places = fraction_digits(number, 6) if places is None else places
    text = grouped(number, places)
    return f"{text} {unit}" if unit else text
