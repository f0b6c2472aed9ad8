"""Portal routes for RFPs and bids, included by vendors/portal/urls.py under "rfps/".

No namespace of their own: the names live in the "portal" namespace (``portal:rfp_list``).
"""

from django.urls import path

from procurement import portal

urlpatterns = [
    path("", portal.RfpListView.as_view(), name="rfp_list"),
    path("<int:pk>/", portal.RfpDetailView.as_view(), name="rfp_detail"),
    path("<int:pk>/bid/", portal.BidEditView.as_view(), name="bid_edit"),
    path("<int:pk>/bid/withdraw/", portal.BidWithdrawView.as_view(), name="bid_withdraw"),
    path("bids/<int:pk>/", portal.BidDetailView.as_view(), name="bid_detail"),
]
