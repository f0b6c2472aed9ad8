"""The matrix page with the life-cycle cost, its breakdown and sensitivity, and the life-cycle
API cost the same number of queries at 5 and at 50 bids."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement.models import BidConfiguration, ModeratedScore, RfpLifeCycle, Score
from vendors.tests.factories import VendorFactory

from .factories import BidFactory, RfpCriterionFactory, RfpFactory

pytestmark = pytest.mark.django_db


def build_rfp(n_bids, evaluators):
    rfp = RfpFactory(
        deadline=timezone.now() - datetime.timedelta(hours=1), status="closed", currency="EUR"
    )
    rfp.panel.set(evaluators)
    RfpLifeCycle.objects.create(
        rfp=rfp,
        electricity_price_per_kwh=Decimal("0.20"),
        grid_kgco2e_per_kwh=Decimal("0.35"),
        grid_source="UBA 2024",
        carbon_price_per_tco2e=Decimal(55),
        carbon_price_source="BEHG",
        social_carbon_price_per_tco2e=Decimal(250),
        eol_kgco2e_per_kg=Decimal("0.5"),
    )
    criteria = [
        RfpCriterionFactory(rfp=rfp, name="LCC", rule="lcc", weight=Decimal(50)),
        RfpCriterionFactory(rfp=rfp, name="Fit", rule="manual_scale", weight=Decimal(30)),
        RfpCriterionFactory(
            rfp=rfp,
            name="kg/GPU-h",
            rule="lc_kgco2e_per_fu",
            weight=Decimal(20),
            is_sustainability=True,
        ),
    ]
    for i in range(n_bids):
        bid = BidFactory(
            rfp=rfp, vendor=VendorFactory(), price=Decimal(2400000 + i), currency="EUR"
        )
        BidConfiguration.objects.create(
            bid=bid,
            unit_price=Decimal(240000 + i),
            quantity=10,
            accelerators_per_unit=8,
            idle_w=Decimal(2000 + i),
            full_load_w=Decimal(10000 + 10 * i),
            power_standard="SPECpower",
            embodied_source="declared",
            embodied_kgco2e_per_unit=Decimal(3000),
            mass_kg_per_unit=Decimal(100),
        )
        for evaluator in evaluators:
            Score.objects.create(bid=bid, criterion=criteria[1], evaluator=evaluator, score=3)
        ModeratedScore.objects.create(bid=bid, criterion=criteria[1], score=3, method="mean")
        for c in (criteria[0], criteria[2]):
            Score.objects.create(bid=bid, criterion=c, score=Decimal("0.5"), is_automatic=True)
            ModeratedScore.objects.create(
                bid=bid, criterion=c, score=Decimal("0.5"), method="automatic"
            )
    return rfp


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("page", ["matrix", "life-cycle-api"])
def test_constant_queries_at_5_and_50_bids_with_life_cycle(client_for, officer, evaluator, page):
    client = client_for(officer)
    counts = []
    for n in (5, 50):
        rfp = build_rfp(n, [evaluator])
        url = (
            reverse("admin:procurement_rfp_matrix", args=[rfp.pk])
            if page == "matrix"
            else f"/api/v1/rfps/{rfp.pk}/life-cycle/"
        )
        queries, response = count(client, url)
        counts.append(queries)
        if page == "matrix":
            html = response.content.decode()
            assert html.count('<th scope="row">') >= n  # every bid in the breakdown
            assert 'id="lcc-sensitivity"' in html
        else:
            assert len(response.json()["bids"]) == n
    assert counts[0] == counts[1], counts
    assert counts[1] <= 25
