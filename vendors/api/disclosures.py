"""Disclosure endpoints: ``/api/v1/disclosure-requests/``, ``/api/v1/disclosures/`` (with the
``submit``, ``accept`` and ``reject`` actions) and the certificate upload (multipart ``POST``) and
verification on ``/api/v1/certifications/`` (also served as ``/api/v1/certificates/``).

Scoping and permissions come from ``vendors.api.base`` as everywhere. As on the portal, any member
of a vendor (contributors too, not only its admins) answers its disclosure requests: drafts,
evidence and submission. Certificates keep the vendor master's rule: vendor admins add them. Staff
review: accepting, rejecting and verifying need the model's ``change`` permission, so auditors (view
only) get 403. Officers never write a vendor's figures."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from assurance.models import EvidenceFile
from config.api import service_errors_as_drf
from config.api_filters import IdFilter, YearFilter
from vendors import selectors, services
from vendors.api.base import (
    RolePermission,
    TenantScopedModelSerializer,
    TenantScopedViewSetMixin,
)
from vendors.api.serializers import CertificationSerializer
from vendors.api.views import CertificationViewSet
from vendors.boundary import categories_normalised, categories_problems
from vendors.models import Certification, DisclosureRequest, EmissionsDisclosure
from vendors.services import CERTIFICATE_UPLOAD_FIELDS, DISCLOSURE_FIELDS
from vendors.tenancy import membership_for_user

ASK_FIELDS = [
    "ask_scope1",
    "ask_scope2_location",
    "ask_scope2_market",
    "ask_scope3_upstream",
    "ask_allocation",
    "ask_product_footprints",
    "ask_certificates",
]
# Multipart framing around the file; a body larger than the limit plus this is refused unread.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class MemberRolePermission(RolePermission):
    """``RolePermission`` with two additions a viewset declares:

    - ``vendor_member_actions``: unsafe actions any member of the vendor may take on their own
      vendor's rows (``RolePermission`` alone allows them to vendor *admins* only);
    - ``staff_action_perms``: the permissions staff need for a custom action, instead of those of
      its HTTP method (``accept`` is a POST but needs ``change``, not ``add``).

    On detail routes the decision still comes after the object lookup, so another vendor's
    primary key answers 404 whatever the action.
    """

    def _member_action(self, request, view) -> bool:
        user = request.user
        return (
            not user.is_staff
            and request.method not in SAFE_METHODS
            and getattr(view, "action", None) in getattr(view, "vendor_member_actions", ())
            and membership_for_user(user) is not None
        )

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        staff_perms = getattr(view, "staff_action_perms", {}).get(getattr(view, "action", None))
        if user.is_staff and staff_perms is not None:
            return user.has_perms(staff_perms)
        if self._member_action(request, view):
            return True
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        if self._member_action(request, view):
            return True
        return super().has_object_permission(request, view, obj)


def refuse_staff_writes(viewset, what: str) -> None:
    if viewset.request_vendor is None:
        raise PermissionDenied(f"{what} are entered by the vendor's own users.")


# --- evidence attached to a row -----------------------------------------------------------------


class EvidenceSummarySerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "original_name", "content_type", "size_bytes", "sha256", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        url = reverse("assurance:evidence_download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


def evidence_attach_to(rows) -> None:
    """Load the evidence files of ``rows`` (disclosures) in one query, as ``row.evidence_list``."""
    rows = list(rows)
    if not rows:
        return
    content_type = ContentType.objects.get_for_model(rows[0])
    by_target: dict[str, list[EvidenceFile]] = {str(row.pk): [] for row in rows}
    files = EvidenceFile.objects.filter(
        target_type=content_type, target_id__in=list(by_target)
    ).order_by("uploaded_at")
    vendor_of = {str(row.pk): row.vendor_id for row in rows}
    for evidence in files:
        # The file's vendor must be the row's: a file is never shown across the tenant boundary.
        if evidence.vendor_id == vendor_of[evidence.target_id]:
            by_target[evidence.target_id].append(evidence)
    for row in rows:
        row.evidence_list = by_target[str(row.pk)]


# --- disclosure requests ------------------------------------------------------------------------


class DisclosureRequestSerializer(TenantScopedModelSerializer):
    portal_url = serializers.SerializerMethodField()

    class Meta:
        model = DisclosureRequest
        fields = [
            "id",
            "vendor",
            "reporting_year",
            *ASK_FIELDS,
            "message",
            "due_date",
            "status",
            "created_at",
            "sent_at",
            "vendor_touched_at",
            "portal_url",
        ]
        read_only_fields = ["status", "created_at", "sent_at", "vendor_touched_at"]
        # One live request per vendor and year is checked by the service (it names the field).
        validators = []

    def get_portal_url(self, obj) -> str:
        return settings.SITE_URL + reverse("portal:disclosure_request", kwargs={"pk": obj.pk})


class DisclosureRequestFilter(filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id", help_text="Vendor id.")

    class Meta:
        model = DisclosureRequest
        fields = ["vendor", "reporting_year", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="List disclosure requests",
        description="Vendor users see their own vendor's requests; staff see all.",
    ),
    retrieve=extend_schema(summary="Retrieve a disclosure request"),
    create=extend_schema(
        summary="Send a disclosure request (staff)",
        description="Emails the vendor's contacts who receive reminders, with a link to the "
        "request in the portal. One live request per vendor and reporting year.",
    ),
)
class DisclosureRequestViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = DisclosureRequest.objects.select_related("vendor")
    serializer_class = DisclosureRequestSerializer
    vendor_admin_actions = frozenset()
    filterset_class = DisclosureRequestFilter
    search_fields = ["vendor__name", "message"]
    ordering_fields = ["due_date", "reporting_year", "created_at", "vendor__name"]
    ordering = ["-reporting_year", "due_date", "vendor__name"]

    def create_instance(self, data):
        asks = {name: data.pop(name) for name in ASK_FIELDS if name in data}
        return services.disclosure_request_create(
            actor=self.request.user, reason="disclosure requested through the API", **data, **asks
        )


# --- disclosures --------------------------------------------------------------------------------


class DisclosureWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 8},
        "maxItems": 8,
    }
)
class UpstreamCategoriesField(serializers.ListField):
    """GHG Protocol upstream Scope 3 category numbers; stored sorted and without repeats, and a
    number outside 1 to 8 is refused naming it (vendors/boundary.py)."""

    child = serializers.IntegerField()

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        problems = categories_problems(values)
        if problems:
            raise ValidationError(problems)
        return categories_normalised(values)


class EmissionsDisclosureSerializer(TenantScopedModelSerializer):
    scope3_upstream_categories = UpstreamCategoriesField(
        required=False,
        help_text="GHG Protocol upstream Scope 3 categories (1 to 8) that "
        "scope3_upstream_tco2e includes, e.g. [1, 2, 3, 4]. Required with "
        "scope3_upstream_tco2e, empty without it. The hybrid method counts the figures as "
        "cradle-to-gate only when categories 1 to 4 are included.",
    )
    coverage = serializers.CharField(
        source="boundary_label",
        read_only=True,
        help_text="What the disclosure covers, as one sentence.",
    )
    upstream_complete = serializers.BooleanField(
        read_only=True,
        help_text="True when the upstream Scope 3 categories include 1 to 4 (cradle-to-gate).",
    )
    request = serializers.PrimaryKeyRelatedField(
        queryset=DisclosureRequest.objects.all(),
        allow_null=True,
        required=False,
        help_text="The request this disclosure answers (your own vendor's).",
    )
    warnings = DisclosureWarningSerializer(
        many=True,
        read_only=True,
        help_text="Plausibility warnings found at submission, confirmed by the vendor.",
    )
    warnings_confirmed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    submitted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = EmissionsDisclosure
        fields = [
            "id",
            "vendor",
            "request",
            *sorted(DISCLOSURE_FIELDS),
            "coverage",
            "upstream_complete",
            "status",
            "warnings",
            "warnings_confirmed_by",
            "warnings_confirmed_at",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "superseded_by",
            "evidence",
            "created_at",
        ]
        read_only_fields = [
            "vendor",
            "status",
            "warnings_confirmed_at",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "superseded_by",
            "created_at",
        ]
        # Constraints are the service's to check (one accepted per period applies at acceptance).
        validators = []

    @extend_schema_field(EvidenceSummarySerializer(many=True))
    def get_evidence(self, obj):
        files = getattr(obj, "evidence_list", None)
        if files is None:
            files = selectors.disclosure_evidence(obj)
        return EvidenceSummarySerializer(files, many=True, context=self.context).data

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if (
            self.instance is not None
            and "request" in attrs
            and (attrs["request"] and attrs["request"].pk) != self.instance.request_id
        ):
            raise ValidationError(
                {"request": "The request a disclosure answers cannot be changed."}
            )
        return attrs


class DisclosureSubmitSerializer(serializers.Serializer):
    confirm_warnings = serializers.BooleanField(
        default=False,
        help_text="Set to true to submit despite the plausibility warnings of a previous 409.",
    )


class DisclosureReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Shown to the vendor; required to reject.",
    )


WARNINGS_409 = inline_serializer(
    "DisclosureWarningsUnconfirmed",
    {
        "detail": serializers.CharField(),
        "warnings": DisclosureWarningSerializer(many=True),
    },
)


class EmissionsDisclosureFilter(filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id", help_text="Vendor id.")
    request = IdFilter(field_name="request_id", help_text="Disclosure request id.")
    year = YearFilter(
        field_name="period_end", lookup_expr="year", help_text="Year the period ends in."
    )

    class Meta:
        model = EmissionsDisclosure
        fields = ["vendor", "request", "status", "verification", "year"]


@extend_schema_view(
    list=extend_schema(
        summary="List emissions disclosures",
        description="Vendor users see their own vendor's disclosures; staff see all.",
    ),
    retrieve=extend_schema(summary="Retrieve an emissions disclosure"),
    create=extend_schema(
        summary="Start a draft disclosure (vendor users)",
        description="Emissions in tCO2e. Impossible values are refused even in a draft; what the "
        "request requires is checked at submission.",
    ),
    update=extend_schema(summary="Update a draft or rejected disclosure (vendor users)"),
    partial_update=extend_schema(summary="Partly update a draft or rejected disclosure"),
)
class EmissionsDisclosureViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = EmissionsDisclosure.objects.select_related(
        "vendor", "request", "submitted_by", "reviewed_by", "warnings_confirmed_by"
    )
    serializer_class = EmissionsDisclosureSerializer
    permission_classes = [IsAuthenticated, MemberRolePermission]
    vendor_member_actions = frozenset({"create", "update", "partial_update", "submit"})
    staff_action_perms = {
        "accept": ["vendors.change_emissionsdisclosure"],
        "reject": ["vendors.change_emissionsdisclosure"],
    }
    filterset_class = EmissionsDisclosureFilter
    search_fields = ["reporting_entity", "verifier", "vendor__name"]
    ordering_fields = ["period_end", "submitted_at", "created_at", "status", "vendor__name"]
    ordering = ["vendor__name", "-period_end", "-id"]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            evidence_attach_to(page)
        return page

    def create_instance(self, data):
        refuse_staff_writes(self, "Disclosures")
        vendor = data.pop("vendor")
        return services.disclosure_save_draft(
            actor=self.request.user,
            vendor=vendor,
            request=data.pop("request", None),
            reason="disclosure draft saved through the API",
            **data,
        )

    def update_instance(self, instance, data):
        refuse_staff_writes(self, "Disclosures")
        data.pop("vendor", None)
        data.pop("request", None)  # the serializer refused any change
        return services.disclosure_save_draft(
            actor=self.request.user,
            vendor=instance.vendor,
            disclosure=instance,
            reason="disclosure draft saved through the API",
            **data,
        )

    def _respond(self, disclosure):
        disclosure.refresh_from_db()
        return Response(self.get_serializer(disclosure).data)

    @extend_schema(
        summary="Submit a disclosure for review (vendor users)",
        request=DisclosureSubmitSerializer,
        responses={
            200: EmissionsDisclosureSerializer,
            400: OpenApiResponse(description="Errors by field; nothing was submitted."),
            409: OpenApiResponse(
                response=WARNINGS_409,
                description="Plausibility warnings: resend with confirm_warnings=true.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        disclosure = self.get_object()
        refuse_staff_writes(self, "Disclosures")
        body = DisclosureSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.disclosure_submit(
                actor=request.user,
                disclosure=disclosure,
                confirm_warnings=body.validated_data["confirm_warnings"],
                reason="disclosure submitted through the API",
            )
        except services.DisclosureWarningsUnconfirmed as exc:
            return Response(
                {
                    "detail": "The disclosure has plausibility warnings. Check them, then submit "
                    "again with confirm_warnings=true to confirm them.",
                    "warnings": exc.warnings,
                },
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc
        return self._respond(disclosure)

    def _review(self, request, service, reason: str):
        disclosure = self.get_object()
        body = DisclosureReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            service(
                actor=request.user,
                disclosure=disclosure,
                comment=body.validated_data["comment"],
                reason=reason,
            )
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc
        return self._respond(disclosure)

    @extend_schema(
        summary="Accept a submitted disclosure (staff)",
        description="Supersedes an earlier accepted disclosure of the same period and entity.",
        request=DisclosureReviewSerializer,
        responses={200: EmissionsDisclosureSerializer, 400: OpenApiResponse()},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._review(request, services.disclosure_accept, "accepted through the API")

    @extend_schema(
        summary="Reject a submitted disclosure (staff)",
        description="The comment is required; the vendor sees it and revises the disclosure.",
        request=DisclosureReviewSerializer,
        responses={200: EmissionsDisclosureSerializer, 400: OpenApiResponse()},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._review(request, services.disclosure_reject, "rejected through the API")


# --- certificates -------------------------------------------------------------------------------


class CertificateSerializer(CertificationSerializer):
    verified_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    evidence_url = serializers.SerializerMethodField(
        help_text="Download link of the certificate's evidence file, if any."
    )

    class Meta(CertificationSerializer.Meta):
        fields = [
            *CertificationSerializer.Meta.fields,
            "evidence_url",
            "verified_by",
            "verified_at",
            "verification_note",
        ]
        read_only_fields = [
            *CertificationSerializer.Meta.read_only_fields,
            "verified_at",
            "verification_note",
        ]

    def get_evidence_url(self, obj) -> str | None:
        if obj.evidence_id is None:
            return None
        url = reverse("assurance:evidence_download", args=[obj.evidence_id])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CertificateUploadSerializer(TenantScopedModelSerializer):
    evidence = serializers.FileField(
        write_only=True, help_text="The certificate as a PDF (checked by its content)."
    )

    class Meta:
        model = Certification
        fields = ["vendor", *sorted(CERTIFICATE_UPLOAD_FIELDS), "evidence"]


class CertificateVerifySerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="What was checked, e.g. the certification body's register.",
    )


class CertificateViewSet(CertificationViewSet):
    """The vendor master's certification endpoint plus the certificate workflow
    (docs/domain.md, "Vendor disclosure"): vendors upload the PDF with its metadata, officers
    verify."""

    queryset = Certification.objects.select_related("vendor", "verified_by")
    serializer_class = CertificateSerializer
    permission_classes = [IsAuthenticated, MemberRolePermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    staff_action_perms = {"verify": ["vendors.change_certification"]}

    @extend_schema(
        summary="Add a certification, or upload a certificate PDF with its metadata",
        description="As JSON: the certificate's record (an evidence file already uploaded may be "
        "named by id). As multipart with an `evidence` file: the PDF is checked (by content) and "
        "stored as the certificate's evidence in the same step. Vendor admins add their own "
        "vendor's certificates (`vendor` is then optional and always their own); staff name the "
        "vendor.",
        request={
            "application/json": CertificateSerializer,
            "multipart/form-data": CertificateUploadSerializer,
        },
        responses={
            201: CertificateSerializer,
            400: OpenApiResponse(description="Refused; nothing was stored."),
            413: OpenApiResponse(description="The upload is over the size limit."),
        },
    )
    def create(self, request, *args, **kwargs):
        if not (request.content_type or "").startswith("multipart/"):
            return super().create(request, *args, **kwargs)
        too_large = _refuse_oversized(request)
        if too_large is not None:
            return too_large
        body = CertificateUploadSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        posted_vendor = data.pop("vendor", None)
        vendor = self.request_vendor or posted_vendor
        if vendor is None:
            raise ValidationError({"vendor": ["Name the vendor the certificate belongs to."]})
        uploaded = data.pop("evidence")
        try:
            certification = services.certification_upload(
                actor=request.user,
                vendor=vendor,
                uploaded_file=uploaded,
                reason="certificate uploaded through the API",
                **data,
            )
        except DjangoValidationError as exc:
            error = service_errors_as_drf(exc)
            if isinstance(error.detail, dict) and "uploaded_file" in error.detail:
                error.detail["evidence"] = error.detail.pop("uploaded_file")
            raise error from exc
        return Response(
            self.get_serializer(self.get_queryset().get(pk=certification.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Record that a certificate was verified (staff)",
        request=CertificateVerifySerializer,
        responses={200: CertificateSerializer},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        certification = self.get_object()
        body = CertificateVerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.certification_verify(
            actor=request.user,
            certification=certification,
            note=body.validated_data["note"],
            reason="certificate verified through the API",
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=certification.pk)).data)


def _refuse_oversized(request):
    """A 413 before the body is read, when the declared length is over the evidence limit."""
    limit = settings.EVIDENCE_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD_BYTES:
        return Response(
            {"detail": f"The upload is over the {limit} byte limit for evidence files."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return None
