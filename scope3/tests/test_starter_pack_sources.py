"""The starter pack's freight, waste, FX and price-index tables, per-dataset uncertainty, and the
estimate admin's links from a line to the exact factor and rates it used (scope3/data/README.md)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.history import system_user
from assurance.models import AuditEvent
from scope3 import adapters
from scope3.engine import EstimationContext, Method, SpendLineInput, estimate_lines
from scope3.models import EmissionEstimate, EmissionFactor, FactorDataset, ReferenceRate
from scope3.services import inventory_run_execute, inventory_run_start
from scope3.services.factors import factor_dataset_trust_update
from scope3.tests import runs_support as support
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

CURRENCIES = {"CNY", "EUR", "GBP", "INR", "JPY", "KRW", "TWD", "USD"}


@pytest.fixture
def pack():
    call_command("import_factors", "--starter-pack", stdout=StringIO())
    return {dataset.kind: dataset for dataset in FactorDataset.objects.all()}


def context(pack):
    return EstimationContext(
        factor_set=adapters.factor_set_for(pack.values()),
        spend_factors=adapters.load_spend_factors(pack["useeio"]),
        average_factors=adapters.load_average_factors(pack.values()),
        fx=adapters.load_fx(pack["fx"]),
        price_index=adapters.load_price_index(pack["price_index"]),
    )


def spend_line(n=1, *, date=dt.date(2024, 6, 30), amount="1000", currency="USD", **fields):
    return SpendLineInput(
        line_id=n,
        external_id=f"L{n}",
        vendor_id=None,
        date=date,
        amount=Decimal(amount),
        currency=currency,
        **fields,
    )


def only(pack, lines):
    return estimate_lines(context(pack), lines)


# --- what the pack holds ------------------------------------------------------------------------


def test_freight_and_waste_use_the_vocabulary_spend_lines_write(pack):
    freight = dict(pack["freight"].factors.values_list("code", "value"))
    assert freight == {
        "air": Decimal("0.89939"),
        "air_without_rf": Decimal("0.53130"),
        "sea": Decimal("0.01612"),
        "rail": Decimal("0.02779"),
        "road": Decimal("0.10163"),
        "van": Decimal("0.63130"),
    }
    waste = dict(pack["waste"].factors.values_list("code", "value"))
    assert waste == {"weee-recycling": Decimal("4.68568"), "weee-landfill": Decimal("8.98311")}
    for factor in EmissionFactor.objects.filter(dataset__kind__in=["freight", "waste"]):
        assert "DESNZ" in factor.source and "conversion factors 2025" in factor.source


def test_fx_covers_every_currency_from_2017_to_2025_and_the_index_its_years(pack):
    fx = pack["fx"]
    assert fx.version == "2026.1"
    years = set(range(2017, 2026))
    assert set(fx.reference_rates.values_list("key", "year")) == {
        (key, year) for key in CURRENCIES for year in years
    }
    # G.5A quotes EUR and GBP as USD per unit; the table keeps units per USD.
    assert fx.reference_rates.get(key="EUR", year=2025).value == Decimal("0.8844861136")
    assert fx.reference_rates.get(key="TWD", year=2024).value == Decimal("32.1064")
    index = pack["price_index"]
    assert index.currency == "USD"
    assert set(index.reference_rates.values_list("year", flat=True)) == years
    assert index.reference_rates.get(year=2017).value == Decimal("100.000")


# --- worked examples with the shipped values ----------------------------------------------------


def test_worked_examples_with_the_shipped_freight_waste_fx_and_deflator(pack):
    air, weee, twd = only(
        pack,
        [
            spend_line(1, weight_kg=Decimal(2000), distance_km=Decimal(9000), mode="Air"),
            spend_line(2, waste_treatment="WEEE-recycling", waste_tonnes=Decimal("0.5")),
            spend_line(3, amount="100000", currency="TWD", naics="334413"),
        ],
    )
    # 2 t * 9,000 km = 18,000 t.km * 0.89939 (with RF) = 16,189.020 kg; average-data u = 0.3,
    # lognormal: * 0.7335614 = 11,875.640 .. * 1.3320054 = 21,563.862.
    assert (air.method, air.category, air.factor_code) == (Method.AVERAGE_DATA, 4, "air")
    assert (air.kgco2e, air.low_kgco2e, air.high_kgco2e) == (
        Decimal("16189.020"),
        Decimal("11875.640"),
        Decimal("21563.862"),
    )
    # 0.5 t * 4.68568 kg per tonne recycled = 2.34284 -> 2.343 kg (1.719 .. 3.121).
    assert (weee.category, weee.factor_code) == (5, "weee-recycling")
    assert (weee.kgco2e, weee.low_kgco2e, weee.high_kgco2e) == (
        Decimal("2.343"),
        Decimal("1.719"),
        Decimal("3.121"),
    )
    # 100,000 TWD in 2024 / 32.1064 TWD per USD = 3,114.6438 USD of 2024
    # * 118.023 / 125.428 (GDP deflator 2022 / 2024 = 0.940962) = 2,930.7619 USD of 2022
    # * 0.215 kg per USD (NAICS 334413, with margins) = 630.114 kg; u = 0.5: * 0.5923459 =
    # 373.245 .. * 1.5850487 = 998.761.
    assert (twd.method, twd.factor_code) == (Method.SPEND_BASED, "334413")
    assert (twd.kgco2e, twd.low_kgco2e, twd.high_kgco2e) == (
        Decimal("630.114"),
        Decimal("373.245"),
        Decimal("998.761"),
    )


def test_a_year_the_tables_do_not_hold_is_refused_with_its_reason(pack):
    twd, usd = only(
        pack,
        [
            spend_line(1, date=dt.date(2026, 2, 1), currency="TWD", naics="334413"),
            spend_line(2, date=dt.date(2026, 2, 1), currency="USD", naics="334413"),
        ],
    )
    assert twd.method == usd.method == Method.UNACCOUNTED
    assert twd.kgco2e == usd.kgco2e == Decimal("0.000")
    assert "no FX rate for TWD in 2026" in twd.reason
    assert "no USD price index for 2026" in usd.reason


# --- per-dataset uncertainty --------------------------------------------------------------------


def test_a_dataset_with_its_own_uncertainty_widens_the_range(pack):
    factor_dataset_trust_update(
        actor=system_user(),
        dataset=pack["freight"],
        reason="DESNZ freight factors are UK averages; our lanes are mostly Asia-Europe",
        relative_uncertainty=Decimal("0.5"),
    )
    pack["freight"].refresh_from_db()
    (air,) = only(
        pack, [spend_line(weight_kg=Decimal(2000), distance_km=Decimal(9000), mode="air")]
    )
    # 16,189.020 kg at u = 0.5 (* 0.5923459 .. * 1.5850487) instead of the method's u = 0.3.
    assert (air.low_kgco2e, air.high_kgco2e) == (Decimal("9589.499"), Decimal("25660.386"))
    assert air.relative_uncertainty == Decimal("0.5")


def test_only_trust_fields_change_with_a_reason_history_and_an_audit_event(pack):
    fx = pack["fx"]
    with pytest.raises(ValidationError):
        factor_dataset_trust_update(
            actor=system_user(), dataset=fx, reason=" ", relative_uncertainty=Decimal("0.1")
        )
    with pytest.raises(TypeError, match="version"):
        factor_dataset_trust_update(actor=system_user(), dataset=fx, reason="x", version="9")

    changed = factor_dataset_trust_update(
        actor=system_user(),
        dataset=fx,
        reason="annual averages hide intra-year swings",
        relative_uncertainty=Decimal("0.05"),
    )
    assert changed == ["relative_uncertainty"]
    fx.refresh_from_db()
    assert fx.relative_uncertainty == Decimal("0.0500") and fx.version == "2026.1"
    latest = fx.history.first()
    assert latest.history_change_reason == "annual averages hide intra-year swings"
    event = AuditEvent.objects.get(
        verb=AuditEvent.Verb.UPDATED, reason=latest.history_change_reason
    )
    assert event.details == {"relative_uncertainty": {"from": None, "to": "0.0500"}}
    # The same value again changes nothing and records nothing.
    assert (
        factor_dataset_trust_update(
            actor=system_user(), dataset=fx, reason="again", relative_uncertainty=Decimal("0.05")
        )
        == []
    )
    assert not AuditEvent.objects.filter(reason="again").exists()


def test_a_run_keeps_the_uncertainty_in_force_when_it_was_started():
    support.useeio()
    pack = support.reference_pack()
    support.worked_ledger(VendorFactory())
    earlier = inventory_run_start(actor=system_user(), year=2024, queue=False)
    factor_dataset_trust_update(
        actor=system_user(),
        dataset=pack["freight"],
        reason="wider range for air freight",
        relative_uncertainty=Decimal("0.5"),
    )
    inventory_run_execute(run=earlier)
    later = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2024, queue=False)
    )

    def air(run):
        return EmissionEstimate.objects.get(run=run, spend_line__external_id="L000004")

    # 2 t * 9,000 km * 0.5 kg = 9,000 kg: u = 0.3 for the run started before the change
    # (6,602.053 .. 11,988.049), u = 0.5 for the run started after it.
    assert (air(earlier).low_kgco2e, air(earlier).high_kgco2e) == (
        Decimal("6602.053"),
        Decimal("11988.049"),
    )
    assert (air(later).low_kgco2e, air(later).high_kgco2e) == (
        Decimal("5331.113"),
        Decimal("14265.439"),
    )


# --- admin ----------------------------------------------------------------------------------------


def change_url(dataset):
    return reverse("admin:scope3_factordataset_change", args=[dataset.pk])


def test_analyst_sets_a_datasets_uncertainty_in_the_admin_with_a_reason(client_for, analyst, pack):
    client = client_for(analyst)
    freight = pack["freight"]
    page = client.get(change_url(freight))
    assert page.status_code == 200
    body = page.content.decode()
    assert "https://www.gov.uk/government/publications/" in body and 'name="reason"' in body

    refused = client.post(change_url(freight), {"relative_uncertainty": "0.4", "notes": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    freight.refresh_from_db()
    assert freight.relative_uncertainty is None

    saved = client.post(
        change_url(freight),
        {"relative_uncertainty": "0.4", "notes": "lanes differ", "reason": "supplier lanes"},
    )
    assert saved.status_code == 302
    freight.refresh_from_db()
    assert (freight.relative_uncertainty, freight.notes) == (Decimal("0.4000"), "lanes differ")
    assert freight.history.first().history_change_reason == "supplier lanes"
    listing = client.get(reverse("admin:scope3_factordataset_changelist")).content.decode()
    assert "±40 %" in listing and "method default" in listing


def test_auditor_reads_a_dataset_but_cannot_change_its_uncertainty(client_for, auditor, pack):
    client = client_for(auditor)
    freight = pack["freight"]
    page = client.get(change_url(freight))
    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()
    response = client.post(
        change_url(freight), {"relative_uncertainty": "0.9", "notes": "", "reason": "no"}
    )
    assert response.status_code == 403
    freight.refresh_from_db()
    assert freight.relative_uncertainty is None


def test_an_estimate_links_to_its_factor_row_its_dataset_source_and_the_rates_it_used(
    client_for, analyst
):
    support.useeio()
    support.reference_pack()
    support.worked_ledger(VendorFactory())
    run = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2024, queue=False)
    )
    client = client_for(analyst)

    # L000001: 1,000 EUR of 2024 at NAICS 334413, converted at EUR 2024 and deflated 2024 -> 2022.
    eur = EmissionEstimate.objects.get(run=run, spend_line__external_id="L000001")
    page = client.get(reverse("admin:scope3_emissionestimate_change", args=[eur.pk]))
    body = page.content.decode()
    factor = EmissionFactor.objects.get(dataset=eur.factor_dataset, code="334413")
    assert reverse("admin:scope3_emissionfactor_change", args=[factor.pk]) in body
    assert reverse("admin:scope3_factordataset_change", args=[eur.factor_dataset_id]) in body
    used = ReferenceRate.objects.filter(
        key__in=["EUR", "US_GDP"], year__in=[2022, 2024]
    ).values_list("pk", flat=True)
    assert len(used) == 3
    for pk in used:
        assert reverse("admin:scope3_referencerate_change", args=[pk]) in body
    factor_page = client.get(reverse("admin:scope3_emissionfactor_change", args=[factor.pk]))
    assert factor_page.status_code == 200 and "0.215" in factor_page.content.decode()

    # L000004: air freight, an average-data line: its factor row, no FX or index.
    air = EmissionEstimate.objects.get(run=run, spend_line__external_id="L000004")
    body = client.get(
        reverse("admin:scope3_emissionestimate_change", args=[air.pk])
    ).content.decode()
    air_row = EmissionFactor.objects.get(dataset__kind="freight", code="air")
    assert reverse("admin:scope3_emissionfactor_change", args=[air_row.pk]) in body
    assert not re.search(r"/admin/scope3/referencerate/\d+/change/", body)


def test_the_estimate_list_links_each_line_to_its_factor_in_constant_queries(client_for, analyst):
    support.useeio()
    support.reference_pack()
    vendors = [VendorFactory() for _ in range(2)]
    support.big_ledger(vendors, 5)
    small = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2024, queue=False)
    )
    support.big_ledger(vendors, 60, start=1000)
    large = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2024, queue=False)
    )
    client = client_for(analyst)
    url = reverse("admin:scope3_emissionestimate_changelist")
    gpu = EmissionFactor.objects.get(dataset__kind="hardware", code="gpu")
    counts = []
    for run in (small, large):
        client.get(url, {"run__id__exact": run.pk})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"run__id__exact": run.pk})
        counts.append(len(queries))
        assert reverse("admin:scope3_emissionfactor_change", args=[gpu.pk]) in (
            response.content.decode()
        )
    assert counts[0] == counts[1]


def test_the_api_shows_each_datasets_uncertainty(client_for, auditor, pack):
    factor_dataset_trust_update(
        actor=system_user(),
        dataset=pack["waste"],
        reason="one WEEE mix for every device",
        relative_uncertainty=Decimal("0.6"),
    )
    client = client_for(auditor)
    waste = client.get(f"/api/v1/factor-datasets/{pack['waste'].pk}/").json()
    assert waste["relative_uncertainty"] == "0.6000"
    fx = client.get(f"/api/v1/factor-datasets/{pack['fx'].pk}/").json()
    assert fx["relative_uncertainty"] is None


def freight_table(tmp_path, uncertainty):
    path = tmp_path / "freight.csv"
    path.write_text(
        "\n".join(
            [
                "# kind: freight",
                "# name: Lane-specific freight",
                "# version: lanes-1",
                "# publisher: Test",
                "# unit: kg CO2e per tonne-km",
                f"# relative_uncertainty: {uncertainty}",
                "code,title,value,unit,source,source_url,notes",
                "air,Air freight,0.9,kg CO2e per tonne-km,Test table 1,https://example.org/t1,",
            ]
        )
        + "\n"
    )
    return path


def test_a_curated_table_may_state_its_own_uncertainty(tmp_path):
    call_command("import_factors", "--kind", "freight", freight_table(tmp_path, "0.25"))
    assert FactorDataset.objects.get(version="lanes-1").relative_uncertainty == Decimal("0.25")


def test_an_unreadable_uncertainty_is_refused_and_nothing_is_stored(tmp_path):
    with pytest.raises(CommandError, match="relative_uncertainty '30%'"):
        call_command("import_factors", "--kind", "freight", freight_table(tmp_path, "30%"))
    with pytest.raises(CommandError, match="must be between 0 and 10"):
        call_command("import_factors", "--kind", "freight", freight_table(tmp_path, "30"))
    assert not FactorDataset.objects.exists()
