"""Helpers for every app's services (docs/architecture.md, "Layers of an app")."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist


def assign_fields(instance, allowed: set[str], fields: dict) -> list[str]:
    """Set ``fields`` on ``instance`` and return the names whose value changed.

    Services take keyword fields from forms, the API and commands alike; an unknown name is a
    programming error (TypeError), never silently ignored. Strings are stripped, so that
    " Acme " and "Acme" are one value and a re-save with the same input changes nothing.
    """
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(
            f"Unknown fields for {type(instance).__name__}: {', '.join(sorted(unknown))}"
        )
    changed = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        try:
            current = getattr(instance, name)
        except ObjectDoesNotExist:  # a required relation not set yet on a new row
            current = None
        if current != value or current is None:
            setattr(instance, name, value)
            if current != value:
                changed.append(name)
    return changed
