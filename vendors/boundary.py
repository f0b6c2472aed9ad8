"""What an emissions disclosure covers: its upstream Scope 3 categories and the boundary of an
allocation to us. Pure values, no Django: the model, the plausibility rules, the upload reader,
the portal form and the API all take their wording from here.

The hybrid method of the Scope 3 engine (docs/method.md, section 3) uses a supplier's data only
when it is cradle-to-gate: the supplier's Scope 1, Scope 2 market-based and its own upstream Scope 3
(GHG Protocol Technical Guidance for Calculating Scope 3 Emissions, category 1: the hybrid method
fills what allocated Scope 1 and 2 leave out of cradle-to-gate). The Scope 3 Standard (ch. 5,
table 5.1) numbers eight upstream categories; Tenderleaf takes an upstream figure
as cradle-to-gate when it includes at least categories 1 to 4 (purchased goods and services,
capital goods, fuel- and energy-related activities, upstream transportation), the categories
that carry the embodied emissions of what a hardware supplier sells. A Scope 1+2-only disclosure
is never complete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# GHG Protocol Corporate Value Chain (Scope 3) Standard, table 5.1: the upstream categories.
UPSTREAM_CATEGORIES: dict[int, str] = {
    1: "Purchased goods and services",
    2: "Capital goods",
    3: "Fuel- and energy-related activities",
    4: "Upstream transportation and distribution",
    5: "Waste generated in operations",
    6: "Business travel",
    7: "Employee commuting",
    8: "Upstream leased assets",
}
# The least a cradle-to-gate upstream figure must include (module docstring).
CRADLE_TO_GATE_CATEGORIES = frozenset({1, 2, 3, 4})
# A range of category numbers is written with an en dash (U+2013), as in "categories 1-4".
RANGE_DASH = "\u2013"
CRADLE_TO_GATE_TEXT = f"1{RANGE_DASH}4"

# Values of ``EmissionsDisclosure.allocation_boundary``; scope3/adapters.py reads them.
BOUNDARY_NONE = ""
BOUNDARY_SCOPE12 = "scope12"
BOUNDARY_CRADLE_TO_GATE = "cradle_to_gate"
BOUNDARY_LABELS: dict[str, str] = {
    BOUNDARY_NONE: "No allocation",
    BOUNDARY_SCOPE12: "Scope 1 and 2 only",
    BOUNDARY_CRADLE_TO_GATE: "Scope 1, 2 and upstream Scope 3 (cradle-to-gate)",
}

CATEGORIES_HELP = (
    "Tick every GHG Protocol upstream Scope 3 category your upstream Scope 3 figure includes. "
    f"Tenderleaf counts your emissions as cradle-to-gate only when categories "
    f"{CRADLE_TO_GATE_TEXT} are reported; without them your figures are treated as Scope 1 and 2 "
    "only."
)

_SEPARATORS = re.compile(r"[;,\s]+")


def category_label(number: int) -> str:
    """``"1 Purchased goods and services"``: the number first, as the standard numbers them."""
    return f"{number} {UPSTREAM_CATEGORIES[number]}"


def category_problem(value) -> str | None:
    """Why ``value`` is not an upstream Scope 3 category, naming it; None when it is one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return (
            f"“{value}” is not an upstream Scope 3 category: give the category numbers 1 to 8 "
            "of the GHG Protocol Scope 3 Standard."
        )
    if value not in UPSTREAM_CATEGORIES:
        return (
            f"{value} is not an upstream Scope 3 category: the GHG Protocol Scope 3 Standard "
            "numbers them 1 to 8."
        )
    return None


def categories_problems(values) -> list[str]:
    """Every reason ``values`` is not a list of upstream categories (empty when it is one)."""
    if not isinstance(values, list | tuple):
        return [
            f"“{values}” is not a list of upstream Scope 3 categories: give the category "
            "numbers 1 to 8, e.g. [1, 2, 3, 4]."
        ]
    problems = [category_problem(value) for value in values]
    return [problem for problem in problems if problem]


def categories_normalised(values) -> list:
    """Sorted and without repeats when every value is a category; anything else as given, for
    the validator to name what is wrong."""
    if values is None:
        return []
    if not isinstance(values, list | tuple | set | frozenset):
        return values
    if any(category_problem(value) for value in values):
        return list(values)
    return sorted(set(values))


def categories_parse(text: str) -> list[int]:
    """``"1;2;3;4"``, ``"1,2,3,4"`` or ``"1 2 3 4"`` as ``[1, 2, 3, 4]``; ValueError naming the
    first part that is not a category number."""
    found = set()
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        number = int(part) if part.isascii() and part.isdigit() else None
        if number is None or number not in UPSTREAM_CATEGORIES:
            raise ValueError(
                f"has “{part}”, which is not an upstream Scope 3 category: give numbers from 1 "
                "to 8 separated by ; or , (e.g. 1;2;3;4)"
            )
        found.add(number)
    return sorted(found)


def categories_text(values: Iterable[int]) -> str:
    """Category numbers as a person reads them: ``1-4``, ``1-4 and 6``, ``1, 2 and 5-7`` (with
    an en dash)."""
    numbers = sorted(set(values))
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]}{RANGE_DASH}{run[-1]}")
        else:
            parts.extend(str(number) for number in run)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def upstream_complete(categories: Iterable[int]) -> bool:
    """True when the upstream Scope 3 categories include 1 to 4 (module docstring)."""
    return set(categories or ()) >= CRADLE_TO_GATE_CATEGORIES


def coverage_label(
    *,
    scope2_location: bool,
    scope2_market: bool,
    scope3_upstream: bool,
    categories: Iterable[int],
    allocation_boundary: str = BOUNDARY_NONE,
) -> str:
    """One sentence saying what a disclosure covers, e.g. "Scope 1, Scope 2 (location, market)
    and upstream Scope 3 categories 1-4" or "Scope 1 and 2 only"; an allocation to us adds what
    it covers."""
    categories = sorted(set(categories or ()))
    scope2 = ", ".join(
        name for name, given in (("location", scope2_location), ("market", scope2_market)) if given
    )
    if scope3_upstream and categories:
        noun = "category" if len(categories) == 1 else "categories"
        upstream = f"upstream Scope 3 {noun} {categories_text(categories)}"
        text = (
            f"Scope 1, Scope 2 ({scope2}) and {upstream}" if scope2 else f"Scope 1 and {upstream}"
        )
        if not upstream_complete(categories):
            text += f" (not cradle-to-gate: categories {CRADLE_TO_GATE_TEXT} are needed)"
    elif scope3_upstream:
        text = "Scope 1, Scope 2 and upstream Scope 3 of unstated categories"
    else:
        text = "Scope 1 and 2 only" if scope2 else "Scope 1 only"
    if allocation_boundary in BOUNDARY_LABELS and allocation_boundary != BOUNDARY_NONE:
        text += f"; the allocation to us covers {BOUNDARY_LABELS[allocation_boundary]}"
    return text
