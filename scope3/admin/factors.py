"""Admin for factor datasets: their values are read-only, because datasets are immutable.

Datasets arrive only through ``manage.py import_factors`` (which validates the whole file and
records who imported it); the admin lets analysts and auditors browse and search them. The one
thing an analyst may change is how far a dataset is trusted, its relative uncertainty and notes,
with a reason, through ``factor_dataset_trust_update`` (history and audit event included).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html

from assurance.admin import TrackedHistoryAdmin
from scope3.models import EmissionFactor, FactorDataset, ReferenceRate
from scope3.services.factors import factor_dataset_trust_update

PROVENANCE_FIELDS = (
    "name",
    "kind",
    "version",
    "publisher",
    "source",
    "doi",
    "licence",
    "unit",
    "currency",
    "dollar_year",
    "gwp_basis",
    "region",
    "is_curated",
    "source_name",
    "sha256",
    "imported_at",
    "imported_by",
    "row_count",
    "rows_link",
)


def dataset_source(dataset: FactorDataset):
    """The publisher's page of a dataset (and its DOI), as links."""
    parts = []
    if dataset.source_url:
        parts.append(format_html('<a href="{0}" rel="noopener">{0}</a>', dataset.source_url))
    if dataset.doi:
        parts.append(
            format_html('<a href="https://doi.org/{0}" rel="noopener">doi:{0}</a>', dataset.doi)
        )
    return format_html(" · ".join(["{}"] * len(parts)), *parts) if parts else "-"


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FactorDatasetTrustForm(forms.ModelForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the uncertainty or notes change (kept in the dataset's history and the "
        "audit trail). Runs started from now on use the new uncertainty; earlier runs keep theirs.",
    )

    class Meta:
        model = FactorDataset
        fields = ("relative_uncertainty", "notes")


@admin.register(FactorDataset)
class FactorDatasetAdmin(TrackedHistoryAdmin):
    form = FactorDatasetTrustForm
    list_display = (
        "name",
        "kind",
        "version",
        "dollar_year",
        "gwp_basis",
        "uncertainty",
        "row_count",
        "is_curated",
        "imported_at",
        "rows_link",
    )
    list_filter = ("kind", "is_curated")
    search_fields = ("name", "version", "publisher", "sha256", "doi")
    list_select_related = ("imported_by",)
    readonly_fields = PROVENANCE_FIELDS

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        trust = ["relative_uncertainty", "notes"]
        if self.has_change_permission(request, obj):
            trust.append("reason")
        return [
            ("Provenance (immutable)", {"fields": PROVENANCE_FIELDS}),
            ("How far it is trusted", {"fields": trust}),
        ]

    def save_model(self, request, obj, form, change):
        # Through the service: it refuses any other field, and writes history and an audit
        # event with the reason; the form's instance already carries the new values.
        factor_dataset_trust_update(
            actor=request.user,
            dataset=obj,
            reason=form.cleaned_data["reason"],
            relative_uncertainty=form.cleaned_data["relative_uncertainty"],
            notes=form.cleaned_data["notes"],
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A revert would change the uncertainty without a reason or an audit event.
        if request.method not in {"GET", "HEAD"}:
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description="relative uncertainty", ordering="relative_uncertainty")
    def uncertainty(self, obj):
        if obj.relative_uncertainty is None:
            return "method default"
        return f"±{(obj.relative_uncertainty * 100).normalize():f} %"

    @admin.display(description="source")
    def source(self, obj):
        return dataset_source(obj)

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


class _DatasetSourceMixin:
    @admin.display(description="dataset source")
    def dataset_source(self, obj):
        return dataset_source(obj.dataset)


@admin.register(EmissionFactor)
class EmissionFactorAdmin(_DatasetSourceMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "value", "unit", "dataset")
    list_filter = ("dataset__kind", "dataset")
    search_fields = ("code", "title")
    list_select_related = ("dataset",)
    show_full_result_count = False
    readonly_fields = ("dataset_source",)


@admin.register(ReferenceRate)
class ReferenceRateAdmin(_DatasetSourceMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "year", "value", "unit", "dataset")
    list_filter = ("dataset__kind", "dataset", "key")
    search_fields = ("key",)
    list_select_related = ("dataset",)
    readonly_fields = ("dataset_source",)
