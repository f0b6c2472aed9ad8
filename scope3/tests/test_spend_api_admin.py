"""Spend uploads through the admin and /api/v1/spend-imports/: who may, and what they see."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.testing import otp_verified_login
from scope3.models import ImportBatch, SpendLine
from scope3.services.spend import import_batch_process, spend_import
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


def _imported_by_a_worker(batch_id):
    """What the worker's task does with an upload (tests/test_spend_upload_worker.py runs it on
    a real worker)."""
    return import_batch_process(batch_id=batch_id)


def test_analyst_uploads_in_the_admin_and_a_worker_imports_it(
    client_for, analyst, vendor_a, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(analyst)
    page = client.get(UPLOAD_URL)
    assert page.status_code == 200
    assert b'<label for="id_file" class="required">Spend file:</label>' in page.content

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            UPLOAD_URL,
            {
                "file": _file(tmp_path, [{"Supplier": "Acme Accelerators", **row()}]),
                "column_map": json.dumps({"vendor": "vendor"}),
            },
            follow=True,
        )

    assert response.status_code == 200
    assert len(queued) == 1  # the import task, sent when the upload commits
    batch = ImportBatch.objects.get()
    assert batch.source == ImportBatch.Source.ADMIN and batch.created_by == analyst
    assert batch.status == ImportBatch.Status.PENDING and batch.rows_expected == 1
    assert SpendLine.objects.count() == 0
    html = response.content.decode()
    # The admin capitalises messages.
    assert "Ledger.csv was uploaded; the workers are importing it" in html
    assert "waiting for a worker" in html and "data-progress-reload" in html

    _imported_by_a_worker(batch.pk)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED and batch.started_at and batch.finished_at
    assert batch.upload_name == ""  # the stored upload is deleted once imported
    assert SpendLine.objects.get().vendor == vendor_a
    html = client.get(reverse("admin:scope3_importbatch_change", args=[batch.pk])).content.decode()
    assert "ledger.csv imported: 1 lines stored, 0 rejected" in html
    assert "1 of 1 rows (100 %), took" in html and "data-progress-reload" not in html
    progress = client.get(reverse("admin:scope3_importbatch_progress", args=[batch.pk])).json()
    assert progress["done"] and progress["percent"] == 100


def test_admin_rejected_upload_offers_its_error_report(client_for, analyst, vendor_a, tmp_path):
    client = client_for(analyst)
    client.post(UPLOAD_URL, {"file": _file(tmp_path, [row(currency="=1+1")])})
    batch = ImportBatch.objects.get()
    _imported_by_a_worker(batch.pk)

    html = client.get(reverse("admin:scope3_importbatch_change", args=[batch.pk])).content.decode()
    assert "was rejected: nothing was stored" in html
    report_url = reverse("admin:scope3_importbatch_error_report", args=[batch.pk])
    assert report_url in html
    report = client.get(report_url)
    assert report.status_code == 200
    body = b"".join(report.streaming_content).decode()
    assert "2,currency,'=1+1,is not an active ISO 4217" in body.replace('"', "")
    assert SpendLine.objects.count() == 0


def test_admin_refuses_an_already_imported_file_with_a_message(
    client_for, analyst, vendor_a, tmp_path
):
    client = client_for(analyst)
    client.post(UPLOAD_URL, {"file": _file(tmp_path, [row()])})
    # Refused while the first upload still waits for a worker, and after it was imported.
    response = client.post(UPLOAD_URL, {"file": _file(tmp_path, [row()])})
    assert response.status_code == 200
    assert "was already imported" in response.content.decode()
    _imported_by_a_worker(ImportBatch.objects.get().pk)
    response = client.post(UPLOAD_URL, {"file": _file(tmp_path, [row()])})
    assert "was already imported" in response.content.decode()
    assert ImportBatch.objects.count() == 1


def test_a_second_delivery_of_the_task_does_nothing(client_for, analyst, vendor_a, tmp_path):
    client_for(analyst).post(UPLOAD_URL, {"file": _file(tmp_path, [row()])})
    batch = ImportBatch.objects.get()
    assert _imported_by_a_worker(batch.pk).status == ImportBatch.Status.IMPORTED
    assert _imported_by_a_worker(batch.pk) is None
    assert SpendLine.objects.count() == 1


def test_an_upload_whose_lines_were_imported_meanwhile_is_rejected_with_the_reason(
    client_for, analyst, vendor_a, tmp_path
):
    """Another file with the same external ids, imported between upload and import: the queued
    batch ends rejected, saying why, nothing stored twice, and its stored upload is gone."""
    client_for(analyst).post(UPLOAD_URL, {"file": _file(tmp_path, [row(external_id="INV-1")])})
    queued = ImportBatch.objects.get()
    spend_import(
        actor=analyst,
        path_or_file=write_csv(tmp_path / "other.csv", [row(external_id="INV-1", amount="7")]),
    )
    _imported_by_a_worker(queued.pk)
    queued.refresh_from_db()
    assert queued.status == ImportBatch.Status.IMPORTED  # its one line was skipped as existing
    assert queued.skipped_existing_rows == 1 and queued.accepted_rows == 0
    assert SpendLine.objects.count() == 1 and queued.upload_name == ""


def test_a_running_import_shows_rows_checked_of_about_how_many(client_for, analyst, tmp_path):
    client = client_for(analyst)
    client.post(
        UPLOAD_URL, {"file": _file(tmp_path, [row(external_id=f"L{i}") for i in range(40)])}
    )
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(seconds=30),
        step="Checking rows",
        rows_checked=20,
    )
    progress = client.get(reverse("admin:scope3_importbatch_progress", args=[batch.pk])).json()
    assert progress["percent"] == 45 and not progress["done"]
    assert progress["text"].startswith("45 % (20 of about 40 rows checked), elapsed 0:30")
    assert "left" in progress["text"]
    ImportBatch.objects.filter(pk=batch.pk).update(step="Storing lines")
    progress = client.get(reverse("admin:scope3_importbatch_progress", args=[batch.pk])).json()
    assert progress["percent"] == 90 and "storing the lines of 20 rows checked" in progress["text"]


def test_auditor_cannot_upload_but_can_read(client_for, auditor, analyst, vendor_a, tmp_path):
    client_for(analyst).post(UPLOAD_URL, {"file": _file(tmp_path, [row(amount="x")])})
    _imported_by_a_worker(ImportBatch.objects.get().pk)
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
