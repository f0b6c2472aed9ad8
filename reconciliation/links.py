"""Links from the objects a flag concerns (a vendor, a disclosure) to their reconciliation flags,
for the change pages of those objects in the admin."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from reconciliation import selectors

KEY_PREFIXES = {"vendors.emissionsdisclosure": "disclosure"}


def flags_panel(*, vendor=None, target=None) -> str:
    """Open and acknowledged flags of a vendor, or about one object, each linked, with a link to
    the flag list filtered the same way; "None open" (with the link) when there are none."""
    if vendor is None and target is None:
        return "—"
    flags = selectors.flags_active_for(vendor=vendor, target=target)
    changelist = reverse("admin:reconciliation_reconciliationflag_changelist")
    if vendor is not None:
        query = {"vendor__id__exact": vendor.pk}
    else:
        # Flags about one object carry its key ("disclosure:42"), which the list searches exactly.
        prefix = KEY_PREFIXES.get(target._meta.label_lower, target._meta.model_name)
        query = {"q": f"{prefix}:{target.pk}"}
    all_link = format_html(
        '<a href="{}?{}">All reconciliation flags of this {}</a>',
        changelist,
        urlencode(query),
        "vendor" if vendor is not None else target._meta.verbose_name,
    )
    if not flags:
        return format_html("None open. {}", all_link)
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> ({}): {}</li>',
        (
            (
                reverse("admin:reconciliation_reconciliationflag_change", args=[flag.pk]),
                flag.get_kind_display(),
                flag.get_status_display().lower(),
                flag.summary,
            )
            for flag in flags
        ),
    )
    return format_html('<ul class="reconciliation-flags">{}</ul>{}', items, all_link)
