import datetime

import factory
from django.contrib.auth import get_user_model

from vendors.models import Certification, Vendor, VendorContact, VendorMembership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct horse battery")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} Inc.")
    country = "US"
    naics_code = "334413"
    category = Vendor.Category.ACCELERATORS
    status = Vendor.Status.ACTIVE


class VendorContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorContact

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@vendor.example")
    role = "Sustainability lead"


class VendorMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorMembership

    user = factory.SubFactory(UserFactory)
    vendor = factory.SubFactory(VendorFactory)
    role = VendorMembership.Role.ADMIN


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    vendor = factory.SubFactory(VendorFactory)
    kind = Certification.Kind.ISO_14001
    number = factory.Sequence(lambda n: f"EMS-{n:05d}")
    certification_body = "BSI"
    accreditation_body = "UKAS"
    issue_date = datetime.date(2024, 1, 15)
    expiry_date = datetime.date(2027, 1, 14)
