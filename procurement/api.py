"""/api/v1/rfps/ and /api/v1/bids/: read-only, tenant-scoped.

- ``rfps``: staff (officers and auditors all, evaluators their panel RFPs) and invited vendors
  (published RFPs they are invited to; others answer 404);
- ``rfps/<id>/results/``: staff only, the same numbers as the admin scoring matrix;
- ``bids``: vendor users their own bids; staff see bids only once the RFP's deadline has passed
  (sealed bids).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.api import TenantScopedViewSetMixin
from procurement import selectors
from procurement.models import Bid, BidAnswer, Rfp, RfpCriterion


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


class RfpViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Rfp.objects.prefetch_related(
        Prefetch("criteria", queryset=RfpCriterion.objects.order_by("order", "id"))
    ).order_by("-deadline", "id")
    serializer_class = RfpSerializer
    vendor_lookup = "invited_vendors"
    vendor_field = None

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


router = SimpleRouter()
router.register("rfps", RfpViewSet, basename="api-rfp")
router.register("bids", BidViewSet, basename="api-bid")
urlpatterns = router.urls
