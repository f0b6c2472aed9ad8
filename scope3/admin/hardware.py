"""Admin of hardware specs (ACT model inputs) and the ledger vocabulary.

Analysts (group ``sustainability``) add and change both here; officers and auditors read. Every
save goes through the services (``scope3.services.hardware``, ``scope3.services.vocabulary``),
which record history and an audit event. Dies, memory and aliases are edited in the same cell
syntax as the CSV import (``814mm2@5nm``, ``80GB HBM3``, ``H100 SXM|H100 SXM5``), and a spec's
page shows its embodied-carbon estimate term by term with the latest hardware dataset.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from assurance.admin import TrackedHistoryAdmin
from config.admin_services import adopt
from scope3 import adapters, selectors
from scope3.engine.hardware import spec_embodied
from scope3.importers.hardware_specs import (
    format_dies,
    format_memory,
    parse_aliases,
    parse_dies,
    parse_memory,
)
from scope3.models import FactorDataset, HardwareSpec, VocabularyTerm
from scope3.services.hardware import (
    SPEC_FIELDS,
    hardware_spec_check,
    hardware_spec_create,
    hardware_spec_delete,
    hardware_spec_update,
)
from scope3.services.vocabulary import (
    TERM_FIELDS,
    vocabulary_term_check,
    vocabulary_term_create,
    vocabulary_term_delete,
    vocabulary_term_update,
)


class HardwareSpecForm(forms.ModelForm):
    aliases_text = forms.CharField(
        label="Aliases",
        required=False,
        help_text="Other ledger words for this product, separated by |, e.g. H100 SXM|H100 SXM5.",
    )
    dies_text = forms.CharField(
        label="Dies",
        required=False,
        help_text="[N x ]AREA mm2@NODE joined by +, e.g. 814mm2@5nm or 8 x 115mm2@5nm + "
        "4 x 370mm2@7nm. The node must have ACT parameters in the latest hardware dataset.",
    )
    source_url = forms.URLField(label="Source URL", max_length=500, assume_scheme="https")
    memory_text = forms.CharField(
        label="Memory",
        required=False,
        help_text="AMOUNT GB TYPE joined by +, e.g. 80GB HBM3 or 512GB DDR5 (HBM or DRAM).",
    )

    class Meta:
        model = HardwareSpec
        fields = (
            "name",
            "kind",
            "storage_gb",
            "mass_kg",
            "platform_kgco2e",
            "platform_source",
            "boundary",
            "source",
            "source_url",
            "notes",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["aliases_text"].initial = "|".join(self.instance.aliases or [])
            self.fields["dies_text"].initial = format_dies(self.instance.dies)
            self.fields["memory_text"].initial = format_memory(self.instance.memory)

    def clean(self):
        cleaned = super().clean()
        cleaned["aliases"] = parse_aliases(cleaned.get("aliases_text") or "")
        for field, parse in (("dies", parse_dies), ("memory", parse_memory)):
            text = (cleaned.get(f"{field}_text") or "").strip()
            try:
                cleaned[field] = parse(text) if text else []
            except ValueError as exc:
                self.add_error(f"{field}_text", str(exc))
        return cleaned

    def _post_clean(self):
        for field in ("aliases", "dies", "memory"):
            if field in self.cleaned_data:
                setattr(self.instance, field, self.cleaned_data[field])
        super()._post_clean()
        if not self.errors:
            try:
                hardware_spec_check(self.instance)
            except ValidationError as exc:
                self._update_errors(exc)

    def _update_errors(self, errors):
        super()._update_errors(_on_text_fields(errors))


def _on_text_fields(exc: ValidationError) -> ValidationError:
    # Errors of the JSON fields are shown on the text fields the form edits them through.
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {
        (f"{field}_text" if field in {"aliases", "dies", "memory"} else field): messages
        for field, messages in exc.message_dict.items()
    }
    return ValidationError(renamed)


@admin.register(HardwareSpec)
class HardwareSpecAdmin(TrackedHistoryAdmin):
    form = HardwareSpecForm
    list_display = ("name", "kind", "dies_cell", "memory_cell", "aliases_cell", "shipped")
    list_filter = ("kind", "shipped")
    search_fields = ("name", "source", "notes")
    readonly_fields = ("estimate", "shipped", "created_at", "updated_at")
    actions = None  # deleting goes through the service, one spec at a time
    fieldsets = (
        (None, {"fields": ("name", "aliases_text", "kind")}),
        ("Bill of materials", {"fields": ("dies_text", "memory_text", "storage_gb", "mass_kg")}),
        ("Platform share", {"fields": ("platform_kgco2e", "platform_source")}),
        ("Source and boundary", {"fields": ("boundary", "source", "source_url", "notes")}),
        ("Estimate", {"fields": ("estimate", "shipped", "created_at", "updated_at")}),
    )

    @admin.display(description="dies")
    def dies_cell(self, obj):
        return format_dies(obj.dies)

    @admin.display(description="memory")
    def memory_cell(self, obj):
        return format_memory(obj.memory)

    @admin.display(description="aliases")
    def aliases_cell(self, obj):
        return ", ".join(obj.aliases or [])

    @admin.display(description="embodied carbon (manufacturing of the listed components)")
    def estimate(self, obj):
        if obj is None or not obj.pk:
            return "-"
        dataset = selectors.factor_dataset_latest(kind=FactorDataset.Kind.HARDWARE)
        params = adapters.act_parameters(dataset)
        if params is None:
            return "no hardware dataset imported"
        try:
            embodied = spec_embodied(adapters.hardware_spec_input(obj), params)
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            return format_html("cannot be computed: {}", str(exc))
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} kg CO2e</td></tr>",
            ((term.label, term.formula, term.kgco2e) for term in embodied.terms),
        )
        return format_html(
            "<table><tbody>{}<tr><th>total</th><th>with {}</th><th>{} kg CO2e</th></tr>"
            "</tbody></table>",
            rows,
            params.dataset_label,
            embodied.total_kgco2e,
        )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.vocabulary_terms.exists():
            return False  # a vocabulary term names it; see hardware_spec_delete
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name in SPEC_FIELDS}
        if change:
            saved = hardware_spec_update(
                actor=request.user,
                spec=HardwareSpec.objects.get(pk=obj.pk),
                reason="hardware spec changed in the admin",
                **fields,
            )
        else:
            saved = hardware_spec_create(
                actor=request.user, reason="hardware spec added in the admin", **fields
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        hardware_spec_delete(actor=request.user, spec=obj, reason="removed in the admin")


class VocabularyTermForm(forms.ModelForm):
    class Meta:
        model = VocabularyTerm
        fields = ("kind", "word", "target_code", "target_spec", "notes")
        help_texts = {
            "word": "As ledgers write it; compared without case, spaces, hyphens or underscores.",
        }

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                vocabulary_term_check(self.instance)
            except ValidationError as exc:
                self._update_errors(exc)


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(TrackedHistoryAdmin):
    form = VocabularyTermForm
    list_display = ("word", "kind", "target_cell", "shipped", "updated_at")
    list_filter = ("kind", "shipped")
    search_fields = ("word", "target_code", "target_spec__name", "notes")
    list_select_related = ("target_spec",)
    readonly_fields = ("shipped", "created_at", "updated_at")

    @admin.display(description="target", ordering="target_code")
    def target_cell(self, obj):
        return obj.target

    def save_model(self, request, obj, form, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name in TERM_FIELDS}
        if change:
            saved = vocabulary_term_update(
                actor=request.user,
                term=VocabularyTerm.objects.get(pk=obj.pk),
                reason="vocabulary term changed in the admin",
                **fields,
            )
        else:
            saved = vocabulary_term_create(
                actor=request.user, reason="vocabulary term added in the admin", **fields
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        vocabulary_term_delete(actor=request.user, term=obj, reason="removed in the admin")

    def delete_queryset(self, request, queryset):
        for term in queryset:
            vocabulary_term_delete(actor=request.user, term=term, reason="removed in the admin")
