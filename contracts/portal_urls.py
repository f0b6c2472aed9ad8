"""Portal routes of contracts, included under /portal/contracts/ in the "portal" namespace (this
module has no app_name of its own, so names are e.g. ``portal:contract_list``)."""

from django.urls import path

from contracts import portal

urlpatterns = [
    path("", portal.ContractListView.as_view(), name="contract_list"),
    path("<int:pk>/", portal.ContractDetailView.as_view(), name="contract_detail"),
    path(
        "periods/<int:pk>/report/",
        portal.KpiReportSubmitView.as_view(),
        name="kpi_report_submit",
    ),
]
