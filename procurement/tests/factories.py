import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from procurement.models import Bid, BidAnswer, Rfp, RfpCriterion
from vendors.tests.factories import UserFactory, VendorFactory


class RfpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rfp

    title = factory.Sequence(lambda n: f"GPU servers {n}")
    category = "servers"
    currency = "USD"
    deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))
    created_by = factory.SubFactory(UserFactory, is_staff=True)


class RfpCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RfpCriterion

    rfp = factory.SubFactory(RfpFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    rule = "manual_scale"
    weight = Decimal(10)
    order = factory.Sequence(lambda n: n)


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bid

    rfp = factory.SubFactory(RfpFactory)
    vendor = factory.SubFactory(VendorFactory)
    status = Bid.Status.SUBMITTED
    price = Decimal("100000.00")
    created_by = factory.SubFactory(UserFactory)
    submitted_at = factory.LazyFunction(timezone.now)


class BidAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BidAnswer

    bid = factory.SubFactory(BidFactory)
    criterion = factory.SubFactory(RfpCriterionFactory)
