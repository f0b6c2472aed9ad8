"""The auditors' bundle request form: the scope first, then one fieldset of fields per scope.

Without a script every scope's fieldset shows, each under a legend naming its scope; with
static/js/bundle-form.js only the chosen scope's fieldset shows. Either way the server reads and
validates only the chosen scope's fields: what was typed into another scope's fieldset is
ignored, never an error.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from assurance.models import EvidenceBundle

Scope = EvidenceBundle.Scope

# The fields each scope asks for, in the order they show.
SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    Scope.VENDOR_PERIOD: ("vendor", "year", "year_to"),
    Scope.CONTRACT: ("contract",),
    Scope.RUN: ("run",),
}


def scope_fieldset_id(scope: str) -> str:
    return f"bundle-scope-{scope}"


class ScopeRadioSelect(forms.RadioSelect):
    """Radios that name the fieldset each one shows (``aria-controls``), for the script and
    for assistive technology."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["aria-controls"] = scope_fieldset_id(str(value))
        return option


def _target(field: str):
    """The model an :class:`EvidenceBundle` foreign key points at."""
    return EvidenceBundle._meta.get_field(field).related_model


class BundleRequestForm(forms.Form):
    scope = forms.ChoiceField(
        label="What the bundle covers",
        choices=Scope.choices,
        widget=ScopeRadioSelect,
        error_messages={"required": "Choose what the bundle covers."},
    )
    vendor = forms.ModelChoiceField(queryset=None, required=False)
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
    # Not labelled like their scope's radio: two controls of one name would be ambiguous.
    contract = forms.ModelChoiceField(queryset=None, required=False, label="Which contract")
    run = forms.ModelChoiceField(queryset=None, required=False, label="Which inventory run")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are the rows the bundle's own foreign keys point at: this app names no
        # higher app (docs/architecture.md, "Which app may import which").
        self.fields["vendor"].queryset = _target("vendor").objects.order_by("name")
        self.fields["contract"].queryset = (
            _target("contract").objects.select_related("vendor").order_by("reference")
        )
        self.fields["run"].queryset = _target("run").objects.order_by("-created_at")
        self.fields["year"].initial = timezone.now().year - 1

    def scope_groups(self) -> list[dict]:
        """One entry per scope for the template: its value, label, fieldset id and fields."""
        return [
            {
                "scope": scope,
                "label": label,
                "id": scope_fieldset_id(scope),
                "fields": [self[name] for name in SCOPE_FIELDS[scope]],
            }
            for scope, label in Scope.choices
        ]

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        wanted = set(SCOPE_FIELDS.get(scope, ()))
        # Another scope's fields are ignored whatever they hold (an unchosen fieldset may keep
        # what was typed before the scope changed): no error, no value.
        for name in {n for names in SCOPE_FIELDS.values() for n in names} - wanted:
            self.errors.pop(name, None)
            data[name] = None
        if scope == Scope.VENDOR_PERIOD:
            if not data.get("vendor") and "vendor" not in self.errors:
                self.add_error("vendor", "Choose the vendor.")
            if not data.get("year"):
                if "year" not in self.errors:
                    self.add_error("year", "Enter the reporting year.")
            elif data.get("year_to") and data["year_to"] < data["year"]:
                self.add_error("year_to", "The last year must not be before the first.")
        elif scope == Scope.CONTRACT and not data.get("contract") and "contract" not in self.errors:
            self.add_error("contract", "Choose the contract.")
        elif scope == Scope.RUN and not data.get("run") and "run" not in self.errors:
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
