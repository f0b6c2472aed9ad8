"""``/api/v1/product-footprints/``: PACT product footprints (docs/domain.md, "Vendor disclosure").

Vendor users POST a PACT document, as an ``application/json`` body or as a multipart ``file``, for
their own vendor, and read their own footprints; staff with the view permission read all (auditors
included); nobody edits or deletes a footprint (a new version is a new upload). The document goes
through ``vendors.services.product_footprint_import`` with the shared upload limits: the size is
checked on the declared length before the body is read, and the body is parsed by the service
(strict JSON, nesting limit), not by DRF.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from assurance.storage import original_name_clean
from assurance.uploads import UploadRefused, read_limited, too_large_message
from vendors import services
from vendors.api.base import RolePermission, TenantScopedViewSetMixin
from vendors.models import ProductFootprint
from vendors.services.footprints import pact_max_bytes
from vendors.tenancy import membership_for_user


class PactJSONParser(BaseParser):
    """Hands the raw JSON bytes to the service (which parses strictly), capped at PACT_MAX_BYTES.

    DRF's own JSON parser would accept ``1e309`` as infinity and has no nesting limit.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = pact_max_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise ParseError(too_large_message("", limit, "PACT documents"))
        if stream is None:
            return b""
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ParseError(too_large_message("", limit, "PACT documents"))
        return body


class ProductFootprintSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductFootprint
        fields = [
            "id",
            "vendor",
            "pact_id",
            "pact_version",
            "spec_version",
            "pact_status",
            "product_ids",
            "product_name",
            "product_description",
            "product_category_cpc",
            "declared_unit",
            "declared_unit_amount",
            "pcf_excluding_biogenic_kgco2e",
            "pcf_including_biogenic_kgco2e",
            "reference_period_start",
            "reference_period_end",
            "primary_data_share_pct",
            "dqi",
            "assured",
            "assurance",
            "raw_document",
            "created_at",
        ]
        read_only_fields = fields


class FootprintPermission(RolePermission):
    """Any member of a vendor may upload its footprints (as in the portal), not only its admins."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if (
            getattr(view, "action", None) == "create"
            and user
            and user.is_authenticated
            and user.is_active
            and not user.is_staff
            and membership_for_user(user) is not None
        ):
            return True
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(
        summary="List product footprints",
        description="Vendor users see only their own vendor's footprints; staff see all.",
    ),
    retrieve=extend_schema(summary="Retrieve a product footprint"),
)
class ProductFootprintViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ProductFootprint.objects.select_related("vendor")
    serializer_class = ProductFootprintSerializer
    permission_classes = [FootprintPermission]
    parser_classes = [PactJSONParser, MultiPartParser]
    vendor_admin_actions = frozenset({"create"})
    ordering_fields = ["created_at", "product_name", "pact_version"]
    ordering = ["-created_at", "-id"]
    search_fields = ["product_name", "product_description"]

    @extend_schema(
        summary="Upload a PACT document (vendor users)",
        description='A PACT ProductFootprint or a list response {"data": [...]}, v2 or v3 '
        "field names, as the JSON body or as a multipart `file`. All footprints are stored or "
        "none; errors name their JSON path.",
        request={
            "application/json": {"type": "object"},
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            },
        },
        responses={
            201: ProductFootprintSerializer(many=True),
            400: OpenApiResponse(description="The document was refused; nothing was stored."),
        },
    )
    def create(self, request, *args, **kwargs):
        vendor = self.request_vendor
        if vendor is None:
            raise PermissionDenied("Product footprints are uploaded by the vendor's own users.")
        data = request.data
        name = "request body"
        if isinstance(data, bytes | bytearray):
            document = bytes(data)
        else:
            uploaded = request.FILES.get("file")
            if uploaded is None:
                raise ValidationError(
                    {"file": ["Send the PACT JSON as the request body or as a file named 'file'."]}
                )
            name = original_name_clean(uploaded.name)
            try:
                document = read_limited(
                    uploaded, pact_max_bytes(), name=name, what="PACT documents"
                )
            except UploadRefused as exc:
                raise ValidationError({"file": [exc.message]}) from None
        if not document:
            raise ValidationError({"errors": ["The document is empty."]})
        try:
            stored = services.product_footprint_import(
                actor=request.user, vendor=vendor, document=document, source_name=name
            )
        except services.FootprintImportRefused as exc:
            raise ValidationError({"errors": exc.errors}) from None
        serializer = self.get_serializer(stored, many=True)
        return Response(serializer.data, status=status.HTTP_201_CREATED)
