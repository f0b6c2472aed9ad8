"""Demo RFPs for ``seed_demo``: a GPU-server RFP evaluated on life-cycle cost, with four bids
(each an offered configuration with power figures) scored by two evaluators, a
cloud-inference RFP still open, and an awarded colocation RFP.

Idempotent: each RFP is looked up by its title and left alone once it exists, so a second run
writes nothing. Everything goes through the services (dates of the closed RFPs are set in the
past by passing ``now`` to them), so history and audit events are as in real use.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from assurance.demo import demo_pdf
from procurement import services, services_lcc
from procurement.models import Bid, CriterionTemplate, Rfp, Rule
from vendors.models import Vendor

GPU_TITLE = "GPU inference servers, 2027 expansion"
CLOUD_TITLE = "Managed cloud inference capacity"
COLO_TITLE = "Nordic colocation for the training cluster"

GPU_WEIGHTS = {
    "life-cycle-cost": 30,
    "life-cycle-carbon-per-unit": 5,
    "technical-fit": 30,
    "scope12-disclosure": 4,
    "scope12-verified": 4,
    "iso14001": 6,
    "recycled-content": 5,
    "take-back": 5,
    "renewable-electricity": 6,
    "product-footprint": 5,
}
CLOUD_WEIGHTS = {
    "price": 40,
    "technical-fit": 30,
    "renewable-electricity": 10,
    "pue": 10,
    "iso14001": 5,
    "sbti": 5,
}
COLO_WEIGHTS = {
    "price": 40,
    "technical-fit": 25,
    "renewable-electricity": 15,
    "pue": 15,
    "iso14001": 5,
}

# The GPU RFP is evaluated on life-cycle cost (docs/method.md, "Life-cycle cost of bids"): a
# German site, five years, the federal fixed CO2 price, the environment agency's social cost.
GPU_LIFE_CYCLE = {
    "horizon_years": 5,
    "discount_rate_percent": Decimal("3.0"),
    "hours_per_year": Decimal(8760),
    "utilisation_percent": Decimal(70),
    "pue": Decimal("1.35"),
    "electricity_price_per_kwh": Decimal("0.20"),
    "electricity_price_path": ["0.19", "0.20", "0.21"],
    "grid_kgco2e_per_kwh": Decimal("0.363"),
    "grid_basis": "location",
    "grid_source": "UBA, CO2 emission factor of the German electricity mix 2024 (location-based)",
    "carbon_price_per_tco2e": Decimal(55),
    "carbon_price_currency": "EUR",
    "carbon_price_source": "BEHG fixed national CO2 price 2025",
    "social_carbon_price_per_tco2e": Decimal(250),
    "social_carbon_price_source": "UBA Methodenkonvention 3.1, cost of climate damage",
    "functional_unit": "accelerator_hour",
    "eol_treatment": "take_back",
    "eol_kgco2e_per_kg": Decimal("0.9"),
    "embodied_model_kgco2e_per_accelerator": Decimal(450),
    "embodied_model_source": "buyer's 8-GPU server model, 2026",
    "max_power_w_per_unit": Decimal(12000),
}
# 64 eight-GPU servers per bid; unit price x 64 is the bid's price below. Northwind is the
# cheapest to buy and the dearest to run. Kestrel (cheaper, more power) and Alder (dearer,
# more efficient) are close on the weighted total: Kestrel wins as published, Alder once
# electricity costs 25 % more or the site's PUE is 0.1 worse (the sensitivity table).
GPU_CONFIGS = {
    "Kestrel Compute Systems": {
        "description": "8 x accelerator, 2 x 64-core CPU, 2 TB RAM",
        "unit_price": "63281.25",
        "idle_w": "2300",
        "full_load_w": "10200",
        "maintenance_per_unit_year": "3600",
        "eol_cost_per_unit": "300",
        "residual_value_per_unit": "9000",
        "embodied_source": "declared",
        "embodied_kgco2e_per_unit": "3100",
        "mass_kg_per_unit": "120",
    },
    "Alder Server Works": {
        "description": "8 x accelerator, 2 x 48-core CPU, 1.5 TB RAM",
        "unit_price": "68593.75",
        "idle_w": "2000",
        "full_load_w": "9700",
        "maintenance_per_unit_year": "3900",
        "eol_cost_per_unit": "250",
        "residual_value_per_unit": "9600",
        "embodied_source": "declared",
        "embodied_kgco2e_per_unit": "2700",
        "mass_kg_per_unit": "115",
    },
    "Northwind Accelerators": {
        "description": "8 x accelerator, 2 x 64-core CPU, 2 TB RAM, air-cooled",
        "unit_price": "61718.75",
        "idle_w": "2600",
        "full_load_w": "10600",
        "maintenance_per_unit_year": "4300",
        "eol_cost_per_unit": "350",
        "residual_value_per_unit": "6000",
        "embodied_source": "buyer_model",
        "mass_kg_per_unit": "130",
    },
    "Fjordlight Silicon": {
        "description": "8 x FJ-7 inference accelerator, liquid-cooled",
        "unit_price": "72187.50",
        "idle_w": "1900",
        "full_load_w": "9400",
        "maintenance_per_unit_year": "3700",
        "eol_cost_per_unit": "200",
        "residual_value_per_unit": "10000",
        "embodied_source": "declared",
        "embodied_kgco2e_per_unit": "2400",
        "mass_kg_per_unit": "110",
    },
}

# vendor, price, answers by template code, technical-fit scores by evaluator
GPU_BIDS = [
    (
        "Kestrel Compute Systems",
        "4050000",
        {"recycled-content": "30", "take-back": True, "renewable-electricity": "85"},
        (4, 5),
    ),
    (
        "Alder Server Works",
        "4390000",
        {"recycled-content": "35", "take-back": True, "renewable-electricity": "92"},
        (4, 5),
    ),
    (
        "Northwind Accelerators",
        "3950000",
        {"recycled-content": "8", "take-back": False, "renewable-electricity": "40"},
        (3, 4),
    ),
    (
        "Fjordlight Silicon",
        "4620000",
        {"recycled-content": "30", "take-back": True, "renewable-electricity": "100"},
        (3, 3),
    ),
]
COLO_BIDS = [
    ("Polar Vault Colocation", "2750000", {"renewable-electricity": "100", "pue": "1.15"}, (4, 4)),
    ("Tidewater Data Centres", "2490000", {"renewable-electricity": "70", "pue": "1.38"}, (3, 4)),
]


def _pdf(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = text.split(":")[1].strip().replace(" ", "-") + ".pdf"
    return SimpleUploadedFile(name, demo_pdf(text), content_type="application/pdf")


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _second_evaluator():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username="evaluator2",
        defaults={"first_name": "Ana", "last_name": "Sousa", "is_staff": True},
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name="evaluators"))
    return user


def _rfp(actor, *, title, category, deadline, weights, vendors, panel, description, currency="USD"):
    rfp = services.rfp_create(
        actor=actor,
        title=title,
        category=category,
        currency=currency,
        deadline=deadline,
        description=description,
        invited_vendors=vendors,
        panel=panel,
        reason="seed_demo",
    )
    templates = {t.code: t for t in CriterionTemplate.objects.filter(code__in=weights)}
    for code, weight in weights.items():
        services.rfp_criterion_add(
            actor=actor,
            rfp=rfp,
            template=templates[code],
            weight=Decimal(weight),
            reason="seed_demo",
        )
    return rfp


def _bids(rfp, specs, *, now, configs=None):
    criteria = {c.template.code: c for c in rfp.criteria.select_related("template")}
    bids = {}
    for vendor_name, price, answers, _scores in specs:
        vendor = Vendor.objects.get(name=vendor_name)
        posted = {criteria[code].pk: value for code, value in answers.items() if code in criteria}
        posted[criteria["technical-fit"].pk] = (
            f"{vendor_name} offers a configuration that meets the requirements; see the annex."
        )
        member = vendor.memberships.select_related("user").first()
        actor = member.user if member else rfp.created_by
        bid = services.bid_save_draft(
            actor=actor, rfp=rfp, vendor=vendor, price=price, answers=posted, now=now
        )
        if configs and vendor_name in configs:
            config = configs[vendor_name]
            services_lcc.bid_configuration_save(
                actor=actor,
                rfp=rfp,
                vendor=vendor,
                now=now,
                quantity=64,
                accelerators_per_unit=8,
                power_standard="SPECpower_ssj2008, 25 °C inlet",
                power_evidence=_pdf(f"{vendor_name}: power measurement report"),
                embodied_evidence=(
                    _pdf(f"{vendor_name}: product carbon footprint report")
                    if config["embodied_source"] == "declared"
                    else None
                ),
                **config,
            )
            bid.refresh_from_db()
        bids[vendor_name] = services.bid_submit(actor=actor, bid=bid, now=now)
    return bids


def _score(rfp, bids, specs, evaluators, officer):
    services.rfp_autoscore(actor=officer, rfp=rfp)
    fit = rfp.criteria.get(rule=Rule.MANUAL_SCALE)
    for vendor_name, _price, _answers, scores in specs:
        for evaluator, points in zip(evaluators, scores, strict=True):
            services.score_record(
                actor=evaluator,
                bid=bids[vendor_name],
                criterion=fit,
                score=points,
                rationale="Scored against the requirements annex.",
            )
    services.rfp_moderate_all(actor=officer, rfp=rfp)


def seed_procurement(*, actor) -> list[str]:
    """Create the demo RFPs that do not exist yet; returns the titles created."""
    officer = _user("officer") or actor
    evaluators = [_user("evaluator"), _second_evaluator()]
    if evaluators[0] is None:
        return []
    today = timezone.now().replace(minute=0, second=0, microsecond=0)
    created = []

    if not Rfp.objects.filter(title=GPU_TITLE).exists():
        deadline = today - datetime.timedelta(days=3)
        vendors = [Vendor.objects.get(name=spec[0]) for spec in GPU_BIDS]
        rfp = _rfp(
            officer,
            title=GPU_TITLE,
            category=Vendor.Category.SERVERS,
            currency="EUR",
            deadline=deadline,
            weights=GPU_WEIGHTS,
            vendors=vendors,
            panel=evaluators,
            description="64 eight-GPU inference servers with three years of support.",
        )
        services_lcc.rfp_life_cycle_set(
            actor=officer, rfp=rfp, reason="seed_demo", **GPU_LIFE_CYCLE
        )
        opened = deadline - datetime.timedelta(days=21)
        services.rfp_publish(actor=officer, rfp=rfp, now=opened, reason="seed_demo")
        bids = _bids(rfp, GPU_BIDS, now=opened + datetime.timedelta(days=7), configs=GPU_CONFIGS)
        _score(rfp, bids, GPU_BIDS, evaluators, officer)
        created.append(GPU_TITLE)

    if not Rfp.objects.filter(title=CLOUD_TITLE).exists():
        vendors = Vendor.objects.filter(
            name__in=["Cirrus Harbor Cloud", "Nordlys Cloud", "Northwind Accelerators"]
        )
        rfp = _rfp(
            officer,
            title=CLOUD_TITLE,
            category=Vendor.Category.CLOUD,
            deadline=today + datetime.timedelta(days=14),
            weights=CLOUD_WEIGHTS,
            vendors=list(vendors),
            panel=evaluators,
            description="Reserved GPU inference capacity in an EU region, 2,000 GPU-hours a day.",
        )
        services.rfp_publish(actor=officer, rfp=rfp, reason="seed_demo")
        created.append(CLOUD_TITLE)

    if not Rfp.objects.filter(title=COLO_TITLE).exists():
        deadline = today - datetime.timedelta(days=30)
        vendors = [Vendor.objects.get(name=spec[0]) for spec in COLO_BIDS]
        rfp = _rfp(
            officer,
            title=COLO_TITLE,
            category=Vendor.Category.COLOCATION,
            deadline=deadline,
            weights=COLO_WEIGHTS,
            vendors=vendors,
            panel=evaluators,
            description="1.2 MW of colocation with liquid cooling for the training cluster.",
        )
        opened = deadline - datetime.timedelta(days=28)
        services.rfp_publish(actor=officer, rfp=rfp, now=opened, reason="seed_demo")
        bids = _bids(rfp, COLO_BIDS, now=opened + datetime.timedelta(days=10))
        _score(rfp, bids, COLO_BIDS, evaluators, officer)
        winner = Bid.objects.get(rfp=rfp, vendor__name="Polar Vault Colocation")
        start = timezone.localdate()
        services.rfp_award(
            actor=officer,
            rfp=rfp,
            bid=winner,
            rationale="Best sustainability commitments (100% renewable power, PUE 1.15) "
            "at a price within budget.",
            start_date=start,
            end_date=start.replace(year=start.year + 5),
        )
        created.append(COLO_TITLE)
    return created
