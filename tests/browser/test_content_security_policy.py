"""The Content Security Policy, as a real browser enforces it, blocks nothing our pages need.

Chromium reports every blocked script, style, image or frame as a console error ("Refused to ...
because it violates the following Content Security Policy directive"); a page that works under
the policy reports none. Django's own admin scripts, our static files and drf-spectacular's Swagger
UI are all checked in the browser, not only by reading headers.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.testing import otp_verified_login
from procurement import services as procurement_services
from vendors.tests.factories import VendorContactFactory

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _signed_in_page(new_browser_page, live_server, user):
    """A browser page with ``user`` signed in (staff with their second factor confirmed)."""
    client = Client()
    otp_verified_login(client, user)
    page = new_browser_page()
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return page


def _watch_violations(page) -> list[str]:
    violations: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


def test_admin_change_form_and_scoring_matrix_run_under_the_policy(
    new_browser_page, live_server, officer, evaluator, vendor_a
):
    VendorContactFactory(vendor=vendor_a)
    rfp = procurement_services.rfp_create(
        actor=officer,
        title="Edge inference servers",
        category="servers",
        deadline=timezone.now() + datetime.timedelta(days=2),
        invited_vendors=[vendor_a],
        panel=[evaluator],
    )
    page = _signed_in_page(new_browser_page, live_server, officer)
    violations = _watch_violations(page)

    page.goto(f"/admin/vendors/vendor/{vendor_a.pk}/change/")
    expect(page.locator("#vendor_form")).to_be_visible()
    page.wait_for_load_state("networkidle")
    # The admin's own scripts ran: its jQuery and the change form's start-up are there.
    assert page.evaluate("typeof django !== 'undefined' && typeof django.jQuery === 'function'")

    page.goto(f"/admin/procurement/rfp/{rfp.pk}/matrix/")
    expect(page.get_by_text("Scoring matrix").first).to_be_visible()
    # Our stylesheet replaced the inline styles: the matrix still scrolls sideways.
    page.wait_for_load_state("networkidle")
    results = page.locator(".results.scroll-x")
    if results.count():
        assert results.first.evaluate("el => getComputedStyle(el).overflowX") == "auto"

    assert violations == []


def test_portal_page_runs_under_the_policy(new_browser_page, live_server, member):
    page = _signed_in_page(new_browser_page, live_server, member)
    violations = _watch_violations(page)
    page.goto("/portal/rfps/")
    page.wait_for_load_state("networkidle")
    # tz.js (formerly inline) ran and remembered the browser's time zone for deadlines.
    assert any(c["name"] == "tz" for c in page.context.cookies())
    assert violations == []


def test_api_docs_load_under_the_policy(new_browser_page, live_server):
    page = new_browser_page()
    violations = _watch_violations(page)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tenderleaf API")
    page.wait_for_load_state("networkidle")
    assert violations == []
