"""Seed the criteria library with AI-hardware and cloud defaults (docs/domain.md, "RFP scoring").

``kpi_template_code`` names the contracts.KpiClauseTemplate (contracts migration 0003) whose clause a winning bid's answer
becomes on award. Re-running updates rows by code and never deletes an officer's own templates.
"""

from decimal import Decimal

from django.db import migrations

LIBRARY = [
    # code, name, rule, is_sustainability, unit, asks_evidence, kpi, extra fields
    ("price", "Price", "numeric_lower", False, "currency", False, "", {"default_weight": 35}),
    (
        "technical-fit",
        "Technical fit",
        "manual_scale",
        False,
        "points",
        False,
        "",
        {"scale_max": 5, "default_weight": 30},
    ),
    (
        "scope12-disclosure",
        "Scope 1+2 disclosure accepted",
        "derived",
        True,
        "",
        False,
        "",
        {"derived_source": "disclosure_accepted", "default_weight": 4},
    ),
    (
        "scope12-verified",
        "Scope 1+2 disclosure verified",
        "derived",
        True,
        "",
        False,
        "",
        {"derived_source": "disclosure_verified", "default_weight": 4},
    ),
    (
        "emissions-intensity",
        "Emissions intensity (Scope 1+2 per revenue)",
        "numeric_lower",
        True,
        "tCO2e per USD million",
        True,
        "scope12-intensity-revenue",
        {"default_weight": 5},
    ),
    (
        "recycled-content",
        "Recycled content",
        "numeric_higher",
        True,
        "%",
        True,
        "recycled-content-hardware",
        {"default_weight": 3},
    ),
    (
        "take-back",
        "Take-back / end-of-life programme",
        "yes_no",
        True,
        "",
        True,
        "",
        {"default_weight": 3},
    ),
    (
        "iso14001",
        "ISO 14001 valid",
        "derived",
        True,
        "",
        False,
        "",
        {"derived_source": "iso14001_valid", "default_weight": 4},
    ),
    (
        "renewable-electricity",
        "Renewable electricity share",
        "numeric_higher",
        True,
        "%",
        True,
        "renewable-electricity-share",
        {"default_weight": 5},
    ),
    (
        "pue",
        "PUE commitment",
        "numeric_lower",
        True,
        "PUE",
        True,
        "pue-hosting-facility",
        {
            "normalisation": "thresholds",
            "thresholds": [["1.2", "1"], ["1.3", "0.75"], ["1.4", "0.5"], ["1.6", "0.25"]],
            "default_weight": 3,
        },
    ),
    ("sbti", "SBTi target", "yes_no", True, "", True, "", {"default_weight": 2}),
    (
        "product-footprint",
        "Product footprint (PACT) available",
        "derived",
        True,
        "",
        False,
        "",
        {"derived_source": "footprint_available", "default_weight": 2},
    ),
]

DESCRIPTIONS = {
    "price": "Total price of the bid; normalised linearly between the cheapest and dearest bid.",
    "technical-fit": "Evaluators judge fit to the requirements on a 0..5 scale with a rationale.",
    "scope12-disclosure": "An accepted Scope 1+2 disclosure on file at the RFP deadline.",
    "scope12-verified": "An accepted Scope 1+2 disclosure with limited or reasonable assurance.",
    "emissions-intensity": "Scope 1 + Scope 2 market-based tCO2e per USD million of revenue.",
    "recycled-content": "Share of recycled material by mass in the offered hardware.",
    "take-back": "A take-back or end-of-life programme for the offered hardware.",
    "iso14001": "An ISO 14001 certificate valid on the RFP deadline.",
    "renewable-electricity": "Committed share of renewable electricity for the service or plant.",
    "pue": "Committed annual Power Usage Effectiveness of the hosting facility.",
    "sbti": "A science-based emissions target validated by SBTi.",
    "product-footprint": "A PACT product carbon footprint on file at the RFP deadline.",
}


def seed(apps, schema_editor):
    CriterionTemplate = apps.get_model("procurement", "CriterionTemplate")
    for code, name, rule, sustainability, unit, evidence, kpi, extra in LIBRARY:
        values = {
            "name": name,
            "description": DESCRIPTIONS[code],
            "rule": rule,
            "is_sustainability": sustainability,
            "unit": unit,
            "asks_evidence": evidence,
            "kpi_template_code": kpi,
            **extra,
        }
        values["default_weight"] = Decimal(values["default_weight"])
        CriterionTemplate.objects.update_or_create(code=code, defaults=values)


def unseed(apps, schema_editor):
    CriterionTemplate = apps.get_model("procurement", "CriterionTemplate")
    CriterionTemplate.objects.filter(code__in=[row[0] for row in LIBRARY]).delete()


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
