"""/api/v1/factor-datasets/: browse the imported factor datasets (staff only, read-only).

Datasets are immutable once imported (``manage.py import_factors``), so there is nothing to
write here (an analyst sets a dataset's relative uncertainty in the admin, with a reason).
Like the other scope3 endpoints this is not tenant data: reading needs ``view_factordataset``
(``vendors.api.base.RolePermission``) and everyone else, vendor users included, gets 403 before any
row is looked up.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.routers import SimpleRouter

from config.api import TenderleafPagination
from scope3 import selectors
from scope3.api.runs import StaffOnly
from scope3.models import FactorDataset
from vendors.api.base import RolePermission


class FactorDatasetSerializer(serializers.ModelSerializer):
    # A plain string, not an enum: other models' "kind" fields have other choices, and enum
    # components of the same field name collide in the schema (the schema test fails on it).
    kind = serializers.CharField(
        read_only=True, help_text=f"One of: {', '.join(FactorDataset.Kind.values)}."
    )
    # A plain string, not a URL: datasets imported without a source page have an empty one, which
    # a "uri" schema would call invalid.
    source_url = serializers.CharField(
        read_only=True, help_text="The publisher's page for the dataset; empty if not recorded."
    )

    class Meta:
        model = FactorDataset
        fields = [
            "id",
            "name",
            "version",
            "kind",
            "publisher",
            "source_url",
            "doi",
            "licence",
            "unit",
            "currency",
            "dollar_year",
            "gwp_basis",
            "sha256",
            "imported_at",
            "row_count",
            "relative_uncertainty",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "relative_uncertainty": {
                "help_text": "Half-width of a 95 % interval applied to every result from this "
                "dataset (0.35 means ±35 %); null: the method's default. Set by analysts in "
                "the admin, with a reason."
            }
        }


@extend_schema_view(
    list=extend_schema(
        summary="List factor datasets (staff)",
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                enum=FactorDataset.Kind.values,
                description="Only datasets of this kind.",
            )
        ],
    ),
    retrieve=extend_schema(summary="A factor dataset with its provenance (staff)"),
)
class FactorDatasetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = selectors.factor_dataset_list()
    serializer_class = FactorDatasetSerializer
    permission_classes = [permissions.IsAuthenticated, StaffOnly, RolePermission]
    pagination_class = TenderleafPagination
    # Not tenant data: staff-only routes refuse (403) rather than hide.
    staff_only = True

    def get_queryset(self):
        kind = self.request.query_params.get("kind") if self.action == "list" else None
        return selectors.factor_dataset_list(kind=kind or None)


router = SimpleRouter()
router.register("factor-datasets", FactorDatasetViewSet, basename="api-factordataset")
urlpatterns = router.urls
