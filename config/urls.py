from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.oidc.views import logout as oidc_logout
from config.health import healthz

admin.site.site_header = "Tenderleaf"
admin.site.site_title = "Tenderleaf admin"
admin.site.index_title = "Procurement and sustainability"

handler404 = "config.errors.not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's own: a single sign-on session also signs out at the provider; any
    # other session is handed to the admin's logout unchanged (accounts/oidc/views.py).
    path("admin/logout/", oidc_logout, name="oidc_logout"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls", namespace="accounts")),
    path("portal/scorecard/", include("targets.portal_urls", namespace="targets_portal")),
    path("portal/", include("vendors.portal.urls", namespace="portal")),
    path("assurance/", include("assurance.urls", namespace="assurance")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
