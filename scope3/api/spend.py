"""/api/v1/spend-imports/: upload a spend file and list the import batches (staff only).

Spend data is the buyer's own ledger, not a vendor's, so this endpoint does not use the tenant
base: it is for staff with scope3 permissions (``vendors.api.base.RolePermission``: GET needs
``view_importbatch``, POST ``add_importbatch``), and everyone else, vendor users included, gets
403 before any row is looked up.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.api import TenderleafPagination
from scope3 import selectors
from scope3.models import ImportBatch
from scope3.services.spend import (
    SpendImportRefused,
    import_batch_error_report_open,
    spend_import,
    spend_import_max_bytes,
)
from vendors.api.base import RolePermission


class ImportBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    error_report_url = serializers.SerializerMethodField()
    unknown_terms = serializers.JSONField(
        read_only=True,
        help_text='Ledger words nothing resolves, with line counts: [{"field": "hardware_class", '
        '"word": "gpu-xl", "lines": 16}]. Map them with /api/v1/vocabulary/.',
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "original_name",
            "file_sha256",
            "size_bytes",
            "source",
            "status",
            "partial",
            "column_map",
            "total_rows",
            "accepted_rows",
            "rejected_rows",
            "skipped_existing_rows",
            "unmatched_vendor_rows",
            "unknown_terms",
            "error_summary",
            "error_report_url",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_error_report_url(self, obj) -> str | None:
        if not obj.error_report_name:
            return None
        url = reverse("api-spendimport-error-report", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class SpendUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX with a header row.")
    partial = serializers.BooleanField(
        default=False, help_text="Store the valid rows even if some rows have errors."
    )
    column_map = serializers.JSONField(
        required=False,
        help_text='Your headers to our fields, e.g. {"Invoice date": "date"}.',
    )

    def validate_column_map(self, value):
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValidationError('Give an object, e.g. {"Invoice date": "date"}.')
        return value


class StaffOnly(permissions.BasePermission):
    """Only staff reach this endpoint; RolePermission alone would let vendor users read."""

    message = "This endpoint is for staff only."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


@extend_schema_view(
    list=extend_schema(summary="List spend import batches (staff)"),
    retrieve=extend_schema(summary="Retrieve a spend import batch (staff)"),
)
class SpendImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = selectors.import_batch_list()
    serializer_class = ImportBatchSerializer
    permission_classes = [permissions.IsAuthenticated, StaffOnly, RolePermission]
    pagination_class = TenderleafPagination
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.import_batch_list()

    @extend_schema(
        summary="Upload a spend file (staff)",
        request={"multipart/form-data": SpendUploadSerializer},
        responses={
            201: ImportBatchSerializer,
            400: OpenApiResponse(description="Refused: too large, already imported, bad map."),
            413: OpenApiResponse(description="The upload is over the size limit."),
            422: OpenApiResponse(
                response=ImportBatchSerializer,
                description="Rejected: nothing stored; see error_report_url.",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        limit = spend_import_max_bytes(ImportBatch.Source.API)
        declared = request.META.get("CONTENT_LENGTH") or ""
        # Refuse before Django reads the body into memory or a temporary file.
        if declared.isdigit() and int(declared) > limit + 64 * 1024:
            return Response(
                {"detail": f"The upload is over the {limit} byte limit for spend files."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        upload = SpendUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            batch = spend_import(
                actor=request.user,
                path_or_file=file,
                original_name=file.name,
                source=ImportBatch.Source.API,
                partial=upload.validated_data["partial"],
                column_map=upload.validated_data.get("column_map") or {},
                reason="spend file uploaded through the API",
            )
        except SpendImportRefused as exc:
            raise ValidationError({"file": [exc.message]}) from None
        body = ImportBatchSerializer(batch, context=self.get_serializer_context()).data
        code = (
            status.HTTP_422_UNPROCESSABLE_ENTITY
            if batch.status == ImportBatch.Status.REJECTED
            else status.HTTP_201_CREATED
        )
        return Response(body, status=code)

    @extend_schema(
        summary="Download a batch's error report (CSV, staff)",
        responses={(200, "text/csv"): OpenApiResponse(description="row, column, value, rule")},
    )
    @action(detail=True, methods=["get"], url_path="error-report", url_name="error-report")
    def error_report(self, request, pk=None):
        batch = self.get_object()
        try:
            handle = import_batch_error_report_open(batch)
        except (FileNotFoundError, OSError):
            raise Http404("This batch has no error report.") from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"spend-import-{batch.pk}-errors.csv",
            content_type="text/csv; charset=utf-8",
        )


router = SimpleRouter()
router.register("spend-imports", SpendImportViewSet, basename="api-spendimport")
urlpatterns = router.urls
