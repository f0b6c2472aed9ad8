"""Inventory runs read the vendors' accepted disclosures and PACT footprints (hybrid and
supplier-specific methods), and accepting supplier data offers to re-run the years it affects."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from assurance.history import system_user
from scope3.models import EmissionEstimate, SpendLine
from scope3.selectors import inventory_run_method_changes, inventory_run_restatement
from scope3.services import inventory_run_execute, inventory_run_start
from scope3.tests import runs_support as support
from vendors.models import EmissionsDisclosure, ProductFootprint
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack():
    return {"useeio": support.useeio(), **support.reference_pack()}


def disclosure(vendor, status=EmissionsDisclosure.Status.ACCEPTED, **values):
    fields = {
        "period_start": dt.date(2024, 1, 1),
        "period_end": dt.date(2024, 12, 31),
        "scope1_tco2e": Decimal("1000"),
        "scope2_location_tco2e": Decimal("4200"),
        "scope2_market_tco2e": Decimal("4000"),
        "scope3_upstream_tco2e": Decimal("5000"),
        "scope3_upstream_categories": [1, 2, 3, 4],
        "revenue": Decimal("500000000"),
        "revenue_currency": "USD",
        "verification": EmissionsDisclosure.Verification.LIMITED,
        "created_by": system_user(),
        **values,
    }
    return EmissionsDisclosure.objects.create(vendor=vendor, status=status, **fields)


def footprint(vendor, *, version=1, pact_id=None, kg="310.5", status="Active"):
    return ProductFootprint.objects.create(
        vendor=vendor,
        pact_id=pact_id or uuid.uuid4(),
        pact_version=version,
        spec_version="2.2.0",
        pact_status=status,
        product_ids=["urn:gtin:0123456789012"],
        product_name="Accelerator card",
        declared_unit="piece",
        declared_unit_amount=Decimal("1"),
        pcf_excluding_biogenic_kgco2e=Decimal(kg),
        reference_period_start=dt.datetime(2023, 1, 1, tzinfo=dt.UTC),
        reference_period_end=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        raw_document={},
        created_by=system_user(),
    )


def run_2024():
    run = inventory_run_start(actor=system_user(), year=2024, queue=False)
    return inventory_run_execute(run=run)


def estimate_of(run, external_id):
    return EmissionEstimate.objects.get(run=run, spend_line__external_id=external_id)


def test_an_accepted_disclosure_gives_the_hybrid_estimate_of_the_worked_example(pack):
    # Scope 1 = 1,000 t, Scope 2 market-based = 4,000 t, upstream Scope 3 (categories 1-4)
    # = 5,000 t, revenue 500 M USD: intensity 10,000 t / 500 M USD = 20 t per M USD; our spend
    # 2 M USD -> 40 t = 40,000 kg.
    vendor = VendorFactory(naics_code="334413")
    accepted = disclosure(vendor)
    disclosure(vendor, status=EmissionsDisclosure.Status.SUBMITTED, scope1_tco2e=Decimal("1"))
    source = support.batch()
    SpendLine.objects.bulk_create([support.line(source, 0, vendor=vendor, amount="2000000")])

    run = run_2024()

    line = estimate_of(run, "L000000")
    assert line.method == "hybrid"
    assert line.kgco2e == Decimal("40000.000")
    assert line.source_disclosure_id == accepted.pk
    # Technology 2, temporal 1, geography 1, completeness 2, reliability 1 (verified): 1.4 -> 2.
    assert (line.dq, line.dq_indicators) == (2, "21121")
    assert line.source_key == f"disclosure:{accepted.pk}"
    assert run.plan["disclosure_ids"] == [accepted.pk]


def test_a_rejected_or_submitted_disclosure_is_not_used(pack):
    vendor = VendorFactory(naics_code="334413")
    disclosure(vendor, status=EmissionsDisclosure.Status.REJECTED)
    disclosure(vendor, status=EmissionsDisclosure.Status.SUBMITTED)
    source = support.batch()
    SpendLine.objects.bulk_create([support.line(source, 0, vendor=vendor, amount="1000")])

    line = estimate_of(run_2024(), "L000000")

    assert line.method == "spend_based"


def test_the_newest_active_pact_footprint_prices_the_product_line(pack):
    # 4 cards at 310.5 kg each (version 2 of the footprint) = 1,242 kg, supplier-specific.
    vendor = VendorFactory(naics_code="334413")
    pact_id = uuid.uuid4()
    footprint(vendor, version=1, pact_id=pact_id, kg="999")
    newest = footprint(vendor, version=2, pact_id=pact_id, kg="310.5")
    source = support.batch()
    SpendLine.objects.bulk_create(
        [
            support.line(
                source,
                0,
                vendor=vendor,
                amount="40000",
                quantity=Decimal(4),
                unit="piece",
                product_id="urn:gtin:0123456789012",
            )
        ]
    )

    run = run_2024()

    line = estimate_of(run, "L000000")
    assert line.method == "supplier_specific"
    assert line.kgco2e == Decimal("1242.000")
    assert line.source_footprint_id == newest.pk


def test_a_deprecated_footprint_is_not_used(pack):
    vendor = VendorFactory(naics_code="334413")
    footprint(vendor, status="Deprecated")
    source = support.batch()
    SpendLine.objects.bulk_create(
        [
            support.line(
                source,
                0,
                vendor=vendor,
                amount="40000",
                quantity=Decimal(4),
                unit="piece",
                product_id="urn:gtin:0123456789012",
            )
        ]
    )

    assert estimate_of(run_2024(), "L000000").method == "spend_based"


def test_accepting_a_disclosure_offers_to_rerun_an_estimated_year(pack, client_for, analyst):
    vendor = VendorFactory(naics_code="334413")
    source = support.batch()
    SpendLine.objects.bulk_create([support.line(source, 0, vendor=vendor, amount="1000")])
    run_2024()
    submitted = disclosure(vendor, status=EmissionsDisclosure.Status.SUBMITTED)
    # An analyst who also reviews disclosures (both roles) may start the run offered.
    analyst.groups.add(Group.objects.get(name="procurement"))
    client = client_for(analyst)

    response = client.post(
        reverse("admin:vendors_emissionsdisclosure_accept", args=[submitted.pk]),
        {"comment": ""},
    )

    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    start = reverse("admin:scope3_inventoryrun_start")
    assert any(f'href="{start}?year=2024"' in text for text in texts), texts
    form = client.get(f"{start}?year=2024")
    assert 'value="2024"' in form.content.decode()


def test_an_officer_who_cannot_start_runs_is_told_who_can(pack, client_for, officer):
    vendor = VendorFactory(naics_code="334413")
    source = support.batch()
    SpendLine.objects.bulk_create([support.line(source, 0, vendor=vendor, amount="1000")])
    run_2024()
    submitted = disclosure(vendor, status=EmissionsDisclosure.Status.SUBMITTED)

    response = client_for(officer).post(
        reverse("admin:vendors_emissionsdisclosure_accept", args=[submitted.pk]),
        {"comment": ""},
    )

    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("FY2024" in t and "sustainability analyst can re-run" in t for t in texts), texts


def test_a_scope_1_and_2_only_disclosure_falls_to_spend_based_and_says_why(pack):
    # Same vendor figures without upstream Scope 3: not cradle-to-gate, so the 2 M USD line is
    # spend-based: 2,000,000 USD of 2024 * 0.8 (to 2022 USD) * 0.215 = 344,000 kg.
    vendor = VendorFactory(naics_code="334413")
    disclosure(vendor, scope3_upstream_tco2e=None, scope3_upstream_categories=[])
    source = support.batch()
    SpendLine.objects.bulk_create([support.line(source, 0, vendor=vendor, amount="2000000")])

    line = estimate_of(run_2024(), "L000000")

    assert line.method == "spend_based"
    assert line.kgco2e == Decimal("344000.000")


def test_an_allocation_over_a_fiscal_year_is_split_between_the_two_calendar_runs(pack):
    # Disclosure 2022-10-01..2023-09-30 allocates 60 t (cradle-to-gate) to us. Our lines:
    # 300,000 USD in Nov 2022 and 100,000 USD in Mar 2023. Base = 400,000 USD for both runs.
    # 2022 run: 60 t * 3/4 = 45 t; 2023 run: 60 t * 1/4 = 15 t; together 60 t, not 120 t.
    support.dataset("fx", "t2", rates=[("EUR", 2022, "0.95"), ("EUR", 2023, "0.92")])
    support.dataset(
        "price_index",
        "t2",
        rates=[("US_GDP", 2022, "100"), ("US_GDP", 2023, "104")],
        currency="USD",
    )
    vendor = VendorFactory(naics_code="334413")
    accepted = disclosure(
        vendor,
        period_start=dt.date(2022, 10, 1),
        period_end=dt.date(2023, 9, 30),
        allocated_to_us_tco2e=Decimal("60"),
        allocation_boundary="cradle_to_gate",
    )
    source = support.batch()
    SpendLine.objects.bulk_create(
        [
            support.line(source, 0, vendor=vendor, amount="300000", date=dt.date(2022, 11, 15)),
            support.line(source, 1, vendor=vendor, amount="100000", date=dt.date(2023, 3, 15)),
        ]
    )

    runs = {}
    for year in (2022, 2023):
        run = inventory_run_start(actor=system_user(), year=year, queue=False)
        runs[year] = inventory_run_execute(run=run)

    assert runs[2022].total_kgco2e == Decimal("45000.000")
    assert runs[2023].total_kgco2e == Decimal("15000.000")
    assert runs[2023].plan["allocation_bases"][str(accepted.pk)] == {
        "total": "400000.0000",
        "by_year": {"2022": "300000.0000", "2023": "100000.0000"},
    }
    reason = estimate_of(runs[2023], "L000001").reason
    assert "100,000.00 USD of them in 2023 (25.0 %, 15.000 t)" in reason


def _as_method_version_1(run, **estimate_values):
    """What the earlier method stored for this run: its version and its lines' numbers."""
    from scope3.models import InventoryRun

    InventoryRun.objects.filter(pk=run.pk).update(method_version=1)
    EmissionEstimate.objects.filter(run=run).update(source_key="", dq_indicators="")
    for external_id, values in estimate_values.items():
        EmissionEstimate.objects.filter(run=run, spend_line__external_id=external_id).update(
            **values
        )
    run.refresh_from_db()
    return run


def test_restatement_names_the_hybrid_boundary_correction(pack):
    # The review's example: 250,000 USD in 2022 from a vendor whose disclosure has Scope 1 =
    # 5,000 t and Scope 2 market = 15,000 t on revenue of 4 B USD, no upstream Scope 3. The
    # earlier method made it hybrid: 250,000 * 20,000 t / 4 B USD = 1,250 kg. Now it is
    # spend-based: 250,000 * 0.215 = 53,750 kg, and the restatement says why.
    vendor = VendorFactory(naics_code="334413")
    tier1 = disclosure(
        vendor,
        period_start=dt.date(2022, 1, 1),
        period_end=dt.date(2022, 12, 31),
        scope1_tco2e=Decimal("5000"),
        scope2_market_tco2e=Decimal("15000"),
        scope3_upstream_tco2e=None,
        scope3_upstream_categories=[],
        revenue=Decimal("4000000000"),
    )
    source = support.batch()
    SpendLine.objects.bulk_create(
        [support.line(source, 0, vendor=vendor, amount="250000", date=dt.date(2022, 5, 1))]
    )
    old = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2022, queue=False)
    )
    _as_method_version_1(
        old,
        L000000={
            "method": "hybrid",
            "kgco2e": Decimal("1250.000"),
            "source_disclosure_id": tier1.pk,
            "reason": f"disclosure {tier1.pk}: (Scope 1 + Scope 2 market-based) ÷ revenue",
        },
    )
    new = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2022, queue=False)
    )

    (row,) = inventory_run_restatement(run=new, previous=old)

    assert (row.old_kgco2e, row.new_kgco2e) == (Decimal("1250.000"), Decimal("53750.000"))
    assert any(reason.startswith("method correction: hybrid boundary") for reason in row.reasons)
    changes = inventory_run_method_changes(run=new, previous=old)
    assert any(change.startswith("hybrid boundary") for change in changes)


def test_restatement_names_the_allocation_split_across_years(pack):
    # The earlier method counted the fiscal-year allocation of 60 t in full in the 2023 run;
    # now 2023 counts its own share, 15 t, and the restatement says why.
    vendor = VendorFactory(naics_code="334413")
    fiscal = disclosure(
        vendor,
        period_start=dt.date(2022, 10, 1),
        period_end=dt.date(2023, 9, 30),
        allocated_to_us_tco2e=Decimal("60"),
        allocation_boundary="cradle_to_gate",
    )
    support.dataset(
        "price_index",
        "t2",
        rates=[("US_GDP", 2022, "100"), ("US_GDP", 2023, "104")],
        currency="USD",
    )
    source = support.batch()
    SpendLine.objects.bulk_create(
        [
            support.line(source, 0, vendor=vendor, amount="300000", date=dt.date(2022, 11, 15)),
            support.line(source, 1, vendor=vendor, amount="100000", date=dt.date(2023, 3, 15)),
        ]
    )
    old = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2023, queue=False)
    )
    assert old.total_kgco2e == Decimal("15000.000")
    _as_method_version_1(old, L000001={"kgco2e": Decimal("60000.000")})
    new = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2023, queue=False)
    )

    (row,) = inventory_run_restatement(run=new, previous=old)

    assert (row.old_kgco2e, row.new_kgco2e) == (Decimal("60000.000"), Decimal("15000.000"))
    assert any(
        reason.startswith("method correction: allocation split across years")
        for reason in row.reasons
    )
    assert fiscal.pk in {int(d) for d in new.plan["allocation_bases"]}
