"""Demo RFPs for ``seed_demo``: a GPU-server RFP with four bids scored by two evaluators, a
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

from procurement import services
from procurement.models import Bid, CriterionTemplate, Rfp, Rule
from vendors.models import Vendor

GPU_TITLE = "GPU inference servers, 2027 expansion"
CLOUD_TITLE = "Managed cloud inference capacity"
COLO_TITLE = "Nordic colocation for the training cluster"

GPU_WEIGHTS = {
    "price": 35,
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

# vendor, price, answers by template code, technical-fit scores by evaluator
GPU_BIDS = [
    (
        "Kestrel Compute Systems",
        "4180000",
        {"recycled-content": "22", "take-back": True, "renewable-electricity": "64"},
        (4, 4),
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


def _rfp(actor, *, title, category, deadline, weights, vendors, panel, description):
    rfp = services.rfp_create(
        actor=actor,
        title=title,
        category=category,
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


def _bids(rfp, specs, *, now):
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
            deadline=deadline,
            weights=GPU_WEIGHTS,
            vendors=vendors,
            panel=evaluators,
            description="64 eight-GPU inference servers with three years of support.",
        )
        opened = deadline - datetime.timedelta(days=21)
        services.rfp_publish(actor=officer, rfp=rfp, now=opened, reason="seed_demo")
        bids = _bids(rfp, GPU_BIDS, now=opened + datetime.timedelta(days=7))
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
