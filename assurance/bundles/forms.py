"""The auditors' bundle request form."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from assurance.models import EvidenceBundle


class BundleRequestForm(forms.Form):
    scope = forms.ChoiceField(choices=EvidenceBundle.Scope.choices, widget=forms.RadioSelect)
    vendor = forms.ModelChoiceField(queryset=None, required=False, help_text="For a vendor bundle.")
    year = forms.IntegerField(
        label="Reporting year", required=False, min_value=1990, max_value=2100
    )
    year_to = forms.IntegerField(
        label="Last reporting year",
        required=False,
        min_value=1990,
        max_value=2100,
        help_text="Optional: for a period of several years.",
    )
    contract = forms.ModelChoiceField(queryset=None, required=False)
    run = forms.ModelChoiceField(queryset=None, required=False, label="Scope 3 inventory run")

    def __init__(self, *args, **kwargs):
        from contracts.models import Contract
        from scope3.models import InventoryRun
        from vendors.models import Vendor

        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")
        self.fields["contract"].queryset = Contract.objects.select_related("vendor").order_by(
            "reference"
        )
        self.fields["run"].queryset = InventoryRun.objects.order_by("-created_at")
        self.fields["year"].initial = timezone.now().year - 1

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == EvidenceBundle.Scope.VENDOR_PERIOD:
            if not data.get("vendor"):
                self.add_error("vendor", "Choose the vendor.")
            if not data.get("year"):
                self.add_error("year", "Enter the reporting year.")
            elif data.get("year_to") and data["year_to"] < data["year"]:
                self.add_error("year_to", "The last year must not be before the first.")
        elif scope == EvidenceBundle.Scope.CONTRACT and not data.get("contract"):
            self.add_error("contract", "Choose the contract.")
        elif scope == EvidenceBundle.Scope.RUN and not data.get("run"):
            self.add_error("run", "Choose the inventory run.")
        return data

    def bundle_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "scope": data["scope"],
            "vendor": data.get("vendor"),
            "year": data.get("year"),
            "year_to": data.get("year_to"),
            "contract": data.get("contract"),
            "run": data.get("run"),
        }
