"""The nightly reconciliation against the database: worked examples for each kind of flag,
idempotency, what happens to reviewed flags, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assurance.models import AuditEvent
from contracts.tests.factories import ContractFactory
from reconciliation.models import Asset, AssetImport, ReconciliationFlag
from reconciliation.services import flag_dismiss, flag_resolve, reconciliation_run
from reconciliation.tests.support import YEAR, accepted_disclosure, factor_pack, ledger
from vendors.models import EmissionsDisclosure
from vendors.tests.factories import VendorFactory

Kind = ReconciliationFlag.Kind
Status = ReconciliationFlag.Status
pytestmark = pytest.mark.django_db


def flags(kind):
    return {flag.key: flag for flag in ReconciliationFlag.objects.filter(kind=kind)}


@pytest.fixture
def pack(db):
    return factor_pack()


def inventory(*assets):
    from assurance.history import system_user

    record = AssetImport.objects.create(
        file_sha256=f"{len(assets):064d}",
        status=AssetImport.Status.IMPORTED,
        total_rows=len(assets),
        accepted_rows=len(assets),
        created_by=system_user(),
    )
    Asset.objects.bulk_create(
        Asset(
            asset_import=record,
            row_number=n + 2,
            asset_tag=f"T{n}",
            hardware_class=code,
            quantity=quantity,
            vendor=vendor,
            vendor_match="id" if vendor else "unmatched",
            in_service_date=when,
        )
        for n, (code, quantity, vendor, when) in enumerate(assets)
    )
    return record


# --- a. disclosure intensity -------------------------------------------------------------------


@pytest.fixture
def disclosures(pack):
    within = VendorFactory(name="Within Bounds Ltd", naics_code="334413")
    low = VendorFactory(name="Low Claims GmbH", naics_code="334413")
    high = VendorFactory(name="Heavy Servers Inc", naics_code="334111")
    return {
        # (300 + 200 market) t on 10 M USD = 50 t/M; factor 0.215 -> 215 t/M; 50/215 = 0.2326.
        "within": accepted_disclosure(
            within,
            scope1_tco2e=D(300),
            scope2_market_tco2e=D(200),
            scope2_location_tco2e=D(900),
            revenue=D(10_000_000),
            revenue_currency="USD",
        ),
        # (100 + 50 location) t on 8 M EUR = 10 M USD at 0.8: 15 t/M; 15/215 = 0.0698 < 0.2.
        "low": accepted_disclosure(
            low,
            scope1_tco2e=D(100),
            scope2_location_tco2e=D(50),
            revenue=D(8_000_000),
            revenue_currency="EUR",
        ),
        # (400 + 100) t on 1 M USD = 500 t/M; factor 0.058 -> 58 t/M; 500/58 = 8.6207 > 5.
        "high": accepted_disclosure(
            high,
            scope1_tco2e=D(400),
            scope2_market_tco2e=D(100),
            revenue=D(1_000_000),
            revenue_currency="USD",
        ),
        # Superseded disclosures are not reconciled, however far off.
        "superseded": accepted_disclosure(
            high,
            status=EmissionsDisclosure.Status.SUPERSEDED,
            scope1_tco2e=D(90000),
            revenue=D(1_000_000),
            revenue_currency="USD",
        ),
    }


def test_disclosure_intensity_flags_only_what_is_outside_the_bounds(disclosures):
    reconciliation_run(year=YEAR)

    found = flags(Kind.DISCLOSURE_INTENSITY)
    assert set(found) == {
        f"disclosure:{disclosures['low'].pk}",
        f"disclosure:{disclosures['high'].pk}",
    }
    low = found[f"disclosure:{disclosures['low'].pk}"]
    assert low.status == Status.OPEN
    assert low.vendor == disclosures["low"].vendor
    assert low.target == disclosures["low"]
    assert low.reporting_year == YEAR
    assert low.details["ratio"] == "0.0698"
    assert low.details["revenue_usd"] == "10000000.00"
    assert "0.0698 times the spend-based estimate of 215" in low.summary
    assert found[f"disclosure:{disclosures['high'].pk}"].details["ratio"] == "8.6207"
    # The within-bounds vendor has no flag at all.
    assert not ReconciliationFlag.objects.filter(vendor=disclosures["within"].vendor).exists()


def test_a_flag_back_within_bounds_is_resolved_with_a_note(disclosures, settings):
    reconciliation_run(year=YEAR)
    settings.RECONCILIATION_INTENSITY_LOW = "0.05"  # 0.0698 is now inside

    summary = reconciliation_run(year=YEAR, today=dt.date(2026, 2, 1))

    flag = flags(Kind.DISCLOSURE_INTENSITY)[f"disclosure:{disclosures['low'].pk}"]
    assert flag.status == Status.RESOLVED
    assert flag.note.startswith("Resolved by reconciliation on 2026-02-01: back within bounds")
    assert summary.resolved == 1
    assert (
        flag.history.first().history_change_reason == "resolved by reconciliation: no longer found"
    )


def test_a_superseded_disclosure_flag_is_resolved(disclosures):
    reconciliation_run(year=YEAR)
    EmissionsDisclosure.objects.filter(pk=disclosures["high"].pk).update(
        status=EmissionsDisclosure.Status.SUPERSEDED
    )

    reconciliation_run(year=YEAR)

    flag = flags(Kind.DISCLOSURE_INTENSITY)[f"disclosure:{disclosures['high'].pk}"]
    assert flag.status == Status.RESOLVED
    assert "no longer an accepted disclosure" in flag.note


def test_without_a_spend_based_dataset_disclosure_flags_are_left_alone(disclosures):
    from scope3.models import EmissionFactor, FactorDataset

    reconciliation_run(year=YEAR)
    useeio = FactorDataset.objects.get(kind="useeio")
    EmissionFactor.objects.filter(dataset=useeio).delete()
    FactorDataset.objects.filter(pk=useeio.pk).delete()

    summary = reconciliation_run(year=YEAR)

    assert {f.status for f in flags(Kind.DISCLOSURE_INTENSITY).values()} == {Status.OPEN}
    assert "no spend-based factor dataset: disclosures not compared" in summary.notes


# --- b. spend without a contract ---------------------------------------------------------------


def test_spend_above_the_threshold_without_a_contract(pack):
    uncovered = VendorFactory(name="Uncovered Hardware")
    covered = VendorFactory(name="Covered Hardware")
    drafted = VendorFactory(name="Draft Only Hardware")
    small = VendorFactory(name="Small Hardware")
    ContractFactory(vendor=covered, start_date=dt.date(2024, 7, 1), end_date=dt.date(2025, 6, 30))
    ContractFactory(vendor=drafted, status="draft")
    ledger(
        # 60,000 USD + 40,000 EUR / 0.8 = 110,000 USD > 100,000: flagged.
        {"vendor": uncovered, "amount": "60000"},
        {"vendor": uncovered, "amount": "40000", "currency": "EUR"},
        # 150,000 USD under a contract that ran until mid-2025: fine.
        {"vendor": covered, "amount": "150000"},
        # 150,000 USD and only a draft contract: flagged.
        {"vendor": drafted, "amount": "150000"},
        # 120,000 USD less a 30,000 credit note = 90,000: under the threshold.
        {"vendor": small, "amount": "120000"},
        {"vendor": small, "amount": "-30000"},
        # Last year's spend does not count for this year.
        {"vendor": small, "amount": "500000", "date": dt.date(YEAR - 1, 12, 31)},
    )

    reconciliation_run(year=YEAR)

    found = flags(Kind.SPEND_WITHOUT_CONTRACT)
    assert set(found) == {f"vendor:{uncovered.pk}:{YEAR}", f"vendor:{drafted.pk}:{YEAR}"}
    flag = found[f"vendor:{uncovered.pk}:{YEAR}"]
    assert flag.details["spend_usd"] == "110000.00"
    assert flag.details["spend_by_currency"] == {"EUR": "40000.0000", "USD": "60000.0000"}
    assert flag.target == uncovered
    assert "110,000 USD of spend in 2025 over 2 ledger lines" in flag.summary


# --- c. ledger vendors missing from the vendor master ------------------------------------------


def test_unmatched_ledger_vendors_one_flag_per_normalised_name(pack):
    VendorFactory(name="Acme Accelerators")
    ledger(
        {"vendor_name": "Globex Corporation", "amount": "1000"},
        {"vendor_name": "GLOBEX Corp.", "amount": "500"},
        {"vendor_name": "Initech", "amount": "200", "currency": "EUR"},
        # Added to the master after the import: no longer missing.
        {"vendor_name": "Acme Accelerators, Inc.", "amount": "99"},
    )

    reconciliation_run(year=YEAR)

    found = flags(Kind.VENDOR_NOT_IN_MASTER)
    assert set(found) == {f"ledger-vendor:{YEAR}:globex", f"ledger-vendor:{YEAR}:initech"}
    globex = found[f"ledger-vendor:{YEAR}:globex"]
    # 1,000 + 500 USD over two lines and two spellings.
    assert globex.details["lines"] == 2
    assert globex.details["spend_usd"] == "1500.00"
    assert globex.details["names"] == ["GLOBEX Corp.", "Globex Corporation"]
    assert globex.vendor is None
    # 200 EUR / 0.8 = 250 USD.
    assert found[f"ledger-vendor:{YEAR}:initech"].details["spend_usd"] == "250.00"


# --- d. hardware quantities against the asset inventory ----------------------------------------


def test_hardware_quantities_against_the_inventory(pack):
    hyper = VendorFactory(name="Hyper Racks")
    tensor = VendorFactory(name="Tensor Works")
    ledger(
        # 16 GPUs bought, 2 returned (credit note): 14.
        {"vendor": hyper, "amount": "400000", "quantity": D(16), "hardware_class": "GPU "},
        {"vendor": hyper, "amount": "-50000", "quantity": D(2), "hardware_class": "gpu"},
        # 10 servers bought.
        {"vendor": hyper, "amount": "90000", "quantity": D(10), "hardware_class": "server"},
        # 100 TPUs bought.
        {"vendor": tensor, "amount": "80000", "quantity": D(100), "hardware_class": "tpu"},
    )
    inventory(
        ("gpu", 10, hyper, dt.date(YEAR, 2, 1)),
        ("gpu", 4, hyper, dt.date(YEAR, 9, 1)),
        ("server", 6, hyper, dt.date(YEAR, 3, 1)),
        # 96 of 100: a difference of 4, within 5 % of 100.
        ("tpu", 96, tensor, dt.date(YEAR, 5, 1)),
        # In service since last year: not this year's purchases.
        ("server", 40, hyper, dt.date(YEAR - 1, 5, 1)),
    )

    reconciliation_run(year=YEAR)

    # gpu 14 = 14; server 10 vs 6: 4 > max(0 units, 5 % of 10); tpu 4 <= 5.
    found = flags(Kind.ASSET_QUANTITY_MISMATCH)
    assert set(found) == {f"hardware:server:vendor:{hyper.pk}:{YEAR}"}
    flag = found[f"hardware:server:vendor:{hyper.pk}:{YEAR}"]
    assert (flag.details["ledger_units"], flag.details["inventory_units"]) == ("10.0000", "6")
    assert flag.vendor == hyper


def test_ledger_words_count_under_the_factor_code_the_vocabulary_maps_them_to(pack):
    # The register names classes by factor code ("gpu"); the ledger writes "graphics card",
    # which the analyst's vocabulary maps to "gpu": 6 + 8 = 14 ledger GPUs against 14 in the
    # register, so no flag; without the mapping the 8 would be a class of their own.
    from scope3.models import VocabularyTerm

    hyper = VendorFactory(name="Hyper Racks")
    VocabularyTerm.objects.create(kind="hardware", word="graphics card", target_code="gpu")
    ledger(
        {"vendor": hyper, "amount": "100000", "quantity": D(6), "hardware_class": "gpu"},
        {"vendor": hyper, "amount": "200000", "quantity": D(8), "hardware_class": "Graphics Card"},
    )
    inventory(("gpu", 14, hyper, dt.date(YEAR, 2, 1)))

    reconciliation_run(year=YEAR)

    assert not flags(Kind.ASSET_QUANTITY_MISMATCH)


def test_without_an_inventory_hardware_is_not_compared(pack):
    ledger({"vendor": VendorFactory(), "amount": "10", "quantity": D(3), "hardware_class": "gpu"})

    summary = reconciliation_run(year=YEAR)

    assert not flags(Kind.ASSET_QUANTITY_MISMATCH)
    assert "no asset inventory has been imported: hardware not compared" in summary.notes


# --- idempotency and reviewed flags ------------------------------------------------------------


@pytest.fixture
def world(disclosures):
    uncovered = VendorFactory(name="Uncovered Hardware")
    ledger(
        {"vendor": uncovered, "amount": "109999"},  # + 1 below: 110,000 USD
        {"vendor_name": "Globex Corporation", "amount": "1000"},
        {"vendor": uncovered, "amount": "1", "quantity": D(5), "hardware_class": "gpu"},
    )
    inventory(("gpu", 3, uncovered, dt.date(YEAR, 1, 10)))
    return {"uncovered": uncovered, **disclosures}


def _state():
    return sorted(ReconciliationFlag.objects.values_list("pk", "kind", "key", "status", "summary"))


def test_running_twice_gives_the_same_flags_and_no_new_history(world):
    first = reconciliation_run(year=YEAR)
    state = _state()
    history = ReconciliationFlag.history.count()

    second = reconciliation_run(year=YEAR)

    assert first.created == 5  # 2 disclosures, spend, unmatched name, gpu mismatch
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert _state() == state
    assert ReconciliationFlag.history.count() == history
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.RECONCILED).count() == 2


def test_a_dismissed_flag_stays_dismissed_until_its_figures_change_materially(
    world, officer, settings
):
    reconciliation_run(year=YEAR)
    key = f"vendor:{world['uncovered'].pk}:{YEAR}"
    flag_dismiss(
        actor=officer, flag=flags(Kind.SPEND_WITHOUT_CONTRACT)[key], reason="framework agreement"
    )

    # 110,000 -> 112,000 USD: 1.8 %, not material.
    ledger({"vendor": world["uncovered"], "amount": "2000"})
    reconciliation_run(year=YEAR)
    flag = flags(Kind.SPEND_WITHOUT_CONTRACT)[key]
    assert flag.status == Status.DISMISSED
    assert flag.note == "framework agreement"
    assert flag.details["spend_usd"] == "110000.00"  # the figures it was dismissed on

    # 110,000 -> 200,000 USD: 81.8 %, material.
    ledger({"vendor": world["uncovered"], "amount": "88000"})
    summary = reconciliation_run(year=YEAR, today=dt.date(2026, 1, 5))
    flag = flags(Kind.SPEND_WITHOUT_CONTRACT)[key]
    assert flag.status == Status.OPEN
    assert flag.details["spend_usd"] == "200000.00"
    assert flag.note == (
        "Reopened by reconciliation on 2026-01-05: found again after being dismissed "
        "(figure 110,000 → 200,000)."
    )
    assert summary.reopened == 1


def test_a_resolved_flag_found_again_is_reopened(world, officer):
    reconciliation_run(year=YEAR)
    flag = flags(Kind.VENDOR_NOT_IN_MASTER)[f"ledger-vendor:{YEAR}:globex"]
    flag_resolve(actor=officer, flag=flag, note="asked AP to map Globex")

    reconciliation_run(year=YEAR)

    flag.refresh_from_db()
    assert flag.status == Status.OPEN
    assert "found again after being resolved" in flag.note


def test_flags_no_longer_found_are_resolved_and_other_years_untouched(world):
    reconciliation_run(year=YEAR)
    reconciliation_run(year=YEAR - 1)  # nothing in 2024: the 2025 flags stay as they are
    assert set(ReconciliationFlag.objects.values_list("status", flat=True)) == {Status.OPEN}
    # The unmatched vendor is added to the master: its flag is resolved on the next run.
    VendorFactory(name="Globex")

    reconciliation_run(year=YEAR)

    flag = flags(Kind.VENDOR_NOT_IN_MASTER)[f"ledger-vendor:{YEAR}:globex"]
    assert flag.status == Status.RESOLVED
    assert "now in the vendor master" in flag.note


def test_a_run_that_raced_another_finds_the_flags_it_raised_and_creates_none(world, monkeypatch):
    from reconciliation import selectors

    reconciliation_run(year=YEAR)  # the other run, committed first
    state = _state()
    real, calls = selectors.flags_of_year, []

    def read_before_the_other_committed(**kwargs):
        calls.append(kwargs)
        flags_read = real(**kwargs)
        return flags_read.none() if len(calls) == 1 else flags_read

    monkeypatch.setattr(selectors, "flags_of_year", read_before_the_other_committed)

    summary = reconciliation_run(year=YEAR)

    assert len(calls) == 2  # the unique (kind, key) refused the duplicates; the retry found them
    assert (summary.created, summary.unchanged) == (0, 5)
    assert _state() == state


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_raise_each_flag_once(pack):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers with a database lock, so two threads cannot race here; "
            "the interleaved test above covers the retry, and this runs on PostgreSQL"
        )
    _grow(10)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            reconciliation_run(year=YEAR)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # 10 vendors x (intensity, spend, stranger, gpu 3 vs 1), each raised once.
    assert ReconciliationFlag.objects.count() == 40
    assert ReconciliationFlag.history.filter(history_type="+").count() == 40


# --- query count -------------------------------------------------------------------------------


def _grow(n):
    vendors = [VendorFactory(naics_code="334413") for _ in range(n)]
    specs = []
    for index, vendor in enumerate(vendors):
        accepted_disclosure(vendor, scope1_tco2e=D(1), revenue=D(1_000_000), revenue_currency="EUR")
        specs += [
            {"vendor": vendor, "amount": "200000"},
            {"vendor": vendor, "amount": "10", "currency": "EUR"},
            {"vendor_name": f"Stranger {index}", "amount": "5"},
            {"vendor": vendor, "amount": "1", "quantity": D(3), "hardware_class": "gpu"},
        ]
    ledger(*specs)
    inventory(*[("gpu", 1, vendor, dt.date(YEAR, 1, 2)) for vendor in vendors])


@pytest.mark.parametrize("run", ["first", "again"])
def test_queries_do_not_grow_with_vendors_lines_and_flags(pack, run):
    # Warm the content-type cache, as any running process has it.
    _grow(1)
    reconciliation_run(year=YEAR)
    ReconciliationFlag.history.all().delete()
    ReconciliationFlag.objects.all().delete()
    counts = []
    # Sizes chosen within one insert batch: SQLite takes at most 999 parameters per statement,
    # so bulk inserts add one statement per few dozen new flags, never one per flag.
    for size in (2, 10):
        _grow(size)
        if run == "again":
            reconciliation_run(year=YEAR)
        with CaptureQueriesContext(connection) as queries:
            reconciliation_run(year=YEAR)
        counts.append(len(queries))
        ReconciliationFlag.history.all().delete()
        ReconciliationFlag.objects.all().delete()

    assert counts[0] == counts[1], counts
    # 20, plus the hardware codes (2) and the vocabulary (1) that map ledger words to classes.
    assert counts[1] <= 23
