"""The whole disclosure conversation in a real browser, as the two people involved see it.

A vendor user signs in to the portal, opens the FY2025 request, fills in the form, attaches a PDF
and submits (confirming the plausibility warning it raises); an officer signs in to the admin and
rejects it with a comment; the vendor reads the comment, revises and resubmits; the officer
accepts. Both sign in through the real forms with real passwords (django-axes is on).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail

from assurance.demo import demo_pdf
from conftest import PASSWORD
from vendors.models import DisclosureRequest, EmissionsDisclosure
from vendors.services import disclosure_request_create
from vendors.tests.factories import VendorContactFactory

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MINIMAL_PDF = demo_pdf("GHG verification statement")
REJECTION = "Scope 2 market-based needs the certificates you bought; please attach them."


def _submit(page) -> bool:
    """Press Submit; if the portal shows plausibility warnings, confirm them and submit again.

    Returns whether warnings were shown."""
    page.get_by_role("button", name="Submit", exact=True).click()
    warnings = page.get_by_role("heading", name="Please check these values")
    confirmed = page.get_by_text("Your disclosure was submitted.")
    expect(warnings.or_(confirmed)).to_be_visible()
    if not warnings.is_visible():
        return False
    page.get_by_label("I confirm these values are correct").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(confirmed).to_be_visible()
    return True


def _open_in_admin(page, vendor_name: str):
    page.goto("/admin/vendors/emissionsdisclosure/?status__exact=submitted")
    page.get_by_role("link", name=vendor_name).first.click()
    expect(
        page.get_by_role("heading", name=re.compile("View emissions disclosure"))
    ).to_be_visible()


def test_vendor_submits_officer_rejects_vendor_revises_officer_accepts(
    new_browser_page, portal_login, admin_login, member, officer, vendor_a, settings, tmp_path
):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    VendorContactFactory(vendor=vendor_a, email="esg@acme.example")
    request = disclosure_request_create(
        actor=officer,
        vendor=vendor_a,
        reporting_year=2025,
        due_date=datetime.date.today() + datetime.timedelta(days=30),
        message="Please include your verification statement.",
    )
    evidence_pdf = tmp_path / "verification-statement.pdf"
    evidence_pdf.write_bytes(MINIMAL_PDF)

    # --- the vendor answers the request ---------------------------------------------------------
    vendor = new_browser_page()
    portal_login(vendor, member.username, PASSWORD)
    vendor.get_by_role("navigation", name="Portal").get_by_role("link", name="Disclosures").click()
    vendor.get_by_role("link", name="FY2025 request").click()
    expect(vendor.get_by_role("heading", name="FY2025 emissions disclosure")).to_be_visible()
    expect(vendor.get_by_text("Please include your verification statement.")).to_be_visible()

    # Six months instead of a year: a warning the vendor has to confirm at submission.
    vendor.get_by_label("Period end").fill("2025-06-30")
    vendor.get_by_label("Scope 1 (tCO2e)").fill("1200.5")
    vendor.get_by_label("Scope 2 location-based (tCO2e)").fill("3400")
    vendor.get_by_label("Scope 2 market-based (tCO2e)").fill("2100")
    vendor.get_by_label("Total revenue").fill("50000000")
    vendor.get_by_label("Revenue currency").fill("USD")
    vendor.get_by_role("button", name="Save draft").click()
    expect(vendor.get_by_text("Your draft was saved.")).to_be_visible()

    vendor.get_by_label("Evidence file").set_input_files(str(evidence_pdf))
    vendor.get_by_role("button", name="Attach file").click()
    expect(vendor.get_by_text("“verification-statement.pdf” was attached.")).to_be_visible()
    expect(vendor.get_by_role("link", name="verification-statement.pdf")).to_be_visible()

    assert _submit(vendor), "the six-month period should have raised a warning to confirm"
    expect(vendor.get_by_role("heading", name="Submitted figures")).to_be_visible()
    disclosure = EmissionsDisclosure.objects.get(vendor=vendor_a)
    assert disclosure.status == EmissionsDisclosure.Status.SUBMITTED
    assert [w["code"] for w in disclosure.warnings] == ["period_length"]
    assert disclosure.warnings_confirmed_by == member

    # --- the officer rejects it with a comment ---------------------------------------------------
    staff = new_browser_page()
    admin_login(staff, officer.username, PASSWORD)
    _open_in_admin(staff, vendor_a.name)
    warning = disclosure.warnings[0]["message"]
    expect(staff.get_by_role("listitem").filter(has_text=warning).first).to_be_visible()
    expect(staff.get_by_role("link", name="Download verification-statement.pdf")).to_be_visible()
    staff.get_by_role("link", name="Reject", exact=True).click()
    staff.get_by_role("button", name="Reject the disclosure").click()
    # A rejection without a comment is refused on the page.
    expect(staff.get_by_text("Say why the disclosure is rejected")).to_be_visible()
    staff.get_by_label("Comment to the vendor").fill(REJECTION)
    staff.get_by_role("button", name="Reject the disclosure").click()
    expect(staff.get_by_text(re.compile("was rejected"))).to_be_visible()
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.REJECTED
    assert any(REJECTION in message.body for message in mail.outbox)

    # --- the vendor sees the comment, revises and resubmits --------------------------------------
    vendor.reload()
    expect(vendor.get_by_role("region", name="Changes requested")).to_contain_text(REJECTION)
    vendor.get_by_label("Period end").fill("2025-12-31")
    vendor.get_by_label("Scope 2 market-based (tCO2e)").fill("1900")
    _submit(vendor)
    disclosure.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.SUBMITTED

    # --- the officer accepts the resubmission -----------------------------------------------------
    _open_in_admin(staff, vendor_a.name)
    staff.get_by_role("link", name="Accept", exact=True).click()
    staff.get_by_role("button", name="Accept the disclosure").click()
    expect(staff.get_by_text(re.compile("was accepted"))).to_be_visible()

    vendor.reload()
    expect(vendor.get_by_text("Accepted").first).to_be_visible()

    # --- what was stored --------------------------------------------------------------------------
    disclosure.refresh_from_db()
    request.refresh_from_db()
    assert disclosure.status == EmissionsDisclosure.Status.ACCEPTED
    assert disclosure.reviewed_by == officer
    assert str(disclosure.scope2_market_tco2e) == "1900.000"
    assert disclosure.period_end == datetime.date(2025, 12, 31)
    assert request.status == DisclosureRequest.Status.ACCEPTED
    assert vendor_a.evidence_files.get().original_name == "verification-statement.pdf"
    versions = disclosure.history.order_by("history_date", "history_id")
    statuses = [v.status for v in versions]
    # Every version is kept: the draft, the first submission, the rejection, the revision, the
    # resubmission and the acceptance, each attributed to the person who made it.
    assert statuses[0] == "draft"
    assert statuses[-1] == "accepted"
    for expected in ("submitted", "rejected"):
        assert expected in statuses
    assert statuses.count("submitted") == 2
    users = {v.history_user for v in versions}
    assert users == {member, officer}
    assert versions.filter(status="rejected", review_comment=REJECTION).exists()
