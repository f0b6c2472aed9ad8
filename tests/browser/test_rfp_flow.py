"""An RFP from bid to award in a real browser, as the three people involved see it.

A vendor user opens the invitation in the portal, fills in the generated bid form and submits;
after the deadline the evaluator scores the bid in the admin with a rationale; the officer
moderates, opens the scoring matrix and awards, which creates the draft contract.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import PASSWORD
from contracts.models import Contract
from procurement import services
from procurement.models import Award, Bid, CriterionTemplate, Rfp

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _published_rfp(officer, evaluator, vendor_a):
    rfp = services.rfp_create(
        actor=officer,
        title="Edge inference servers",
        category="servers",
        deadline=timezone.now() + datetime.timedelta(days=2),
        invited_vendors=[vendor_a],
        panel=[evaluator],
    )
    for code, weight in (
        ("price", 50),
        ("technical-fit", 30),
        ("take-back", 10),
        ("renewable-electricity", 10),
    ):
        services.rfp_criterion_add(
            actor=officer,
            rfp=rfp,
            template=CriterionTemplate.objects.get(code=code),
            weight=Decimal(weight),
        )
    return services.rfp_publish(actor=officer, rfp=rfp)


def test_vendor_bids_evaluator_scores_officer_awards(
    new_browser_page, portal_login, admin_login, member, officer, evaluator, vendor_a
):
    rfp = _published_rfp(officer, evaluator, vendor_a)

    # --- the vendor bids ---------------------------------------------------------------------
    vendor = new_browser_page()
    portal_login(vendor, member.username, PASSWORD)
    vendor.get_by_role("navigation", name="Portal").get_by_role("link", name="RFPs").click()
    vendor.get_by_role("link", name="Edge inference servers").click()
    expect(vendor.get_by_role("heading", name="Edge inference servers")).to_be_visible()
    vendor.get_by_label("Price (USD)").fill("250000")
    vendor.get_by_label("Renewable electricity share (%)").fill("85")
    vendor.get_by_label("Yes").check()
    vendor.get_by_label("Technical fit").fill("Fanless 2U chassis, 4 x L4 GPUs, 5-year support.")
    vendor.get_by_role("button", name="Submit bid").click()
    expect(vendor.get_by_text("Your bid is submitted.")).to_be_visible()
    bid = Bid.objects.get(rfp=rfp)
    assert bid.status == Bid.Status.SUBMITTED and bid.price == Decimal("250000.00")

    # The deadline passes; the sweep scores the automatic criteria.
    Rfp.objects.filter(pk=rfp.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    from procurement.tasks import rfp_deadline_sweep

    assert rfp_deadline_sweep() == [rfp.pk]

    # --- the evaluator scores ----------------------------------------------------------------
    panel = new_browser_page()
    admin_login(panel, evaluator.username, PASSWORD)
    panel.goto(f"/admin/procurement/rfp/{rfp.pk}/score/")
    panel.get_by_label(re.compile("Score for Technical fit")).fill("4")
    panel.get_by_label("Rationale").fill("Meets the thermal envelope; support terms are strong.")
    panel.get_by_role("button", name="Save scores").click()
    expect(panel.get_by_text("1 score(s) saved.")).to_be_visible()

    # --- the officer moderates, reads the matrix and awards ----------------------------------
    office = new_browser_page()
    admin_login(office, officer.username, PASSWORD)
    office.goto(f"/admin/procurement/rfp/{rfp.pk}/moderate/")
    office.get_by_role("button", name=re.compile("Take the evaluators")).click()
    office.goto(f"/admin/procurement/rfp/{rfp.pk}/matrix/")
    matrix = office.locator("#matrix")
    # One bid: price 1 x 50 + fit 4/5 x 30 = 24 + take-back 10 + renewable 1 x 10 = 94.00
    expect(matrix).to_contain_text("94.00")
    expect(office.get_by_role("heading", name=re.compile("Sensitivity"))).to_be_visible()
    office.get_by_role("navigation", name="RFP pages").get_by_role(
        "link", name="Award", exact=True
    ).click()
    office.get_by_label("Decision rationale").fill("Only compliant bid; strong sustainability.")
    office.get_by_role("button", name="Award", exact=True).click()
    expect(office.get_by_text(re.compile("Awarded to Acme Accelerators"))).to_be_visible()

    award = Award.objects.get(rfp=rfp)
    assert award.decided_by == officer
    contract = Contract.objects.get(source_rfp=rfp)
    assert contract.status == "draft" and contract.clauses.filter(status="proposed").count() == 1
