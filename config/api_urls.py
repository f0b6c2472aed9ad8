"""/api/v1/: each app contributes its routes here.

Viewsets that vendor users can reach inherit ``vendors.api.base.TenantScopedViewSetMixin``;
``vendors.api.base.tenant_scoped_routes()`` lists them for the tenant isolation test.
"""

from django.urls import include, path

from vendors.api.views import TokenObtainView

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("", include("vendors.api.urls")),
    path("", include("scope3.api.spend")),
    path("", include("scope3.api.runs")),
    path("", include("scope3.api.factors")),
    path("", include("scope3.api.hardware")),
    path("", include("procurement.api")),
    path("", include("contracts.api")),
    path("", include("vendors.api.evidence")),
    path("", include("targets.api")),
]
