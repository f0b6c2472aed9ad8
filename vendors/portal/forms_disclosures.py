"""Portal forms of the disclosure workflow: the emissions disclosure, evidence, certificates.

The forms only parse input; every rule (plausibility, editability) is the services' job, whose
``ValidationError`` the views attach to these fields.
"""

from __future__ import annotations

from django import forms

from vendors.boundary import CATEGORIES_HELP, UPSTREAM_CATEGORIES, category_label
from vendors.models import Certification, EmissionsDisclosure
from vendors.services.disclosures import CERTIFICATE_UPLOAD_FIELDS, DISCLOSURE_FIELDS

# Grouped as the vendor thinks of them; each group is a fieldset with this legend.
DISCLOSURE_FIELDSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("period", "Reporting entity and period", ("reporting_entity", "period_start", "period_end")),
    (
        "scope12",
        "Scope 1 and Scope 2 emissions (tCO2e)",
        ("scope1_tco2e", "scope2_location_tco2e", "scope2_market_tco2e"),
    ),
    (
        "scope3",
        "Upstream Scope 3 emissions (tCO2e, optional)",
        ("scope3_upstream_tco2e", "scope3_upstream_categories"),
    ),
    ("revenue", "Revenue", ("revenue", "revenue_currency")),
    (
        "allocation",
        "Emissions allocated to us (optional)",
        (
            "allocated_to_us_tco2e",
            "allocation_boundary",
            "allocation_method",
            "allocation_uncertainty_pct",
        ),
    ),
    ("verification", "Verification", ("verification", "verification_standard", "verifier")),
    ("methodology", "Methodology", ("methodology_notes",)),
)

_LABELS = {
    "reporting_entity": "Reporting entity",
    "period_start": "Period start",
    "period_end": "Period end",
    "scope1_tco2e": "Scope 1 (tCO2e)",
    "scope2_location_tco2e": "Scope 2 location-based (tCO2e)",
    "scope2_market_tco2e": "Scope 2 market-based (tCO2e)",
    "scope3_upstream_tco2e": "Upstream Scope 3 (tCO2e)",
    "scope3_upstream_categories": "Upstream Scope 3 categories included",
    "revenue": "Total revenue",
    "revenue_currency": "Revenue currency",
    "allocated_to_us_tco2e": "Emissions allocated to us (tCO2e)",
    "allocation_boundary": "What the allocation covers",
    "allocation_method": "Allocation method",
    "allocation_uncertainty_pct": "Allocation uncertainty (± %)",
    "verification": "Verification level",
    "verification_standard": "Verification standard",
    "verifier": "Verifier",
    "methodology_notes": "Methodology notes",
}
_HELP = {
    "reporting_entity": "The legal entity or group the figures cover.",
    "period_start": "First day of the reporting period, e.g. 2025-01-01.",
    "period_end": "Last day of the reporting period, e.g. 2025-12-31.",
    "scope1_tco2e": "Tonnes of CO2 equivalent, not kilograms. Enter 0 if you have none.",
    "scope2_location_tco2e": "Tonnes CO2e, using grid-average emission factors.",
    "scope2_market_tco2e": "Tonnes CO2e, using your contractual instruments (GHG Protocol "
    "Scope 2 Guidance).",
    "scope3_upstream_tco2e": "Tonnes CO2e of your own upstream value chain (GHG Protocol "
    "Scope 3 Standard, categories 1 to 8).",
    "scope3_upstream_categories": CATEGORIES_HELP,
    "revenue_currency": "ISO 4217 code, e.g. USD, EUR.",
    "allocation_boundary": "Required with an allocation: does the figure cover your Scope 1 and "
    "2 only, or also your upstream Scope 3 (cradle-to-gate)?",
    "allocation_uncertainty_pct": "From 0 to 100.",
    "verifier": "The firm that verified the figures, if any.",
}


class DisclosureForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(EmissionsDisclosure, fields=sorted(DISCLOSURE_FIELDS))
        for _key, _legend, names in DISCLOSURE_FIELDSETS:
            for name in names:
                field = model_fields[name]
                field.label = _LABELS[name]
                if name in _HELP:
                    field.help_text = _HELP[name]
                if isinstance(field, forms.DateField):
                    field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                if name == "revenue_currency":
                    field.widget.attrs.update({"size": 3, "autocomplete": "off"})
                if name == "scope3_upstream_categories":
                    field = _categories_field(field.label, field.help_text)
                self.fields[name] = field

    def fieldsets(self):
        for key, legend, names in DISCLOSURE_FIELDSETS:
            yield {"key": key, "legend": legend, "fields": [self[name] for name in names]}

    def service_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in DISCLOSURE_FIELDS}

    def clean(self):
        data = super().clean()
        for name in (
            "reporting_entity",
            "revenue_currency",
            "allocation_method",
            "allocation_boundary",
        ):
            if data.get(name) is None:
                data[name] = ""
        if data.get("scope3_upstream_categories") is None:
            data["scope3_upstream_categories"] = []
        if data.get("verification") in (None, ""):
            data["verification"] = EmissionsDisclosure.Verification.NONE
        if data.get("verification_standard") is None:
            data["verification_standard"] = ""
        return data


def _categories_field(label: str, help_text: str) -> forms.Field:
    """The upstream categories as a group of checkboxes, rendered in their own fieldset whose
    legend is the label (``CheckboxSelectMultiple.use_fieldset``)."""
    return forms.TypedMultipleChoiceField(
        label=label,
        help_text=help_text,
        choices=[(number, category_label(number)) for number in UPSTREAM_CATEGORIES],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "%(value)s is not an upstream Scope 3 category: tick categories "
            "1 to 8."
        },
    )


class ConfirmWarningsForm(forms.Form):
    confirm_warnings = forms.BooleanField(
        label="I confirm these values are correct",
        required=True,
        error_messages={
            "required": "Tick the box to confirm the values, or correct them and submit again."
        },
    )


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label="Evidence file",
        help_text="PDF, PNG, JPEG, CSV, JSON, XLSX or plain text, e.g. your verification "
        "statement.",
    )


class CertificateUploadForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            Certification, fields=sorted(CERTIFICATE_UPLOAD_FIELDS)
        )
        for name in (
            "kind",
            "number",
            "certification_body",
            "accreditation_body",
            "scope",
            "sites",
            "issue_date",
            "expiry_date",
        ):
            field = model_fields[name]
            field.label = field.label[:1].upper() + field.label[1:]
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            self.fields[name] = field
        self.fields["uploaded_file"] = forms.FileField(
            label="Certificate (PDF)", help_text="The certificate as issued, as a PDF file."
        )

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in CERTIFICATE_UPLOAD_FIELDS}
        for name in ("number", "certification_body", "accreditation_body", "scope", "sites"):
            data[name] = data[name] or ""
        return data
