"""The vendor master in the Django admin, as an officer and as a read-only auditor uses it."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.models import AuditEvent
from vendors.models import Certification, Vendor, VendorContact, VendorInvitation
from vendors.services import vendor_contact_invite, vendor_update
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorContactFactory,
    VendorFactory,
    VendorMembershipFactory,
)

VALID_LEI = "5493001KJTIIGC8Y1R12"


def vendor_form(**overrides):
    """The admin add/change form as a browser posts it, with empty contact and certificate rows."""
    data = {
        "name": "Polar Vault Colocation",
        "legal_name": "Polar Vault ehf.",
        "country": "IS",
        "category": "colocation",
        "status": "active",
        "naics_code": "518210",
        "lei": "",
        "tax_id": "",
        "website": "",
        "relationship_owner": "",
    }
    for prefix in ("contacts", "certifications"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def _stored():
    return (
        Vendor.objects.count(),
        Vendor.history.count(),
        VendorContact.objects.count(),
        AuditEvent.objects.count(),
    )


# --- officer: add and change ----------------------------------------------------------------


def test_officer_adds_a_vendor_with_a_contact_and_history_names_the_officer(client_for, officer):
    client = client_for(officer)
    data = vendor_form(
        relationship_owner=str(officer.pk),
        lei=VALID_LEI.lower(),
        **{
            "contacts-TOTAL_FORMS": "1",
            "contacts-0-name": "Sigrún Jónsdóttir",
            "contacts-0-email": "Sigrun@Polar-Vault.example",
            "contacts-0-role": "Site lead",
            "contacts-0-receives_reminders": "on",
            "contacts-0-language": "en",
        },
    )

    response = client.post(reverse("admin:vendors_vendor_add"), data)

    assert response.status_code == 302, response.context["errors"]
    vendor = Vendor.objects.get(name="Polar Vault Colocation")
    assert vendor.lei == VALID_LEI
    assert vendor.relationship_owner == officer
    record = vendor.history.get()
    assert record.history_user == officer
    assert record.history_change_reason == "vendor added in the admin"
    contact = vendor.contacts.get()
    assert contact.email == "sigrun@polar-vault.example"
    assert contact.history.get().history_user == officer
    assert AuditEvent.objects.filter(actor=officer, verb="created").count() == 2


def test_officer_changes_a_vendor_and_one_history_row_is_added(client_for, officer):
    vendor = VendorFactory(
        name="Polar Vault Colocation",
        legal_name="Polar Vault ehf.",
        country="IS",
        category="colocation",
        naics_code="518210",
    )
    client = client_for(officer)

    response = client.post(
        reverse("admin:vendors_vendor_change", args=[vendor.pk]),
        vendor_form(status="suspended"),
    )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.status == "suspended"
    latest = vendor.history.first()
    assert (latest.history_type, latest.history_user) == ("~", officer)
    assert latest.history_change_reason == "vendor changed in the admin"
    event = AuditEvent.objects.get(verb="updated")
    assert event.actor == officer
    assert event.details == {"fields": ["status"]}


def test_saving_an_unchanged_vendor_adds_no_history(client_for, officer):
    vendor = VendorFactory(
        name="Polar Vault Colocation",
        legal_name="Polar Vault ehf.",
        country="IS",
        category="colocation",
        naics_code="518210",
    )
    before = vendor.history.count()

    response = client_for(officer).post(
        reverse("admin:vendors_vendor_change", args=[vendor.pk]), vendor_form()
    )

    assert response.status_code == 302
    assert vendor.history.count() == before
    assert not AuditEvent.objects.exists()


def test_inline_certificate_added_on_the_vendor_page_goes_through_the_service(client_for, officer):
    vendor = VendorFactory(
        name="Polar Vault Colocation",
        legal_name="Polar Vault ehf.",
        country="IS",
        category="colocation",
        naics_code="518210",
    )
    data = vendor_form(
        **{
            "certifications-TOTAL_FORMS": "1",
            "certifications-0-kind": "iso_50001",
            "certifications-0-number": "ENMS-1",
            "certifications-0-certification_body": "BSI",
            "certifications-0-issue_date": "2025-01-01",
            "certifications-0-expiry_date": "2027-12-31",
            "certifications-0-status": "valid",
        }
    )

    response = client_for(officer).post(
        reverse("admin:vendors_vendor_change", args=[vendor.pk]), data
    )

    assert response.status_code == 302
    cert = vendor.certifications.get()
    assert cert.history.get().history_user == officer
    assert AuditEvent.objects.get(verb="created").target_id == str(cert.pk)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lei", "5493001KJTIIGC8Y1R17", "check digits fail"),
        ("naics_code", "33441A", "exactly six digits"),
        ("country", "XX", "Select a valid choice"),
    ],
)
def test_invalid_value_is_shown_next_to_its_field_and_nothing_is_stored(
    client_for, officer, field, value, message
):
    before = _stored()

    response = client_for(officer).post(
        reverse("admin:vendors_vendor_add"), vendor_form(**{field: value})
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    body = response.content.decode()
    row = body.split(f'class="form-row errors field-{field}">')[1].split('class="form-row')[0]
    assert 'class="errorlist' in row and message in row
    assert "Please correct the error below." in body
    assert _stored() == before


def test_duplicate_name_in_another_case_is_an_error_on_the_name(client_for, officer):
    VendorFactory(name="Polar Vault Colocation")
    before = _stored()

    response = client_for(officer).post(
        reverse("admin:vendors_vendor_add"), vendor_form(name="POLAR VAULT colocation")
    )

    assert response.status_code == 200
    assert "already exists" in " ".join(response.context["adminform"].form.errors["name"])
    assert _stored() == before


def test_a_contact_listed_twice_is_an_error_and_nothing_is_stored(client_for, officer):
    data = vendor_form(
        **{
            "contacts-TOTAL_FORMS": "2",
            "contacts-0-name": "A",
            "contacts-0-email": "same@polar.example",
            "contacts-0-language": "en",
            "contacts-1-name": "B",
            "contacts-1-email": "SAME@polar.example",
            "contacts-1-language": "en",
        }
    )
    before = _stored()

    response = client_for(officer).post(reverse("admin:vendors_vendor_add"), data)

    assert response.status_code == 200
    assert "listed twice" in response.content.decode()
    assert _stored() == before


# --- changelist -----------------------------------------------------------------------------


@pytest.fixture
def three_vendors(db):
    return [
        VendorFactory(name="Northwind Accelerators", lei=VALID_LEI, tax_id="DE123"),
        VendorFactory(name="Cirrus Harbor Cloud", category="cloud", naics_code="518210"),
        VendorFactory(
            name="Swiftpost Express",
            legal_name="Swiftpost Express GmbH",
            category="logistics",
            naics_code="492110",
            country="DE",
            status="prospect",
        ),
    ]


def _listed(response):
    return {vendor.name for vendor in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "northwind"}, {"Northwind Accelerators"}),
        ({"q": "GmbH"}, {"Swiftpost Express"}),  # legal name
        ({"q": VALID_LEI}, {"Northwind Accelerators"}),
        ({"q": "DE123"}, {"Northwind Accelerators"}),  # tax id
        ({"category": "cloud"}, {"Cirrus Harbor Cloud"}),
        ({"status": "prospect"}, {"Swiftpost Express"}),
        ({"country": "DE"}, {"Swiftpost Express"}),
        ({}, {"Northwind Accelerators", "Cirrus Harbor Cloud", "Swiftpost Express"}),
    ],
)
def test_changelist_search_and_filters(client_for, officer, three_vendors, query, expected):
    response = client_for(officer).get(reverse("admin:vendors_vendor_changelist"), query)

    assert response.status_code == 200
    assert _listed(response) == expected


def test_changelist_shows_counts_and_owner(client_for, officer):
    vendor = VendorFactory(name="Northwind Accelerators", relationship_owner=officer)
    VendorContactFactory.create_batch(3, vendor=vendor)
    CertificationFactory.create_batch(2, vendor=vendor)

    response = client_for(officer).get(reverse("admin:vendors_vendor_changelist"))

    row = response.context["cl"].result_list[0]
    assert (row.contact_count, row.certification_count, row.member_count) == (3, 2, 0)
    body = response.content.decode()
    assert '<td class="field-contact_count">3</td>' in body
    assert '<td class="field-relationship_owner nowrap">officer</td>' in body


def _make_vendors(n, owner):
    for _ in range(n):
        vendor = VendorFactory(relationship_owner=owner)
        VendorContactFactory(vendor=vendor)
        CertificationFactory(vendor=vendor)
        VendorMembershipFactory(vendor=vendor)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:vendors_vendor_changelist",
        "admin:vendors_vendorcontact_changelist",
        "admin:vendors_certification_changelist",
        "admin:vendors_vendormembership_changelist",
        "admin:vendors_vendorinvitation_changelist",
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(client_for, officer, url_name):
    client = client_for(officer)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(url_name)).status_code == 200
        return len(captured)

    _make_vendors(3, officer)
    for contact in VendorContact.objects.all():
        vendor_contact_invite(actor=officer, contact=contact)
    small = queries()
    _make_vendors(27, officer)
    for contact in VendorContact.objects.filter(invitations__isnull=True):
        vendor_contact_invite(actor=officer, contact=contact)
    assert Vendor.objects.count() == 30
    assert queries() == small


# --- invitations ----------------------------------------------------------------------------


@pytest.fixture
def contacts(vendor_a):
    return [
        VendorContactFactory(vendor=vendor_a, name="Ada", email="ada@acme.example"),
        VendorContactFactory(vendor=vendor_a, name="Bea", email="bea@acme.example"),
        VendorContactFactory(
            vendor=vendor_a, name="Cy", email="cy@acme.example", user=UserFactory()
        ),
    ]


def _invite_action(client, contacts, role="admin"):
    return client.post(
        reverse("admin:vendors_vendorcontact_changelist"),
        {
            "action": "invite_to_portal",
            "role": role,
            ACTION_CHECKBOX_NAME: [str(c.pk) for c in contacts],
            "index": "0",
        },
        follow=True,
    )


def test_bulk_invite_queues_a_task_per_contact_without_an_account(
    client_for, officer, contacts, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = client_for(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite_action(client, contacts)

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Queued 2 invitations") for m in shown), shown
    assert any(
        "Skipped 1 contact that already have a portal account: cy@acme.example" in m for m in shown
    ), shown
    invitations = VendorInvitation.objects.order_by("contact__name")
    assert [(i.contact.name, i.role, i.invited_by) for i in invitations] == [
        ("Ada", "admin", officer),
        ("Bea", "admin", officer),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@acme.example", "bea@acme.example"]
    assert invitations[0].history.get().history_user == officer


def test_bulk_invite_action_is_offered_with_a_role_choice(client_for, officer, contacts):
    response = client_for(officer).get(reverse("admin:vendors_vendorcontact_changelist"))

    body = response.content.decode()
    assert "Invite selected contacts to the portal" in body
    assert 'name="role"' in body
    assert "Portal role for invitations" in body


def test_invite_view_confirms_before_sending(client_for, officer, contacts):
    contact = contacts[0]
    url = reverse("admin:vendors_vendorcontact_invite", args=[contact.pk])

    response = client_for(officer).get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "ada@acme.example" in body
    assert "expires after 7 days" in body
    assert '<label for="id_role"' in body
    assert not VendorInvitation.objects.exists()
    assert mail.outbox == []


def test_invite_view_sends_on_post_and_shows_the_expiry(
    client_for, officer, contacts, django_capture_on_commit_callbacks
):
    contact = contacts[0]
    url = reverse("admin:vendors_vendorcontact_invite", args=[contact.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(officer).post(url, {"role": "contributor"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "admin:vendors_vendorcontact_change", args=[contact.pk]
    )
    invitation = VendorInvitation.objects.get(contact=contact)
    assert (invitation.role, invitation.invited_by) == ("contributor", officer)
    expiry = timezone.localtime(invitation.expires_at)
    assert f"expires on {expiry:%d %B %Y}" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["ada@acme.example"]]


def test_contact_page_links_to_the_invite_view(client_for, officer, contacts):
    invite_url = reverse("admin:vendors_vendorcontact_invite", args=[contacts[0].pk])

    response = client_for(officer).get(
        reverse("admin:vendors_vendorcontact_change", args=[contacts[0].pk])
    )

    assert invite_url in response.content.decode()


def test_contact_with_an_account_is_not_invited_again(client_for, officer, contacts):
    contact = contacts[2]
    url = reverse("admin:vendors_vendorcontact_invite", args=[contact.pk])

    response = client_for(officer).post(url, {"role": "admin"}, follow=True)

    assert "already has a portal account" in response.content.decode()
    assert not VendorInvitation.objects.exists()


def test_invitation_list_shows_derived_states(client_for, officer, contacts):
    vendor_contact_invite(actor=officer, contact=contacts[0])
    old, _ = vendor_contact_invite(actor=officer, contact=contacts[1])
    vendor_contact_invite(actor=officer, contact=contacts[1])
    VendorInvitation.objects.filter(contact=contacts[0]).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    client = client_for(officer)
    url = reverse("admin:vendors_vendorinvitation_changelist")

    body = client.get(url).content.decode()
    assert body.count('<td class="field-state">Expired</td>') == 1
    assert body.count('<td class="field-state">Revoked</td>') == 1
    assert body.count('<td class="field-state">Pending</td>') == 1
    revoked = client.get(url, {"state": "revoked"}).context["cl"].result_list
    assert [i.pk for i in revoked] == [old.pk]
    assert client.get(reverse("admin:vendors_vendorinvitation_add")).status_code == 403


# --- certifications -------------------------------------------------------------------------


def test_certificate_filter_by_effective_status(client_for, officer, vendor_a):
    today = timezone.localdate()
    CertificationFactory(vendor=vendor_a, number="OLD", expiry_date=today - datetime.timedelta(1))
    CertificationFactory(vendor=vendor_a, number="SOON", expiry_date=today + datetime.timedelta(30))
    CertificationFactory(
        vendor=vendor_a, number="LATER", expiry_date=today + datetime.timedelta(400)
    )
    CertificationFactory(vendor=vendor_a, number="SUSP", status="suspended")
    CertificationFactory(vendor=vendor_a, number="GONE", status="withdrawn")
    client = client_for(officer)
    url = reverse("admin:vendors_certification_changelist")

    def listed(state):
        response = client.get(url, {"effective_status": state})
        return {c.number for c in response.context["cl"].result_list}

    assert listed("expired") == {"OLD"}
    assert listed("expiring") == {"SOON"}
    assert listed("valid") == {"SOON", "LATER"}
    assert listed("suspended") == {"SUSP"}
    assert listed("withdrawn") == {"GONE"}
    body = client.get(url).content.decode()
    assert "expires in 30 days" in body
    assert '<td class="field-effective_status">Expired</td>' in body


def test_certificate_added_in_the_admin_is_attributed(client_for, officer, vendor_a):
    response = client_for(officer).post(
        reverse("admin:vendors_certification_add"),
        {
            "vendor": str(vendor_a.pk),
            "kind": "iso_14001",
            "number": "EMS-9",
            "issue_date": "2025-02-01",
            "expiry_date": "2025-01-01",
            "status": "valid",
        },
    )

    assert response.status_code == 200
    assert "must not be before the issue date" in response.content.decode()
    assert not Certification.objects.exists()


def test_certificate_deleted_in_the_admin_leaves_history_and_an_audit_event(
    client_for, officer, vendor_a
):
    cert = CertificationFactory(vendor=vendor_a)
    url = reverse("admin:vendors_certification_delete", args=[cert.pk])

    response = client_for(officer).post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Certification.objects.exists()
    deleted = Certification.history.filter(id=cert.pk, history_type="-").get()
    assert deleted.history_user == officer
    event = AuditEvent.objects.get(vendor=vendor_a)
    assert event.details["removed_certification"]["number"] == cert.number


# --- auditor: read-only ---------------------------------------------------------------------


def test_auditor_reads_vendors_but_cannot_add_change_or_delete(client_for, auditor, vendor_a):
    client = client_for(auditor)
    change_url = reverse("admin:vendors_vendor_change", args=[vendor_a.pk])
    before = _stored()

    assert client.get(reverse("admin:vendors_vendor_changelist")).status_code == 200
    assert client.get(change_url).status_code == 200  # Django's read-only view
    assert client.get(reverse("admin:vendors_vendor_add")).status_code == 403
    assert client.post(reverse("admin:vendors_vendor_add"), vendor_form()).status_code == 403
    assert client.post(change_url, vendor_form(name="Renamed")).status_code == 403
    delete_url = reverse("admin:vendors_vendor_delete", args=[vendor_a.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert _stored() == before


def test_auditor_cannot_revert_through_the_history_form(client_for, auditor, officer, vendor_a):
    vendor_update(actor=officer, vendor=vendor_a, status="suspended")
    first = vendor_a.history.last()
    url = reverse("admin:vendors_vendor_simple_history", args=[vendor_a.pk, first.history_id])
    client = client_for(auditor)

    assert client.get(url).status_code == 200
    assert client.post(url, vendor_form(name=vendor_a.name)).status_code == 403
    vendor_a.refresh_from_db()
    assert vendor_a.status == "suspended"


def test_auditor_gets_403_on_the_invite_view_and_action(client_for, auditor, contacts):
    client = client_for(auditor)
    url = reverse("admin:vendors_vendorcontact_invite", args=[contacts[0].pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"role": "admin"}).status_code == 403
    assert _invite_action(client, contacts).status_code == 403
    changelist = client.get(reverse("admin:vendors_vendorcontact_changelist")).content.decode()
    assert "Invite selected contacts" not in changelist
    change = client.get(reverse("admin:vendors_vendorcontact_change", args=[contacts[0].pk]))
    assert url not in change.content.decode()
    assert not VendorInvitation.objects.exists()
    assert mail.outbox == []


# --- other pages ----------------------------------------------------------------------------


def test_officer_revert_goes_through_the_service(client_for, officer):
    vendor = VendorFactory(
        name="Polar Vault Colocation",
        legal_name="Polar Vault ehf.",
        country="IS",
        category="colocation",
        naics_code="518210",
        status="active",
    )
    vendor_update(actor=officer, vendor=vendor, status="suspended")
    original = vendor.history.last()
    url = reverse("admin:vendors_vendor_simple_history", args=[vendor.pk, original.history_id])

    response = client_for(officer).post(url, vendor_form(status="active"))

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.status == "active"
    latest = vendor.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        officer,
        "vendor changed in the admin",
    )
    assert AuditEvent.objects.filter(verb="updated", actor=officer).count() == 2


def test_contact_added_on_its_own_page_goes_through_the_service(client_for, officer, vendor_a):
    VendorContactFactory(vendor=vendor_a, email="taken@acme.example")
    client = client_for(officer)
    url = reverse("admin:vendors_vendorcontact_add")
    data = {"vendor": str(vendor_a.pk), "name": "Ada", "role": "", "language": "en"}

    duplicate = client.post(url, {**data, "email": "TAKEN@acme.example"})
    assert duplicate.status_code == 200
    assert "already has a contact with the email" in " ".join(
        duplicate.context["adminform"].form.errors["email"]
    )

    response = client.post(url, {**data, "email": "Ada@Acme.example"})
    assert response.status_code == 302
    contact = VendorContact.objects.get(email="ada@acme.example")
    assert contact.history.get().history_user == officer


def test_membership_role_change_is_attributed_and_audited(client_for, officer, member):
    membership = member.vendor_membership
    url = reverse("admin:vendors_vendormembership_change", args=[membership.pk])

    response = client_for(officer).post(url, {"role": "contributor"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "contributor"
    latest = membership.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        officer,
        "portal role changed in the admin",
    )
    event = AuditEvent.objects.get(verb="updated")
    assert event.details == {"role": {"from": "admin", "to": "contributor"}}


@pytest.mark.parametrize("persona", ["officer", "auditor"])
def test_every_vendor_admin_page_renders(request, client_for, persona, member):
    user = request.getfixturevalue(persona)
    vendor = member.vendor_membership.vendor
    contact = VendorContactFactory(vendor=vendor)
    cert = CertificationFactory(vendor=vendor)
    officer = request.getfixturevalue("officer")
    invitation, _ = vendor_contact_invite(actor=officer, contact=contact)
    client = client_for(user)
    objects = {
        "vendor": vendor,
        "vendorcontact": contact,
        "certification": cert,
        "vendormembership": member.vendor_membership,
        "vendorinvitation": invitation,
    }
    for model, obj in objects.items():
        for name, args in (
            ("changelist", []),
            ("change", [obj.pk]),
            ("history", [obj.pk]),
        ):
            url = reverse(f"admin:vendors_{model}_{name}", args=args)
            assert client.get(url).status_code == 200, url
