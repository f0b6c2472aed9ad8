"""Supplier scorecards: what a vendor sees of itself, the peer benchmark, the risk tier, and
query counts constant in the number of vendors."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from targets import selectors
from targets.tests.support import SUPPLIER, completed_run, est
from vendors.models import Certification, DisclosureRequest, Vendor
from vendors.tests.factories import VendorFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def peer(db):
    return VendorFactory(name="Peerless Chips")


@pytest.fixture
def inventory(vendor_a, vendor_b, peer):
    # 2025, accelerators: Acme 123,456.789 kg on 1,000 USD; Peerless 987,654.321 kg on 1,000 USD
    # (intensity 123.4568 vs 987.6543 kg/USD: Acme is the better of two -> 75th percentile).
    completed_run(2024, [est(vendor_a, 100_000)])
    return completed_run(
        2025,
        [
            est(vendor_a, "123456.789", method=SUPPLIER, dq=2),
            est(peer, "987654.321", dq=5),
            est(vendor_b, 5_000, category=2),
        ],
    )


def test_staff_scorecard_shows_years_range_mix_tier(client_for, analyst, vendor_a, inventory):
    DisclosureRequest.objects.create(
        vendor=vendor_a,
        reporting_year=2025,
        due_date=dt.date(2025, 3, 31),
        created_by=analyst,
    )
    Certification.objects.create(
        vendor=vendor_a,
        kind=Certification.Kind.SBTI,
        issue_date=dt.date(2020, 1, 1),
        expiry_date=dt.date(2021, 1, 1),
    )
    client = client_for(analyst)
    page = client.get(reverse("admin:targets_scorecard", args=[vendor_a.pk]))
    assert page.status_code == 200
    card = page.context["card"]
    assert [(y.year, y.tco2e) for y in card.years] == [(2024, D("100.000")), (2025, D("123.457"))]
    assert card.years[1].method_mix == [("Supplier-specific", D("100.0"))]
    assert card.timeliness.missing == 1
    assert card.certificates[0][1] == "expired"
    assert card.sbti == (False, "no SBTi certificate or listing")
    assert [b.percentile for b in card.benchmarks[:2]] == [75, 75]
    # No accepted disclosure in 2024 or 2025 and rank 2 of 3: the high rule fires.
    assert card.tier.tier == "high"
    assert "Silent large emitter" in page.content.decode()


def test_vendor_sees_only_its_own_card_and_percentile(
    client_for, member, vendor_a, peer, inventory
):
    page = client_for(member).get(reverse("targets_portal:scorecard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["card"].vendor == vendor_a
    assert "123.457" in html  # its own tCO2e
    assert "Peerless" not in html
    # Neither the peer's emissions nor its intensity, in any rounding.
    for figure in ("987.654", "987,654", "987.65", "987.7", "988"):
        assert figure not in html
    assert "75" in html  # its own percentile
    # The internal risk tier and rank stay internal.
    assert "Risk tier" not in html
    assert "Silent large emitter" not in html
    # The portal's navigation leads to it, marked as the page the vendor is on.
    home = client_for(member).get(reverse("portal:home")).content.decode()
    assert '<a href="/portal/scorecard/">Scorecard</a>' in home
    assert '<a href="/portal/scorecard/" aria-current="page">Scorecard</a>' in html


def test_staff_and_anonymous_get_no_portal_card(client, client_for, analyst, inventory):
    assert client.get(reverse("targets_portal:scorecard")).status_code == 302
    assert client_for(analyst).get(reverse("targets_portal:scorecard")).status_code == 403


def test_portal_card_has_no_vendor_parameter(client_for, member, outsider, vendor_a, inventory):
    # The outsider's card is its own (Bolt Servers), whatever it asks for.
    page = client_for(outsider).get(reverse("targets_portal:scorecard") + f"?vendor={vendor_a.pk}")
    assert page.context["card"].vendor.name == "Bolt Servers"
    assert "Acme" not in page.content.decode()


def _vendors(count, requester):
    vendors = Vendor.objects.bulk_create(
        Vendor(name=f"Bulk {n:05d}", country="DE", naics_code="334413", category="accelerators")
        for n in range(count)
    )
    completed_run(2025, [est(v, 1000 + n, dq=n % 5 + 1) for n, v in enumerate(vendors)])
    DisclosureRequest.objects.bulk_create(
        DisclosureRequest(
            vendor=v, reporting_year=2025, due_date=dt.date(2025, 3, 31), created_by=requester
        )
        for v in vendors[: count // 2]
    )
    return vendors


@pytest.mark.parametrize("count", [10, 1000])
def test_scorecard_queries_constant_in_vendors(analyst, count, django_assert_max_num_queries):
    vendors = _vendors(count, analyst)
    with django_assert_max_num_queries(16):
        peers = selectors.peer_data()
        card = selectors.scorecard(vendor=vendors[0], peers=peers)
    assert card.years[0].tco2e == D("1.000")
    assert card.benchmarks[0].peers == count
