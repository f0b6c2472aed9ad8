from django.urls import path

from assurance import views

app_name = "assurance"
urlpatterns = [
    path(
        "evidence/<uuid:pk>/download/",
        views.evidence_download,
        name="evidence_download",
    ),
]
