from django.urls import path

from assurance import views

app_name = "assurance"
urlpatterns = [
    path("", views.assurance_index, name="index"),
    path("bundles/<int:pk>/", views.bundle_detail, name="bundle_detail"),
    path("bundles/<int:pk>/progress/", views.bundle_progress, name="bundle_progress"),
    path(
        "bundles/<int:pk>/download/<str:kind>/",
        views.bundle_download,
        name="bundle_download",
    ),
    path("audit-trail/", views.audit_trail, name="audit_trail"),
    path(
        "evidence/<uuid:pk>/download/",
        views.evidence_download,
        name="evidence_download",
    ),
]
