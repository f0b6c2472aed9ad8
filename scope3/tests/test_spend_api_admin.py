"""Spend uploads through the admin and /api/v1/spend-imports/: who may, and what they see."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.testing import otp_verified_login
from scope3.models import ImportBatch, SpendLine
from scope3.tests.spend_files import row, write_csv

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/admin/scope3/importbatch/add/"
API_URL = "/api/v1/spend-imports/"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def _file(tmp_path, rows, name="ledger.csv"):
    path = write_csv(tmp_path / name, rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
        otp_verified_login(client, user)
        return client

    return _as


def test_analyst_uploads_in_the_admin(client_for, analyst, vendor_a, tmp_path):
    client = client_for(analyst)
    page = client.get(UPLOAD_URL)
    assert page.status_code == 200
    assert b'<label for="id_file" class="required">Spend file:</label>' in page.content

    response = client.post(
        UPLOAD_URL,
        {
            "file": _file(tmp_path, [{"Supplier": "Acme Accelerators", **row()}]),
            "column_map": json.dumps({"vendor": "vendor"}),
        },
        follow=True,
    )

    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.source == ImportBatch.Source.ADMIN and batch.created_by == analyst
    assert SpendLine.objects.get().vendor == vendor_a
    html = response.content.decode()
    # The admin capitalises messages.
    assert "Ledger.csv imported: 1 lines stored" in html


def test_admin_rejected_upload_offers_its_error_report(client_for, analyst, vendor_a, tmp_path):
    client = client_for(analyst)
    response = client.post(
        UPLOAD_URL, {"file": _file(tmp_path, [row(currency="=1+1")])}, follow=True
    )

    html = response.content.decode()
    assert "was rejected: nothing was stored" in html
    batch = ImportBatch.objects.get()
    report_url = reverse("admin:scope3_importbatch_error_report", args=[batch.pk])
    assert report_url in html
    report = client.get(report_url)
    assert report.status_code == 200
    body = b"".join(report.streaming_content).decode()
    assert "2,currency,'=1+1,is not an active ISO 4217" in body.replace('"', "")


def test_admin_refuses_an_already_imported_file_with_a_message(
    client_for, analyst, vendor_a, tmp_path
):
    client = client_for(analyst)
    client.post(UPLOAD_URL, {"file": _file(tmp_path, [row()])})
    response = client.post(UPLOAD_URL, {"file": _file(tmp_path, [row()])})
    assert response.status_code == 200
    assert "was already imported" in response.content.decode()
    assert ImportBatch.objects.count() == 1


def test_auditor_cannot_upload_but_can_read(client_for, auditor, analyst, vendor_a, tmp_path):
    client_for(analyst).post(UPLOAD_URL, {"file": _file(tmp_path, [row(amount="x")])})
    client = client_for(auditor)
    assert client.get(UPLOAD_URL).status_code == 403
    assert client.post(UPLOAD_URL, {"file": _file(tmp_path, [row()])}).status_code == 403
    assert client.get("/admin/scope3/importbatch/").status_code == 200
    assert client.get("/admin/scope3/spendline/").status_code == 200
    batch = ImportBatch.objects.get()
    report_url = reverse("admin:scope3_importbatch_error_report", args=[batch.pk])
    assert client.get(report_url).status_code == 200
    assert ImportBatch.objects.count() == 1


def test_api_upload_by_staff_with_permissions(api, analyst, vendor_a, tmp_path):
    client = api(analyst)
    response = client.post(
        API_URL,
        {"file": _file(tmp_path, [row(), row(external_id="2", vendor="Nobody")]), "partial": True},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "imported"
    assert (body["accepted_rows"], body["unmatched_vendor_rows"]) == (2, 1)
    assert body["error_report_url"] is None
    listed = client.get(API_URL).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]


def test_api_rejected_upload_answers_422_with_the_report_link(api, analyst, vendor_a, tmp_path):
    client = api(analyst)
    response = client.post(
        API_URL, {"file": _file(tmp_path, [row(date="2025-13-01")])}, format="multipart"
    )

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "rejected" and body["rejected_rows"] == 1
    report = client.get(body["error_report_url"])
    assert report.status_code == 200
    assert (
        "2,date,2025-13-01,is not a real calendar date"
        in b"".join(report.streaming_content).decode()
    )
    again = client.post(API_URL, {"file": _file(tmp_path, [row()])}, format="multipart")
    assert again.status_code == 201
    duplicate = client.post(API_URL, {"file": _file(tmp_path, [row()])}, format="multipart")
    assert duplicate.status_code == 400
    assert "already imported" in duplicate.json()["file"][0]


def test_api_refuses_vendor_users_and_auditors(api, member, auditor, analyst, vendor_a, tmp_path):
    api(analyst).post(API_URL, {"file": _file(tmp_path, [row()])}, format="multipart")
    batch = ImportBatch.objects.get()

    vendor_user = api(member)
    assert vendor_user.get(API_URL).status_code == 403
    assert vendor_user.get(f"{API_URL}{batch.pk}/").status_code == 403
    posted = vendor_user.post(
        API_URL, {"file": _file(tmp_path, [row(external_id="V")], "v.csv")}, format="multipart"
    )
    assert posted.status_code == 403

    reader = api(auditor)
    assert reader.get(API_URL).status_code == 200
    posted = reader.post(
        API_URL, {"file": _file(tmp_path, [row(external_id="X")], "x.csv")}, format="multipart"
    )
    assert posted.status_code == 403
    assert ImportBatch.objects.count() == 1 and SpendLine.objects.count() == 1


def test_api_list_query_count_is_constant(
    api, analyst, vendor_a, tmp_path, django_assert_max_num_queries
):
    client = api(analyst)
    for n in range(3):
        client.post(
            API_URL,
            {"file": _file(tmp_path, [row(external_id=str(n))], f"{n}.csv")},
            format="multipart",
        )
    with django_assert_max_num_queries(8):
        assert client.get(API_URL).json()["count"] == 3
