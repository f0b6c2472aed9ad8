"""The officer's side of disclosures in the admin: requests, review, certificate verification."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assurance.demo import demo_pdf
from assurance.models import AuditEvent
from vendors.models import DisclosureRequest, EmissionsDisclosure, ProductFootprint
from vendors.services import (
    disclosure_evidence_attach,
    disclosure_request_create,
    disclosure_save_draft,
    disclosure_submit,
)
from vendors.tests.factories import CertificationFactory, VendorContactFactory, VendorFactory

MINIMAL_PDF = demo_pdf("GHG verification statement")
DUE = datetime.date.today() + datetime.timedelta(days=30)
FIGURES = {
    "period_start": datetime.date(2025, 1, 1),
    "period_end": datetime.date(2025, 12, 31),
    "scope1_tco2e": Decimal("1200.500"),
    "scope2_location_tco2e": Decimal("3400"),
    "scope2_market_tco2e": Decimal("2100"),
    "revenue": Decimal("50000000"),
    "revenue_currency": "USD",
}


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def _request(officer, vendor, year=2025):
    return disclosure_request_create(
        actor=officer, vendor=vendor, reporting_year=year, due_date=DUE
    )


def _submitted(officer, member, vendor, *, with_evidence=False, **overrides):
    request = _request(officer, vendor)
    disclosure = disclosure_save_draft(
        actor=member, vendor=vendor, request=request, **{**FIGURES, **overrides}
    )
    if with_evidence:
        disclosure_evidence_attach(
            actor=member,
            disclosure=disclosure,
            uploaded_file=SimpleUploadedFile("acme-verification-statement.pdf", MINIMAL_PDF),
        )
    return disclosure_submit(actor=member, disclosure=disclosure, confirm_warnings=True)


def _url(name, *args):
    return reverse(f"admin:vendors_{name}", args=args)


# --- requests ---------------------------------------------------------------------------------


def test_officer_sends_a_request_from_the_add_form_and_the_contacts_are_emailed(
    officer, vendor_a, client_for, django_capture_on_commit_callbacks
):
    VendorContactFactory(vendor=vendor_a, email="lead@acme.example", receives_reminders=True)
    VendorContactFactory(vendor=vendor_a, email="quiet@acme.example", receives_reminders=False)
    client = client_for(officer)

    form = client.get(_url("disclosurerequest_add"))
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["reporting_year"] == timezone.now().year - 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("disclosurerequest_add"),
            {
                "vendor": vendor_a.pk,
                "reporting_year": 2025,
                "due_date": DUE.isoformat(),
                "ask_scope1": "on",
                "ask_scope2_location": "on",
                "ask_certificates": "on",
                "message": "Please include your verification statement.",
            },
        )

    assert response.status_code == 302
    request = DisclosureRequest.objects.get(vendor=vendor_a)
    assert (request.reporting_year, request.created_by) == (2025, officer)
    assert request.ask_certificates and not request.ask_scope2_market
    assert request.sent_at is not None
    assert [m.to for m in mail.outbox] == [["lead@acme.example"]]
    assert "/portal/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(verb="created", target_id=str(request.pk)).exists()


def test_a_second_live_request_for_the_same_year_is_refused_on_the_form(
    officer, vendor_a, client_for
):
    _request(officer, vendor_a)

    response = client_for(officer).post(
        _url("disclosurerequest_add"),
        {"vendor": vendor_a.pk, "reporting_year": 2025, "due_date": DUE.isoformat()},
    )

    assert response.status_code == 200
    assert "Acme Accelerators already has a live FY2025 disclosure request." in (
        response.content.decode()
    )
    assert DisclosureRequest.objects.count() == 1


def test_sent_request_is_read_only(officer, vendor_a, client_for):
    request = _request(officer, vendor_a)
    client = client_for(officer)

    page = client.get(_url("disclosurerequest_change", request.pk))

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(_url("disclosurerequest_change", request.pk), {}).status_code == 403


def test_bulk_action_asks_several_vendors_and_skips_those_already_asked(
    officer, vendor_a, vendor_b, client_for, django_capture_on_commit_callbacks
):
    vendor_c = VendorFactory(name="Cirrus Cloud")
    for vendor in (vendor_a, vendor_b, vendor_c):
        VendorContactFactory(vendor=vendor, email=f"esg@{vendor.pk}.example")
    _request(officer, vendor_b)
    mail.outbox.clear()
    client = client_for(officer)

    action = client.post(
        _url("vendor_changelist"),
        {
            "action": "request_disclosure",
            ACTION_CHECKBOX_NAME: [vendor_a.pk, vendor_b.pk, vendor_c.pk],
        },
    )
    assert action.status_code == 302
    form_url = action["Location"]
    assert form_url.startswith(_url("disclosurerequest_bulk_create"))

    form = client.get(form_url)
    assert form.status_code == 200
    text = form.content.decode()
    for name in ("Acme Accelerators", "Bolt Servers", "Cirrus Cloud"):
        assert name in text
    assert form.context["form"].initial["reporting_year"] == timezone.now().year - 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url,
            {
                "vendors": [vendor_a.pk, vendor_b.pk, vendor_c.pk],
                "reporting_year": 2025,
                "due_date": DUE.isoformat(),
                "ask_scope1": "on",
                "ask_scope2_market": "on",
                "message": "FY2025 please",
            },
            follow=True,
        )

    assert response.status_code == 200
    assert set(DisclosureRequest.objects.values_list("vendor__name", flat=True)) == {
        "Acme Accelerators",
        "Bolt Servers",
        "Cirrus Cloud",
    }
    assert DisclosureRequest.objects.filter(vendor=vendor_b).count() == 1
    shown = [str(m) for m in response.context["messages"]]
    assert any("Sent 2 FY2025 disclosure requests" in m for m in shown)
    assert any("Skipped 1 vendor" in m and "Bolt Servers" in m for m in shown)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [f"esg@{vendor_a.pk}.example", f"esg@{vendor_c.pk}.example"]
    )


def test_bulk_form_refuses_a_due_date_in_the_past(officer, vendor_a, client_for):
    response = client_for(officer).post(
        _url("disclosurerequest_bulk_create"),
        {
            "vendors": [vendor_a.pk],
            "reporting_year": 2025,
            "due_date": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "The due date is in the past." in response.content.decode()
    assert not DisclosureRequest.objects.exists()


def test_auditor_cannot_send_requests(auditor, vendor_a, client_for):
    client = client_for(auditor)

    # The action is not offered to them, and the request form refuses them outright.
    changelist = client.get(_url("vendor_changelist"))
    assert b"request_disclosure" not in changelist.content
    client.post(
        _url("vendor_changelist"),
        {"action": "request_disclosure", ACTION_CHECKBOX_NAME: [vendor_a.pk]},
    )
    bulk = _url("disclosurerequest_bulk_create")
    assert client.get(f"{bulk}?vendors={vendor_a.pk}").status_code == 403
    response = client.post(
        bulk, {"vendors": [vendor_a.pk], "reporting_year": 2025, "due_date": DUE.isoformat()}
    )
    assert response.status_code == 403
    assert not DisclosureRequest.objects.exists()


# --- review -----------------------------------------------------------------------------------


def test_submitted_disclosure_is_shown_read_only_with_warnings_evidence_and_history(
    officer, member, vendor_a, client_for
):
    disclosure = _submitted(
        officer,
        member,
        vendor_a,
        with_evidence=True,
        # Six months: a "period not about 12 months" warning the vendor confirmed.
        period_end=datetime.date(2025, 6, 30),
    )
    client = client_for(officer)

    page = client.get(_url("emissionsdisclosure_change", disclosure.pk))

    assert page.status_code == 200
    text = page.content.decode()
    assert b'name="_save"' not in page.content
    assert "1,200.5 tCO2e" in text  # the vendor's 1200.500, grouped with its unit
    assert "USD 50,000,000.00" in text
    assert disclosure.warnings, "the six-month period should have raised a warning"
    assert disclosure.warnings[0]["message"] in text
    assert "member" in text  # who confirmed the warnings
    evidence_link = reverse(
        "assurance:evidence_download",
        args=[vendor_a.evidence_files.get().pk],
    )
    assert evidence_link in text
    assert "acme-verification-statement.pdf" in text
    assert "Every saved version" in text
    assert _url("emissionsdisclosure_accept", disclosure.pk) in text
    assert _url("emissionsdisclosure_reject", disclosure.pk) in text

    # Officers never edit the vendor's figures, neither by the form nor by reverting history.
    assert client.post(_url("emissionsdisclosure_change", disclosure.pk), {}).status_code == 403
    assert client.get(_url("emissionsdisclosure_add")).status_code == 403
    record = disclosure.history.earliest("history_date")
    revert = _url("emissionsdisclosure_simple_history", disclosure.pk, record.history_id)
    assert client.post(revert, {"scope1_tco2e": "1"}).status_code == 403
    disclosure.refresh_from_db()
    assert disclosure.scope1_tco2e == Decimal("1200.500")


def test_reject_requires_a_comment_and_then_tells_the_vendor(
    officer, member, vendor_a, client_for, django_capture_on_commit_callbacks
):
    VendorContactFactory(vendor=vendor_a, email="lead@acme.example")
    disclosure = _submitted(officer, member, vendor_a)
    mail.outbox.clear()
    client = client_for(officer)
    url = _url("emissionsdisclosure_reject", disclosure.pk)

    page = client.get(url)
    assert page.status_code == 200
    assert "Comment to the vendor" in page.content.decode()

    refused = client.post(url, {"comment": "   "})
    assert refused.status_code == 200
    assert "Say why the disclosure is rejected" in refused.content.decode()
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"comment": "Scope 2 market-based lacks the REC evidence."})

    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.REJECTED
    assert disclosure.review_comment == "Scope 2 market-based lacks the REC evidence."
    assert disclosure.reviewed_by == officer
    assert disclosure.request.status == DisclosureRequest.Status.OPEN
    assert AuditEvent.objects.filter(verb="rejected", target_id=str(disclosure.pk)).exists()
    assert "lead@acme.example" in mail.outbox[0].to
    assert "REC evidence" in mail.outbox[0].body


def test_accept_records_the_decision_and_reviews_only_submitted_disclosures(
    officer, member, vendor_a, client_for
):
    disclosure = _submitted(officer, member, vendor_a)
    client = client_for(officer)
    url = _url("emissionsdisclosure_accept", disclosure.pk)

    response = client.post(url, {"comment": ""})

    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.ACCEPTED
    assert disclosure.request.status == DisclosureRequest.Status.ACCEPTED
    assert AuditEvent.objects.filter(verb="accepted", target_id=str(disclosure.pk)).exists()
    # A second decision is not offered: the page sends the officer back with a warning.
    again = client.post(_url("emissionsdisclosure_reject", disclosure.pk), {"comment": "x"})
    assert again.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.ACCEPTED
    page = client.get(_url("emissionsdisclosure_change", disclosure.pk)).content.decode()
    assert url not in page


def test_auditor_reads_disclosures_but_cannot_review_them(
    officer, member, auditor, vendor_a, client_for
):
    disclosure = _submitted(officer, member, vendor_a)
    client = client_for(auditor)

    page = client.get(_url("emissionsdisclosure_change", disclosure.pk))
    assert page.status_code == 200
    assert _url("emissionsdisclosure_accept", disclosure.pk) not in page.content.decode()
    for decision in ("accept", "reject"):
        url = _url(f"emissionsdisclosure_{decision}", disclosure.pk)
        assert client.get(url).status_code == 403
        assert client.post(url, {"comment": "looks fine"}).status_code == 403
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.SUBMITTED
    assert not AuditEvent.objects.filter(verb__in=["accepted", "rejected"]).exists()


def test_disclosure_list_filters_and_counts_warnings(officer, member, vendor_a, client_for):
    _submitted(officer, member, vendor_a, period_end=datetime.date(2025, 6, 30))
    client = client_for(officer)

    listing = client.get(_url("emissionsdisclosure_changelist"), {"status": "submitted"})
    assert listing.status_code == 200
    assert "Acme Accelerators" in listing.content.decode()
    by_year = client.get(_url("emissionsdisclosure_changelist"), {"year": "2024"})
    assert "Acme Accelerators" not in by_year.content.decode()


# --- certificates -----------------------------------------------------------------------------


def test_officer_verifies_a_certificate(officer, vendor_a, client_for):
    certification = CertificationFactory(vendor=vendor_a)
    client = client_for(officer)

    page = client.get(_url("certification_change", certification.pk))
    verify_url = _url("certification_verify", certification.pk)
    assert verify_url in page.content.decode()

    response = client.post(verify_url, {"note": "Checked on the BSI register."})

    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.verified_by == officer
    assert certification.verified_at is not None
    assert certification.verification_note == "Checked on the BSI register."
    page = client.get(_url("certification_change", certification.pk)).content.decode()
    assert "Checked on the BSI register." in page


def test_auditor_cannot_verify_a_certificate(auditor, vendor_a, client_for):
    certification = CertificationFactory(vendor=vendor_a)
    client = client_for(auditor)
    url = _url("certification_verify", certification.pk)

    assert client.get(url).status_code == 403
    assert client.post(url, {"note": "ok"}).status_code == 403
    certification.refresh_from_db()
    assert certification.verified_at is None


# --- product footprints -----------------------------------------------------------------------


def test_product_footprint_is_read_only_and_its_raw_document_is_escaped(
    officer, vendor_a, client_for
):
    footprint = ProductFootprint.objects.create(
        vendor=vendor_a,
        pact_id="3fa85f64-5717-4562-b3fc-2c963f66afa6",
        spec_version="2.2.0",
        product_ids=["urn:gtin:4712345060507"],
        product_name="H200 accelerator card",
        declared_unit="piece",
        declared_unit_amount=Decimal(1),
        pcf_excluding_biogenic_kgco2e=Decimal("1480.5"),
        reference_period_start=timezone.now() - datetime.timedelta(days=365),
        reference_period_end=timezone.now(),
        raw_document={"productNameCompany": "<script>alert(1)</script>"},
        created_by=officer,
    )
    client = client_for(officer)

    page = client.get(_url("productfootprint_change", footprint.pk))

    assert page.status_code == 200
    text = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)</script>" not in text
    assert "urn:gtin:4712345060507" in text
    assert b'name="_save"' not in page.content
    listing = client.get(_url("productfootprint_changelist")).content.decode()
    assert "H200 accelerator card" in listing
    assert "1,480.5 kgCO2e" in listing


def test_product_footprint_list_has_a_labelled_reference_period_column_that_sorts(
    officer, vendor_a, client_for
):
    def footprint(name, year):
        return ProductFootprint.objects.create(
            vendor=vendor_a,
            pact_id=f"3fa85f64-5717-4562-b3fc-2c963f66{year:04d}",
            spec_version="2.2.0",
            product_ids=[f"urn:gtin:{year}"],
            product_name=name,
            declared_unit="piece",
            declared_unit_amount=Decimal(1),
            pcf_excluding_biogenic_kgco2e=Decimal("10"),
            reference_period_start=datetime.datetime(year, 1, 1, tzinfo=datetime.UTC),
            reference_period_end=datetime.datetime(year, 12, 31, tzinfo=datetime.UTC),
            raw_document={},
            created_by=officer,
        )

    footprint("Newer card", 2025)
    footprint("Older card", 2023)
    client = client_for(officer)

    listing = client.get(_url("productfootprint_changelist")).content.decode()

    header = re.search(
        r'<th scope="col" class="sortable column-reference_period[^"]*">(.*?)</th>', listing, re.S
    )
    assert header is not None, "the reference period column is not sortable"
    assert "Reference period" in header.group(1)
    order = re.search(r'href="(\?o=[^"]+)"', header.group(1)).group(1)
    ascending = client.get(_url("productfootprint_changelist") + order).content.decode()
    assert ascending.index("Older card") < ascending.index("Newer card")
    assert "01 Jan 2023 to 31 Dec 2023" in ascending
