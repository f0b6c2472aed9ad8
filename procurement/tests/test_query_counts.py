"""The matrix page and the results API cost the same number of queries at 5 and at 50 bids."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement.models import BidAnswer, ModeratedScore, Score
from vendors.tests.factories import VendorFactory

from .factories import BidFactory, RfpCriterionFactory, RfpFactory

pytestmark = pytest.mark.django_db


def build_rfp(n_bids, evaluators):
    rfp = RfpFactory(deadline=timezone.now() - datetime.timedelta(hours=1), status="closed")
    rfp.panel.set(evaluators)
    criteria = [
        RfpCriterionFactory(rfp=rfp, name="Price", rule="numeric_lower", weight=Decimal(50)),
        RfpCriterionFactory(rfp=rfp, name="Fit", rule="manual_scale", weight=Decimal(30)),
        RfpCriterionFactory(
            rfp=rfp, name="ISO", rule="derived", weight=Decimal(20), is_sustainability=True
        ),
    ]
    for i in range(n_bids):
        bid = BidFactory(rfp=rfp, vendor=VendorFactory(), price=Decimal(1000 + i))
        BidAnswer.objects.create(bid=bid, criterion=criteria[0], value_number=bid.price)
        for evaluator in evaluators:
            Score.objects.create(bid=bid, criterion=criteria[1], evaluator=evaluator, score=3)
        ModeratedScore.objects.create(bid=bid, criterion=criteria[1], score=3, method="mean")
        for c in (criteria[0], criteria[2]):
            Score.objects.create(bid=bid, criterion=c, score=Decimal("0.5"), is_automatic=True)
    return rfp


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name",
    ["matrix", "results"],
)
def test_constant_queries_at_5_and_50_bids(client_for, officer, evaluator, url_name):
    client = client_for(officer)
    counts = []
    for n in (5, 50):
        rfp = build_rfp(n, [evaluator])
        url = (
            reverse("admin:procurement_rfp_matrix", args=[rfp.pk])
            if url_name == "matrix"
            else f"/api/v1/rfps/{rfp.pk}/results/"
        )
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20
