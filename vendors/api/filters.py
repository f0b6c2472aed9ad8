"""Query filters of the vendor endpoints.

``vendor`` filters take a plain id rather than a choice of existing vendors: a choice would answer
"not a valid choice" for ids outside the user's scope and "ok" for ids inside, telling a vendor
user which ids exist. A plain id simply matches nothing outside the (already scoped) queryset.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from config.api_filters import IdFilter
from vendors.models import Certification, Vendor, VendorContact


class VendorFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        method="filter_country", help_text="ISO 3166-1 alpha-2 code, e.g. DE."
    )

    class Meta:
        model = Vendor
        fields = ["category", "status", "country"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())


class VendorContactFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id", help_text="Vendor id.")

    class Meta:
        model = VendorContact
        fields = ["vendor", "receives_reminders"]


class CertificationFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id", help_text="Vendor id.")
    status = django_filters.ChoiceFilter(
        choices=Certification.Status.choices,
        method="filter_status",
        help_text="The status today: 'expired' matches valid certificates past their expiry date.",
    )
    expiring_before = django_filters.DateFilter(
        field_name="expiry_date",
        lookup_expr="lt",
        help_text="Certificates whose expiry date is before this date (YYYY-MM-DD).",
    )

    class Meta:
        model = Certification
        fields = ["vendor", "kind", "status", "expiring_before"]

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        valid = Certification.Status.VALID
        not_expired = Q(expiry_date__isnull=True) | Q(expiry_date__gte=today)
        if value == Certification.Status.EXPIRED:
            return queryset.filter(status=valid, expiry_date__lt=today)
        if value == valid:
            return queryset.filter(not_expired, status=valid)
        return queryset.filter(status=value)
