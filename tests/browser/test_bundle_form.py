"""The evidence-bundle request form in a real browser: picking a scope shows only that scope's
fieldset (bundle-form.js), submitting requests the bundle, and the policy blocks nothing."""

from __future__ import annotations

import pytest

from assurance.models import EvidenceBundle
from contracts.tests.factories import ContractFactory
from tests.browser.test_content_security_policy import _signed_in_page, _watch_violations

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIELDSETS = {
    "Vendor and reporting year": "#bundle-scope-vendor_period",
    "Contract": "#bundle-scope-contract",
    "Scope 3 inventory run": "#bundle-scope-run",
}


def test_each_scope_shows_only_its_fields_and_the_request_goes_through(
    new_browser_page, live_server, auditor, officer, vendor_a, settings, tmp_path
):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    contract = ContractFactory(vendor=vendor_a, created_by=officer, reference="ACME-BUNDLE-1")
    page = _signed_in_page(new_browser_page, live_server, auditor)
    violations = _watch_violations(page)
    page.goto("/assurance/")

    # No scope chosen yet: no scope's fields, and the no-script hint is gone.
    for selector in FIELDSETS.values():
        expect(page.locator(selector)).to_be_hidden()
    expect(page.get_by_text("the other scopes' fields are ignored")).to_be_hidden()

    for scope, selector in FIELDSETS.items():
        radio = page.get_by_role("radio", name=scope, exact=True)
        radio.check()
        expect(page.locator(selector)).to_be_visible()
        expect(page.locator(selector).locator("legend")).to_have_text(scope)
        assert radio.get_attribute("aria-controls") == selector.lstrip("#")
        for other in set(FIELDSETS.values()) - {selector}:
            expect(page.locator(other)).to_be_hidden()

    # A server-side error names the field, and the chosen scope's fieldset stays shown.
    page.get_by_role("radio", name="Contract", exact=True).check()
    page.get_by_role("button", name="Request bundle").click()
    expect(page.get_by_role("link", name="Which contract: Choose the contract.")).to_be_visible()
    expect(page.locator("#bundle-scope-contract")).to_be_visible()
    expect(page.locator("#bundle-scope-run")).to_be_hidden()

    page.get_by_label("Which contract").select_option(str(contract.pk))
    page.get_by_role("button", name="Request bundle").click()
    page.wait_for_url("**/assurance/bundles/*/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evidence bundle #")
    bundle = EvidenceBundle.objects.get()
    assert (bundle.scope, bundle.contract_id, bundle.vendor_id) == ("contract", contract.pk, None)
    page.wait_for_load_state("networkidle")
    assert violations == []
