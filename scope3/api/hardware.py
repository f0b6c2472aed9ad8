"""/api/v1/hardware-specs/ and /api/v1/vocabulary/: hardware specs and ledger words (staff).

Specs (ACT model inputs) and vocabulary terms are the buyer's reference data, not a vendor's:
like the other scope3 endpoints these are for staff with scope3 permissions
(``vendors.api.base.RolePermission``: reading needs ``view_*``, creating ``add_*``, changing
``change_*``, so analysts write while officers and auditors read), and everyone else, vendor
users included, gets 403 before any row is looked up. Writes go through the services, which
record history and an audit event.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.routers import SimpleRouter

from config.api import TenderleafPagination, service_errors_as_drf
from scope3 import adapters, selectors
from scope3.api.runs import StaffOnly
from scope3.engine.hardware import spec_embodied
from scope3.models import FactorDataset, HardwareSpec, VocabularyTerm
from scope3.services.hardware import SPEC_FIELDS, hardware_spec_create, hardware_spec_update
from scope3.services.vocabulary import (
    TERM_FIELDS,
    vocabulary_term_create,
    vocabulary_term_update,
)
from vendors.api.base import RolePermission


class HardwareSpecSerializer(serializers.ModelSerializer):
    # Plain strings rather than enums: "kind" fields of other models have other choices, and
    # enum components of the same field name collide in the schema.
    kind = serializers.CharField(help_text=f"One of: {', '.join(HardwareSpec.Kind.values)}.")
    aliases = serializers.JSONField(
        required=False, help_text='Other ledger words, e.g. ["H100 SXM", "H100 SXM5"].'
    )
    dies = serializers.JSONField(
        required=False, help_text='e.g. [{"area_mm2": 814, "node": "5nm", "count": 1}].'
    )
    memory = serializers.JSONField(
        required=False, help_text='e.g. [{"type": "hbm", "gb": 80}]; type "hbm" or "dram".'
    )
    source_url = serializers.CharField(max_length=500)
    estimate = serializers.SerializerMethodField(
        help_text="Embodied kg CO2e of one unit with the latest hardware dataset's ACT "
        "parameters, term by term (manufacturing of the listed components only), or the reason "
        "it cannot be computed."
    )

    class Meta:
        model = HardwareSpec
        fields = [
            "id",
            "name",
            "aliases",
            "kind",
            "dies",
            "memory",
            "storage_gb",
            "mass_kg",
            "platform_kgco2e",
            "platform_source",
            "boundary",
            "source",
            "source_url",
            "notes",
            "shipped",
            "estimate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "shipped", "estimate", "created_at", "updated_at"]

    def get_estimate(self, obj) -> dict:
        params = self.context.get("act_parameters")
        if params is None:
            return {"dataset": None, "error": "no hardware dataset imported"}
        try:
            embodied = spec_embodied(adapters.hardware_spec_input(obj), params)
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            return {"dataset": params.dataset_label, "error": str(exc)}
        return {
            "dataset": params.dataset_label,
            "total_kgco2e": str(embodied.total_kgco2e),
            "terms": [
                {"label": term.label, "kgco2e": str(term.kgco2e), "formula": term.formula}
                for term in embodied.terms
            ],
        }


class VocabularyTermSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=f"One of: {', '.join(VocabularyTerm.Kind.values)}.")
    target_spec = serializers.PrimaryKeyRelatedField(
        queryset=HardwareSpec.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the hardware spec the word names (hardware words only), or null.",
    )
    target = serializers.CharField(
        read_only=True, help_text='What the word resolves to: a factor code or "spec:<name>".'
    )

    class Meta:
        model = VocabularyTerm
        fields = [
            "id",
            "kind",
            "word",
            "target_code",
            "target_spec",
            "target",
            "notes",
            "shipped",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "target", "shipped", "created_at", "updated_at"]
        # Uniqueness is the service's to check (after normalising the word).
        validators = []


class _ServiceWrites:
    """Create and update through a service; its ValidationError becomes a 400 by field."""

    service_fields: set[str] = set()

    def _fields(self, serializer) -> dict:
        return {k: v for k, v in serializer.validated_data.items() if k in self.service_fields}

    def perform_create(self, serializer):
        try:
            serializer.instance = self.create_instance(self._fields(serializer))
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = self.update_instance(
                serializer.instance, self._fields(serializer)
            )
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc


@extend_schema_view(
    list=extend_schema(summary="List hardware specs with their estimates (staff)"),
    retrieve=extend_schema(summary="A hardware spec with its estimate (staff)"),
    create=extend_schema(summary="Add a hardware spec (analysts)"),
    update=extend_schema(summary="Replace a hardware spec (analysts)"),
    partial_update=extend_schema(summary="Change a hardware spec (analysts)"),
)
class HardwareSpecViewSet(
    _ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = selectors.hardware_spec_list()
    serializer_class = HardwareSpecSerializer
    permission_classes = [permissions.IsAuthenticated, StaffOnly, RolePermission]
    pagination_class = TenderleafPagination
    staff_only = True
    service_fields = SPEC_FIELDS

    def get_queryset(self):
        return selectors.hardware_spec_list()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            # The parameters are loaded once per request, so a list costs the same queries
            # whatever its length.
            dataset = selectors.factor_dataset_latest(kind=FactorDataset.Kind.HARDWARE)
            context["act_parameters"] = adapters.act_parameters(dataset)
        return context

    def create_instance(self, data):
        return hardware_spec_create(
            actor=self.request.user, reason="hardware spec added through the API", **data
        )

    def update_instance(self, instance, data):
        return hardware_spec_update(
            actor=self.request.user,
            spec=instance,
            reason="hardware spec changed through the API",
            **data,
        )


@extend_schema_view(
    list=extend_schema(
        summary="List vocabulary terms (staff)",
        parameters=[
            OpenApiParameter(
                "kind", str, enum=VocabularyTerm.Kind.values, description="Only this kind."
            )
        ],
    ),
    retrieve=extend_schema(summary="A vocabulary term (staff)"),
    create=extend_schema(summary="Map a ledger word (analysts)"),
    update=extend_schema(summary="Replace a vocabulary term (analysts)"),
    partial_update=extend_schema(summary="Change a vocabulary term (analysts)"),
)
class VocabularyTermViewSet(
    _ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = selectors.vocabulary_term_list()
    serializer_class = VocabularyTermSerializer
    permission_classes = [permissions.IsAuthenticated, StaffOnly, RolePermission]
    pagination_class = TenderleafPagination
    staff_only = True
    service_fields = TERM_FIELDS

    def get_queryset(self):
        kind = self.request.query_params.get("kind") if self.action == "list" else None
        return selectors.vocabulary_term_list(kind=kind or None)

    def create_instance(self, data):
        return vocabulary_term_create(
            actor=self.request.user, reason="vocabulary term added through the API", **data
        )

    def update_instance(self, instance, data):
        return vocabulary_term_update(
            actor=self.request.user,
            term=instance,
            reason="vocabulary term changed through the API",
            **data,
        )


router = SimpleRouter()
router.register("hardware-specs", HardwareSpecViewSet, basename="api-hardwarespec")
router.register("vocabulary", VocabularyTermViewSet, basename="api-vocabularyterm")
urlpatterns = router.urls
