import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from assurance import selectors
from assurance.demo import demo_pdf
from assurance.models import AuditEvent, EvidenceFile
from assurance.services import evidence_file_upload, evidence_file_verify
from assurance.storage import XLSX, evidence_storage
from tests import hostile_files

PDF_BYTES = demo_pdf("Certificate")
PNG_BYTES = hostile_files.image_bytes("PNG")
JPEG_BYTES = hostile_files.image_bytes("JPEG")
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


XLSX_BYTES = _zip(
    {
        "[Content_Types].xml": "<Types/>",
        "_rels/.rels": "<Relationships/>",
        "xl/workbook.xml": "<workbook/>",
        "xl/worksheets/sheet1.xml": "<worksheet/>",
    }
)
DOCX_BYTES = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"})


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def _stored_files(root: Path):
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _upload(actor, name, content, **kwargs):
    return evidence_file_upload(
        actor=actor, uploaded_file=SimpleUploadedFile(name, content), **kwargs
    )


# Storing ---------------------------------------------------------------------------------------


def test_upload_stores_under_random_name_outside_served_roots(
    officer, vendor_a, evidence_root, settings
):
    evidence = _upload(officer, "ISO 14001 certificate.pdf", PDF_BYTES, vendor=vendor_a)

    path = Path(evidence_storage().path(evidence.stored_name))
    assert path.read_bytes() == PDF_BYTES
    assert path.is_relative_to(evidence_root)
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert "ISO" not in evidence.stored_name
    assert evidence.original_name == "ISO 14001 certificate.pdf"
    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert evidence.size_bytes == len(PDF_BYTES)
    assert evidence.content_type == "application/pdf"
    assert evidence.uploaded_by == officer
    assert evidence.vendor == vendor_a
    with pytest.raises(ValueError, match="not served by URL"):
        evidence_storage().url(evidence.stored_name)


def test_two_uploads_of_the_same_name_get_different_stored_names(officer):
    first = _upload(officer, "a.pdf", PDF_BYTES)
    second = _upload(officer, "a.pdf", PDF_BYTES)
    assert first.stored_name != second.stored_name


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("logo.png", PNG_BYTES, "image/png"),
        ("photo.jpeg", JPEG_BYTES, "image/jpeg"),
        ("photo.JPG", JPEG_BYTES, "image/jpeg"),
        ("spend.csv", "supplier;amount\nAcme;12,50 €\n".encode(), "text/csv"),
        ("footprint.json", b'{"pcf": {"pCfExcludingBiogenic": "1.5"}}', "application/json"),
        ("inventory.xlsx", XLSX_BYTES, XLSX),
        ("notes.txt", b"Audit notes\n", "text/plain"),
        ("notes", b"no extension at all\n", "text/plain"),
    ],
)
def test_upload_sniffs_the_type_from_content(officer, name, content, expected):
    assert _upload(officer, name, content).content_type == expected


def test_upload_records_an_audit_event(officer, vendor_a):
    evidence = _upload(officer, "cert.pdf", PDF_BYTES, vendor=vendor_a)

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.UPLOADED)
    assert event.actor == officer
    assert event.target == evidence
    assert event.vendor == vendor_a
    assert event.details["sha256"] == evidence.sha256
    assert evidence.history.get().history_user == officer


def test_upload_attached_to_a_target_takes_its_vendor(officer, vendor_a):
    from vendors.tests.factories import CertificationFactory

    certification = CertificationFactory(vendor=vendor_a)
    evidence = _upload(officer, "cert.pdf", PDF_BYTES, target=certification)

    assert evidence.target == certification
    assert evidence.vendor == vendor_a


# Refusing --------------------------------------------------------------------------------------


def _assert_nothing_stored(evidence_root):
    assert not EvidenceFile.objects.exists()
    assert not AuditEvent.objects.exists()
    assert _stored_files(evidence_root) == []


def test_oversized_file_is_refused_and_nothing_stored(officer, settings, evidence_root):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        _upload(officer, "big.pdf", PDF_BYTES + b"x" * 100)

    assert "“big.pdf” is larger than the 100\xa0bytes limit" in refused.value.messages[0]
    _assert_nothing_stored(evidence_root)


def test_oversized_stream_is_refused_even_when_its_size_is_not_declared(
    officer, settings, evidence_root
):
    settings.EVIDENCE_MAX_BYTES = 100

    class Undeclared(io.BytesIO):
        name = "big.csv"

    with pytest.raises(ValidationError, match=re.escape("“big.csv” is larger than")):
        evidence_file_upload(actor=officer, uploaded_file=Undeclared(b"a,b\n" * 200))
    _assert_nothing_stored(evidence_root)


def test_empty_file_is_refused(officer, evidence_root):
    with pytest.raises(ValidationError, match=re.escape("“empty.pdf” is empty")):
        _upload(officer, "empty.pdf", b"")
    _assert_nothing_stored(evidence_root)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", HTML_BYTES, "“invoice.pdf” is named as PDF but its content is HTML"),
        ("invoice.pdf", EXE_BYTES, "“invoice.pdf” is named as PDF but its content is"),
        ("logo.png", PDF_BYTES, "“logo.png” is named as PNG image but its content is PDF"),
        ("data.xlsx", DOCX_BYTES, "“data.xlsx” is named as Excel workbook (XLSX) but"),
        ("data.json", b"{not json", "“data.json” is named as JSON but its content is plain text"),
        ("scan.csv", PNG_BYTES, "“scan.csv” is named as CSV text but its content is PNG image"),
    ],
)
def test_extension_that_contradicts_the_content_is_refused(
    officer, evidence_root, name, content, message
):
    with pytest.raises(ValidationError) as refused:
        _upload(officer, name, content)

    assert message in refused.value.messages[0]
    _assert_nothing_stored(evidence_root)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", HTML_BYTES, "files named .html are not accepted"),
        ("setup.exe", EXE_BYTES, "files named .exe are not accepted"),
        ("page", HTML_BYTES, "its content is HTML or XML markup, which is not accepted"),
        ("blob", EXE_BYTES, "which is not accepted"),
    ],
)
def test_types_not_allowed_are_refused(officer, evidence_root, name, content, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        _upload(officer, name, content)
    _assert_nothing_stored(evidence_root)


def test_file_is_removed_when_the_database_write_fails(officer, evidence_root, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("assurance.services.audit_event_record", broken)
    with pytest.raises(RuntimeError):
        _upload(officer, "cert.pdf", PDF_BYTES)

    _assert_nothing_stored(evidence_root)


# Names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\ann\\report.pdf", "report.pdf"),
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
    ],
)
def test_original_name_is_metadata_without_paths_or_control_characters(officer, sent, kept):
    content = b"text\n" if kept.endswith(".txt") else PDF_BYTES
    evidence = _upload(officer, sent, content)
    assert evidence.original_name == kept
    assert "/" not in evidence.stored_name.split("/", 1)[1]


def test_html_in_the_name_is_shown_as_text_in_the_admin(officer, client_for):
    evidence = _upload(officer, "<b>bold</b>.pdf", PDF_BYTES)

    response = client_for(officer).get(reverse("admin:assurance_evidencefile_changelist"))

    assert response.status_code == 200
    assert escape(evidence.original_name).encode() in response.content
    assert b"<b>bold</b>" not in response.content


# Integrity -------------------------------------------------------------------------------------


def test_verify_detects_a_tampered_file(officer):
    evidence = _upload(officer, "cert.pdf", PDF_BYTES)
    assert evidence_file_verify(evidence) is True

    path = Path(evidence_storage().path(evidence.stored_name))
    path.write_bytes(PDF_BYTES.replace(b"Catalog", b"Catalof"))

    assert evidence_file_verify(evidence) is False


def test_verify_fails_for_a_missing_file(officer):
    evidence = _upload(officer, "cert.pdf", PDF_BYTES)
    Path(evidence_storage().path(evidence.stored_name)).unlink()

    assert evidence_file_verify(evidence) is False


# Downloading -----------------------------------------------------------------------------------


@pytest.fixture
def evidence_of_a(officer, vendor_a):
    return _upload(officer, "Zertifikat Öko 2025.pdf", PDF_BYTES, vendor=vendor_a)


def _url(evidence):
    return reverse("assurance:evidence_download", args=[evidence.pk])


def test_owner_vendor_user_downloads_with_safe_headers(member, client_for, evidence_of_a):
    response = client_for(member).get(_url(evidence_of_a))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        'attachment; filename="Zertifikat Oko 2025.pdf"; '
        "filename*=UTF-8''Zertifikat%20%C3%96ko%202025.pdf"
    )
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DOWNLOADED)
    assert event.actor == member
    assert event.target == evidence_of_a
    assert event.vendor_id == evidence_of_a.vendor_id


def test_ascii_name_with_quotes_is_escaped_in_the_header(officer, client_for):
    evidence = _upload(officer, 'say "hi".txt', b"hello\n")

    response = client_for(officer).get(_url(evidence))

    assert response["Content-Disposition"] == 'attachment; filename="say \\"hi\\".txt"'
    assert response["Content-Type"] == "text/plain"


def test_outsider_gets_404_and_no_download_is_recorded(outsider, client_for, evidence_of_a):
    response = client_for(outsider).get(_url(evidence_of_a))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.DOWNLOADED).exists()


def test_unknown_file_is_404_like_a_forbidden_one(member, client_for, evidence_of_a):
    import uuid

    response = client_for(member).get(reverse("assurance:evidence_download", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client, evidence_of_a):
    response = client.get(_url(evidence_of_a))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.DOWNLOADED).exists()


def test_officer_downloads_any_vendor_file(officer, client_for, evidence_of_a):
    response = client_for(officer).get(_url(evidence_of_a))

    assert response.status_code == 200
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.DOWNLOADED, actor=officer).exists()


def test_auditor_downloads_but_staff_without_view_permission_gets_404(
    auditor, evaluator, client_for, evidence_of_a
):
    assert client_for(auditor).get(_url(evidence_of_a)).status_code == 200
    assert client_for(evaluator).get(_url(evidence_of_a)).status_code == 404


def test_download_cannot_be_posted(member, client_for, evidence_of_a):
    assert client_for(member).post(_url(evidence_of_a)).status_code == 405


def test_missing_stored_file_is_404_and_not_counted_as_downloaded(
    member, client_for, evidence_of_a, caplog
):
    Path(evidence_storage().path(evidence_of_a.stored_name)).unlink()

    response = client_for(member).get(_url(evidence_of_a))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.DOWNLOADED).exists()
    assert f"evidence file {evidence_of_a.pk} is missing" in caplog.text


# Who may download ------------------------------------------------------------------------------


def test_a_vendor_user_downloads_only_their_vendors_files(officer, member, outsider, vendor_a):
    evidence = _upload(officer, "cert.pdf", PDF_BYTES, vendor=vendor_a)

    assert list(selectors.evidence_files_for_user(member)) == [evidence]
    assert not selectors.evidence_files_for_user(outsider).exists()


def test_without_the_tenant_boundary_a_vendor_user_sees_no_evidence(
    officer, member, vendor_a, monkeypatch
):
    """The vendors app registers who a user acts for (docs/architecture.md, "Which app may import
    which"); until it has, nothing is shown rather than everything."""
    _upload(officer, "cert.pdf", PDF_BYTES, vendor=vendor_a)
    monkeypatch.setattr(selectors, "_TENANT", [])

    assert not selectors.evidence_files_for_user(member).exists()
    assert selectors.evidence_files_for_user(officer).count() == 1


def test_a_second_tenant_boundary_is_refused():
    with pytest.raises(RuntimeError, match="tenant boundary"):
        selectors.evidence_tenant_register(lambda user: None)
