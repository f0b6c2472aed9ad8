"""API representations of the vendor master. Writes are done by the viewsets through services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_countries import countries
from rest_framework import serializers

from vendors.api.base import TenantScopedModelSerializer
from vendors.models import Certification, Vendor, VendorContact


class CountryCodeField(serializers.ChoiceField):
    """An ISO 3166-1 alpha-2 code; names and alpha-3 codes are refused rather than guessed."""

    def __init__(self, **kwargs):
        super().__init__(choices=[(code, name) for code, name in countries], **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(str(data).strip().upper())

    def to_representation(self, value):
        return str(value) if value else ""


class VendorSerializer(TenantScopedModelSerializer):
    country = CountryCodeField(help_text="ISO 3166-1 alpha-2 code of the headquarters, e.g. DE.")
    relationship_owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_staff=True),
        allow_null=True,
        required=False,
        help_text="The staff user who owns the relationship.",
    )

    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "legal_name",
            "country",
            "naics_code",
            "category",
            "status",
            "relationship_owner",
            "lei",
            "tax_id",
            "website",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_name(self, value: str) -> str:
        # The case-insensitive unique constraint is an expression, which DRF cannot check itself;
        # checking here names the field in the 400 instead of a non-field error.
        duplicates = Vendor.objects.filter(name__iexact=value.strip())
        if self.instance is not None:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise serializers.ValidationError(
                f"A vendor named {value.strip()!r} already exists "
                "(names are unique regardless of case)."
            )
        return value


class VendorContactSerializer(TenantScopedModelSerializer):
    class Meta:
        model = VendorContact
        fields = [
            "id",
            "vendor",
            "name",
            "email",
            "role",
            "receives_reminders",
            "language",
            "user",
            "created_at",
        ]
        read_only_fields = ["user", "created_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        vendor = attrs.get("vendor") or getattr(self.instance, "vendor", None)
        if vendor is None:
            vendor = self.context.get("tenant_vendor")
        _reject_vendor_change(self.instance, attrs)
        email = attrs.get("email")
        if vendor is not None and email:
            duplicates = VendorContact.objects.filter(vendor=vendor, email__iexact=email.strip())
            if self.instance is not None:
                duplicates = duplicates.exclude(pk=self.instance.pk)
            if duplicates.exists():
                raise serializers.ValidationError(
                    {"email": f"This vendor already has a contact with the email {email.strip()}."}
                )
        return attrs


class CertificationSerializer(TenantScopedModelSerializer):
    effective_status = serializers.ChoiceField(
        choices=Certification.Status.choices,
        read_only=True,
        help_text="The status today: 'expired' once the expiry date has passed, "
        "else the stored status.",
    )

    class Meta:
        model = Certification
        fields = [
            "id",
            "vendor",
            "kind",
            "number",
            "certification_body",
            "accreditation_body",
            "scope",
            "sites",
            "issue_date",
            "expiry_date",
            "status",
            "effective_status",
            "evidence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        _reject_vendor_change(self.instance, attrs)
        issue = attrs.get("issue_date", getattr(self.instance, "issue_date", None))
        expiry = attrs.get("expiry_date", getattr(self.instance, "expiry_date", None))
        if issue and expiry and expiry < issue:
            raise serializers.ValidationError(
                {"expiry_date": f"The expiry date {expiry} is before the issue date {issue}."}
            )
        return attrs


def _reject_vendor_change(instance, attrs) -> None:
    """Rows stay with the vendor they were created for; moving them would rewrite history."""
    if instance is not None and "vendor" in attrs and attrs["vendor"].pk != instance.vendor_id:
        raise serializers.ValidationError(
            {"vendor": "The vendor of an existing record cannot be changed."}
        )
