"""What higher apps show on the vendors app's pages, without the vendors app importing them.

Vendors is on the second floor (docs/architecture.md, "Which app may import which"): contracts,
scope3, reminders and reconciliation build on it, yet a vendor's pages show some of their facts.
Each such fact is a hook here, as are the reference figures (a sector factor, an exchange rate)
the disclosure plausibility rules compare a vendor's figures with. The app that owns the fact
registers its function in its ``AppConfig.ready()``, and the vendors code calls the hook; a hook
nobody registered gives nothing, so the vendors app works (and is tested) on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.html import format_html_join


@dataclass
class Hook:
    name: str
    functions: list[Callable] = field(default_factory=list)

    def register(self, function: Callable) -> None:
        if function not in self.functions:
            self.functions.append(function)

    def results(self, *args, **kwargs) -> list:
        """What each registered function answers, in the order they registered."""
        return [function(*args, **kwargs) for function in self.functions]

    def first(self, *args, **kwargs):
        """The first answer that is not None, asking in the order they registered; else None."""
        for function in self.functions:
            answer = function(*args, **kwargs)
            if answer is not None:
                return answer
        return None


def html_panels(hook: Hook, **kwargs) -> str:
    """The HTML fragments a hook's functions answer, one after the other; "—" if none."""
    panels = [panel for panel in hook.results(**kwargs) if panel]
    return format_html_join("", "{}", ((panel,) for panel in panels)) if panels else "—"


# The portal home's open items of a vendor besides its disclosure requests (contracts: KPI
# reports due, audits): ``(vendor) -> list`` of items.
portal_open_items = Hook("portal_open_items")

# The reminders sent about each of some objects of one model (reminders):
# ``(objects) -> {pk: [log, ...]}``.
reminders_sent = Hook("reminders_sent")

# The admin's panel of open flags about a vendor or one of its rows (reconciliation):
# ``(*, vendor=None, target=None) -> HTML``.
flags_panel = Hook("flags_panel")

# A message for the officer after supplier data changed, e.g. an offer to re-run the inventory
# years it affects (scope3): ``(request, *, disclosure=None, footprint=None) -> HTML or ""``.
supplier_data_changed = Hook("supplier_data_changed")

# The spend-based sector factor of a NAICS code that the disclosure plausibility rules compare a
# vendor's intensity with (scope3): ``(naics_code) -> (kgCO2e per USD, source) or None``.
sector_factor = Hook("sector_factor")

# An exchange rate for a disclosure's revenue currency (scope3): ``(currency, year) -> units of
# the currency per USD, or None``.
fx_rate = Hook("fx_rate")
