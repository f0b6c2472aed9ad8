from django.urls import path

from targets import portal

app_name = "targets_portal"
urlpatterns = [
    path("", portal.ScorecardView.as_view(), name="scorecard"),
]
