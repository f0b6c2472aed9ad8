"""Who may see, request and download bundles: auditors and staff with view permission only."""

import pytest
from django.urls import reverse

from assurance.bundles.services import _store
from assurance.demo import demo_pdf
from assurance.models import AuditEvent, EvidenceBundle

PDF = demo_pdf("Bundle evidence")
ZIP = b"PK\x05\x06" + b"\x00" * 18


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def done_bundle(officer, vendor_a):
    pdf_name, pdf_sha, pdf_size = _store(PDF)
    zip_name, zip_sha, zip_size = _store(ZIP)
    return EvidenceBundle.objects.create(
        scope=EvidenceBundle.Scope.VENDOR_PERIOD,
        vendor=vendor_a,
        year=2024,
        requested_by=officer,
        status=EvidenceBundle.Status.DONE,
        progress=100,
        pdf_name=pdf_name,
        pdf_sha256=pdf_sha,
        pdf_size=pdf_size,
        zip_name=zip_name,
        zip_sha256=zip_sha,
        zip_size=zip_size,
        chain_head="ab" * 32,
        chain_seq=3,
    )


def _urls(bundle):
    return [
        reverse("assurance:index"),
        reverse("assurance:bundle_detail", args=[bundle.pk]),
        reverse("assurance:bundle_download", args=[bundle.pk, "pdf"]),
        reverse("assurance:bundle_download", args=[bundle.pk, "zip"]),
        reverse("assurance:audit_trail"),
    ]


@pytest.mark.parametrize("persona", ["member", "outsider", "evaluator"])
def test_vendor_users_and_staff_without_permission_get_404(
    request, client_for, persona, done_bundle
):
    client = client_for(request.getfixturevalue(persona))
    for url in _urls(done_bundle):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("assurance:index"), {"scope": "run"}).status_code == 404
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.DOWNLOADED).exists()


def test_anonymous_users_are_sent_to_log_in(client, done_bundle):
    for url in _urls(done_bundle):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


@pytest.mark.parametrize("persona", ["auditor", "officer"])
def test_auditors_and_staff_with_view_permission_download_and_it_is_recorded(
    request, client_for, persona, done_bundle
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    detail = client.get(reverse("assurance:bundle_detail", args=[done_bundle.pk]))
    assert detail.status_code == 200
    assert done_bundle.pdf_sha256 in detail.content.decode()
    assert 'http-equiv="refresh"' not in detail.content.decode()  # done: no refreshing

    response = client.get(reverse("assurance:bundle_download", args=[done_bundle.pk, "pdf"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DOWNLOADED)
    assert (event.actor, event.target_id, event.details["file"]) == (
        user,
        str(done_bundle.pk),
        "pdf",
    )
    assert event.details["sha256"] == done_bundle.pdf_sha256

    assert (
        client.get(reverse("assurance:bundle_download", args=[done_bundle.pk, "exe"])).status_code
        == 404
    )


def test_auditor_requests_a_bundle_and_watches_progress(
    client_for, auditor, vendor_a, django_capture_on_commit_callbacks
):
    client = client_for(auditor)
    page = client.get(reverse("assurance:index"))
    assert page.status_code == 200
    assert "Request a bundle" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("assurance:index"),
            {"scope": "vendor_period", "vendor": vendor_a.pk, "year": 2024},
        )
    bundle = EvidenceBundle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assurance:bundle_detail", args=[bundle.pk])
    assert len(callbacks) == 1
    assert (bundle.requested_by, bundle.vendor, bundle.year) == (auditor, vendor_a, 2024)
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.BUNDLE_REQUESTED).count() == 1

    detail = client.get(response["Location"]).content.decode()
    # progress.js follows it; without scripts the page refreshes itself.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in detail
    assert '<script src="/static/js/progress.js" defer></script>' in detail
    assert "Pending" in detail and "<script>" not in detail
    assert f'data-progress-url="/assurance/bundles/{bundle.pk}/progress/"' in detail
    # Not generated yet: nothing to download.
    assert (
        client.get(reverse("assurance:bundle_download", args=[bundle.pk, "pdf"])).status_code == 404
    )


def test_request_form_names_what_is_missing(client_for, auditor):
    response = client_for(auditor).post(reverse("assurance:index"), {"scope": "vendor_period"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Choose the vendor." in body and "Enter the reporting year." in body
    assert not EvidenceBundle.objects.exists()


def test_admin_lists_bundles_read_only_and_requests_again(client_for, auditor, done_bundle):
    client = client_for(auditor)
    changelist = client.get(reverse("admin:assurance_evidencebundle_changelist"))
    assert changelist.status_code == 200
    change = client.get(reverse("admin:assurance_evidencebundle_change", args=[done_bundle.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    response = client.post(
        reverse("admin:assurance_evidencebundle_changelist"),
        {"action": "bundle_request_again", "_selected_action": [done_bundle.pk]},
    )
    assert response.status_code == 302
    fresh = EvidenceBundle.objects.exclude(pk=done_bundle.pk).get()
    assert (fresh.scope, fresh.vendor_id, fresh.year, fresh.status) == (
        done_bundle.scope,
        done_bundle.vendor_id,
        2024,
        EvidenceBundle.Status.PENDING,
    )
    assert fresh.requested_by == auditor
