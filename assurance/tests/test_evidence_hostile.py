"""Evidence files get the upload checks of their type whatever the endpoint (assurance/uploads.py).

Hostile files sent through the API and through the vendor portal's upload form are refused with a
message that names the file and what is wrong with it, and nothing is stored: no row, no audit
event, no file under the evidence root. A valid file of each accepted type is still accepted.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.testing import otp_verified_login
from assurance.demo import demo_pdf
from assurance.models import AuditEvent, EvidenceFile
from tests import hostile_files
from vendors import services as vendor_services

UPLOAD = reverse("api-evidence-list")


def deep_json(directory: Path) -> Path:
    path = Path(directory) / "footprint.json"
    path.write_bytes(b"[" * 100 + b"]" * 100)
    return path


# Each hostile file, and what the refusal says (after the file's name).
HOSTILE = [
    pytest.param(
        hostile_files.xlsx_zip_bomb,
        "“bomb.xlsx”: the workbook part 'xl/worksheets/sheet1.xml' expands 67108864 bytes",
        id="xlsx-zip-bomb",
    ),
    pytest.param(
        hostile_files.xlsx_billion_laughs,
        "“laughs.xlsx”: the XLSX workbook cannot be read (EntitiesForbidden: its part "
        "'xl/worksheets/sheet1.xml' declares XML entities",
        id="xlsx-entity-bomb",
    ),
    pytest.param(
        hostile_files.xlsx_with_dtd,
        "“xxe.xlsx”: the XLSX workbook cannot be read (EntitiesForbidden",
        id="xlsx-external-entity",
    ),
    pytest.param(
        hostile_files.pdf_that_is_html,
        "“certificate.pdf”: the file is not a complete PDF: it does not end with a PDF trailer",
        id="pdf-that-is-html",
    ),
    pytest.param(
        hostile_files.pdf_with_a_fake_trailer,
        "“report.pdf”: the file is not a readable PDF (PdfReadError",
        id="pdf-with-a-fake-trailer",
    ),
    pytest.param(
        hostile_files.pdf_truncated,
        "“statement.pdf”: the file is not a complete PDF",
        id="pdf-truncated",
    ),
    pytest.param(
        hostile_files.png_decompression_bomb,
        "“photo.png”: the image is 10000 by 10000 pixels, more than the limit of 89478485 pixels: "
        "a decompression bomb, refused.",
        id="png-decompression-bomb",
    ),
    pytest.param(
        hostile_files.png_with_bad_checksum,
        "“logo.png”: the image cannot be decoded",
        id="png-bad-checksum",
    ),
    pytest.param(
        hostile_files.jpeg_truncated,
        "“scan.jpg”: the image cannot be decoded (OSError: image file is truncated",
        id="jpeg-truncated",
    ),
    pytest.param(
        deep_json, "“footprint.json”: the JSON is nested more than 64 levels deep", id="json-deep"
    ),
]

VALID = [
    ("verification.pdf", lambda d: demo_pdf("Verification statement"), "application/pdf"),
    ("site.png", lambda d: hostile_files.image_bytes("PNG"), "image/png"),
    ("site.jpg", lambda d: hostile_files.image_bytes("JPEG"), "image/jpeg"),
    (
        "disclosures.xlsx",
        lambda d: hostile_files.disclosure_xlsx(d, [hostile_files.GOOD_ROW]).read_bytes(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "disclosures.csv",
        lambda d: hostile_files.disclosure_csv(d, [hostile_files.GOOD_ROW]).read_bytes(),
        "text/csv",
    ),
    ("footprint.json", lambda d: b'{"pcf": {"pCfExcludingBiogenic": "1.5"}}', "application/json"),
    ("notes.txt", lambda d: b"Audit notes: site visit on 3 March.\n", "text/plain"),
]


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def corpus(tmp_path):
    directory = tmp_path / "corpus"
    directory.mkdir()
    return directory


def assert_nothing_stored(evidence_root: Path):
    assert not EvidenceFile.objects.exists()
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.UPLOADED).exists()
    stored = [p for p in evidence_root.rglob("*") if p.is_file()] if evidence_root.exists() else []
    assert stored == []


def api_post(user, path: Path):
    client = APIClient()
    otp_verified_login(client, user)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(UPLOAD, {"file": upload}, format="multipart")


@pytest.mark.parametrize(("build", "message"), HOSTILE)
def test_the_api_refuses_hostile_evidence_and_stores_nothing(
    member, corpus, evidence_root, build, message
):
    response = api_post(member, build(corpus))

    assert response.status_code == 400, response.content
    assert message in response.json()["file"][0]
    assert_nothing_stored(evidence_root)


@pytest.mark.parametrize(("name", "content", "content_type"), VALID)
def test_the_api_accepts_a_valid_file_of_each_accepted_type(
    member, corpus, name, content, content_type
):
    path = corpus / name
    path.write_bytes(content(corpus))

    response = api_post(member, path)

    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type
    assert EvidenceFile.objects.get().original_name == name


@pytest.fixture
def draft_page(client_for, member, officer, vendor_a):
    """The portal page of a disclosure request that has a draft, logged in as the vendor."""
    request = vendor_services.disclosure_request_create(
        actor=officer,
        vendor=vendor_a,
        reporting_year=2025,
        due_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    vendor_services.disclosure_save_draft(
        actor=member,
        vendor=vendor_a,
        request=request,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        scope1_tco2e=Decimal("10"),
    )
    return client_for(member), reverse("portal:disclosure_request", kwargs={"pk": request.pk})


def portal_post(draft_page, path: Path):
    client, url = draft_page
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(url, {"action": "upload", "file": upload}, follow=True)


@pytest.mark.parametrize(("build", "message"), HOSTILE)
def test_the_portal_form_refuses_hostile_evidence_and_stores_nothing(
    draft_page, corpus, evidence_root, build, message
):
    response = portal_post(draft_page, build(corpus))

    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert escape(message) in text
    assert_nothing_stored(evidence_root)


def test_the_portal_form_still_attaches_a_valid_workbook_and_image(draft_page, corpus):
    workbook = hostile_files.disclosure_xlsx(corpus, [hostile_files.GOOD_ROW])
    image = corpus / "site.png"
    image.write_bytes(hostile_files.image_bytes("PNG"))

    for path in (workbook, image):
        text = portal_post(draft_page, path).content.decode()
        assert f"“{path.name}” was attached." in text

    assert sorted(EvidenceFile.objects.values_list("original_name", flat=True)) == [
        "disclosures.xlsx",
        "site.png",
    ]


@pytest.mark.parametrize(
    "build", [hostile_files.jpeg_truncated, hostile_files.png_with_bad_checksum]
)
def test_a_damaged_image_is_refused_even_where_weasyprint_tolerates_them(
    member, corpus, evidence_root, monkeypatch, build
):
    # Importing WeasyPrint (bundle rendering) makes Pillow accept truncated images process-wide.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    response = api_post(member, build(corpus))

    assert response.status_code == 400, response.content
    assert "the image cannot be decoded" in response.json()["file"][0]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as WeasyPrint wants it
    assert_nothing_stored(evidence_root)
