"""The portal's tenant boundary, home and company pages, and contact editing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.models import AuditEvent
from vendors.models import VendorContact, VendorMembership
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorContactFactory,
    VendorMembershipFactory,
)

pytestmark = pytest.mark.django_db

# Pages without URL arguments that a portal user can open with GET.
PORTAL_PAGES = ["portal:home", "portal:company", "portal:contact_add", "portal:password_change"]


@pytest.fixture
def contact_a(vendor_a):
    return VendorContactFactory(vendor=vendor_a, name="Ada Alpha", email="ada@acme.example")


@pytest.fixture
def contact_b(vendor_b):
    return VendorContactFactory(vendor=vendor_b, name="Bert Bravo", email="bert@bolt.example")


@pytest.fixture
def contributor(vendor_a):
    return VendorMembershipFactory(
        user=UserFactory(username="contributor"),
        vendor=vendor_a,
        role=VendorMembership.Role.CONTRIBUTOR,
    ).user


def contact_post_data(**overrides):
    data = {
        "name": "Ada Alpha",
        "email": "ada@acme.example",
        "role": "Sustainability lead",
        "receives_reminders": "on",
        "language": "en",
    }
    data.update(overrides)
    return data


# --- Who gets in --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_anonymous_is_sent_to_the_portal_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:login')}?next={url}"


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_staff_get_no_portal_data(client_for, officer, vendor_a, contact_a, name):
    response = client_for(officer).get(reverse(name))
    assert response.status_code == 403
    body = response.content.decode()
    assert "/admin/" in body
    assert vendor_a.name not in body
    assert contact_a.email not in body


def test_user_without_membership_is_told_to_ask_for_an_invitation(client_for, contact_a):
    lost = UserFactory(username="lost")
    response = client_for(lost).get(reverse("portal:company"))
    assert response.status_code == 403
    assert "not linked to a vendor" in response.content.decode()
    assert contact_a.email not in response.content.decode()


def test_staff_cannot_reach_a_contact_by_url(client_for, officer, contact_a):
    client = client_for(officer)
    response = client.post(reverse("portal:contact_delete", args=[contact_a.pk]))
    assert response.status_code == 403
    assert VendorContact.objects.filter(pk=contact_a.pk).exists()


# --- Tenant isolation ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal:contact_edit", "portal:contact_delete"])
def test_outsider_gets_404_on_another_vendors_contact(client_for, outsider, contact_a, name):
    client = client_for(outsider)
    url = reverse(name, args=[contact_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, contact_post_data(name="Hijacked")).status_code == 404
    contact_a.refresh_from_db()
    assert contact_a.name == "Ada Alpha"


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_outsider_never_sees_another_vendors_contacts(
    client_for, outsider, vendor_a, contact_a, contact_b, name
):
    response = client_for(outsider).get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    assert contact_a.email not in body
    assert contact_a.name not in body
    assert vendor_a.name not in body


def test_member_sees_own_contacts_and_certificates_only(
    client_for, member, vendor_a, contact_a, contact_b
):
    CertificationFactory(vendor=vendor_a, number="EMS-AAA")
    CertificationFactory(vendor=contact_b.vendor, number="EMS-BBB")
    response = client_for(member).get(reverse("portal:company"))
    assert response.status_code == 200
    body = response.content.decode()
    assert contact_a.email in body
    assert "EMS-AAA" in body
    assert contact_b.email not in body
    assert "EMS-BBB" not in body
    assert reverse("portal:contact_edit", args=[contact_a.pk]) in body


def test_company_page_shows_details_and_effective_certificate_status(client_for, member, vendor_a):
    CertificationFactory(
        vendor=vendor_a,
        number="EMS-OLD",
        issue_date=datetime.date(2020, 1, 1),
        expiry_date=datetime.date(2023, 1, 1),
    )
    body = client_for(member).get(reverse("portal:company")).content.decode()
    assert vendor_a.legal_name in body
    assert "United States of America" in body
    assert vendor_a.naics_code in body
    assert "Accelerators (GPUs, AI chips)" in body
    assert "Expired" in body


# --- Home ---------------------------------------------------------------------------------------


def test_home_empty_state(client_for, member):
    response = client_for(member).get(reverse("portal:home"))
    assert response.status_code == 200
    assert "Nothing needs your attention" in response.content.decode()


def test_home_lists_own_expiring_certificate_not_other_vendors(
    client_for, member, vendor_a, vendor_b
):
    soon = timezone.localdate() + datetime.timedelta(days=20)
    CertificationFactory(vendor=vendor_a, number="EMS-SOON", expiry_date=soon)
    CertificationFactory(vendor=vendor_b, number="EMS-THEIRS", expiry_date=soon)
    body = client_for(member).get(reverse("portal:home")).content.decode()
    assert "EMS-SOON" in body
    assert "EMS-THEIRS" not in body
    assert "Nothing needs your attention" not in body


# --- Contributors -------------------------------------------------------------------------------


def test_contributor_sees_contacts_read_only(client_for, contributor, contact_a):
    body = client_for(contributor).get(reverse("portal:company")).content.decode()
    assert contact_a.email in body
    assert reverse("portal:contact_edit", args=[contact_a.pk]) not in body
    assert reverse("portal:contact_add") not in body


@pytest.mark.parametrize("name", ["portal:contact_edit", "portal:contact_delete"])
def test_contributor_cannot_change_own_vendors_contacts(client_for, contributor, contact_a, name):
    client = client_for(contributor)
    url = reverse(name, args=[contact_a.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, contact_post_data(name="Changed"))
    assert response.status_code == 403
    assert "portal admins" in response.content.decode()
    contact_a.refresh_from_db()
    assert contact_a.name == "Ada Alpha"


def test_contributor_cannot_add_contacts(client_for, contributor, vendor_a):
    response = client_for(contributor).post(
        reverse("portal:contact_add"), contact_post_data(email="new@acme.example")
    )
    assert response.status_code == 403
    assert not VendorContact.objects.filter(email="new@acme.example").exists()


# --- Vendor admins edit contacts ----------------------------------------------------------------


def test_add_contact_records_the_vendor_user(client_for, member, vendor_a):
    response = client_for(member).post(
        reverse("portal:contact_add"),
        contact_post_data(name="Carla Charlie", email="Carla@Acme.example"),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("portal:company")
    assert "Carla Charlie was added" in response.content.decode()
    contact = VendorContact.objects.get(vendor=vendor_a, email="carla@acme.example")
    assert contact.history.get().history_user == member
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.CREATED, target_id=str(contact.pk))
    assert event.actor == member


def test_edit_contact_creates_history_by_the_vendor_user(client_for, member, contact_a):
    response = client_for(member).post(
        reverse("portal:contact_edit", args=[contact_a.pk]),
        contact_post_data(role="Head of ESG"),
    )
    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert contact_a.role == "Head of ESG"
    latest = contact_a.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == member


def test_edit_form_is_prefilled_and_accessible(client_for, member, contact_a):
    body = client_for(member).get(reverse("portal:contact_edit", args=[contact_a.pk])).content
    body = body.decode()
    assert 'value="ada@acme.example"' in body
    assert '<label for="id_email"' in body
    assert 'aria-describedby="id_role_helptext"' in body


def test_invalid_email_names_the_field_and_stores_nothing(client_for, member, contact_a):
    client = client_for(member)
    response = client.post(
        reverse("portal:contact_edit", args=[contact_a.pk]),
        contact_post_data(email="not-an-email", role="Changed"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert '<a href="#id_email">Email: Enter a valid email address.</a>' in body
    assert 'aria-invalid="true"' in body
    contact_a.refresh_from_db()
    assert (contact_a.email, contact_a.role) == ("ada@acme.example", "Sustainability lead")
    assert contact_a.history.count() == 1

    response = client.post(reverse("portal:contact_add"), contact_post_data(email="nope"))
    assert response.status_code == 200
    assert VendorContact.objects.count() == 1


def test_duplicate_email_within_the_vendor_is_refused_on_the_email_field(
    client_for, member, vendor_a, contact_a
):
    response = client_for(member).post(
        reverse("portal:contact_add"), contact_post_data(name="Twin", email="ADA@acme.example")
    )
    assert response.status_code == 200
    assert "already has a contact with this email" in response.content.decode()
    assert VendorContact.objects.filter(vendor=vendor_a).count() == 1


def test_same_email_at_another_vendor_is_allowed(client_for, member, vendor_a, contact_b):
    response = client_for(member).post(
        reverse("portal:contact_add"), contact_post_data(name="Bert", email=contact_b.email)
    )
    assert response.status_code == 302
    assert VendorContact.objects.filter(vendor=vendor_a, email=contact_b.email).exists()


def test_delete_asks_for_confirmation_then_deletes_on_post(client_for, member, contact_a):
    client = client_for(member)
    url = reverse("portal:contact_delete", args=[contact_a.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Remove Ada Alpha?" in response.content.decode()
    assert VendorContact.objects.filter(pk=contact_a.pk).exists()

    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:company")
    assert "Ada Alpha was removed" in response.content.decode()
    assert not VendorContact.objects.filter(pk=contact_a.pk).exists()
    deletion = VendorContact.history.filter(id=contact_a.pk).latest()
    assert deletion.history_type == "-"
    assert deletion.history_user == member
