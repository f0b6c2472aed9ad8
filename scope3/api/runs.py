"""/api/v1/inventory-runs/: start a Scope 3 run, follow it, read its results and restatement.

Inventory runs are the buyer's own figures, not a vendor's, so the endpoint is for staff with scope3
permissions (``vendors.api.base.RolePermission``: reading needs ``view_inventoryrun``, starting
``add_inventoryrun``, so auditors read but cannot start); everyone else, vendor users included, gets
403 before any row is looked up, whatever the id."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.api import TenderleafPagination, service_errors_as_drf
from scope3 import selectors
from scope3.models import EmissionEstimate, FactorDataset, InventoryRun
from scope3.services import inventory_run_reap, inventory_run_start
from vendors.api.base import RolePermission


class StaffOnly(permissions.BasePermission):
    message = "This endpoint is for staff only."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class InventoryRunSerializer(serializers.ModelSerializer):
    started_by = serializers.CharField(source="started_by.get_username", read_only=True)
    progress = serializers.SerializerMethodField()
    uncertainty = serializers.SerializerMethodField(
        help_text="How line ranges were combined into the totals, in words."
    )
    summary = serializers.SerializerMethodField(
        help_text="Shared sources, the widest one, emissions-weighted DQ and ledger words the "
        "vocabulary did not know, once completed."
    )

    class Meta:
        model = InventoryRun
        fields = [
            "id",
            "reporting_year",
            "status",
            "progress",
            "pins",
            "code_version",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
            "lines_total",
            "chunks_total",
            "chunks_done",
            "total_kgco2e",
            "low_kgco2e",
            "high_kgco2e",
            "unaccounted_amount",
            "uncertainty_method",
            "uncertainty",
            "method_version",
            "summary",
            "error",
        ]
        read_only_fields = fields

    def get_uncertainty(self, obj) -> str:
        return selectors.run_uncertainty_label(obj)

    def get_summary(self, obj) -> dict:
        return (obj.plan or {}).get("summary", {})

    def get_progress(self, obj) -> float:
        if obj.chunks_total:
            return round(obj.chunks_done / obj.chunks_total, 4)
        return 1.0 if obj.status == InventoryRun.Status.COMPLETED else 0.0


class RunStartSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1900, max_value=2100)
    pins = serializers.DictField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text='Dataset version per kind, e.g. {"useeio": "1.3.0"}; the highest otherwise. '
        f"Kinds: {', '.join(FactorDataset.Kind.values)}.",
    )
    uncertainty = serializers.ChoiceField(
        choices=InventoryRun.Uncertainty.choices,
        default=InventoryRun.Uncertainty.ANALYTIC,
        help_text="How line ranges combine into totals (docs/method.md).",
    )
    seed = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, help_text="Monte Carlo seed."
    )
    draws = serializers.IntegerField(
        required=False, min_value=100, max_value=100_000, help_text="Monte Carlo draws."
    )


class EstimateSerializer(serializers.ModelSerializer):
    external_id = serializers.CharField(source="spend_line.external_id", read_only=True)
    factor_dataset = serializers.CharField(source="factor_dataset.name", default=None)
    factor_version = serializers.CharField(source="factor_dataset.version", default=None)

    class Meta:
        model = EmissionEstimate
        fields = [
            "spend_line",
            "external_id",
            "vendor",
            "category",
            "method",
            "kgco2e",
            "low_kgco2e",
            "high_kgco2e",
            "dq",
            "dq_indicators",
            "source_key",
            "factor_dataset",
            "factor_version",
            "factor_code",
            "factor_kgco2e_per_unit",
            "activity_value",
            "activity_unit",
            "reason",
            "source_disclosure_id",
            "source_footprint_id",
        ]
        read_only_fields = fields


class RestatementRowSerializer(serializers.Serializer):
    vendor_id = serializers.IntegerField(allow_null=True)
    vendor_name = serializers.CharField()
    category = serializers.IntegerField()
    old_kgco2e = serializers.DecimalField(max_digits=24, decimal_places=3)
    new_kgco2e = serializers.DecimalField(max_digits=24, decimal_places=3)
    change_kgco2e = serializers.DecimalField(max_digits=24, decimal_places=3)
    reasons = serializers.ListField(child=serializers.CharField())


class RestatementSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    previous_run = serializers.IntegerField(
        allow_null=True, help_text="The completed run compared with; null if there is none."
    )
    rows = RestatementRowSerializer(many=True)
    method_changes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Method corrections between the two runs' method versions (docs/method.md).",
    )


@extend_schema_view(
    list=extend_schema(summary="List inventory runs (staff)"),
    retrieve=extend_schema(
        summary="Progress of an inventory run (staff)",
        description="Chunks done of total, status and, once completed, totals with their range.",
    ),
)
class InventoryRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = selectors.inventory_run_list()
    serializer_class = InventoryRunSerializer
    permission_classes = [permissions.IsAuthenticated, StaffOnly, RolePermission]
    pagination_class = TenderleafPagination
    # Not tenant data: staff-only routes refuse (403) rather than hide.
    staff_only = True

    def get_queryset(self):
        return selectors.inventory_run_list()

    @extend_schema(
        summary="Start an inventory run (staff with add permission)",
        request=RunStartSerializer,
        responses={201: InventoryRunSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = RunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run = inventory_run_start(
                actor=request.user,
                year=data.validated_data["year"],
                pins=data.validated_data.get("pins") or {},
                reason="started through the API",
                uncertainty=data.validated_data["uncertainty"],
                montecarlo_seed=data.validated_data.get("seed"),
                montecarlo_draws=data.validated_data.get("draws"),
            )
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc
        return Response(InventoryRunSerializer(run).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        run = self.get_object()
        if run.status == InventoryRun.Status.RUNNING and request.user.has_perm(
            "scope3.add_inventoryrun"
        ):
            # A status check that finds chunks held by a dead worker re-queues them.
            inventory_run_reap(run_id=run.pk)
        return Response(self.get_serializer(run).data)

    @extend_schema(
        summary="Estimates of a run, one per spend line and category (staff)",
        responses={200: EstimateSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        run = self.get_object()
        page = self.paginate_queryset(selectors.inventory_run_estimates(run=run))
        return self.get_paginated_response(EstimateSerializer(page, many=True).data)

    @extend_schema(
        summary="Restatement against the previous completed run of the year (staff)",
        parameters=[
            OpenApiParameter(
                "against", int, description="Id of the run to compare with, of the same year."
            )
        ],
        # One object (the two runs and their rows), not a page of rows.
        responses={200: RestatementSerializer},
    )
    @action(detail=True, methods=["get"])
    def restatement(self, request, pk=None):
        run = self.get_object()
        previous = None
        against = request.query_params.get("against")
        if against:
            previous = (
                selectors.inventory_run_list(year=run.reporting_year)
                .filter(pk=against if against.isdigit() else -1, status="completed")
                .first()
            )
            if previous is None:
                raise serializers.ValidationError(
                    {"against": "No completed run of the same year has this id."}
                )
        else:
            previous = selectors.inventory_run_previous(run=run)
        rows = selectors.inventory_run_restatement(run=run, previous=previous)
        return Response(
            {
                "run": run.pk,
                "previous_run": previous.pk if previous else None,
                "rows": RestatementRowSerializer(rows, many=True).data,
                "method_changes": selectors.inventory_run_method_changes(
                    run=run, previous=previous
                ),
            }
        )


router = SimpleRouter()
router.register("inventory-runs", InventoryRunViewSet, basename="api-inventoryrun")
urlpatterns = router.urls
