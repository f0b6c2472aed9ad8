"""/api/v1/evidence/: multipart uploads tied to the uploader's vendor, refused types and sizes,
and the tenant boundary on the records and the downloads."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.testing import otp_verified_login
from assurance.demo import demo_pdf
from assurance.models import AuditEvent, EvidenceFile
from vendors.services import disclosure_save_draft, disclosure_submit

PDF_BYTES = demo_pdf("Evidence")
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
UPLOAD = reverse("api-evidence-list")


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
        otp_verified_login(client, user)
        return client

    return _as


def _stored_files(root: Path):
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _post(client, name, content, **extra):
    return client.post(
        UPLOAD, {"file": SimpleUploadedFile(name, content), **extra}, format="multipart"
    )


def _draft(member, vendor):
    return disclosure_save_draft(
        actor=member,
        vendor=vendor,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        scope1_tco2e=Decimal("10"),
    )


def test_vendor_user_upload_belongs_to_their_vendor(api, member, vendor_a):
    response = _post(api(member), "sustainability-report.pdf", PDF_BYTES)

    assert response.status_code == 201, response.content
    body = response.json()
    evidence = EvidenceFile.objects.get(pk=body["id"])
    assert evidence.vendor == vendor_a
    assert evidence.uploaded_by == member
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert body["size_bytes"] == len(PDF_BYTES)
    assert body["content_type"] == "application/pdf"
    assert body["original_name"] == "sustainability-report.pdf"
    assert body["download_url"].endswith(f"/assurance/evidence/{evidence.pk}/download/")
    assert AuditEvent.objects.filter(verb="uploaded", target_id=str(evidence.pk)).exists()

    download = api(member).get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_naming_another_vendor_is_answered_like_a_vendor_that_does_not_exist(
    api, member, vendor_b, evidence_root
):
    foreign = _post(api(member), "report.pdf", PDF_BYTES, vendor=vendor_b.pk)
    missing = _post(api(member), "report.pdf", PDF_BYTES, vendor=999_999)

    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["vendor"] == [
        m.replace("999999", str(vendor_b.pk)) for m in missing.json()["vendor"]
    ]
    assert not EvidenceFile.objects.exists()
    assert _stored_files(evidence_root) == []


def test_a_type_judged_by_content_is_refused_and_nothing_is_stored(api, member, evidence_root):
    response = _post(api(member), "certificate.pdf", HTML_BYTES)

    assert response.status_code == 400
    message = response.json()["file"][0]
    assert "certificate.pdf" in message and "HTML" in message
    assert not EvidenceFile.objects.exists()
    assert _stored_files(evidence_root) == []


def test_files_over_the_size_limit_are_refused_with_413(api, member, settings, evidence_root):
    settings.EVIDENCE_MAX_BYTES = 1024
    client = api(member)

    # Just over the limit: refused while streaming, by the service.
    streamed = _post(client, "big.pdf", PDF_BYTES + b"0" * 1024)
    # Far over it: refused on the declared length, before the body is read.
    declared = _post(client, "huge.pdf", PDF_BYTES + b"0" * (200 * 1024))

    assert streamed.status_code == declared.status_code == 413
    assert "limit" in streamed.json()["file"][0]
    assert not EvidenceFile.objects.exists()
    assert _stored_files(evidence_root) == []


def test_another_vendor_cannot_see_or_download_the_file(api, member, outsider):
    body = _post(api(member), "acme-evidence-report.pdf", PDF_BYTES).json()
    client = api(outsider)

    assert client.get(body["download_url"]).status_code == 404
    assert client.get(reverse("api-evidence-detail", kwargs={"pk": body["id"]})).status_code == 404
    listing = client.get(UPLOAD)
    assert listing.json()["count"] == 0
    assert "acme-evidence-report.pdf" not in listing.content.decode()


def test_evidence_attached_to_an_editable_disclosure_only(api, member, vendor_a):
    draft = _draft(member, vendor_a)
    client = api(member)

    attached = _post(client, "statement.pdf", PDF_BYTES, disclosure=draft.pk)

    assert attached.status_code == 201, attached.content
    assert attached.json()["target"] == f"vendors.emissionsdisclosure:{draft.pk}"
    disclosure_submit(actor=member, disclosure=draft, confirm_warnings=True)
    late = _post(client, "late.pdf", PDF_BYTES, disclosure=draft.pk)
    assert late.status_code == 400
    assert "disclosure" in late.json()
    assert EvidenceFile.objects.count() == 1


def test_staff_upload_needs_the_add_permission_and_auditors_never_upload(
    api, officer, evaluator, auditor, vendor_b
):
    assert _post(api(auditor), "report.pdf", PDF_BYTES, vendor=vendor_b.pk).status_code == 403
    # Evaluators score bids; they have no reason to add evidence.
    assert _post(api(evaluator), "report.pdf", PDF_BYTES, vendor=vendor_b.pk).status_code == 403
    assert not EvidenceFile.objects.exists()

    response = _post(api(officer), "report.pdf", PDF_BYTES, vendor=vendor_b.pk)

    assert response.status_code == 201, response.content
    assert EvidenceFile.objects.get().vendor == vendor_b
    # Staff read every vendor's evidence; auditors too (read-only).
    assert api(auditor).get(UPLOAD).json()["count"] == 1
