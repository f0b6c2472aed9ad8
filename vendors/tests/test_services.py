"""Vendor master services (writes) and selectors (reads) as the admin, portal and API use them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance.models import AuditEvent
from vendors import selectors
from vendors.models import Certification, Vendor, VendorContact, VendorInvitation
from vendors.services import (
    certification_create,
    certification_update,
    vendor_contact_create,
    vendor_contact_delete,
    vendor_contact_invite,
    vendor_contact_update,
    vendor_create,
    vendor_update,
)
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorContactFactory,
    VendorMembershipFactory,
)

TODAY = datetime.date(2026, 6, 1)


def _vendor(officer, **fields):
    values = {
        "name": "Cirrus Harbor Cloud",
        "country": "US",
        "naics_code": "518210",
        "category": Vendor.Category.CLOUD,
    }
    return vendor_create(actor=officer, **{**values, **fields})


# --- vendors --------------------------------------------------------------------------------


def test_update_records_one_history_row_naming_actor_reason_and_fields(officer):
    vendor = _vendor(officer)

    vendor_update(actor=officer, vendor=vendor, status=Vendor.Status.SUSPENDED, reason="audit")

    latest = Vendor.objects.get(pk=vendor.pk).history.first()
    assert latest.history_type == "~"
    assert latest.status == Vendor.Status.SUSPENDED
    assert latest.history_user == officer
    assert latest.history_change_reason == "audit"
    event = AuditEvent.objects.filter(verb=AuditEvent.Verb.UPDATED).get()
    assert event.details == {"fields": ["status"]}


def test_update_without_a_change_writes_nothing(officer):
    vendor = _vendor(officer)
    before = (Vendor.history.count(), AuditEvent.objects.count())

    vendor_update(actor=officer, vendor=vendor, name="Cirrus Harbor Cloud", country="US")

    assert (Vendor.history.count(), AuditEvent.objects.count()) == before


def test_unknown_field_is_a_programming_error(officer):
    with pytest.raises(TypeError, match="secret"):
        _vendor(officer, secret="x")


# --- contacts -------------------------------------------------------------------------------


def test_contact_email_is_lowercased_and_unique_per_vendor(officer):
    vendor = _vendor(officer)
    contact = vendor_contact_create(
        actor=officer, vendor=vendor, name="Nora Patel", email="Nora.Patel@Cirrus.example"
    )
    assert VendorContact.objects.get(pk=contact.pk).email == "nora.patel@cirrus.example"

    with pytest.raises(ValidationError) as excinfo:
        vendor_contact_create(
            actor=officer, vendor=vendor, name="N. Patel", email="NORA.PATEL@cirrus.example"
        )

    assert "already has a contact with this email" in str(excinfo.value)
    assert VendorContact.objects.filter(vendor=vendor).count() == 1


def test_same_contact_email_may_belong_to_two_vendors(officer):
    first = _vendor(officer)
    second = _vendor(officer, name="Nordlys Cloud", country="SE")
    for vendor in (first, second):
        vendor_contact_create(actor=officer, vendor=vendor, name="Agent", email="a@agency.example")

    assert VendorContact.objects.filter(email="a@agency.example").count() == 2


def test_contact_update_and_delete_are_attributed(officer):
    contact = vendor_contact_create(
        actor=officer, vendor=_vendor(officer), name="Nora Patel", email="nora@cirrus.example"
    )

    vendor_contact_update(actor=officer, contact=contact, role="Head of sustainability")
    contact_id = contact.pk
    vendor_contact_delete(actor=officer, contact=contact, reason="left the company")

    history = VendorContact.history.filter(id=contact_id).order_by("history_id")
    assert [h.history_type for h in history] == ["+", "~", "-"]
    assert {h.history_user for h in history} == {officer}
    assert history.last().history_change_reason == "left the company"
    assert not VendorContact.objects.filter(pk=contact_id).exists()


# --- certifications -------------------------------------------------------------------------


def test_certification_expiry_before_issue_is_refused(officer):
    vendor = _vendor(officer)

    with pytest.raises(ValidationError) as excinfo:
        certification_create(
            actor=officer,
            vendor=vendor,
            kind=Certification.Kind.ISO_14001,
            issue_date=datetime.date(2026, 1, 1),
            expiry_date=datetime.date(2025, 12, 31),
        )

    assert "must not be before the issue date" in str(excinfo.value)
    assert not Certification.objects.exists()


def test_certification_status_expires_by_date_not_by_a_stored_flag(officer):
    cert = certification_create(
        actor=officer,
        vendor=_vendor(officer),
        kind=Certification.Kind.ISO_50001,
        issue_date=datetime.date(2023, 6, 1),
        expiry_date=datetime.date(2026, 5, 31),
    )

    assert cert.status == Certification.Status.VALID
    assert cert.status_on(datetime.date(2026, 5, 31)) == Certification.Status.VALID
    assert cert.status_on(datetime.date(2026, 6, 1)) == Certification.Status.EXPIRED

    certification_update(actor=officer, certification=cert, status=Certification.Status.SUSPENDED)
    assert cert.status_on(datetime.date(2026, 6, 1)) == Certification.Status.SUSPENDED
    assert Certification.history.filter(id=cert.pk).first().history_user == officer


# --- selectors ------------------------------------------------------------------------------


@pytest.fixture
def certificates(vendor_a):
    def cert(number, expiry, status=Certification.Status.VALID):
        return CertificationFactory(
            vendor=vendor_a,
            number=number,
            issue_date=datetime.date(2023, 1, 1),
            expiry_date=expiry,
            status=status,
        )

    return {
        "expired": cert("EXPIRED", TODAY - datetime.timedelta(days=1)),
        "today": cert("TODAY", TODAY),
        "in_90": cert("IN-90", TODAY + datetime.timedelta(days=90)),
        "in_91": cert("IN-91", TODAY + datetime.timedelta(days=91)),
        "no_expiry": cert("NO-EXPIRY", None),
        "suspended": cert("SUSPENDED", TODAY + datetime.timedelta(days=10), "suspended"),
        "withdrawn": cert("WITHDRAWN", TODAY - datetime.timedelta(days=10), "withdrawn"),
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("expired", {"expired"}),
        ("expiring", {"today", "in_90"}),
        ("valid", {"today", "in_90", "in_91", "no_expiry"}),
        ("suspended", {"suspended"}),
        ("withdrawn", {"withdrawn"}),
    ],
)
def test_certification_states_match_the_model_rule(certificates, state, expected):
    found = selectors.certification_list(state=state, today=TODAY)

    assert {c.number for c in found} == {certificates[key].number for key in expected}
    for cert in found:
        assert cert.effective_state == cert.status_on(TODAY)


def test_certifications_expiring_honours_the_window(certificates):
    within_30 = selectors.certifications_expiring(within_days=30, today=TODAY)

    assert [c.number for c in within_30] == ["TODAY"]


def test_vendor_counts_do_not_multiply_each_other(vendor_a):
    VendorContactFactory.create_batch(3, vendor=vendor_a)
    CertificationFactory.create_batch(2, vendor=vendor_a)
    VendorMembershipFactory(vendor=vendor_a)

    vendor = selectors.vendors_with_counts().get(pk=vendor_a.pk)

    assert (vendor.contact_count, vendor.certification_count, vendor.member_count) == (3, 2, 1)


def test_vendor_list_filters(vendor_a, vendor_b):
    vendor_b.lei = "5493001KJTIIGC8Y1R12"
    vendor_b.save()

    assert list(selectors.vendor_list(search="acme")) == [vendor_a]
    assert list(selectors.vendor_list(search="5493001KJTIIGC8Y1R12")) == [vendor_b]
    assert list(selectors.vendor_list(category="servers")) == [vendor_b]
    assert list(selectors.vendor_list(status="prospect")) == []


def test_open_items_list_what_the_vendor_must_act_on(officer, vendor_a, vendor_b, certificates):
    invited = VendorContactFactory(vendor=vendor_a, name="Invited Person")
    VendorContactFactory(vendor=vendor_a, name="No Account")
    VendorContactFactory(vendor=vendor_a, name="Has Account", user=UserFactory())
    VendorContactFactory(vendor=vendor_b, name="Other Vendor")
    CertificationFactory(vendor=vendor_b, expiry_date=TODAY)
    vendor_contact_invite(actor=officer, contact=invited)

    items = selectors.vendor_open_items(vendor_a, today=TODAY)

    assert [(item.kind, item.title) for item in items] == [
        ("certificate_expired", "ISO 14001 EXPIRED has expired"),
        ("certificate_expiring", "ISO 14001 TODAY expires in 0 days"),
        ("certificate_expiring", "ISO 14001 IN-90 expires in 90 days"),
        ("invitation_pending", "Invited Person has not accepted the portal invitation yet"),
        ("contact_without_account", "No Account has no portal account"),
    ]


def test_open_items_are_empty_for_a_vendor_with_nothing_to_do(vendor_a):
    assert selectors.vendor_open_items(vendor_a) == []


def test_open_items_query_count_does_not_grow_with_rows(vendor_a):
    def count():
        with CaptureQueriesContext(connection) as queries:
            selectors.vendor_open_items(vendor_a, today=TODAY)
        return len(queries)

    CertificationFactory(vendor=vendor_a, expiry_date=TODAY)
    VendorContactFactory(vendor=vendor_a)
    small = count()
    CertificationFactory.create_batch(10, vendor=vendor_a, expiry_date=TODAY)
    VendorContactFactory.create_batch(10, vendor=vendor_a)
    assert count() == small


def test_invitation_state_is_derived(officer, vendor_a):
    contact = VendorContactFactory(vendor=vendor_a)
    first, _ = vendor_contact_invite(actor=officer, contact=contact)
    second, _ = vendor_contact_invite(actor=officer, contact=contact)

    states = {inv.pk: inv.state for inv in selectors.vendor_invitation_list()}
    assert states == {first.pk: "revoked", second.pk: "pending"}

    VendorInvitation.objects.filter(pk=second.pk).update(expires_at=timezone.now())
    assert selectors.vendor_invitation_list().get(pk=second.pk).state == "expired"
