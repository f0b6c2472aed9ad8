"""The vendor's own scorecard in the portal (docs/targets.md, "Scorecard").

The vendor is the signed-in user's (``VendorPortalMixin``); there is no id in the URL, so no
other vendor's card can be asked for. The page shows the vendor's own figures and its own
percentiles only: peers are counted, never named or quoted; the internal risk tier and the
emissions rank are left out.
"""

from __future__ import annotations

from django.views.generic import TemplateView

from assurance.bundles.svg import bar_chart
from targets import selectors
from vendors.portal.base import VendorPortalMixin


class ScorecardView(VendorPortalMixin, TemplateView):
    template_name = "portal/targets/scorecard.html"

    def get_context_data(self, **kwargs):
        card = selectors.scorecard(vendor=self.vendor, peers=selectors.peer_data())
        kwargs["card"] = card
        kwargs["chart"] = bar_chart(
            [(str(y.year), y.tco2e) for y in card.years], unit="tCO2e", title="Emissions by year"
        )
        kwargs["staff"] = False
        return super().get_context_data(**kwargs)
