"""The contracts panel on the vendor's admin page: ISO 14001 audits, overdue corrective actions
and the vendor's contracts (a template tag, so the vendors admin needs no change)."""

from django import template

from contracts import selectors
from contracts.models import Contract

register = template.Library()


@register.inclusion_tag("admin/contracts/includes/vendor_panel.html")
def vendor_iso14001_panel(vendor):
    return {
        "audits": list(selectors.audit_list().filter(vendor=vendor).order_by("-audit_date")[:10]),
        "overdue": list(selectors.overdue_findings(vendor=vendor)),
        "contracts": list(Contract.objects.filter(vendor=vendor).order_by("-start_date")[:20]),
    }
