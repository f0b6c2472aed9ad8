"""No page shows an amount or an emission as a raw Decimal.

The main pages are rendered over a realistic world (a closed RFP with multi-million bids, a
hyperscaler-sized disclosure, completed Scope 3 runs of the worked ledger) and their visible text
is checked by :func:`tenderleaf.tests.readable.assert_readable`: no ungrouped digit run, no
"— tCO2e", and the amounts and emissions shown with their currency code or unit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assurance.bundles.sections.common import history_changes, history_records
from assurance.history import system_user
from procurement import services as procurement
from procurement.models import CriterionTemplate, Rfp
from scope3.services import inventory_run_execute, inventory_run_start
from scope3.tests import runs_support as support
from tenderleaf.bundles.run import load_run
from tenderleaf.tests.readable import assert_readable, raw_numbers, visible_text
from vendors.models import EmissionsDisclosure
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


# --- the check itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "raw"),
    [
        ("<td>4180000</td>", ["4180000"]),
        ("<dd>48000000.00 EUR</dd>", ["48000000.00"]),
        ("<p>Total 12371.800 kgCO2e</p>", ["12371.800"]),
        ("<td>USD 4,180,000</td><td>0.123456 kgCO2e</td>", []),
        # Attribute values and scripts are not visible text.
        ('<a href="/admin/x/123456/" data-n="99999">link</a><script>var n = 77777;</script>', []),
        # Identifiers are ignored explicitly.
        ("<p>sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</p>", []),
        ("<p>PACT id 3f1c2a9e-0b7d-4c55-9a1e-2d4b6f8a0c31</p>", []),
        ("<p>2025-12-31 23:59, FY2025, bundle #123456, ACME-CERT-77731</p>", []),
        ("<p>https://example.org/report/123456</p>", []),
    ],
)
def test_the_check_finds_raw_numbers_and_only_them(html, raw):
    assert raw_numbers(visible_text(html)) == raw


def test_the_check_refuses_a_missing_value_with_a_unit():
    with pytest.raises(AssertionError, match="missing values"):
        assert_readable("<dd>— tCO2e</dd>")


# --- a realistic world ---------------------------------------------------------------------------


@pytest.fixture
def closed_rfp(officer, member, outsider, vendor_a, vendor_b):
    """A GPU cluster tender with two multi-million bids, past its deadline, automatically scored."""
    rfp = procurement.rfp_create(
        actor=officer,
        title="Inference cluster, 512 GPUs",
        category="accelerators",
        deadline=timezone.now() + dt.timedelta(days=7),
        invited_vendors=[vendor_a, vendor_b],
    )
    for code, weight in (
        ("price", 40),
        ("renewable-electricity", 20),
        ("emissions-intensity", 20),
        ("take-back", 20),
    ):
        procurement.rfp_criterion_add(
            actor=officer, rfp=rfp, template=CriterionTemplate.objects.get(code=code), weight=weight
        )
    procurement.rfp_publish(actor=officer, rfp=rfp)
    by_code = {c.template.code: c.pk for c in rfp.criteria.select_related("template")}
    for user, vendor, price, renewable, intensity in (
        (member, vendor_a, "4180000", "85", "152.75"),
        (outsider, vendor_b, "3950000.50", "40", "14800"),
    ):
        bid = procurement.bid_save_draft(
            actor=user,
            rfp=rfp,
            vendor=vendor,
            price=price,
            answers={
                by_code["renewable-electricity"]: renewable,
                by_code["emissions-intensity"]: intensity,
                by_code["take-back"]: "yes",
            },
        )
        procurement.bid_submit(actor=user, bid=bid)
    Rfp.objects.filter(pk=rfp.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    rfp.refresh_from_db()
    procurement.rfp_autoscore(actor=officer, rfp=rfp)
    return rfp


@pytest.fixture
def disclosure(vendor_a, member):
    """A submitted disclosure of a large group: millions of tonnes, revenue in billions."""
    return EmissionsDisclosure.objects.create(
        vendor=vendor_a,
        reporting_entity="Acme Accelerators Group",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        scope1_tco2e=Decimal("1254321.500"),
        scope2_location_tco2e=None,  # not reported
        scope2_market_tco2e=Decimal("1100000.250"),
        scope3_upstream_tco2e=Decimal("15000000.000"),
        scope3_upstream_categories=[1, 2, 3, 4],
        revenue=Decimal("48000000000.00"),
        revenue_currency="EUR",
        allocated_to_us_tco2e=Decimal("12345.678"),
        allocation_boundary=EmissionsDisclosure.AllocationBoundary.CRADLE_TO_GATE,
        allocation_method=EmissionsDisclosure.AllocationMethod.ECONOMIC,
        allocation_uncertainty_pct=Decimal("15.00"),
        status=EmissionsDisclosure.Status.SUBMITTED,
        created_by=member,
        submitted_by=member,
        submitted_at=timezone.now(),
    )


DISCLOSURE_SHOWS = (
    "1,254,321.5 tCO2e",
    "1,100,000.25 tCO2e",
    "15,000,000 tCO2e",
    "12,345.678 tCO2e",
    "EUR 48,000,000,000.00",
    "15%",
    "not reported",  # Scope 2 location-based
)


def completed_run():
    run = inventory_run_start(actor=system_user(), year=2024, queue=False)
    return inventory_run_execute(run=run)


@pytest.fixture
def runs():
    """Two completed runs of the worked ledger (12,371.8 kg; scope3/tests/runs_support.py), the
    second with a new factor version, so the later one has a restatement."""
    support.useeio()
    support.reference_pack()
    support.worked_ledger(VendorFactory(name="Acme Silicon"))
    old = completed_run()
    support.useeio(version="t2", factor_334413="0.430")
    return old, completed_run()


# --- the pages -----------------------------------------------------------------------------------


def test_scoring_matrix(client_for, officer, closed_rfp):
    page = client_for(officer).get(reverse("admin:procurement_rfp_matrix", args=[closed_rfp.pk]))
    assert page.status_code == 200
    assert_readable(
        page.content,
        shows=("USD 4,180,000", "USD 3,950,000.50", "85%", "14,800 tCO2e per USD million"),
    )


def test_disclosure_review_page(client_for, officer, disclosure):
    url = reverse("admin:vendors_emissionsdisclosure_accept", args=[disclosure.pk])
    page = client_for(officer).get(url)
    assert page.status_code == 200
    assert_readable(page.content, shows=DISCLOSURE_SHOWS)


def test_disclosure_change_page_in_the_admin(client_for, officer, disclosure):
    url = reverse("admin:vendors_emissionsdisclosure_change", args=[disclosure.pk])
    page = client_for(officer).get(url)
    assert page.status_code == 200
    assert_readable(page.content, shows=DISCLOSURE_SHOWS)
    listing = client_for(officer).get(reverse("admin:vendors_emissionsdisclosure_changelist"))
    assert_readable(listing.content, shows=("1,254,321.5 tCO2e",))


def test_portal_disclosure_page(client_for, member, disclosure):
    page = client_for(member).get(reverse("portal:disclosure_detail", args=[disclosure.pk]))
    assert page.status_code == 200
    assert_readable(page.content, shows=DISCLOSURE_SHOWS)
    listing = client_for(member).get(reverse("portal:disclosure_list"))
    assert_readable(listing.content, shows=("1,254,321.5 tCO2e",))


def test_scope3_dashboard_and_a_runs_restatement(client_for, analyst, runs):
    old, new = runs
    client = client_for(analyst)
    dashboard = client.get(reverse("admin:scope3_dashboard") + f"?run={old.pk}")
    assert dashboard.status_code == 200
    # The worked example: 12,371.8 kg (9,858.636 to 15,516.096), the 500 USD line unaccounted.
    assert_readable(dashboard.content, shows=("12.37 tCO2e", "9.86 to 15.52 tCO2e", "USD 500.00"))
    restatement = client.get(reverse("admin:scope3_inventoryrun_restatement", args=[new.pk]))
    assert restatement.status_code == 200
    text = assert_readable(restatement.content, shows=("12.37 tCO2e",))
    assert "tCO2e" in text.split("Changes per vendor and category")[1]
    run_page = client.get(reverse("admin:scope3_inventoryrun_change", args=[old.pk]))
    assert_readable(run_page.content, shows=("12.37 tCO2e (9.86 to 15.52 tCO2e)",))


def test_evidence_bundle_sections(disclosure, runs):
    records = history_records(EmissionsDisclosure, [disclosure.pk])
    section = render_to_string(
        "pdf/sections/disclosure.html",
        {
            "section_key": "disclosure",
            "section_title": "Disclosure",
            "d": disclosure,
            "changes": history_changes(EmissionsDisclosure, records[disclosure.pk]),
        },
    )
    assert_readable(section, shows=DISCLOSURE_SHOWS)

    _old, new = runs
    sections = {s.key: s.body for s in load_run(new.pk).sections}
    assert_readable(sections["results"], shows=("tCO2e",))
    assert_readable(sections["summary"], shows=("USD 500.00",))
