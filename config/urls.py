from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Tenderleaf"
admin.site.site_title = "Tenderleaf admin"
admin.site.index_title = "Procurement and sustainability"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("portal/", include("vendors.portal.urls", namespace="portal")),
    path("assurance/", include("assurance.urls", namespace="assurance")),
    path("api/v1/", include("config.api_urls")),
]
