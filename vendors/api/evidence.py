"""``/api/v1/evidence/``: upload evidence files (multipart) and list or read the ones you may see.

Uploads go through ``assurance.services.evidence_file_upload`` (or, attached to a disclosure,
``vendors.services.disclosure_evidence_attach``), which streams the file to a random private name,
hashes it and decides its type from its content. A vendor user's upload always belongs to their own
vendor, whatever vendor id was posted; any member may upload (as on the portal). Staff upload for
any vendor if they hold ``assurance.add_evidencefile``. The bytes only ever leave through the
authorising download view, whose URL each row carries. Files are never changed or deleted here.

The evidence files are assurance's, but uploads attach them to disclosures with the vendors app's
permissions and services, so the API lives here (docs/architecture.md, "Which app may import
which").
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from assurance.models import EvidenceFile
from assurance.services import EvidenceRejected, evidence_file_upload
from vendors.api.base import TenantScopedViewSetMixin, scope_to_vendor
from vendors.api.disclosures import MULTIPART_OVERHEAD_BYTES, MemberRolePermission
from vendors.models import EmissionsDisclosure, Vendor
from vendors.services import disclosure_evidence_attach


class EvidenceFileSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    target = serializers.SerializerMethodField(
        help_text='What the file is attached to, as "app.Model:id", or null.'
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "original_name",
            "sha256",
            "size_bytes",
            "content_type",
            "vendor",
            "target",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_target(self, obj) -> str | None:
        if obj.target_type_id is None:
            return None
        return f"{obj.target_type.app_label}.{obj.target_type.model}:{obj.target_id}"

    def get_download_url(self, obj) -> str:
        url = reverse("assurance:evidence_download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, PNG, JPEG, CSV, JSON, XLSX or plain text; the type is decided by the "
        "content, not the name."
    )
    vendor = serializers.PrimaryKeyRelatedField(
        queryset=Vendor.objects.all(),
        required=False,
        allow_null=True,
        help_text="Staff: the vendor the file belongs to. Vendor users: always their own.",
    )
    disclosure = serializers.PrimaryKeyRelatedField(
        queryset=EmissionsDisclosure.objects.all(),
        required=False,
        allow_null=True,
        help_text="Attach the file to this draft or rejected disclosure.",
    )

    def get_fields(self):
        fields = super().get_fields()
        vendor = self.context.get("tenant_vendor")
        if vendor is not None:
            # Another vendor's ids answer "does not exist", exactly like ids that do not exist.
            for name in ("vendor", "disclosure"):
                fields[name].queryset = scope_to_vendor(fields[name].queryset, vendor)
        return fields

    def validate(self, attrs):
        disclosure, vendor = attrs.get("disclosure"), attrs.get("vendor")
        if disclosure is not None and vendor is not None and disclosure.vendor_id != vendor.pk:
            raise ValidationError({"disclosure": ["This disclosure belongs to another vendor."]})
        return attrs


@extend_schema_view(
    list=extend_schema(
        summary="List evidence files",
        description="Vendor users see their own vendor's files; staff with the view permission "
        "see all. Download each through its download_url.",
    ),
    retrieve=extend_schema(summary="Retrieve an evidence file's record"),
)
class EvidenceFileViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = EvidenceFile.objects.select_related("uploaded_by", "target_type")
    serializer_class = EvidenceFileSerializer
    permission_classes = [IsAuthenticated, MemberRolePermission]
    parser_classes = [MultiPartParser, FormParser]
    vendor_member_actions = frozenset({"create"})
    filterset_fields = ["content_type"]
    search_fields = ["original_name", "=sha256"]
    ordering_fields = ["uploaded_at", "original_name", "size_bytes"]
    ordering = ["-uploaded_at"]

    @extend_schema(
        summary="Upload an evidence file",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceFileSerializer,
            400: OpenApiResponse(
                description="Refused (type, empty, name, or the checks of its type: an XLSX's "
                "archive limits and XML entities, a PDF's structure, an image's pixel limit and "
                "decoding); the message names the file. Nothing was stored."
            ),
            413: OpenApiResponse(description="The file is over the size limit."),
        },
    )
    def create(self, request, *args, **kwargs):
        limit = settings.EVIDENCE_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        # Refuse before Django reads the body into memory or a temporary file.
        if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD_BYTES:
            return _too_large(limit)
        upload = EvidenceUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        disclosure = data.get("disclosure")
        vendor = self.request_vendor or data.get("vendor")
        if vendor is None and disclosure is not None:
            vendor = disclosure.vendor
        try:
            if disclosure is not None:
                evidence = disclosure_evidence_attach(
                    actor=request.user, disclosure=disclosure, uploaded_file=data["file"]
                )
            else:
                evidence = evidence_file_upload(
                    actor=request.user, uploaded_file=data["file"], vendor=vendor
                )
        except EvidenceRejected as exc:
            if exc.code == "too_large":
                return _too_large(limit)
            raise ValidationError({"file": exc.messages}) from None
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
            if "status" in detail:  # the disclosure is no longer editable
                detail = {"disclosure": detail.pop("status"), **detail}
            raise ValidationError(detail) from None
        return Response(self.get_serializer(evidence).data, status=status.HTTP_201_CREATED)


def _too_large(limit: int) -> Response:
    return Response(
        {"file": [f"The file is over the {limit} byte limit for evidence files."]},
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


router = SimpleRouter()
router.register("evidence", EvidenceFileViewSet, basename="api-evidence")
urlpatterns = router.urls
