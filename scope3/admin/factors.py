"""Admin for factor datasets: read-only, because datasets are immutable once imported.

Datasets arrive only through ``manage.py import_factors`` (which validates the whole file and
records who imported it); the admin lets analysts and auditors browse and search them.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from assurance.admin import TrackedHistoryAdmin
from scope3.models import EmissionFactor, FactorDataset, ReferenceRate


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FactorDataset)
class FactorDatasetAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    list_display = (
        "name",
        "kind",
        "version",
        "dollar_year",
        "gwp_basis",
        "row_count",
        "is_curated",
        "imported_at",
        "rows_link",
    )
    list_filter = ("kind", "is_curated")
    search_fields = ("name", "version", "publisher", "sha256", "doi")
    list_select_related = ("imported_by",)
    readonly_fields = ("rows_link",)

    @admin.display(description="rows")
    def rows_link(self, obj):
        model = ReferenceRate if obj.holds_reference_rates else EmissionFactor
        url = reverse(f"admin:scope3_{model._meta.model_name}_changelist")
        return format_html(
            '<a href="{}?dataset__id__exact={}">{} {}</a>',
            url,
            obj.pk,
            obj.row_count,
            model._meta.verbose_name_plural,
        )


@admin.register(EmissionFactor)
class EmissionFactorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "value", "unit", "dataset")
    list_filter = ("dataset__kind", "dataset")
    search_fields = ("code", "title")
    list_select_related = ("dataset",)
    show_full_result_count = False


@admin.register(ReferenceRate)
class ReferenceRateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "year", "value", "unit", "dataset")
    list_filter = ("dataset__kind", "dataset", "key")
    search_fields = ("key",)
    list_select_related = ("dataset",)
