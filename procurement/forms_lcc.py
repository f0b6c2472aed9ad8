"""Forms of the life-cycle cost: the officer's parameters (admin) and the bidder's offered
configuration (portal). Both save through ``procurement.services_lcc``."""

from __future__ import annotations

from django import forms

from procurement.models import BidConfiguration, RfpLifeCycle
from procurement.services_lcc import PARAMETER_FIELDS


class RfpLifeCycleForm(forms.ModelForm):
    class Meta:
        model = RfpLifeCycle
        fields = list(PARAMETER_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model validates only through the service, which needs the RFP.
        self.fields["electricity_price_path"].required = False

    def _post_clean(self):
        # The service runs the model's and the method's validation with the RFP attached.
        pass


class BidConfigurationForm(forms.Form):
    """The inputs the method statement asks of bidders (``lifecycle.DATA_ASKED``)."""

    description = forms.CharField(
        label="Offered configuration",
        max_length=200,
        required=False,
        help_text="e.g. 8 x H200 SXM, 2 x 64-core CPU, 2 TB RAM.",
    )
    unit_price = forms.DecimalField(label="Unit price", min_value=0, decimal_places=2)
    quantity = forms.IntegerField(label="Quantity (units)", min_value=1)
    accelerators_per_unit = forms.IntegerField(label="Accelerators (GPUs) per unit", min_value=0)
    idle_w = forms.DecimalField(label="Idle power per unit (W)", min_value=0, decimal_places=1)
    full_load_w = forms.DecimalField(
        label="Full-load power per unit (W)", min_value=0, decimal_places=1
    )
    power_standard = forms.CharField(
        label="Power measurement standard",
        max_length=120,
        help_text="e.g. SPECpower_ssj2008, ENERGY STAR Servers v4.",
    )
    power_evidence = forms.FileField(
        label="Evidence of the power figures", required=False, help_text="PDF, CSV, XLSX or JSON."
    )
    maintenance_per_unit_year = forms.DecimalField(
        label="Maintenance and support per unit and year", required=False, decimal_places=2
    )
    eol_cost_per_unit = forms.DecimalField(
        label="Take-back or disposal cost per unit (negative for a credit)",
        required=False,
        decimal_places=2,
    )
    residual_value_per_unit = forms.DecimalField(
        label="Residual value per unit at the end of the horizon",
        required=False,
        min_value=0,
        decimal_places=2,
    )
    embodied_source = forms.ChoiceField(
        label="Embodied carbon: source",
        choices=BidConfiguration.EmbodiedSource.choices,
        widget=forms.RadioSelect,
    )
    embodied_footprint = forms.ModelChoiceField(
        label="Your PACT footprint of the offered unit",
        queryset=None,
        required=False,
    )
    embodied_kgco2e_per_unit = forms.DecimalField(
        label="Declared embodied kgCO2e per unit", required=False, min_value=0, decimal_places=3
    )
    embodied_evidence = forms.FileField(
        label="Evidence of the declared embodied figure",
        required=False,
        help_text="An LCA or product carbon footprint report.",
    )
    mass_kg_per_unit = forms.DecimalField(
        label="Mass per unit (kg)", required=False, min_value=0, decimal_places=2
    )
    performance = forms.DecimalField(label="Performance figure", required=False, min_value=0)

    def __init__(self, *args, vendor, rfp, settings, configuration=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["embodied_footprint"].queryset = vendor.product_footprints.order_by(
            "product_name", "pk"
        )
        for name in ("unit_price", "maintenance_per_unit_year"):
            self.fields[name].label += f" ({rfp.currency})"
        if settings.functional_unit == RfpLifeCycle.FunctionalUnit.PERFORMANCE:
            unit = f" ({settings.performance_unit})" if settings.performance_unit else ""
            self.fields["performance"].label = f"{settings.performance_name}{unit}"
            self.fields["performance"].required = True
        else:
            del self.fields["performance"]
        if settings.max_power_w_per_unit is not None:
            self.fields[
                "full_load_w"
            ].help_text = (
                f"At most {settings.max_power_w_per_unit} W per unit is plausible for this RFP."
            )
        if configuration is not None:
            for name, evidence in (
                ("power_evidence", configuration.power_evidence),
                ("embodied_evidence", configuration.embodied_evidence),
            ):
                if evidence is not None:
                    self.fields[
                        name
                    ].help_text = f"Uploaded: {evidence.original_name}. Upload again to replace."

    @staticmethod
    def initial_of(configuration: BidConfiguration | None) -> dict:
        if configuration is None:
            return {}
        names = [
            "description",
            "unit_price",
            "quantity",
            "accelerators_per_unit",
            "idle_w",
            "full_load_w",
            "power_standard",
            "maintenance_per_unit_year",
            "eol_cost_per_unit",
            "residual_value_per_unit",
            "embodied_source",
            "embodied_kgco2e_per_unit",
            "mass_kg_per_unit",
            "performance",
        ]
        initial = {name: getattr(configuration, name) for name in names}
        initial["embodied_footprint"] = configuration.embodied_footprint_id
        return initial
