"""Life-cycle cost in a real browser (docs/method.md, "Life-cycle cost of bids").

The officer sets the RFP's evaluation parameters in the admin and publishes; a vendor user reads
the method statement in the portal and bids with its power figures and evidence; after the
deadline the officer sees the LCC breakdown and the sensitivity table, awards, and the draft
contract carries the declared power as a proposed clause.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from assurance.demo import demo_pdf
from conftest import PASSWORD
from contracts.models import Contract
from procurement import services
from procurement.models import Bid, CriterionTemplate, Rfp, RfpLifeCycle

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _draft_rfp(officer, vendor_a):
    rfp = services.rfp_create(
        actor=officer,
        title="GPU servers, five-year cost",
        category="servers",
        currency="EUR",
        deadline=timezone.now() + datetime.timedelta(days=2),
        invited_vendors=[vendor_a],
    )
    for code, weight in (
        ("life-cycle-cost", 60),
        ("life-cycle-carbon-per-unit", 30),
        ("take-back", 10),
    ):
        services.rfp_criterion_add(
            actor=officer,
            rfp=rfp,
            template=CriterionTemplate.objects.get(code=code),
            weight=Decimal(weight),
        )
    return rfp


def test_officer_sets_parameters_vendor_bids_power_officer_awards(
    new_browser_page, portal_login, admin_login, member, officer, vendor_a, tmp_path
):
    rfp = _draft_rfp(officer, vendor_a)

    # --- the officer sets the parameters and publishes ---------------------------------------
    office = new_browser_page()
    admin_login(office, officer.username, PASSWORD)
    office.goto(f"/admin/procurement/rfp/{rfp.pk}/life-cycle/")
    office.get_by_label("Electricity price per kWh").fill("0.20")
    office.get_by_label("Grid emission factor (kgCO2e/kWh)").fill("0.35")
    office.get_by_label("Grid factor source").fill("UBA Strommix 2024")
    office.get_by_label("Carbon shadow price per tCO2e").fill("55")
    office.get_by_label("Carbon price currency").fill("EUR")
    office.get_by_label("Carbon price policy source").fill("BEHG fixed price 2025")
    office.get_by_label("End-of-life factor (kgCO2e/kg)").fill("0.5")
    office.get_by_role("button", name="Save parameters").click()
    expect(office.get_by_text("Life-cycle parameters saved.")).to_be_visible()
    assert RfpLifeCycle.objects.get(rfp=rfp).pue == Decimal("1.30")
    expect(office.locator("#method-parameters")).to_contain_text("BEHG fixed price 2025")
    services.rfp_publish(actor=officer, rfp=Rfp.objects.get(pk=rfp.pk))

    # --- the vendor reads the method and bids ------------------------------------------------
    power = tmp_path / "power-report.pdf"
    power.write_bytes(demo_pdf("Power measurement report"))
    lca = tmp_path / "lca.pdf"
    lca.write_bytes(demo_pdf("Product carbon footprint"))
    vendor = new_browser_page()
    portal_login(vendor, member.username, PASSWORD)
    vendor.goto(f"/portal/rfps/{rfp.pk}/")
    expect(vendor.get_by_role("heading", name="Life-cycle cost: method statement")).to_be_visible()
    expect(vendor.locator("#method-parameters")).to_contain_text("UBA Strommix 2024")
    vendor.get_by_label("Unit price (EUR)").fill("250000")
    vendor.get_by_label("Quantity (units)").fill("10")
    vendor.get_by_label("Accelerators (GPUs) per unit").fill("8")
    vendor.get_by_label("Idle power per unit (W)").fill("2000")
    vendor.get_by_label("Full-load power per unit (W)").fill("10000")
    vendor.get_by_label("Power measurement standard").fill("SPECpower_ssj2008")
    vendor.get_by_label("Evidence of the power figures").set_input_files(str(power))
    vendor.get_by_label(re.compile("^Maintenance and support per unit")).fill("10000")
    vendor.get_by_label(re.compile("^Take-back or disposal cost")).fill("500")
    vendor.get_by_label(re.compile("^Residual value per unit")).fill("20000")
    vendor.get_by_label("Declared figure with evidence").check()
    vendor.get_by_label("Declared embodied kgCO2e per unit").fill("3000")
    vendor.get_by_label("Evidence of the declared embodied figure").set_input_files(str(lca))
    vendor.get_by_label("Mass per unit (kg)").fill("100")
    vendor.get_by_label("Yes").check()
    vendor.get_by_role("button", name="Submit bid").click()
    expect(vendor.get_by_text("Your bid is submitted.")).to_be_visible()
    bid = Bid.objects.get(rfp=rfp)
    assert bid.status == Bid.Status.SUBMITTED and bid.price == Decimal("2500000.00")
    assert bid.configuration.power_evidence.original_name == "power-report.pdf"

    # The deadline passes; the sweep scores the automatic criteria.
    Rfp.objects.filter(pk=rfp.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    from procurement.tasks import rfp_deadline_sweep

    assert rfp_deadline_sweep() == [rfp.pk]

    # --- the officer reads the breakdown and the sensitivity, and awards ---------------------
    office.goto(f"/admin/procurement/rfp/{rfp.pk}/matrix/")
    # The worked example's bid A (procurement/tests/test_lifecycle.py).
    expect(office.locator("#lcc-breakdown")).to_contain_text("EUR 3,582,498.33")
    expect(office.locator("#lcc-breakdown")).to_contain_text("EUR 792,736.32")
    expect(office.get_by_role("img", name=re.compile("Life-cycle cost per bid"))).to_be_visible()
    expect(office.locator("#lcc-sensitivity")).to_contain_text("Utilisation")
    office.get_by_role("navigation", name="RFP pages").get_by_role(
        "link", name="Award", exact=True
    ).click()
    office.get_by_label("Decision rationale").fill("Lowest life-cycle cost.")
    office.get_by_role("button", name="Award", exact=True).click()
    expect(office.get_by_text(re.compile("Awarded to Acme Accelerators"))).to_be_visible()

    contract = Contract.objects.get(source_rfp=rfp)
    clause = contract.clauses.get(metric="Measured average full-load power per unit")
    assert clause.status == "proposed" and clause.baseline_value == Decimal("10000")
