"""/api/v1/targets/ and /api/v1/engagement-targets/: the organisation's Scope 3 targets with
their progress, and supplier-engagement targets with their coverage (docs/targets.md).

Staff only (the buyer's own figures): reading needs ``view_target`` /
``view_supplierengagementtarget``, creating ``add_*``; vendor users get 403. Every write calls a
service."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.api import TenderleafPagination, service_errors_as_drf
from scope3.api.runs import StaffOnly
from scope3.models import InventoryRun
from targets import selectors, services
from targets.models import BusinessMetric, SupplierEngagementTarget, Target
from vendors.api.base import RolePermission


class YearProgressSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    run = serializers.IntegerField(source="run.pk")
    tco2e = serializers.DecimalField(max_digits=20, decimal_places=3)
    low_tco2e = serializers.DecimalField(max_digits=20, decimal_places=3)
    high_tco2e = serializers.DecimalField(max_digits=20, decimal_places=3)
    metric_value = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    value = serializers.SerializerMethodField(help_text="In the target's unit.")
    path_value = serializers.SerializerMethodField()
    on_track = serializers.SerializerMethodField()
    gap_left_pct = serializers.SerializerMethodField()
    missing = serializers.CharField()

    def get_value(self, obj) -> str | None:
        return str(obj.progress.actual.quantize(selectors._T)) if obj.progress else None

    def get_path_value(self, obj) -> str | None:
        return str(obj.progress.path_value) if obj.progress else None

    def get_on_track(self, obj) -> bool | None:
        return obj.progress.on_track if obj.progress else None

    def get_gap_left_pct(self, obj) -> str | None:
        return str(obj.progress.gap_left_pct) if obj.progress else None


class TargetSerializer(serializers.ModelSerializer):
    categories = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Scope 3 category numbers (1, 2, 4, 5); empty: total Scope 3.",
    )
    base_run = serializers.PrimaryKeyRelatedField(
        queryset=InventoryRun.objects.filter(status=InventoryRun.Status.COMPLETED)
    )
    metric = serializers.PrimaryKeyRelatedField(
        queryset=BusinessMetric.objects.all(), required=False, allow_null=True
    )
    # Plain text rather than an enum: the schema already has a "kind" enum (certificates).
    kind = serializers.CharField(
        required=False, help_text='"absolute" (tCO2e) or "intensity" (per unit of the metric).'
    )
    progress = serializers.SerializerMethodField()
    recalculation_due = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "name",
            "kind",
            "horizon",
            "categories",
            "metric",
            "base_run",
            "base_year",
            "base_tco2e",
            "base_metric_value",
            "target_year",
            "reduction_pct",
            "significance_pct",
            "notes",
            "progress",
            "recalculation_due",
        ]
        read_only_fields = ["base_year", "base_tco2e", "base_metric_value"]

    def _report(self, obj):
        reports = self.context.setdefault("_reports", {})
        if obj.pk not in reports:
            reports[obj.pk] = selectors.target_report(target=obj)
        return reports[obj.pk]

    def get_progress(self, obj) -> list[dict]:
        if self.context.get("list"):
            return []
        return YearProgressSerializer(self._report(obj).years, many=True).data

    def get_recalculation_due(self, obj) -> dict | None:
        if self.context.get("list"):
            return None
        pending = self._report(obj).recalculation
        if pending is None:
            return None
        return {
            "run": pending.run.pk,
            "new_tco2e": str(pending.new_tco2e),
            "change_pct": str(pending.check.change_pct),
        }


class TargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """List (without progress), read one with its progress per year, create (pinned to a
    completed run's value)."""

    serializer_class = TargetSerializer
    permission_classes = [permissions.IsAuthenticated, StaffOnly, RolePermission]
    pagination_class = TenderleafPagination
    queryset = Target.objects.none()

    def get_queryset(self):
        return selectors.target_list()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["list"] = self.action == "list"
        return context

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            target = services.target_create(actor=request.user, **data)
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from None
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)


class EngagementTargetSerializer(serializers.ModelSerializer):
    categories = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Scope 3 category numbers (1, 2, 4, 5); empty: all.",
    )

    class Meta:
        model = SupplierEngagementTarget
        fields = [
            "id",
            "name",
            "basis",
            "categories",
            "target_pct",
            "base_year",
            "target_year",
            "notes",
        ]


class EngagementTargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EngagementTargetSerializer
    permission_classes = [permissions.IsAuthenticated, StaffOnly, RolePermission]
    pagination_class = TenderleafPagination
    queryset = SupplierEngagementTarget.objects.order_by("target_year", "name", "pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            target = services.engagement_target_create(
                actor=request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from None
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("targets", TargetViewSet, basename="target")
router.register("engagement-targets", EngagementTargetViewSet, basename="engagement-target")
urlpatterns = router.urls
