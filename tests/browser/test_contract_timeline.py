"""The contract timeline in a real browser: readable lines, changes folded in <details>, the kind
filter as a plain GET form, times in the browser's time zone, nothing blocked by the policy."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from contracts import services
from tests.browser.test_content_security_policy import _signed_in_page, _watch_violations

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_timeline_reads_filters_and_folds_changes(
    new_browser_page, live_server, officer, member, vendor_a
):
    contract = services.contract_create(
        actor=officer,
        vendor=vendor_a,
        reference="ACME-TL-1",
        title="Accelerator cluster",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        value=Decimal("1000000"),
        currency="USD",
        owner=officer,
        status="active",
    )
    clause = services.kpi_clause_create(
        actor=officer,
        contract=contract,
        metric="Renewable electricity share",
        unit="%",
        direction="higher",
        baseline_value=Decimal("40"),
        baseline_year=2023,
        target_value=Decimal("80"),
        target_year=2027,
        frequency="annual",
    )
    report = services.kpi_report_submit(
        actor=member,
        period=clause.periods.get(period_end=datetime.date(2024, 12, 31)),
        value="55",
        today=datetime.date(2026, 1, 20),
    )
    services.kpi_report_accept(actor=officer, report=report)

    page = _signed_in_page(new_browser_page, live_server, officer)
    violations = _watch_violations(page)
    page.goto(f"/admin/contracts/contract/{contract.pk}/timeline/")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    accepted = page.locator("li.timeline-event").filter(has_text="accepted the 2024")
    expect(accepted).to_contain_text("55%, on track (expected at least 50%)")
    changes = accepted.locator("details table")
    expect(changes).to_be_hidden()
    accepted.get_by_text("Changes").click()
    expect(changes).to_be_visible()
    expect(changes).to_contain_text("Expected value")

    page.get_by_label("Reviews (1)").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/timeline/?kind=reviews")
    expect(page.locator("li.timeline-event")).to_have_count(1)
    expect(page.get_by_role("link", name="Show everything")).to_be_visible()

    # tz.js remembered the browser's time zone for the next page.
    assert any(c["name"] == "tz" for c in page.context.cookies())
    page.wait_for_load_state("networkidle")
    assert violations == []
