"""/api/v1/ vendor endpoints: roles, the tenant boundary, validation, tokens, paging, queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.testing import otp_verified_login
from assurance.models import AuditEvent
from conftest import PASSWORD
from vendors.models import Certification, Vendor, VendorContact, VendorMembership
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorContactFactory,
    VendorFactory,
    VendorMembershipFactory,
)

VALID_LEI = "5493001KJTIIGC8Y1R12"  # Bloomberg Finance L.P., a published LEI

ENDPOINTS = ["api-vendor", "api-vendorcontact", "api-certification"]


@pytest.fixture
def api():
    def _as(user=None):
        client = APIClient()
        if user is not None:
            otp_verified_login(client, user)
        return client

    return _as


@pytest.fixture
def contributor(vendor_a):
    return VendorMembershipFactory(
        user=UserFactory(username="contributor"),
        vendor=vendor_a,
        role=VendorMembership.Role.CONTRIBUTOR,
    ).user


@pytest.fixture
def rows(vendor_a, vendor_b):
    """A contact and a certification for each of the two vendors."""
    return {
        "contact_a": VendorContactFactory(vendor=vendor_a),
        "contact_b": VendorContactFactory(vendor=vendor_b),
        "cert_a": CertificationFactory(vendor=vendor_a),
        "cert_b": CertificationFactory(vendor=vendor_b),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _detail(name, pk):
    return reverse(f"{name}-detail", kwargs={"pk": pk})


def _list(name):
    return reverse(f"{name}-list")


def _vendor_payload(**overrides):
    payload = {
        "name": "Cobalt Cloud",
        "legal_name": "Cobalt Cloud GmbH",
        "country": "DE",
        "naics_code": "518210",
        "category": "cloud",
        "status": "prospect",
        "lei": VALID_LEI,
    }
    payload.update(overrides)
    return payload


# --- staff -----------------------------------------------------------------------------------


def test_officer_creates_and_updates_vendor_with_history_naming_them(api, officer):
    client = api(officer)

    created = client.post(_list("api-vendor"), _vendor_payload(), format="json")
    assert created.status_code == 201, created.content
    vendor = Vendor.objects.get(pk=created.json()["id"])
    assert vendor.country == "DE"
    record = vendor.history.latest()
    assert record.history_type == "+"
    assert record.history_user == officer
    assert record.history_change_reason == "created through the API"

    changed = client.patch(_detail("api-vendor", vendor.pk), {"status": "active"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "active"
    record = vendor.history.latest()
    assert (record.history_type, record.history_user, record.status) == ("~", officer, "active")
    assert AuditEvent.objects.filter(
        actor=officer, verb=AuditEvent.Verb.UPDATED, target_id=str(vendor.pk)
    ).exists()


def test_vendors_cannot_be_deleted_only_offboarded(api, officer, vendor_a):
    response = api(officer).delete(_detail("api-vendor", vendor_a.pk))
    assert response.status_code == 405
    assert Vendor.objects.filter(pk=vendor_a.pk).exists()


def test_officer_contact_crud_records_history(api, officer, vendor_a):
    client = api(officer)
    created = client.post(
        _list("api-vendorcontact"),
        {"vendor": vendor_a.pk, "name": "Ada Lovelace", "email": "Ada@Acme.example"},
        format="json",
    )
    assert created.status_code == 201, created.content
    contact = VendorContact.objects.get(pk=created.json()["id"])
    assert (contact.vendor, contact.email) == (vendor_a, "ada@acme.example")
    assert contact.history.latest().history_user == officer

    response = client.put(
        _detail("api-vendorcontact", contact.pk),
        {"vendor": vendor_a.pk, "name": "Ada King", "email": "ada@acme.example", "role": "CSO"},
        format="json",
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.name, contact.role) == ("Ada King", "CSO")

    response = client.delete(_detail("api-vendorcontact", contact.pk))
    assert response.status_code == 204
    assert not VendorContact.objects.filter(pk=contact.pk).exists()
    deleted = VendorContact.history.filter(id=contact.pk, history_type="-").get()
    assert deleted.history_user == officer


def test_officer_certification_crud_shows_effective_status(api, officer, vendor_a):
    client = api(officer)
    created = client.post(
        _list("api-certification"),
        {
            "vendor": vendor_a.pk,
            "kind": "iso_14001",
            "number": "EMS 123",
            "issue_date": "2020-01-01",
            "expiry_date": "2023-01-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["effective_status"]) == ("valid", "expired")
    cert = Certification.objects.get(pk=body["id"])
    assert cert.history.latest().history_user == officer

    response = client.patch(
        _detail("api-certification", cert.pk), {"expiry_date": "2099-01-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["effective_status"] == "valid"
    assert cert.history.latest().history_change_reason == "updated through the API"

    assert client.delete(_detail("api-certification", cert.pk)).status_code == 204
    assert not Certification.objects.filter(pk=cert.pk).exists()
    assert Certification.history.filter(id=cert.pk, history_type="-").get().history_user == officer


def test_certification_expiry_before_issue_is_refused(api, officer, vendor_a):
    response = api(officer).post(
        _list("api-certification"),
        {
            "vendor": vendor_a.pk,
            "kind": "epeat",
            "issue_date": "2024-05-01",
            "expiry_date": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "expiry_date" in response.json()
    assert not Certification.objects.exists()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lei", "5493001KJTIIGC8Y1R13"),  # check digits off by one
        ("lei", "TOO-SHORT"),
        ("country", "XX"),
        ("country", "Germany"),
        ("naics_code", "33441"),
        ("naics_code", "33441A"),
    ],
)
def test_invalid_vendor_field_is_named_and_nothing_stored(api, officer, vendor_a, field, value):
    client = api(officer)
    response = client.post(_list("api-vendor"), _vendor_payload(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Vendor.objects.filter(name="Cobalt Cloud").exists()

    response = client.patch(_detail("api-vendor", vendor_a.pk), {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    vendor_a.refresh_from_db()
    assert str(getattr(vendor_a, field)) != value
    assert vendor_a.history.count() == 1


def test_duplicate_vendor_name_is_refused_regardless_of_case(api, officer, vendor_a):
    response = api(officer).post(
        _list("api-vendor"), _vendor_payload(name=vendor_a.name.upper()), format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()
    assert Vendor.objects.filter(name__iexact=vendor_a.name).count() == 1


def test_duplicate_contact_email_is_refused(api, officer, rows, vendor_a):
    response = api(officer).post(
        _list("api-vendorcontact"),
        {"vendor": vendor_a.pk, "name": "Twin", "email": rows["contact_a"].email.upper()},
        format="json",
    )
    assert response.status_code == 400
    assert "email" in response.json()
    assert vendor_a.contacts.count() == 1


# --- the tenant boundary ---------------------------------------------------------------------


def test_member_lists_only_their_vendor(api, member, vendor_a, vendor_b, rows):
    client = api(member)
    assert _ids(client.get(_list("api-vendor"))) == {vendor_a.pk}
    assert _ids(client.get(_list("api-vendorcontact"))) == {rows["contact_a"].pk}
    assert _ids(client.get(_list("api-certification"))) == {rows["cert_a"].pk}
    # Filtering by the other vendor's id finds nothing rather than an error that confirms it.
    response = client.get(_list("api-certification"), {"vendor": vendor_b.pk})
    assert _ids(response) == set()
    assert response.json()["count"] == 0


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_member_gets_404_for_other_vendors_objects(api, member, vendor_b, rows, method):
    client = api(member)
    targets = [
        ("api-vendor", vendor_b.pk),
        ("api-vendorcontact", rows["contact_b"].pk),
        ("api-certification", rows["cert_b"].pk),
    ]
    for name, pk in targets:
        if name == "api-vendor" and method == "delete":
            continue  # no endpoint deletes vendors: 405 for everyone, whatever the id
        response = getattr(client, method)(_detail(name, pk), {"name": "Mine now"}, format="json")
        assert response.status_code == 404, (name, method, response.status_code)
    rows["contact_b"].refresh_from_db()
    assert rows["contact_b"].name != "Mine now"
    assert VendorContact.objects.filter(pk=rows["contact_b"].pk).exists()


def test_member_posting_other_vendor_id_never_creates_under_it(api, member, vendor_a, vendor_b):
    client = api(member)
    response = client.post(
        _list("api-vendorcontact"),
        {"vendor": vendor_b.pk, "name": "Intruder", "email": "intruder@example.com"},
        format="json",
    )
    # Answered like an id that does not exist, so it also reveals nothing about vendor_b.
    assert response.status_code == 400
    assert "vendor" in response.json()
    assert not vendor_b.contacts.exists()

    response = client.post(
        _list("api-certification"),
        {"vendor": vendor_b.pk, "kind": "sbti", "issue_date": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert not vendor_b.certifications.exists()


def test_vendor_admin_creates_and_edits_own_contacts(api, member, vendor_a):
    client = api(member)
    response = client.post(
        _list("api-vendorcontact"), {"name": "Grace", "email": "grace@acme.example"}, format="json"
    )
    assert response.status_code == 201, response.content
    contact = VendorContact.objects.get(pk=response.json()["id"])
    assert contact.vendor == vendor_a
    assert contact.history.latest().history_user == member

    response = client.patch(_detail("api-vendorcontact", contact.pk), {"role": "Head of ESG"})
    assert response.status_code == 200
    assert client.delete(_detail("api-vendorcontact", contact.pk)).status_code == 204
    assert not VendorContact.objects.filter(pk=contact.pk).exists()

    response = client.post(
        _list("api-certification"),
        {"vendor": vendor_a.pk, "kind": "iso_50001", "issue_date": "2024-02-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Certification.objects.get(pk=response.json()["id"]).vendor == vendor_a


def test_vendor_admin_cannot_edit_vendor_or_delete_certifications(api, member, vendor_a, rows):
    client = api(member)
    response = client.patch(_detail("api-vendor", vendor_a.pk), {"status": "suspended"})
    assert response.status_code == 403
    assert client.post(_list("api-vendor"), _vendor_payload(), format="json").status_code == 403
    assert client.delete(_detail("api-certification", rows["cert_a"].pk)).status_code == 403
    vendor_a.refresh_from_db()
    assert vendor_a.status == Vendor.Status.ACTIVE
    assert Certification.objects.filter(pk=rows["cert_a"].pk).exists()


def test_contributor_reads_but_cannot_write_own_vendor(api, contributor, vendor_a, rows):
    client = api(contributor)
    assert _ids(client.get(_list("api-vendorcontact"))) == {rows["contact_a"].pk}
    contact, cert = rows["contact_a"], rows["cert_a"]
    attempts = [
        ("post", _list("api-vendorcontact"), {"name": "X", "email": "x@acme.example"}),
        ("put", _detail("api-vendorcontact", contact.pk), {"name": "X", "email": "x@acme.example"}),
        ("patch", _detail("api-vendorcontact", contact.pk), {"name": "X"}),
        ("delete", _detail("api-vendorcontact", contact.pk), None),
        ("post", _list("api-certification"), {"kind": "epeat", "issue_date": "2024-01-01"}),
        ("patch", _detail("api-certification", cert.pk), {"number": "X"}),
        ("patch", _detail("api-vendor", vendor_a.pk), {"name": "X"}),
    ]
    for method, url, data in attempts:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 403, (method, url, response.status_code)
    contact.refresh_from_db()
    assert contact.name != "X"
    assert vendor_a.contacts.count() == 1


def test_user_without_vendor_or_staff_role_sees_nothing(api, rows):
    client = api(UserFactory(username="drifter"))
    for name in ENDPOINTS:
        assert client.get(_list(name)).status_code == 403


def test_anonymous_is_refused(api, rows):
    client = api()
    for name in ENDPOINTS:
        assert client.get(_list(name)).status_code in (401, 403)


# --- auditors --------------------------------------------------------------------------------


def test_auditor_reads_everything_and_changes_nothing(api, auditor, vendor_a, rows):
    client = api(auditor)
    assert _ids(client.get(_list("api-vendor"))) >= {vendor_a.pk, rows["contact_b"].vendor_id}
    assert _ids(client.get(_list("api-vendorcontact"))) == {
        rows["contact_a"].pk,
        rows["contact_b"].pk,
    }
    assert _ids(client.get(_list("api-certification"))) == {rows["cert_a"].pk, rows["cert_b"].pk}

    objects = {
        "api-vendor": vendor_a.pk,
        "api-vendorcontact": rows["contact_a"].pk,
        "api-certification": rows["cert_a"].pk,
    }
    for name, pk in objects.items():
        assert client.get(_detail(name, pk)).status_code == 200
        assert client.post(_list(name), {"name": "X"}, format="json").status_code == 403
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(_detail(name, pk), {"name": "X"}, format="json")
            assert response.status_code == 403, (name, method, response.status_code)
    assert Vendor.objects.count() == 2
    assert VendorContact.objects.count() == 2
    assert Certification.objects.count() == 2


# --- tokens ----------------------------------------------------------------------------------


def test_token_obtained_with_password_authenticates_requests(api, member, rows):
    client = api()
    response = client.post(
        reverse("api-token"), {"username": "member", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert Token.objects.get(user=member).key == token

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert _ids(client.get(_list("api-vendorcontact"))) == {rows["contact_a"].pk}

    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(_list("api-vendorcontact")).status_code in (401, 403)


def test_token_refused_for_wrong_password_and_locked_out_by_axes(api, member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = api()
    url = reverse("api-token")
    for _ in range(3):
        response = client.post(url, {"username": "member", "password": "wrong"}, format="json")
        assert response.status_code in (400, 403)
        assert "token" not in response.json()
    # The right password no longer helps once axes has locked the username out.
    response = client.post(url, {"username": "member", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert "token" not in response.json()
    assert not Token.objects.filter(user=member).exists()


# --- paging, filters, ordering, query counts -------------------------------------------------


def test_lists_are_paginated_with_capped_page_size(api, officer, vendor_a):
    VendorContactFactory.create_batch(5, vendor=vendor_a)
    client = api(officer)
    body = client.get(_list("api-vendorcontact"), {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    assert client.get(_list("api-vendorcontact"), {"page": 9}).status_code == 404

    body = client.get(_list("api-vendorcontact"), {"page_size": 10_000}).json()
    assert len(body["results"]) == 5  # capped at 200, not refused


def test_vendor_filters_search_and_ordering(api, officer):
    VendorFactory(name="Zeta Colo", category="colocation", country="NL", status="prospect")
    VendorFactory(name="Alpha Colo", category="colocation", country="DE", status="active")
    VendorFactory(name="Gamma GPUs", category="accelerators", country="DE", status="active")
    client = api(officer)

    def names(params):
        response = client.get(_list("api-vendor"), params)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names({"category": "colocation"}) == ["Alpha Colo", "Zeta Colo"]
    assert names({"country": "de", "ordering": "-name"}) == ["Gamma GPUs", "Alpha Colo"]
    assert names({"status": "prospect"}) == ["Zeta Colo"]
    assert names({"search": "colo"}) == ["Alpha Colo", "Zeta Colo"]


def test_certification_filters(api, officer, vendor_a, vendor_b):
    expired = CertificationFactory(
        vendor=vendor_a, issue_date=datetime.date(2019, 1, 1), expiry_date=datetime.date(2022, 1, 1)
    )
    soon = CertificationFactory(
        vendor=vendor_a, kind="epeat", expiry_date=datetime.date(2030, 6, 1)
    )
    later = CertificationFactory(vendor=vendor_b, expiry_date=datetime.date(2035, 1, 1))
    withdrawn = CertificationFactory(
        vendor=vendor_b, status="withdrawn", expiry_date=datetime.date(2040, 1, 1)
    )
    client = api(officer)
    url = _list("api-certification")
    assert _ids(client.get(url, {"status": "expired"})) == {expired.pk}
    assert _ids(client.get(url, {"status": "valid"})) == {soon.pk, later.pk}
    assert _ids(client.get(url, {"status": "withdrawn"})) == {withdrawn.pk}
    assert _ids(client.get(url, {"expiring_before": "2031-01-01"})) == {expired.pk, soon.pk}
    assert _ids(client.get(url, {"vendor": vendor_b.pk})) == {later.pk, withdrawn.pk}
    assert _ids(client.get(url, {"kind": "epeat"})) == {soon.pk}
    assert client.get(url, {"expiring_before": "not-a-date"}).status_code == 400


def _list_queries(client, name):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_list(name))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("persona", ["officer", "member"])
def test_list_query_count_does_not_grow_with_rows(api, request, persona, vendor_a):
    client = api(request.getfixturevalue(persona))

    def grow(total):
        while VendorContact.objects.filter(vendor=vendor_a).count() < total:
            VendorContactFactory(vendor=vendor_a)
            CertificationFactory(vendor=vendor_a)
            if persona == "officer":
                VendorFactory()

    grow(3)
    small = {name: _list_queries(client, name) for name in ENDPOINTS}
    grow(30)
    large = {name: _list_queries(client, name) for name in ENDPOINTS}
    for name in ENDPOINTS:
        if not (name == "api-vendor" and persona == "member"):  # a member only ever sees one
            assert large[name][1] > small[name][1]
        assert large[name][0] == small[name][0], (name, small[name], large[name])
