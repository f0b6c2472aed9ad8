"""Seed the KPI clause library with the common environmental KPIs of AI-hardware and cloud deals.

Idempotent by ``code``: re-running updates nothing an officer has since edited (get_or_create).
Historical models in migrations have no history manager, so these rows get their first history
record when an officer first edits them; the migration itself is the record of their origin.
"""

from django.db import migrations

LIBRARY = [
    {
        "code": "scope12-intensity-revenue",
        "metric": "Scope 1+2 emissions intensity per revenue",
        "unit": "tCO2e per million USD",
        "direction": "lower",
        "frequency": "annual",
        "description": (
            "The vendor's Scope 1 and Scope 2 (market-based) emissions of the reporting period, in "
            "tonnes CO2e, divided by its revenue of the same period in million USD (GHG Protocol "
            "Corporate Standard; Scope 2 Guidance, market-based method)."
        ),
        "evidence_required": (
            "The GHG inventory or sustainability report for the period, with the verification "
            "statement (ISO 14064-3 or ISAE 3410) where one exists, and the audited revenue."
        ),
        "remedy": (
            "The vendor submits a reduction plan within 60 days naming the measures, their "
            "expected effect in tCO2e and their dates; if the next period is still off track, "
            "the buyer may withhold 2 % of the contract value until the trajectory is met."
        ),
    },
    {
        "code": "renewable-electricity-share",
        "metric": "Renewable electricity share",
        "unit": "%",
        "direction": "higher",
        "frequency": "annual",
        "description": (
            "Share of the electricity consumed in the sites serving this contract that is covered "
            "by renewable energy attributes meeting the Scope 2 Quality Criteria (RE100 technical "
            "criteria), in percent of MWh."
        ),
        "evidence_required": (
            "Energy attribute certificates (GOs, RECs, I-RECs) or PPA statements matched to the "
            "consumption, with the metered consumption per site."
        ),
        "remedy": (
            "The vendor procures additional renewable electricity attributes for the shortfall of "
            "the period within 90 days and shows the cancellation statements."
        ),
    },
    {
        "code": "pue-hosting-facility",
        "metric": "Power usage effectiveness of the hosting facility",
        "unit": "ratio",
        "direction": "lower",
        "frequency": "quarterly",
        "description": (
            "Total facility energy divided by IT equipment energy for the data centre hosting our "
            "equipment or service (ISO/IEC 30134-2), measured over the period."
        ),
        "evidence_required": (
            "Metered facility and IT energy for the period (category 2 or 3 measurement per "
            "ISO/IEC 30134-2), signed by the facility operator."
        ),
        "remedy": (
            "The operator presents an efficiency plan (cooling set-points, containment, "
            "free-cooling hours) within 60 days; persistent breach allows migration to another "
            "hall or site at the operator's cost."
        ),
    },
    {
        "code": "recycled-content-hardware",
        "metric": "Recycled content of delivered hardware",
        "unit": "%",
        "direction": "higher",
        "frequency": "annual",
        "description": (
            "Mass share of post-consumer recycled material (plastics and metals) in the hardware "
            "delivered under this contract in the period."
        ),
        "evidence_required": (
            "Bill of materials with recycled-content declarations per product (e.g. EPEAT or "
            "TCO Certified criteria evidence), weighted by units delivered."
        ),
        "remedy": (
            "The vendor offers substitute models with higher recycled content for the next "
            "orders at the same price, or a credit agreed with the buyer."
        ),
    },
    {
        "code": "take-back-rate",
        "metric": "Take-back rate of retired hardware",
        "unit": "%",
        "direction": "higher",
        "frequency": "annual",
        "description": (
            "Share of the units retired by the buyer in the period that the vendor collected for "
            "reuse or certified recycling (R2 or e-Stewards), in percent of units."
        ),
        "evidence_required": (
            "Collection records with serial numbers and the recycler's certificates of "
            "processing or reuse."
        ),
        "remedy": (
            "The vendor collects the remaining retired units within 60 days at its own cost."
        ),
    },
    {
        "code": "product-footprint-share",
        "metric": "Share of hardware with a product carbon footprint",
        "unit": "%",
        "direction": "higher",
        "frequency": "annual",
        "description": (
            "Share of the hardware models delivered in the period (by spend) that have a product "
            "carbon footprint shared in the PACT (WBCSD Pathfinder) format."
        ),
        "evidence_required": (
            "The PACT footprints uploaded in the portal for the delivered models, and the list of "
            "models delivered with their spend."
        ),
        "remedy": (
            "The vendor publishes footprints for the models missing one within 120 days, "
            "starting with the highest-spend models."
        ),
    },
]


def seed(apps, schema_editor):
    KpiClauseTemplate = apps.get_model("contracts", "KpiClauseTemplate")
    for entry in LIBRARY:
        KpiClauseTemplate.objects.get_or_create(
            code=entry["code"], defaults={k: v for k, v in entry.items() if k != "code"}
        )


def unseed(apps, schema_editor):
    KpiClauseTemplate = apps.get_model("contracts", "KpiClauseTemplate")
    KpiClauseTemplate.objects.filter(code__in=[e["code"] for e in LIBRARY]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_initial")]

    operations = [migrations.RunPython(seed, unseed)]
