"""An RFP world: officer, two evaluators on the panel, vendors A and B invited, library criteria."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from procurement import services
from procurement.models import CriterionTemplate, Rfp
from vendors.tests.factories import UserFactory, VendorContactFactory


def move_deadline(rfp, **delta):
    """Put the deadline in the past (or future) without going through a service."""
    Rfp.objects.filter(pk=rfp.pk).update(deadline=timezone.now() + datetime.timedelta(**delta))
    rfp.refresh_from_db()
    return rfp


@pytest.fixture
def evaluator2(db):
    user = UserFactory(username="evaluator2", is_staff=True)
    user.groups.add(Group.objects.get(name="evaluators"))
    return user


WEIGHTS = {
    "price": 40,
    "technical-fit": 30,
    "iso14001": 10,
    "take-back": 10,
    "renewable-electricity": 10,
}


@pytest.fixture
def draft_rfp(officer, evaluator, evaluator2, vendor_a, vendor_b):
    VendorContactFactory(vendor=vendor_a, email="bids@acme.example")
    VendorContactFactory(vendor=vendor_b, email="bids@bolt.example")
    rfp = services.rfp_create(
        actor=officer,
        title="GPU servers for the inference cluster",
        category="servers",
        deadline=timezone.now() + datetime.timedelta(days=7),
        invited_vendors=[vendor_a, vendor_b],
        panel=[evaluator, evaluator2],
    )
    for code, weight in WEIGHTS.items():
        services.rfp_criterion_add(
            actor=officer,
            rfp=rfp,
            template=CriterionTemplate.objects.get(code=code),
            weight=Decimal(weight),
        )
    return rfp


@pytest.fixture
def published_rfp(draft_rfp, officer):
    return services.rfp_publish(actor=officer, rfp=draft_rfp)


def criterion(rfp, code):
    return rfp.criteria.get(template__code=code)


def answers_for(rfp, *, renewable, take_back, fit_text="Meets every requirement."):
    return {
        criterion(rfp, "renewable-electricity").pk: renewable,
        criterion(rfp, "take-back").pk: "yes" if take_back else "no",
        criterion(rfp, "technical-fit").pk: fit_text,
    }
