"""Life-cycle cost of bids (docs/method.md, "Life-cycle cost of bids"): the RFP's evaluation
parameters, each bid's offered configuration, three scoring rules computed from them, and their
templates in the criteria library (updated by code, like 0002; an officer's own rows are kept).
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

LIBRARY = [
    {
        "code": "life-cycle-cost",
        "name": "Life-cycle cost",
        "description": "Price, electricity at the site's PUE, maintenance, end of life and residual "
        "value over the RFP's horizon, discounted; computed from the offered configuration.",
        "rule": "lcc",
        "is_sustainability": False,
        "unit": "currency",
        "asks_evidence": False,
    },
    {
        "code": "life-cycle-cost-externality",
        "name": "Life-cycle cost including the externality cost",
        "description": "The life-cycle cost plus the carbon shadow price times the life-cycle "
        "tCO2e (Directive 2014/24/EU Art. 68).",
        "rule": "lcc_externality",
        "is_sustainability": True,
        "unit": "currency",
        "asks_evidence": False,
    },
    {
        "code": "life-cycle-carbon-per-unit",
        "name": "Life-cycle kgCO2e per functional unit",
        "description": "Embodied, operational and end-of-life kgCO2e divided by the functional "
        "unit the RFP names (GPU-hours by default).",
        "rule": "lc_kgco2e_per_fu",
        "is_sustainability": True,
        "unit": "kgCO2e/unit",
        "asks_evidence": False,
    },
]


def seed(apps, schema_editor):
    CriterionTemplate = apps.get_model("procurement", "CriterionTemplate")
    for entry in LIBRARY:
        values = {k: v for k, v in entry.items() if k != "code"}
        CriterionTemplate.objects.update_or_create(code=entry["code"], defaults=values)


def unseed(apps, schema_editor):
    CriterionTemplate = apps.get_model("procurement", "CriterionTemplate")
    CriterionTemplate.objects.filter(code__in=[e["code"] for e in LIBRARY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assurance", "0008_chain_schema"),
        ("procurement", "0003_deadline_sweep_schedule"),
        ("vendors", "0004_disclosure_boundary_backfill"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="criteriontemplate",
            name="rule",
            field=models.CharField(
                choices=[
                    ("manual_scale", "Manual scale 0..N"),
                    ("numeric_lower", "Numeric, lower is better"),
                    ("numeric_higher", "Numeric, higher is better"),
                    ("yes_no", "Yes / no"),
                    ("derived", "Derived from vendor records at the deadline"),
                    ("lcc", "Lowest life-cycle cost"),
                    ("lcc_externality", "Lowest life-cycle cost including the externality cost"),
                    ("lc_kgco2e_per_fu", "Lowest life-cycle kgCO2e per functional unit"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="historicalcriteriontemplate",
            name="rule",
            field=models.CharField(
                choices=[
                    ("manual_scale", "Manual scale 0..N"),
                    ("numeric_lower", "Numeric, lower is better"),
                    ("numeric_higher", "Numeric, higher is better"),
                    ("yes_no", "Yes / no"),
                    ("derived", "Derived from vendor records at the deadline"),
                    ("lcc", "Lowest life-cycle cost"),
                    ("lcc_externality", "Lowest life-cycle cost including the externality cost"),
                    ("lc_kgco2e_per_fu", "Lowest life-cycle kgCO2e per functional unit"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="historicalrfpcriterion",
            name="rule",
            field=models.CharField(
                choices=[
                    ("manual_scale", "Manual scale 0..N"),
                    ("numeric_lower", "Numeric, lower is better"),
                    ("numeric_higher", "Numeric, higher is better"),
                    ("yes_no", "Yes / no"),
                    ("derived", "Derived from vendor records at the deadline"),
                    ("lcc", "Lowest life-cycle cost"),
                    ("lcc_externality", "Lowest life-cycle cost including the externality cost"),
                    ("lc_kgco2e_per_fu", "Lowest life-cycle kgCO2e per functional unit"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="rfpcriterion",
            name="rule",
            field=models.CharField(
                choices=[
                    ("manual_scale", "Manual scale 0..N"),
                    ("numeric_lower", "Numeric, lower is better"),
                    ("numeric_higher", "Numeric, higher is better"),
                    ("yes_no", "Yes / no"),
                    ("derived", "Derived from vendor records at the deadline"),
                    ("lcc", "Lowest life-cycle cost"),
                    ("lcc_externality", "Lowest life-cycle cost including the externality cost"),
                    ("lc_kgco2e_per_fu", "Lowest life-cycle kgCO2e per functional unit"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="HistoricalBidConfiguration",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "description",
                    models.CharField(blank=True, max_length=200, verbose_name="configuration"),
                ),
                ("unit_price", models.DecimalField(decimal_places=2, max_digits=18)),
                ("quantity", models.PositiveIntegerField()),
                ("accelerators_per_unit", models.PositiveSmallIntegerField()),
                (
                    "idle_w",
                    models.DecimalField(
                        decimal_places=1, max_digits=10, verbose_name="idle power per unit (W)"
                    ),
                ),
                (
                    "full_load_w",
                    models.DecimalField(
                        decimal_places=1, max_digits=10, verbose_name="full-load power per unit (W)"
                    ),
                ),
                (
                    "power_standard",
                    models.CharField(
                        help_text="e.g. SPECpower_ssj2008, ENERGY STAR Servers v4, vendor lab at 25 °C inlet.",
                        max_length=120,
                        verbose_name="power measurement standard",
                    ),
                ),
                (
                    "maintenance_per_unit_year",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=14,
                        verbose_name="maintenance and support per unit and year",
                    ),
                ),
                (
                    "eol_cost_per_unit",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=14,
                        verbose_name="take-back or disposal cost per unit (negative: credit)",
                    ),
                ),
                (
                    "residual_value_per_unit",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=14,
                        verbose_name="residual value per unit at the horizon",
                    ),
                ),
                (
                    "embodied_source",
                    models.CharField(
                        choices=[
                            ("pact", "PACT product footprint shared in Tenderleaf"),
                            ("declared", "Declared figure with evidence"),
                            ("buyer_model", "None: use the buyer's hardware model"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "embodied_kgco2e_per_unit",
                    models.DecimalField(
                        blank=True,
                        decimal_places=3,
                        max_digits=14,
                        null=True,
                        verbose_name="embodied kgCO2e per unit",
                    ),
                ),
                (
                    "mass_kg_per_unit",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=10,
                        verbose_name="mass per unit (kg)",
                    ),
                ),
                (
                    "performance",
                    models.DecimalField(
                        blank=True,
                        decimal_places=4,
                        max_digits=18,
                        null=True,
                        verbose_name="performance figure",
                    ),
                ),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "bid",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="procurement.bid",
                    ),
                ),
                (
                    "embodied_evidence",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="assurance.evidencefile",
                    ),
                ),
                (
                    "embodied_footprint",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="vendors.productfootprint",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "power_evidence",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="assurance.evidencefile",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical bid configuration",
                "verbose_name_plural": "historical bid configurations",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalRfpLifeCycle",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "horizon_years",
                    models.SmallIntegerField(default=5, verbose_name="evaluation horizon (years)"),
                ),
                (
                    "discount_rate_percent",
                    models.DecimalField(
                        decimal_places=2,
                        default=3,
                        max_digits=5,
                        verbose_name="real discount rate (%)",
                    ),
                ),
                (
                    "hours_per_year",
                    models.DecimalField(decimal_places=1, default=8760, max_digits=6),
                ),
                (
                    "utilisation_percent",
                    models.DecimalField(
                        decimal_places=2,
                        default=70,
                        max_digits=5,
                        verbose_name="expected utilisation (%)",
                    ),
                ),
                (
                    "pue",
                    models.DecimalField(
                        decimal_places=2, default=1.3, max_digits=4, verbose_name="site PUE"
                    ),
                ),
                (
                    "electricity_price_per_kwh",
                    models.DecimalField(
                        decimal_places=4,
                        help_text="In the RFP's currency; used for every year unless a price path is given.",
                        max_digits=10,
                        verbose_name="electricity price per kWh",
                    ),
                ),
                (
                    "electricity_price_path",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Optional prices per kWh for year 1, 2, ...; the last one holds to the horizon.",
                        verbose_name="electricity price per year",
                    ),
                ),
                (
                    "grid_kgco2e_per_kwh",
                    models.DecimalField(
                        decimal_places=5,
                        max_digits=8,
                        verbose_name="grid emission factor (kgCO2e/kWh)",
                    ),
                ),
                (
                    "grid_basis",
                    models.CharField(
                        choices=[("location", "Location-based"), ("market", "Market-based")],
                        default="location",
                        max_length=10,
                    ),
                ),
                (
                    "grid_source",
                    models.CharField(
                        help_text="Dataset row or publication the factor is taken from.",
                        max_length=300,
                        verbose_name="grid factor source",
                    ),
                ),
                (
                    "carbon_price_per_tco2e",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Empty: no externality cost.",
                        max_digits=10,
                        null=True,
                        verbose_name="carbon shadow price per tCO2e",
                    ),
                ),
                ("carbon_price_currency", models.CharField(blank=True, max_length=3)),
                (
                    "carbon_price_source",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="carbon price policy source"
                    ),
                ),
                (
                    "social_carbon_price_per_tco2e",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=10,
                        null=True,
                        verbose_name="social cost of carbon per tCO2e (sensitivity)",
                    ),
                ),
                ("social_carbon_price_source", models.CharField(blank=True, max_length=300)),
                (
                    "functional_unit",
                    models.CharField(
                        choices=[
                            ("accelerator_hour", "GPU-hour (accelerator-hour)"),
                            ("server_hour", "Server-hour"),
                            ("performance", "Per bid performance figure"),
                        ],
                        default="accelerator_hour",
                        max_length=20,
                    ),
                ),
                ("performance_name", models.CharField(blank=True, max_length=100)),
                ("performance_unit", models.CharField(blank=True, max_length=40)),
                (
                    "eol_treatment",
                    models.CharField(
                        choices=[
                            ("take_back", "Vendor take-back and refurbishment"),
                            ("recycling", "WEEE recycling"),
                            ("resale", "Resale by the buyer"),
                        ],
                        default="recycling",
                        max_length=20,
                        verbose_name="end-of-life treatment assumed",
                    ),
                ),
                (
                    "eol_kgco2e_per_kg",
                    models.DecimalField(
                        decimal_places=4,
                        default=0,
                        max_digits=8,
                        verbose_name="end-of-life factor (kgCO2e/kg)",
                    ),
                ),
                (
                    "embodied_model_kgco2e_per_accelerator",
                    models.DecimalField(
                        blank=True,
                        decimal_places=3,
                        help_text="Used, with lower data quality, for bids that give no embodied figure.",
                        max_digits=12,
                        null=True,
                        verbose_name="buyer's embodied model (kgCO2e per accelerator)",
                    ),
                ),
                ("embodied_model_source", models.CharField(blank=True, max_length=300)),
                (
                    "max_power_w_per_unit",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=10,
                        null=True,
                        verbose_name="plausible full-load power per unit, at most (W)",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "rfp",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="procurement.rfp",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical RFP life-cycle parameters",
                "verbose_name_plural": "historical RFP life-cycle parameters",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="RfpLifeCycle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "horizon_years",
                    models.SmallIntegerField(default=5, verbose_name="evaluation horizon (years)"),
                ),
                (
                    "discount_rate_percent",
                    models.DecimalField(
                        decimal_places=2,
                        default=3,
                        max_digits=5,
                        verbose_name="real discount rate (%)",
                    ),
                ),
                (
                    "hours_per_year",
                    models.DecimalField(decimal_places=1, default=8760, max_digits=6),
                ),
                (
                    "utilisation_percent",
                    models.DecimalField(
                        decimal_places=2,
                        default=70,
                        max_digits=5,
                        verbose_name="expected utilisation (%)",
                    ),
                ),
                (
                    "pue",
                    models.DecimalField(
                        decimal_places=2, default=1.3, max_digits=4, verbose_name="site PUE"
                    ),
                ),
                (
                    "electricity_price_per_kwh",
                    models.DecimalField(
                        decimal_places=4,
                        help_text="In the RFP's currency; used for every year unless a price path is given.",
                        max_digits=10,
                        verbose_name="electricity price per kWh",
                    ),
                ),
                (
                    "electricity_price_path",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Optional prices per kWh for year 1, 2, ...; the last one holds to the horizon.",
                        verbose_name="electricity price per year",
                    ),
                ),
                (
                    "grid_kgco2e_per_kwh",
                    models.DecimalField(
                        decimal_places=5,
                        max_digits=8,
                        verbose_name="grid emission factor (kgCO2e/kWh)",
                    ),
                ),
                (
                    "grid_basis",
                    models.CharField(
                        choices=[("location", "Location-based"), ("market", "Market-based")],
                        default="location",
                        max_length=10,
                    ),
                ),
                (
                    "grid_source",
                    models.CharField(
                        help_text="Dataset row or publication the factor is taken from.",
                        max_length=300,
                        verbose_name="grid factor source",
                    ),
                ),
                (
                    "carbon_price_per_tco2e",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Empty: no externality cost.",
                        max_digits=10,
                        null=True,
                        verbose_name="carbon shadow price per tCO2e",
                    ),
                ),
                ("carbon_price_currency", models.CharField(blank=True, max_length=3)),
                (
                    "carbon_price_source",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="carbon price policy source"
                    ),
                ),
                (
                    "social_carbon_price_per_tco2e",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=10,
                        null=True,
                        verbose_name="social cost of carbon per tCO2e (sensitivity)",
                    ),
                ),
                ("social_carbon_price_source", models.CharField(blank=True, max_length=300)),
                (
                    "functional_unit",
                    models.CharField(
                        choices=[
                            ("accelerator_hour", "GPU-hour (accelerator-hour)"),
                            ("server_hour", "Server-hour"),
                            ("performance", "Per bid performance figure"),
                        ],
                        default="accelerator_hour",
                        max_length=20,
                    ),
                ),
                ("performance_name", models.CharField(blank=True, max_length=100)),
                ("performance_unit", models.CharField(blank=True, max_length=40)),
                (
                    "eol_treatment",
                    models.CharField(
                        choices=[
                            ("take_back", "Vendor take-back and refurbishment"),
                            ("recycling", "WEEE recycling"),
                            ("resale", "Resale by the buyer"),
                        ],
                        default="recycling",
                        max_length=20,
                        verbose_name="end-of-life treatment assumed",
                    ),
                ),
                (
                    "eol_kgco2e_per_kg",
                    models.DecimalField(
                        decimal_places=4,
                        default=0,
                        max_digits=8,
                        verbose_name="end-of-life factor (kgCO2e/kg)",
                    ),
                ),
                (
                    "embodied_model_kgco2e_per_accelerator",
                    models.DecimalField(
                        blank=True,
                        decimal_places=3,
                        help_text="Used, with lower data quality, for bids that give no embodied figure.",
                        max_digits=12,
                        null=True,
                        verbose_name="buyer's embodied model (kgCO2e per accelerator)",
                    ),
                ),
                ("embodied_model_source", models.CharField(blank=True, max_length=300)),
                (
                    "max_power_w_per_unit",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=10,
                        null=True,
                        verbose_name="plausible full-load power per unit, at most (W)",
                    ),
                ),
                (
                    "rfp",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="life_cycle",
                        to="procurement.rfp",
                    ),
                ),
            ],
            options={
                "verbose_name": "RFP life-cycle parameters",
                "verbose_name_plural": "RFP life-cycle parameters",
            },
        ),
        migrations.CreateModel(
            name="BidConfiguration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "description",
                    models.CharField(blank=True, max_length=200, verbose_name="configuration"),
                ),
                ("unit_price", models.DecimalField(decimal_places=2, max_digits=18)),
                ("quantity", models.PositiveIntegerField()),
                ("accelerators_per_unit", models.PositiveSmallIntegerField()),
                (
                    "idle_w",
                    models.DecimalField(
                        decimal_places=1, max_digits=10, verbose_name="idle power per unit (W)"
                    ),
                ),
                (
                    "full_load_w",
                    models.DecimalField(
                        decimal_places=1, max_digits=10, verbose_name="full-load power per unit (W)"
                    ),
                ),
                (
                    "power_standard",
                    models.CharField(
                        help_text="e.g. SPECpower_ssj2008, ENERGY STAR Servers v4, vendor lab at 25 °C inlet.",
                        max_length=120,
                        verbose_name="power measurement standard",
                    ),
                ),
                (
                    "maintenance_per_unit_year",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=14,
                        verbose_name="maintenance and support per unit and year",
                    ),
                ),
                (
                    "eol_cost_per_unit",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=14,
                        verbose_name="take-back or disposal cost per unit (negative: credit)",
                    ),
                ),
                (
                    "residual_value_per_unit",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=14,
                        verbose_name="residual value per unit at the horizon",
                    ),
                ),
                (
                    "embodied_source",
                    models.CharField(
                        choices=[
                            ("pact", "PACT product footprint shared in Tenderleaf"),
                            ("declared", "Declared figure with evidence"),
                            ("buyer_model", "None: use the buyer's hardware model"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "embodied_kgco2e_per_unit",
                    models.DecimalField(
                        blank=True,
                        decimal_places=3,
                        max_digits=14,
                        null=True,
                        verbose_name="embodied kgCO2e per unit",
                    ),
                ),
                (
                    "mass_kg_per_unit",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        max_digits=10,
                        verbose_name="mass per unit (kg)",
                    ),
                ),
                (
                    "performance",
                    models.DecimalField(
                        blank=True,
                        decimal_places=4,
                        max_digits=18,
                        null=True,
                        verbose_name="performance figure",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "bid",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="configuration",
                        to="procurement.bid",
                    ),
                ),
                (
                    "embodied_evidence",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="assurance.evidencefile",
                    ),
                ),
                (
                    "embodied_footprint",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="vendors.productfootprint",
                    ),
                ),
                (
                    "power_evidence",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="assurance.evidencefile",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("idle_w__lte", models.F("full_load_w"))),
                        name="bidconfiguration_idle_not_above_full_load",
                        violation_error_message="Idle power cannot be above full-load power.",
                    )
                ],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
