"""/api/v1/rfps/ and /api/v1/bids/: read-only, tenant-scoped.

- ``rfps``: staff (officers and auditors all, evaluators their panel RFPs) and invited vendors
  (published RFPs they are invited to; others answer 404);
- ``rfps/<id>/results/``: staff only, the same numbers as the admin scoring matrix;
- ``bids``: vendor users their own bids; staff see bids only once the RFP's deadline has passed
  (sealed bids).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.api import service_errors_as_drf
from procurement import selectors, selectors_lcc, services_lcc
from procurement.models import Bid, BidAnswer, BidConfiguration, Rfp, RfpCriterion
from vendors.api.base import TenantScopedViewSetMixin


class RfpCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RfpCriterion
        fields = ["id", "name", "weight", "rule", "unit", "is_sustainability", "scale_max"]


class RfpSerializer(serializers.ModelSerializer):
    criteria = RfpCriterionSerializer(many=True, read_only=True)
    # A plain string: the vendor category codes (see /api/v1/vendors/); declaring the choices
    # again would make a second "category" enum in the schema.
    category = serializers.CharField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="draft, published, closed, evaluated, awarded or cancelled"
    )

    class Meta:
        model = Rfp
        fields = [
            "id",
            "title",
            "category",
            "description",
            "currency",
            "deadline",
            "status",
            "min_sustainability_share",
            "criteria",
        ]


class BidAnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = BidAnswer
        fields = ["criterion", "value_number", "value_bool", "value_text", "evidence"]


class BidSerializer(serializers.ModelSerializer):
    answers = BidAnswerSerializer(many=True, read_only=True)
    # Plain strings, like RfpSerializer's: "status" enums of several apps would collide.
    status = serializers.CharField(read_only=True, help_text="draft, submitted or withdrawn")

    class Meta:
        model = Bid
        fields = [
            "id",
            "rfp",
            "vendor",
            "status",
            "price",
            "currency",
            "submitted_at",
            "withdrawn_at",
            "answers",
        ]


class BidConfigurationInputSerializer(serializers.Serializer):
    """What a bidder gives for the life-cycle cost (docs/method.md, "Life-cycle cost of
    bids"); evidence files are uploaded first through /api/v1/evidence/ and named by id."""

    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=2)
    quantity = serializers.IntegerField(min_value=1)
    accelerators_per_unit = serializers.IntegerField(min_value=0)
    idle_w = serializers.DecimalField(max_digits=10, decimal_places=1)
    full_load_w = serializers.DecimalField(max_digits=10, decimal_places=1)
    power_standard = serializers.CharField(max_length=120)
    power_evidence = serializers.UUIDField(required=False, allow_null=True)
    maintenance_per_unit_year = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )
    eol_cost_per_unit = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    residual_value_per_unit = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )
    embodied_source = serializers.CharField(
        help_text="pact (with embodied_footprint), declared (with embodied_kgco2e_per_unit and "
        "embodied_evidence) or buyer_model"
    )
    embodied_kgco2e_per_unit = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, allow_null=True
    )
    embodied_footprint = serializers.IntegerField(required=False, allow_null=True)
    embodied_evidence = serializers.UUIDField(required=False, allow_null=True)
    mass_kg_per_unit = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    performance = serializers.DecimalField(
        max_digits=18, decimal_places=4, required=False, allow_null=True
    )


class RfpViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Rfp.objects.prefetch_related(
        Prefetch("criteria", queryset=RfpCriterion.objects.order_by("order", "id"))
    ).order_by("-deadline", "id")
    serializer_class = RfpSerializer
    vendor_lookup = "invited_vendors"
    vendor_field = None
    # Vendor admins offer their configuration for the life-cycle cost through the API.
    vendor_admin_actions = frozenset({"life_cycle"})

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request_vendor is not None:
            return queryset.exclude(status__in=[Rfp.Status.DRAFT, Rfp.Status.CANCELLED])
        return queryset.filter(pk__in=selectors.rfps_for_staff(self.request.user).values("pk"))

    @extend_schema(
        summary="Scoring results of an RFP (staff)",
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        if self.request_vendor is not None or not request.user.is_staff:
            raise NotFound()
        rfp = self.get_object()
        matrix = selectors.rfp_matrix(rfp, with_sensitivity=True)
        return Response(selectors.matrix_as_dict(matrix))

    @extend_schema(
        methods=["GET"],
        summary="Life-cycle parameters, method and computed LCC per bid",
        description="The RFP's evaluation parameters and method statement; with the bids' "
        "offered configurations and their life-cycle cost and carbon: all submitted bids for "
        "staff once the deadline has passed, a vendor's own bid for vendor users.",
        responses={200: OpenApiTypes.OBJECT},
    )
    @extend_schema(
        methods=["POST"],
        summary="Offer a configuration (vendor admins, before the deadline)",
        request=BidConfigurationInputSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get", "post"], url_path="life-cycle")
    def life_cycle(self, request, pk=None):
        rfp = self.get_object()
        vendor = self.request_vendor
        if request.method == "POST":
            if vendor is None:
                raise NotFound()
            return self._configuration_save(request, rfp, vendor)
        if vendor is not None:
            bids = [(b, vendor.name) for b in Bid.objects.filter(rfp=rfp, vendor=vendor)]
        elif selectors.rfp_is_sealed(rfp):
            bids = []
        else:
            bids = [
                (b, b.vendor.name)
                for b in rfp.bids.filter(status=Bid.Status.SUBMITTED).select_related("vendor")
            ]
        view = selectors_lcc.rfp_life_cycle(rfp, bids=bids, with_sensitivity=False)
        if view is None:
            raise NotFound("This RFP has no life-cycle parameters.")
        return Response(_life_cycle_as_dict(view))

    def _configuration_save(self, request, rfp, vendor):
        from assurance.models import EvidenceFile

        serializer = BidConfigurationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for name in ("power_evidence", "embodied_evidence"):
            evidence_id = data.pop(name, None)
            if evidence_id is not None:
                evidence = EvidenceFile.objects.filter(pk=evidence_id, vendor=vendor).first()
                if evidence is None:
                    raise ValidationError({name: ["No such evidence file of your vendor."]})
                data[name] = evidence
        try:
            services_lcc.bid_configuration_save(actor=request.user, rfp=rfp, vendor=vendor, **data)
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from None
        view = selectors_lcc.rfp_life_cycle(
            rfp,
            bids=[(b, vendor.name) for b in Bid.objects.filter(rfp=rfp, vendor=vendor)],
            with_sensitivity=False,
        )
        return Response(_life_cycle_as_dict(view))


class BidViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Bid.objects.select_related("rfp").prefetch_related("answers").order_by("id")
    serializer_class = BidSerializer
    vendor_lookup = "vendor"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request_vendor is not None:
            return queryset
        # Sealed bids: staff see nothing of a bid before its RFP's deadline.
        return queryset.filter(
            rfp__deadline__lte=timezone.now(),
            rfp__in=selectors.rfps_for_staff(self.request.user),
        )


def _life_cycle_as_dict(view) -> dict:
    data = {
        "rfp": view.rfp.pk,
        "currency": view.rfp.currency,
        "parameters": selectors_lcc.parameters_as_dict(view.settings, view.parameters),
        "error": view.error,
        "bids": [],
    }
    for line in view.bids:
        config = line.configuration
        data["bids"].append(
            {
                "bid": line.bid_id,
                "vendor": line.vendor_name,
                "inputs": _configuration_as_dict(config) if config else None,
                "life_cycle": selectors_lcc.result_as_dict(line.result) if line.result else None,
                "error": line.error,
            }
        )
    return data


def _configuration_as_dict(config: BidConfiguration) -> dict:
    def plain(value):
        return None if value is None else str(value)

    return {
        "description": config.description,
        "currency": config.bid.currency,
        "unit_price": plain(config.unit_price),
        "quantity": config.quantity,
        "accelerators_per_unit": config.accelerators_per_unit,
        "idle_w": plain(config.idle_w),
        "full_load_w": plain(config.full_load_w),
        "power_standard": config.power_standard,
        "power_evidence": plain(config.power_evidence_id),
        "maintenance_per_unit_year": plain(config.maintenance_per_unit_year),
        "eol_cost_per_unit": plain(config.eol_cost_per_unit),
        "residual_value_per_unit": plain(config.residual_value_per_unit),
        "embodied_source": config.embodied_source,
        "embodied_kgco2e_per_unit": plain(config.embodied_kgco2e_per_unit),
        "embodied_footprint": config.embodied_footprint_id,
        "embodied_evidence": plain(config.embodied_evidence_id),
        "mass_kg_per_unit": plain(config.mass_kg_per_unit),
        "performance": plain(config.performance),
    }


router = SimpleRouter()
router.register("rfps", RfpViewSet, basename="api-rfp")
router.register("bids", BidViewSet, basename="api-bid")
urlpatterns = router.urls
