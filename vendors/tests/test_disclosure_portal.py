"""The vendor portal's disclosure pages: list, form, submission with warnings, evidence, history,
certificates; and that another vendor's ids answer 404."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assurance.demo import demo_pdf
from assurance.models import EvidenceFile
from vendors import services
from vendors.models import Certification, EmissionsDisclosure
from vendors.tests.factories import UserFactory, VendorMembershipFactory

PDF = demo_pdf("Certificate")

FORM = {
    "reporting_entity": "Acme Accelerators Inc.",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "scope1_tco2e": "1200.5",
    "scope2_location_tco2e": "900",
    "scope2_market_tco2e": "450",
    "scope3_upstream_tco2e": "",
    "revenue": "25000000",
    "revenue_currency": "usd",
    "allocated_to_us_tco2e": "",
    "allocation_method": "",
    "allocation_uncertainty_pct": "",
    "verification": "limited",
    "verification_standard": "iso_14064_3",
    "verifier": "Verity Assurance",
    "methodology_notes": "GHG Protocol Corporate Standard.",
}


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def request_a(officer, vendor_a):
    return services.disclosure_request_create(
        actor=officer,
        vendor=vendor_a,
        reporting_year=2025,
        due_date=datetime.date.today() + datetime.timedelta(days=30),
    )


@pytest.fixture
def contributor(vendor_a):
    return VendorMembershipFactory(
        user=UserFactory(username="contrib"), vendor=vendor_a, role="contributor"
    ).user


def url_of(request_a):
    return reverse("portal:disclosure_request", kwargs={"pk": request_a.pk})


def test_list_shows_requests_with_status_and_due_date(client_for, member, request_a):
    response = client_for(member).get(reverse("portal:disclosure_list"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "FY2025" in text
    assert "Open" in text
    assert request_a.due_date.strftime("%-d %b %Y") in text
    assert 'href="/portal/disclosures/"' in text  # the nav entry


def test_home_lists_the_open_request(client_for, member, request_a):
    text = client_for(member).get(reverse("portal:home")).content.decode()
    assert "FY2025 disclosure requested" in text
    assert url_of(request_a) in text


def test_form_has_labels_with_units_and_fieldsets(client_for, member, request_a):
    text = client_for(member).get(url_of(request_a)).content.decode()

    assert "<legend>Scope 1 and Scope 2 emissions (tCO2e)</legend>" in text
    assert '<label for="id_scope1_tco2e">Scope 1 (tCO2e)' in text
    assert "Save draft" in text and ">Submit<" in text


def test_contributor_saves_a_draft_then_submits(client_for, contributor, request_a):
    client = client_for(contributor)

    response = client.post(url_of(request_a), FORM | {"action": "save"}, follow=True)
    assert "Your draft was saved" in response.content.decode()
    disclosure = EmissionsDisclosure.objects.get()
    assert disclosure.status == "draft" and disclosure.revenue_currency == "USD"
    assert disclosure.created_by == contributor

    response = client.post(url_of(request_a), FORM | {"action": "submit"}, follow=True)
    text = response.content.decode()
    assert "Your disclosure was submitted" in text
    disclosure.refresh_from_db()
    assert disclosure.status == "submitted"
    assert disclosure.submitted_by == contributor
    # Read-only now: the values are shown, the form is gone.
    assert "Submitted figures" in text
    assert "Verity Assurance" in text
    assert 'name="scope1_tco2e"' not in text


def test_errors_are_summarised_and_name_the_field(client_for, member, request_a):
    response = client_for(member).post(
        url_of(request_a), FORM | {"scope1_tco2e": "-3", "action": "submit"}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in text
    assert 'href="#id_scope1_tco2e"' in text
    assert "Scope 1 cannot be negative" in text
    assert not EmissionsDisclosure.objects.exists()


def test_warnings_are_shown_then_confirmed(client_for, member, request_a):
    client = client_for(member)
    short = FORM | {"period_end": "2025-06-30", "action": "submit"}

    first = client.post(url_of(request_a), short)
    text = first.content.decode()
    assert "Please check these values" in text
    assert "covers 181 days" in text
    assert "I confirm these values are correct" in text
    assert EmissionsDisclosure.objects.get().status == "draft"

    # Submitting again without ticking the box is refused with a message on the box.
    again = client.post(url_of(request_a), short | {"warnings_seen": "period_length"})
    assert "Tick the box to confirm" in again.content.decode()
    assert EmissionsDisclosure.objects.get().status == "draft"

    client.post(
        url_of(request_a), short | {"warnings_seen": "period_length", "confirm_warnings": "on"}
    )
    disclosure = EmissionsDisclosure.objects.get()
    assert disclosure.status == "submitted"
    assert disclosure.warnings[0]["code"] == "period_length"
    assert disclosure.warnings_confirmed_by == member


def test_a_warning_not_shown_cannot_be_confirmed(client_for, member, request_a):
    client = client_for(member)
    client.post(
        url_of(request_a),
        FORM
        | {
            "period_end": "2025-06-30",
            "action": "submit",
            "warnings_seen": "scope2_divergence",
            "confirm_warnings": "on",
        },
    )
    assert EmissionsDisclosure.objects.get().status == "draft"


def test_submitted_disclosure_refuses_post(client_for, member, request_a):
    client = client_for(member)
    client.post(url_of(request_a), FORM | {"action": "submit"})

    response = client.post(
        url_of(request_a), FORM | {"scope1_tco2e": "1", "action": "save"}, follow=True
    )

    assert "can no longer be changed" in response.content.decode()
    assert EmissionsDisclosure.objects.get().scope1_tco2e == D("1200.5")


def test_rejected_disclosure_shows_comment_is_editable_and_has_history(
    client_for, member, officer, request_a
):
    client = client_for(member)
    client.post(url_of(request_a), FORM | {"action": "submit"})
    disclosure = EmissionsDisclosure.objects.get()
    services.disclosure_reject(actor=officer, disclosure=disclosure, comment="Add the Dresden fab.")

    text = client.get(url_of(request_a)).content.decode()
    assert "Add the Dresden fab." in text
    assert 'name="scope1_tco2e"' in text
    home = client.get(reverse("portal:home")).content.decode()
    assert "returned for changes" in home and "Add the Dresden fab." in home

    client.post(url_of(request_a), FORM | {"scope1_tco2e": "1300", "action": "submit"})
    disclosure.refresh_from_db()
    assert disclosure.status == "submitted"
    text = client.get(url_of(request_a)).content.decode()
    assert "History" in text
    assert "Scope 1 (tCO2e): 1,200.5 tCO2e -&gt; 1,300 tCO2e" in text
    assert "status: submitted -&gt; rejected" in text
    assert "member" in text


def test_evidence_upload_attaches_and_lists_a_download_link(client_for, member, request_a):
    client = client_for(member)
    client.post(url_of(request_a), FORM | {"action": "save"})

    response = client.post(
        url_of(request_a),
        {"action": "upload", "file": SimpleUploadedFile("verification.pdf", PDF)},
        follow=True,
    )

    evidence = EvidenceFile.objects.get()
    assert evidence.target == EmissionsDisclosure.objects.get()
    text = response.content.decode()
    assert "verification.pdf" in text
    assert reverse("assurance:evidence_download", kwargs={"pk": evidence.pk}) in text


def test_evidence_of_the_wrong_type_is_refused(client_for, member, request_a):
    client = client_for(member)
    client.post(url_of(request_a), FORM | {"action": "save"})

    response = client.post(
        url_of(request_a),
        {"action": "upload", "file": SimpleUploadedFile("report.pdf", b"<html>hi</html>")},
    )

    assert "There is a problem" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_outsider_gets_404_on_another_vendors_request_and_disclosure(
    client_for, member, outsider, request_a
):
    client_for(member).post(url_of(request_a), FORM | {"action": "save"})
    disclosure = EmissionsDisclosure.objects.get()
    client = client_for(outsider)

    for url in (
        url_of(request_a),
        reverse("portal:disclosure_detail", kwargs={"pk": disclosure.pk}),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, FORM | {"action": "submit"}).status_code == 404
    disclosure.refresh_from_db()
    assert disclosure.status == "draft"


def test_certificate_upload_and_list_with_states(client_for, contributor, vendor_a, officer):
    client = client_for(contributor)
    response = client.post(
        reverse("portal:certificate_upload"),
        {
            "kind": "iso_14001",
            "number": "EMS-777",
            "certification_body": "BSI",
            "issue_date": "2024-01-01",
            "expiry_date": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
            "uploaded_file": SimpleUploadedFile("ems.pdf", PDF),
        },
        follow=True,
    )
    text = response.content.decode()
    certification = Certification.objects.get()
    assert certification.evidence.original_name == "ems.pdf"
    assert "EMS-777" in text
    assert "Expiring within 90 days" in text
    assert "Awaiting verification" in text

    services.certification_verify(actor=officer, certification=certification)
    assert "Verified" in client.get(reverse("portal:certificate_list")).content.decode()


def test_certificate_upload_that_is_not_a_pdf_is_refused(client_for, member):
    response = client_for(member).post(
        reverse("portal:certificate_upload"),
        {
            "kind": "iso_14001",
            "issue_date": "2024-01-01",
            "uploaded_file": SimpleUploadedFile("ems.pdf", b"plain text"),
        },
    )
    assert "is not a PDF" in response.content.decode()
    assert not Certification.objects.exists()
