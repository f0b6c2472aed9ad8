"""Vendor master endpoints. Thin: scoping and permissions come from ``vendors.api.base``, writes
from
``vendors.services`` (with the API user as the actor, so history and audit events name them).
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from accounts.api import TokenObtainSerializer, token_second_factor_error
from vendors import services
from vendors.api.base import TenantScopedViewSetMixin
from vendors.api.filters import CertificationFilter, VendorContactFilter, VendorFilter
from vendors.api.serializers import (
    CertificationSerializer,
    VendorContactSerializer,
    VendorSerializer,
)
from vendors.models import Certification, Vendor, VendorContact

_VENDOR_USER_NOTE = (
    " Vendor users see only their own vendor's records; records of other vendors answer 404."
)


@extend_schema_view(
    list=extend_schema(
        summary="List vendors", description="Staff see every vendor." + _VENDOR_USER_NOTE
    ),
    retrieve=extend_schema(summary="Retrieve a vendor"),
    create=extend_schema(summary="Add a vendor (staff)"),
    update=extend_schema(summary="Update a vendor (staff)"),
    partial_update=extend_schema(summary="Partly update a vendor (staff)"),
)
class VendorViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Vendors are offboarded (status), never deleted, so there is no DELETE."""

    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer
    vendor_lookup = "pk"
    vendor_field = None
    vendor_admin_actions = frozenset()
    filterset_class = VendorFilter
    search_fields = ["name", "legal_name"]
    ordering_fields = ["name", "country", "category", "status", "created_at", "updated_at"]
    ordering = ["name"]

    def create_instance(self, data):
        return services.vendor_create(
            actor=self.request.user, reason="created through the API", **data
        )

    def update_instance(self, instance, data):
        return services.vendor_update(
            actor=self.request.user, vendor=instance, reason="updated through the API", **data
        )


@extend_schema_view(
    list=extend_schema(summary="List vendor contacts", description=_VENDOR_USER_NOTE.strip()),
    retrieve=extend_schema(summary="Retrieve a vendor contact"),
    create=extend_schema(
        summary="Add a vendor contact",
        description="Vendor admins may add contacts to their own vendor; `vendor` is then optional "
        "and always their own.",
    ),
    update=extend_schema(summary="Update a vendor contact"),
    partial_update=extend_schema(summary="Partly update a vendor contact"),
    destroy=extend_schema(summary="Remove a vendor contact"),
)
class VendorContactViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = VendorContact.objects.select_related("vendor")
    serializer_class = VendorContactSerializer
    vendor_admin_actions = frozenset({"create", "update", "partial_update", "destroy"})
    filterset_class = VendorContactFilter
    search_fields = ["name", "email", "role"]
    ordering_fields = ["name", "email", "created_at", "vendor__name"]
    ordering = ["vendor__name", "name"]

    def create_instance(self, data):
        return services.vendor_contact_create(
            actor=self.request.user, reason="added through the API", **data
        )

    def update_instance(self, instance, data):
        data.pop("vendor", None)  # the serializer has refused any change of vendor
        return services.vendor_contact_update(
            actor=self.request.user, contact=instance, reason="updated through the API", **data
        )

    def delete_instance(self, instance):
        services.vendor_contact_delete(
            actor=self.request.user, contact=instance, reason="removed through the API"
        )


@extend_schema_view(
    list=extend_schema(summary="List certifications", description=_VENDOR_USER_NOTE.strip()),
    retrieve=extend_schema(summary="Retrieve a certification"),
    create=extend_schema(
        summary="Add a certification",
        description="Vendor admins may add certifications of their own vendor; `vendor` is then "
        "optional and always their own.",
    ),
    update=extend_schema(summary="Update a certification"),
    partial_update=extend_schema(summary="Partly update a certification"),
    destroy=extend_schema(summary="Delete a certification (staff)"),
)
class CertificationViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Certification.objects.select_related("vendor")
    serializer_class = CertificationSerializer
    vendor_admin_actions = frozenset({"create", "update", "partial_update"})
    filterset_class = CertificationFilter
    search_fields = ["number", "certification_body", "scope"]
    ordering_fields = ["issue_date", "expiry_date", "kind", "created_at", "vendor__name"]
    ordering = ["vendor__name", "kind", "-issue_date"]

    def create_instance(self, data):
        return services.certification_create(
            actor=self.request.user, reason="added through the API", **data
        )

    def update_instance(self, instance, data):
        data.pop("vendor", None)  # the serializer has refused any change of vendor
        return services.certification_update(
            actor=self.request.user,
            certification=instance,
            reason="updated through the API",
            **data,
        )

    def delete_instance(self, instance):
        services.certification_delete(
            actor=self.request.user, certification=instance, reason="deleted through the API"
        )


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for an API token.

    DRF's serializer calls ``authenticate(request=...)``, so django-axes counts failures and
    refuses locked-out credentials like any other login. Staff must also send ``otp_token``, the
    code of their authenticator app: a password alone gives them no token.
    """

    authentication_classes = ()
    throttle_classes = (AnonRateThrottle,)
    serializer_class = TokenObtainSerializer

    @extend_schema(
        summary="Obtain an API token",
        request=TokenObtainSerializer,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: OpenApiResponse(
                description="Wrong username or password; for staff, a missing or wrong otp_token."
            ),
            403: OpenApiResponse(description="Too many failed attempts: locked out for a while."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": "Too many failed sign-in attempts; try again later."},
                    status=status.HTTP_403_FORBIDDEN,
                )
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        refusal = token_second_factor_error(
            request, user, serializer.validated_data.get("otp_token")
        )
        if refusal is not None:
            return Response({"otp_token": [refusal]}, status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
