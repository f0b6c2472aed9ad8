import pytest
from django.urls import reverse

from assurance.demo import demo_pdf
from assurance.models import AuditEvent, EvidenceFile
from assurance.services import audit_event_record
from vendors.tests.factories import UserFactory


@pytest.fixture
def events(officer, vendor_a, vendor_b):
    from assurance.middleware import request_id_var

    token = request_id_var.set("req-0123456789abcdef")
    try:
        uploaded = audit_event_record(actor=officer, verb=AuditEvent.Verb.UPLOADED, target=vendor_a)
    finally:
        request_id_var.reset(token)
    awarded = audit_event_record(actor=officer, verb=AuditEvent.Verb.AWARDED, target=vendor_b)
    return uploaded, awarded


def test_officer_lists_searches_and_filters_audit_events(officer, client_for, events):
    client = client_for(officer)
    url = reverse("admin:assurance_auditevent_changelist")

    listing = client.get(url)
    assert listing.status_code == 200
    assert b"Acme Accelerators" in listing.content
    assert b"Bolt Servers" in listing.content

    by_request = client.get(url, {"q": "req-0123456789abcdef"})
    assert b"Acme Accelerators" in by_request.content
    assert b"Bolt Servers" not in by_request.content

    by_verb = client.get(url, {"verb__exact": "awarded"})
    assert b"Bolt Servers" in by_verb.content
    assert b"Acme Accelerators" not in by_verb.content


def test_audit_events_cannot_be_written_even_by_a_superuser(client_for, events):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = client_for(root)
    event = events[0]

    assert client.get(reverse("admin:assurance_auditevent_add")).status_code == 403
    change = reverse("admin:assurance_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"verb": "rejected"}).status_code == 403
    delete = reverse("admin:assurance_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.verb == AuditEvent.Verb.UPLOADED


def test_evidence_admin_links_to_the_authorising_download(
    officer, vendor_a, client_for, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assurance.services import evidence_file_upload

    settings.EVIDENCE_ROOT = tmp_path
    evidence = evidence_file_upload(
        actor=officer,
        uploaded_file=SimpleUploadedFile("cert.pdf", demo_pdf("Certificate")),
        vendor=vendor_a,
    )
    client = client_for(officer)

    listing = client.get(reverse("admin:assurance_evidencefile_changelist"))

    assert listing.status_code == 200
    download = reverse("assurance:evidence_download", args=[evidence.pk])
    assert download.encode() in listing.content
    assert evidence.sha256[:12].encode() in listing.content
    assert b"application/pdf" in listing.content
    assert client.get(reverse("admin:assurance_evidencefile_add")).status_code == 403
    assert EvidenceFile.objects.count() == 1
