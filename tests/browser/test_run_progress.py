"""A Scope 3 run's progress bar in a real browser: the admin page polls the run's status while
chunks are processed (here, from the test's own thread) and shows 100 % when it is done, under
the Content Security Policy."""

from __future__ import annotations

import pytest

from assurance.history import system_user
from scope3.models import InventoryChunk
from scope3.services import inventory_run_start
from scope3.services.runs import inventory_chunk_process, inventory_run_finish, inventory_run_plan
from scope3.tests import runs_support as support
from tests.browser.test_content_security_policy import _signed_in_page, _watch_violations
from vendors.tests.factories import VendorFactory

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_run_page_follows_the_run_to_100_percent(new_browser_page, live_server, auditor):
    support.useeio()
    support.reference_pack()
    support.worked_ledger(VendorFactory(name="Acme Silicon"))  # 30 lines of 2024
    run = inventory_run_start(actor=system_user(), year=2024, queue=False, chunk_lines=10)
    inventory_run_plan(run_id=run.pk, queue=False)
    chunks = list(InventoryChunk.objects.filter(run=run).order_by("index"))
    assert len(chunks) == 3

    page = _signed_in_page(new_browser_page, live_server, auditor)
    violations = _watch_violations(page)
    page.goto(f"/admin/scope3/inventoryrun/{run.pk}/change/")
    text = page.locator("[data-progress-text]")
    bar = page.locator(".live-progress progress")
    expect(text).to_contain_text("0 of 3 chunks (0 %)")

    # Each chunk the test processes shows on the open page without a reload.
    for done, chunk in enumerate(chunks[:2], start=1):
        inventory_chunk_process(chunk_id=chunk.pk, worker="browser-test", queue=False)
        expect(text).to_contain_text(f"{done} of 3 chunks")
        expect(text).to_contain_text("elapsed")
        expect(bar).to_have_attribute("value", str(done))
    inventory_chunk_process(chunk_id=chunks[2].pk, worker="browser-test", queue=False)
    inventory_run_finish(run_id=run.pk)

    # Done: 100 %, the time it took, and (the page reloads once) the run's totals.
    expect(page.locator("[data-progress-text]")).to_contain_text("3 of 3 chunks (100 %), took")
    expect(page.get_by_text("Completed").first).to_be_visible()
    expect(page.locator(".live-progress progress")).to_have_attribute("value", "3")
    page.wait_for_load_state("networkidle")
    assert violations == []
