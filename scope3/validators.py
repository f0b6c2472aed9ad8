"""Shape rules of a hardware spec's JSON fields (``scope3.models.HardwareSpec``).

Each validator raises ``ValidationError`` whose messages name the field, the item, the value and
the rule, so the admin form, the API and the CSV import report the same actionable error. Whether
a process node or a memory type has ACT parameters depends on the pinned hardware dataset and is
checked by the service (``scope3.services.hardware``), not here.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from scope3.engine.hardware import MEMORY_TYPES, normalise_node
from scope3.engine.vocabulary import normalise_term

MAX_ALIASES = 50
MAX_WORD_CHARS = 120
MAX_DIES = 64
MAX_MEMORY_ITEMS = 32
# A die larger than a 300 mm wafer's usable area is a typo (mm² typed as cm², or µm²).
MAX_DIE_AREA_MM2 = Decimal(70_000)
MAX_DIE_COUNT = 1024
MAX_MEMORY_GB = Decimal(1_000_000)
_NODE = re.compile(r"[a-z0-9][a-z0-9._]{0,29}")
DIE_KEYS = {"area_mm2", "node", "count"}
MEMORY_KEYS = {"type", "gb"}


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value, where: str, *, positive: bool, limit: Decimal) -> Decimal:
    # JSON numbers only: a string "814" is a sign the caller did not parse the cell syntax.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValidationError(f"{where} {_shown(value)} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str() of an int or float always parses
        raise ValidationError(f"{where} {_shown(value)} is not a number") from None
    if not number.is_finite():
        raise ValidationError(f"{where} {_shown(value)} must be a finite number")
    if number < 0 or (positive and number == 0):
        rule = "greater than zero" if positive else "zero or more"
        raise ValidationError(f"{where} {_shown(value)} must be {rule}")
    if number > limit:
        raise ValidationError(f"{where} {_shown(value)} is over the limit of {limit}")
    return number


def validate_aliases(value) -> None:
    """A list of distinct non-empty words (distinct once normalised), at most 120 chars each."""
    if not isinstance(value, list):
        raise ValidationError(f"aliases {_shown(value)} must be a list of words")
    if len(value) > MAX_ALIASES:
        raise ValidationError(f"aliases: at most {MAX_ALIASES} aliases, got {len(value)}")
    seen: dict[str, str] = {}
    for index, alias in enumerate(value):
        where = f"aliases[{index}]"
        if not isinstance(alias, str) or not normalise_term(alias):
            raise ValidationError(f"{where} {_shown(alias)} must be a non-empty word")
        if len(alias) > MAX_WORD_CHARS:
            raise ValidationError(f"{where} is longer than {MAX_WORD_CHARS} characters")
        key = normalise_term(alias)
        if key in seen:
            raise ValidationError(f"{where} {alias!r} repeats {seen[key]!r}")
        seen[key] = alias


def validate_dies(value) -> None:
    """A list of ``{"area_mm2": number > 0, "node": str, "count": int >= 1}``."""
    if not isinstance(value, list):
        raise ValidationError(f"dies {_shown(value)} must be a list")
    if len(value) > MAX_DIES:
        raise ValidationError(f"dies: at most {MAX_DIES} entries, got {len(value)}")
    for index, die in enumerate(value):
        where = f"dies[{index}]"
        if not isinstance(die, dict):
            raise ValidationError(f"{where} {_shown(die)} must be an object")
        missing = DIE_KEYS - set(die)
        unknown = set(die) - DIE_KEYS
        if missing or unknown:
            raise ValidationError(
                f"{where} must have exactly the keys area_mm2, node, count"
                + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                + (f"; unknown {', '.join(sorted(map(str, unknown)))}" if unknown else "")
            )
        _number(die["area_mm2"], f"{where}.area_mm2", positive=True, limit=MAX_DIE_AREA_MM2)
        node = die["node"]
        if not isinstance(node, str) or not _NODE.fullmatch(normalise_node(node)):
            raise ValidationError(
                f"{where}.node {_shown(node)} must be a process node name like '5nm' or "
                "'7nm' (letters, digits, '.', '_')"
            )
        count = die["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValidationError(f"{where}.count {_shown(count)} must be a whole number >= 1")
        if count > MAX_DIE_COUNT:
            raise ValidationError(f"{where}.count {count} is over the limit of {MAX_DIE_COUNT}")


def validate_memory(value) -> None:
    """A list of ``{"type": "hbm" | "dram", "gb": number > 0}``."""
    if not isinstance(value, list):
        raise ValidationError(f"memory {_shown(value)} must be a list")
    if len(value) > MAX_MEMORY_ITEMS:
        raise ValidationError(f"memory: at most {MAX_MEMORY_ITEMS} entries, got {len(value)}")
    for index, item in enumerate(value):
        where = f"memory[{index}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where} {_shown(item)} must be an object")
        if set(item) != MEMORY_KEYS:
            raise ValidationError(f"{where} must have exactly the keys type, gb")
        kind = item["type"]
        if kind not in MEMORY_TYPES:
            raise ValidationError(
                f"{where}.type {_shown(kind)} is not a memory type (known: "
                f"{', '.join(MEMORY_TYPES)})"
            )
        _number(item["gb"], f"{where}.gb", positive=True, limit=MAX_MEMORY_GB)
