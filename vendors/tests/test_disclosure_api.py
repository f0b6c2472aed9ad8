"""/api/v1/disclosure-requests/, /api/v1/disclosures/ and the certificate workflow on
/api/v1/certifications/ (alias /api/v1/certificates/): roles, the tenant boundary, the submit
conversation (409 for warnings), review, query counts and the schema."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import yaml
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.testing import otp_verified_login
from assurance.demo import demo_pdf
from assurance.models import AuditEvent, EvidenceFile
from vendors.models import (
    Certification,
    DisclosureRequest,
    EmissionsDisclosure,
    VendorMembership,
)
from vendors.services import (
    disclosure_evidence_attach,
    disclosure_request_create,
    disclosure_save_draft,
    disclosure_submit,
)
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorContactFactory,
    VendorMembershipFactory,
)

MINIMAL_PDF = demo_pdf("GHG verification statement")
DUE = datetime.date.today() + datetime.timedelta(days=30)
FIGURES = {
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "scope1_tco2e": "1200.500",
    "scope2_location_tco2e": "3400.000",
    "scope2_market_tco2e": "2100.000",
    "revenue": "50000000.00",
    "revenue_currency": "USD",
}


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
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
def request_a(officer, vendor_a):
    return disclosure_request_create(
        actor=officer, vendor=vendor_a, reporting_year=2025, due_date=DUE
    )


def _draft(member, vendor, request=None, **overrides):
    values = {**FIGURES, **overrides}
    for key, value in values.items():
        if value is None:
            continue
        if key.startswith("period"):
            values[key] = datetime.date.fromisoformat(value)
        elif key.endswith(("tco2e", "revenue")):
            values[key] = Decimal(value)
    return disclosure_save_draft(actor=member, vendor=vendor, request=request, **values)


def _submitted(member, vendor, request=None, **overrides):
    draft = _draft(member, vendor, request, **overrides)
    return disclosure_submit(actor=member, disclosure=draft, confirm_warnings=True)


LIST = reverse("api-disclosure-list")


def _detail(pk, action=None):
    if action:
        return reverse(f"api-disclosure-{action}", kwargs={"pk": pk})
    return reverse("api-disclosure-detail", kwargs={"pk": pk})


# --- drafts and the tenant boundary -----------------------------------------------------------


def test_contributor_starts_a_draft_for_their_own_vendor(
    api, contributor, vendor_a, vendor_b, request_a
):
    response = api(contributor).post(
        LIST, {**FIGURES, "vendor": vendor_b.pk, "request": request_a.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    disclosure = EmissionsDisclosure.objects.get(pk=body["id"])
    # Whatever vendor was posted, the row is the user's own vendor's.
    assert disclosure.vendor == vendor_a
    assert disclosure.request == request_a
    assert disclosure.status == EmissionsDisclosure.Status.DRAFT
    assert body["scope1_tco2e"] == "1200.500"
    assert body["evidence"] == []
    record = disclosure.history.latest("history_date")
    assert record.history_user == contributor
    request_a.refresh_from_db()
    assert request_a.vendor_touched_at is not None


def test_request_of_another_vendor_answers_like_one_that_does_not_exist(
    api, member, officer, vendor_b
):
    other = disclosure_request_create(
        actor=officer, vendor=vendor_b, reporting_year=2025, due_date=DUE
    )

    response = api(member).post(LIST, {**FIGURES, "request": other.pk}, format="json")
    missing = api(member).post(LIST, {**FIGURES, "request": 999_999}, format="json")

    assert response.status_code == missing.status_code == 400
    assert response.json()["request"] == [
        m.replace("999999", str(other.pk)) for m in missing.json()["request"]
    ]
    assert not EmissionsDisclosure.objects.exists()


def test_another_vendors_disclosure_answers_404_on_every_route(api, member, outsider, vendor_a):
    disclosure = _draft(member, vendor_a)
    client = api(outsider)

    assert client.get(_detail(disclosure.pk)).status_code == 404
    assert client.patch(_detail(disclosure.pk), {"scope1_tco2e": "1"}).status_code == 404
    for action in ("submit", "accept", "reject"):
        assert client.post(_detail(disclosure.pk, action), {}).status_code == 404
    assert client.get(LIST).json()["count"] == 0
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.DRAFT


def test_impossible_values_are_refused_naming_the_field(api, member):
    response = api(member).post(
        LIST, {**FIGURES, "scope1_tco2e": "-5", "period_end": "2024-06-30"}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()
    assert "scope1_tco2e" in errors
    assert "period_end" in errors or "non_field_errors" in errors
    assert not EmissionsDisclosure.objects.exists()


# --- submission -------------------------------------------------------------------------------


def test_submit_with_warnings_answers_409_then_200_once_confirmed(
    api, contributor, vendor_a, request_a
):
    # Six months: "period not about 12 months" is a warning the vendor must confirm.
    disclosure = _draft(contributor, vendor_a, request_a, period_end="2025-06-30")
    client = api(contributor)

    unconfirmed = client.post(_detail(disclosure.pk, "submit"), {}, format="json")

    assert unconfirmed.status_code == 409, unconfirmed.content
    warnings = unconfirmed.json()["warnings"]
    assert [w["code"] for w in warnings] == ["period_length"]
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.DRAFT

    confirmed = client.post(
        _detail(disclosure.pk, "submit"), {"confirm_warnings": True}, format="json"
    )

    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    assert body["status"] == "submitted"
    assert body["warnings"] == warnings
    assert body["warnings_confirmed_by"] == "contributor"
    request_a.refresh_from_db()
    assert request_a.status == DisclosureRequest.Status.SUBMITTED
    assert AuditEvent.objects.filter(verb="submitted", target_id=str(disclosure.pk)).exists()

    # Submitted: read-only for the vendor until it is rejected.
    again = client.patch(_detail(disclosure.pk), {"scope1_tco2e": "1"}, format="json")
    assert again.status_code == 400
    assert "status" in again.json()


def test_submit_with_errors_answers_400_by_field(api, member, vendor_a, request_a):
    # The request asks for both Scope 2 methods: market-based alone is an error.
    disclosure = _draft(member, vendor_a, request_a, scope2_location_tco2e=None)

    response = api(member).post(
        _detail(disclosure.pk, "submit"), {"confirm_warnings": True}, format="json"
    )

    assert response.status_code == 400
    assert "scope2_location_tco2e" in response.json()
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.DRAFT


def test_staff_do_not_write_vendor_figures(api, officer, member, vendor_a):
    disclosure = _draft(member, vendor_a)
    client = api(officer)

    assert client.post(LIST, FIGURES, format="json").status_code == 403
    assert client.patch(_detail(disclosure.pk), {"scope1_tco2e": "1"}).status_code == 403
    assert client.post(_detail(disclosure.pk, "submit"), {}).status_code == 403
    disclosure.refresh_from_db()
    assert disclosure.scope1_tco2e == Decimal("1200.500")


# --- review -----------------------------------------------------------------------------------


def test_officer_rejects_with_a_comment_then_accepts_the_resubmission(
    api, officer, member, vendor_a, request_a, django_capture_on_commit_callbacks
):
    VendorContactFactory(vendor=vendor_a, email="lead@acme.example")
    disclosure = _submitted(member, vendor_a, request_a)
    staff = api(officer)
    vendor = api(member)

    no_comment = staff.post(_detail(disclosure.pk, "reject"), {"comment": " "}, format="json")
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()

    with django_capture_on_commit_callbacks(execute=True):
        rejected = staff.post(
            _detail(disclosure.pk, "reject"),
            {"comment": "Revenue is in thousands; give it in units."},
            format="json",
        )
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "rejected"
    assert "Revenue is in thousands" in mail.outbox[-1].body

    seen = vendor.get(_detail(disclosure.pk)).json()
    assert seen["review_comment"] == "Revenue is in thousands; give it in units."
    assert seen["reviewed_by"] == "officer"
    revised = vendor.patch(_detail(disclosure.pk), {"revenue": "51000000.00"}, format="json")
    assert revised.status_code == 200, revised.content
    resubmitted = vendor.post(_detail(disclosure.pk, "submit"), {}, format="json")
    assert resubmitted.status_code == 200, resubmitted.content

    accepted = staff.post(_detail(disclosure.pk, "accept"), {}, format="json")

    assert accepted.status_code == 200, accepted.content
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.ACCEPTED
    assert disclosure.revenue == Decimal("51000000.00")
    statuses = [r.status for r in disclosure.history.order_by("history_date", "history_id")]
    assert statuses[-4:] == ["rejected", "rejected", "submitted", "accepted"]
    # A decision is taken once: an accepted disclosure cannot be rejected afterwards.
    late = staff.post(_detail(disclosure.pk, "reject"), {"comment": "x"}, format="json")
    assert late.status_code == 400


def test_vendor_users_cannot_review_their_own_disclosure(api, member, vendor_a):
    disclosure = _submitted(member, vendor_a)

    response = api(member).post(_detail(disclosure.pk, "accept"), {}, format="json")

    assert response.status_code == 403
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.SUBMITTED


def test_auditor_reads_and_cannot_write(api, auditor, member, vendor_a, request_a):
    disclosure = _submitted(member, vendor_a, request_a)
    client = api(auditor)

    assert client.get(LIST).json()["count"] == 1
    assert client.get(_detail(disclosure.pk)).status_code == 200
    assert client.get(reverse("api-disclosurerequest-list")).json()["count"] == 1
    assert client.post(LIST, FIGURES, format="json").status_code == 403
    for action in ("accept", "reject"):
        response = client.post(_detail(disclosure.pk, action), {"comment": "ok"}, format="json")
        assert response.status_code == 403
    response = client.post(
        reverse("api-disclosurerequest-list"),
        {"vendor": vendor_a.pk, "reporting_year": 2024, "due_date": DUE.isoformat()},
        format="json",
    )
    assert response.status_code == 403
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.SUBMITTED
    assert DisclosureRequest.objects.count() == 1


# --- requests ---------------------------------------------------------------------------------


def test_staff_send_a_request_and_the_vendor_reads_it(
    api, officer, member, outsider, vendor_a, django_capture_on_commit_callbacks
):
    VendorContactFactory(vendor=vendor_a, email="lead@acme.example")
    url = reverse("api-disclosurerequest-list")
    payload = {
        "vendor": vendor_a.pk,
        "reporting_year": 2025,
        "due_date": DUE.isoformat(),
        "ask_scope3_upstream": True,
        "message": "Include upstream Scope 3 if you have it.",
    }

    with django_capture_on_commit_callbacks(execute=True):
        created = api(officer).post(url, payload, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open" and body["ask_scope3_upstream"] is True
    assert body["portal_url"].endswith(f"/portal/disclosures/requests/{body['id']}/")
    assert mail.outbox[0].to == ["lead@acme.example"]
    duplicate = api(officer).post(url, payload, format="json")
    assert duplicate.status_code == 400
    assert "reporting_year" in duplicate.json()

    assert api(member).get(url).json()["count"] == 1
    assert api(outsider).get(url).json()["count"] == 0
    assert api(outsider).get(f"{url}{body['id']}/").status_code == 404
    assert api(member).post(url, payload, format="json").status_code == 403


# --- certificates -----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["api-certification", "api-certificate"])
def test_vendor_admin_uploads_a_certificate_pdf(
    api, member, contributor, vendor_a, vendor_b, route
):
    def upload(user=member, **extra):
        return api(user).post(
            reverse(f"{route}-list"),
            {
                "kind": "iso_14001",
                "number": "EMS-123",
                "certification_body": "BSI",
                "issue_date": "2024-03-01",
                "expiry_date": "2027-02-28",
                "evidence": SimpleUploadedFile("iso14001.pdf", MINIMAL_PDF),
                **extra,
            },
            format="multipart",
        )

    # Another vendor's id is answered like an id that does not exist.
    foreign = upload(vendor=vendor_b.pk)
    assert foreign.status_code == 400
    assert "does not exist" in foreign.json()["vendor"][0]
    assert not Certification.objects.exists()

    # As for every certificate, the vendor's admins add them; contributors answer requests.
    assert upload(user=contributor).status_code == 403

    response = upload()

    assert response.status_code == 201, response.content
    certification = Certification.objects.get(pk=response.json()["id"])
    assert certification.vendor == vendor_a
    assert certification.evidence.vendor == vendor_a
    assert response.json()["evidence_url"].endswith(
        f"/assurance/evidence/{certification.evidence_id}/download/"
    )
    assert response.json()["verified_at"] is None


def test_certificate_upload_refuses_a_file_that_is_not_a_pdf(api, member):
    response = api(member).post(
        reverse("api-certification-list"),
        {
            "kind": "iso_14001",
            "issue_date": "2024-03-01",
            "evidence": SimpleUploadedFile("iso14001.pdf", b"<html><script>x</script></html>"),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert "evidence" in response.json()
    assert not Certification.objects.exists()
    assert not EvidenceFile.objects.exists()


def test_only_staff_with_change_permission_verify_a_certificate(
    api, officer, auditor, member, outsider, vendor_a
):
    certification = CertificationFactory(vendor=vendor_a)
    url = reverse("api-certificate-verify", kwargs={"pk": certification.pk})

    assert api(outsider).post(url, {}).status_code == 404
    assert api(member).post(url, {}).status_code == 403
    assert api(auditor).post(url, {}).status_code == 403
    certification.refresh_from_db()
    assert certification.verified_at is None

    response = api(officer).post(url, {"note": "BSI register checked"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["verified_by"] == "officer"
    assert response.json()["verification_note"] == "BSI register checked"


# --- queries and schema -----------------------------------------------------------------------


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("persona", ["officer", "member"])
def test_list_query_counts_do_not_grow_with_rows(api, request, persona, officer, member, vendor_a):
    client = api(request.getfixturevalue(persona))
    urls = [LIST, reverse("api-disclosurerequest-list"), reverse("api-certificate-list")]

    def grow(total):
        year = 2000 + DisclosureRequest.objects.count()
        while EmissionsDisclosure.objects.count() < total:
            req = disclosure_request_create(
                actor=officer, vendor=vendor_a, reporting_year=year, due_date=DUE
            )
            year += 1
            disclosure = _submitted(member, vendor_a, req)
            draft = _draft(member, vendor_a)
            disclosure_evidence_attach(
                actor=member,
                disclosure=draft,
                uploaded_file=SimpleUploadedFile("report.pdf", MINIMAL_PDF),
            )
            CertificationFactory(vendor=vendor_a, verified_by=officer)
            assert disclosure.status == "submitted"

    grow(3)
    small = {url: _list_queries(client, url) for url in urls}
    grow(30)
    large = {url: _list_queries(client, url) for url in urls}
    for url in urls:
        assert large[url][1] > small[url][1]
        assert large[url][0] == small[url][0], (url, small[url], large[url])


def test_schema_documents_the_disclosure_endpoints(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]

    for route in (
        "/api/v1/disclosure-requests/",
        "/api/v1/disclosures/{id}/",
        "/api/v1/certificates/",
        "/api/v1/certifications/{id}/verify/",
        "/api/v1/evidence/",
    ):
        assert route in paths, route
    submit = paths["/api/v1/disclosures/{id}/submit/"]["post"]
    assert {"200", "400", "409"} <= set(submit["responses"])
    assert "delete" not in paths["/api/v1/disclosures/{id}/"]
