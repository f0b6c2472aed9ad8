"""Inventory runs end to end: pins, chunks, idempotency, stale reclaim, reproducibility, export."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance.history import system_user
from assurance.models import AuditEvent
from scope3.models import EmissionEstimate, InventoryChunk, InventoryRun
from scope3.selectors import inventory_run_restatement
from scope3.services import (
    inventory_chunk_process,
    inventory_run_execute,
    inventory_run_finish,
    inventory_run_plan,
    inventory_run_reap,
    inventory_run_start,
)
from scope3.tests import runs_support as support
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack():
    return {"useeio": support.useeio(), **support.reference_pack()}


@pytest.fixture
def vendor():
    return VendorFactory(name="Acme Silicon", naics_code="334413")


def start(year=2024, pins=None, chunk_lines=None):
    return inventory_run_start(
        actor=system_user(), year=year, pins=pins, chunk_lines=chunk_lines, queue=False
    )


def run_sync(**kwargs):
    return inventory_run_execute(run=start(**kwargs))


def by_line(run):
    return {
        e.spend_line.external_id: e
        for e in EmissionEstimate.objects.filter(run=run).select_related("spend_line")
    }


def fingerprint(run):
    return set(
        EmissionEstimate.objects.filter(run=run).values_list(
            "spend_line_id", "kgco2e", "low_kgco2e", "high_kgco2e", "dq", "method"
        )
    )


def test_worked_ledger_totals_and_lines_match_the_hand_computed_values(pack, vendor):
    support.worked_ledger(vendor)

    run = run_sync(chunk_lines=7)

    # See runs_support.worked_ledger for the arithmetic.
    assert run.status == InventoryRun.Status.COMPLETED
    assert (run.lines_total, run.chunks_total, run.chunks_done) == (30, 5, 5)
    assert run.total_kgco2e == Decimal("12371.800")
    assert run.low_kgco2e == Decimal("12371.800") - Decimal("2513.164")
    assert run.high_kgco2e == Decimal("12371.800") + Decimal("3144.296")
    assert run.uncertainty_method == "analytic" and run.method_version == 2
    assert run.plan["summary"]["sources"] == 3
    assert run.unaccounted_amount == {"USD": "500.0000"}
    lines = by_line(run)
    assert len(lines) == 30 and "L000030" not in lines  # 2023 is not in the 2024 run
    usd, eur, default, gpus, air, lost = (lines[f"L00000{n}"] for n in range(6))
    # DQ of a spend line: technology 4, temporal 1 (2022 factors, 2024 purchase), geography 3
    # (the test dataset names no region: a global average for a US vendor), completeness 3,
    # reliability 3 -> mean 2.8 -> 3.
    assert (usd.method, usd.kgco2e, usd.low_kgco2e, usd.high_kgco2e) == (
        "spend_based",
        Decimal("172.000"),
        Decimal("101.883"),
        Decimal("272.628"),
    )
    assert (usd.dq, usd.dq_indicators) == (3, "41333")
    assert usd.source_key == "factor:useeio:t1:334413"
    assert usd.factor_dataset == pack["useeio"] and usd.factor_code == "334413"
    assert (eur.kgco2e, eur.low_kgco2e, eur.high_kgco2e) == (
        Decimal("215.000"),
        Decimal("127.354"),
        Decimal("340.785"),
    )
    assert (default.kgco2e, default.dq_indicators) == (Decimal("172.000"), "51333")
    # GPUs: technology 3, temporal 5 (the test dataset has no year), geography 3,
    # completeness 3, reliability 3 -> 3.4 -> 4.
    assert (gpus.method, gpus.kgco2e, gpus.low_kgco2e, gpus.dq) == (
        "average_data",
        Decimal("2400.000"),
        Decimal("1760.547"),
        4,
    )
    assert gpus.factor_dataset == pack["hardware"]
    assert (air.category, air.method, air.kgco2e) == (4, "average_data", Decimal("9000.000"))
    assert air.factor_dataset == pack["freight"]
    assert (lost.method, lost.kgco2e, lost.dq) == ("unaccounted", Decimal("0.000"), None)
    assert "no NAICS code on the line or its vendor" in lost.reason
    assert lines["L000029"].kgco2e == Decimal("17.200")
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.ESTIMATED, target_id=str(run.pk)).exists()


def test_the_run_history_names_who_started_it(pack, vendor):
    support.worked_ledger(vendor)
    run = run_sync()
    records = list(run.history.order_by("history_date"))
    assert records[0].history_user == system_user()
    assert records[-1].status == "completed"


def test_processing_a_chunk_twice_stores_it_once_and_counts_it_once(pack, vendor):
    support.worked_ledger(vendor)
    run = inventory_run_plan(run_id=start(chunk_lines=10).pk, queue=False)
    chunk = run.chunks.get(index=0)

    first = inventory_chunk_process(chunk_id=chunk.pk, worker="w1", queue=False)
    again = inventory_chunk_process(chunk_id=chunk.pk, worker="w2", queue=False)

    assert (first.status, first.estimates) == ("done", 10)
    assert again.status == "not claimed"
    assert EmissionEstimate.objects.filter(chunk=chunk).count() == 10
    run.refresh_from_db()
    assert run.chunks_done == 1


def test_a_chunk_left_running_by_a_dead_worker_is_reclaimed_after_the_stale_timeout(pack, vendor):
    support.worked_ledger(vendor)
    uninterrupted = run_sync(chunk_lines=10)
    run = inventory_run_plan(run_id=start(chunk_lines=10).pk, queue=False)
    dead = run.chunks.get(index=1)
    # A worker claimed it and died before committing anything.
    InventoryChunk.objects.filter(pk=dead.pk).update(
        status="running", claimed_at=timezone.now(), claimed_by="dead-worker"
    )
    for chunk in run.chunks.exclude(pk=dead.pk):
        inventory_chunk_process(chunk_id=chunk.pk, worker="w1", queue=False)

    assert inventory_chunk_process(chunk_id=dead.pk, worker="w2", queue=False).status == (
        "not claimed"
    )
    assert inventory_run_finish(run_id=run.pk) is None  # one chunk is missing
    assert inventory_run_reap(run_id=run.pk, queue=False) == []  # not stale yet

    later = timezone.now() + dt.timedelta(seconds=901)
    assert inventory_run_reap(run_id=run.pk, queue=False, now=lambda: later) == [dead.pk]
    outcome = inventory_chunk_process(chunk_id=dead.pk, worker="w2", queue=False, now=lambda: later)
    assert outcome.status == "done" and outcome.run_complete
    run = inventory_run_finish(run_id=run.pk)

    assert run.status == "completed" and run.chunks_done == run.chunks_total == 3
    assert (run.total_kgco2e, run.low_kgco2e, run.high_kgco2e) == (
        uninterrupted.total_kgco2e,
        uninterrupted.low_kgco2e,
        uninterrupted.high_kgco2e,
    )
    assert EmissionEstimate.objects.filter(run=run).count() == 30


def test_a_slow_worker_whose_chunk_was_reclaimed_discards_its_work(pack, vendor):
    support.worked_ledger(vendor)
    run = inventory_run_plan(run_id=start(chunk_lines=30).pk, queue=False)
    chunk = run.chunks.get()
    long_ago = timezone.now() - dt.timedelta(hours=1)
    InventoryChunk.objects.filter(pk=chunk.pk).update(
        status="running", claimed_at=long_ago, claimed_by="slow"
    )
    # The new worker takes it over; the slow one's conditional "done" then matches nothing.
    assert inventory_chunk_process(chunk_id=chunk.pk, worker="fresh", queue=False).status == (
        "done"
    )
    done = InventoryChunk.objects.filter(pk=chunk.pk, status="running", claimed_by="slow")
    assert done.update(status="done") == 0
    run.refresh_from_db()
    assert run.chunks_done == 1


def test_redoing_a_chunk_replaces_its_estimates(pack, vendor):
    support.worked_ledger(vendor)
    run = inventory_run_plan(run_id=start(chunk_lines=30).pk, queue=False)
    chunk = run.chunks.get()
    inventory_chunk_process(chunk_id=chunk.pk, worker="w1", queue=False)
    # As if the done transition were lost (e.g. an operator reset it): the chunk is redone.
    InventoryChunk.objects.filter(pk=chunk.pk).update(status="pending")
    InventoryRun.objects.filter(pk=run.pk).update(chunks_done=0)
    inventory_chunk_process(chunk_id=chunk.pk, worker="w2", queue=False)
    assert EmissionEstimate.objects.filter(run=run).count() == 30


def test_chunk_processing_queries_do_not_grow_with_the_lines(pack):
    vendors = [VendorFactory() for _ in range(3)]
    support.big_ledger(vendors, 60)
    small = inventory_run_plan(run_id=start(chunk_lines=10).pk, queue=False)
    support.big_ledger(vendors, 600, start=1000)
    large = inventory_run_plan(run_id=start(chunk_lines=400).pk, queue=False)

    def queries(run):
        first, second = run.chunks.order_by("index")[:2]
        with CaptureQueriesContext(connection) as cold:
            inventory_chunk_process(chunk_id=first.pk, worker="w", queue=False)
        # A worker's next chunk of the same run reuses the loaded factors.
        with CaptureQueriesContext(connection) as warm:
            inventory_chunk_process(chunk_id=second.pk, worker="w", queue=False)
        return len(cold), len(warm)

    small_cold, small_warm = queries(small)  # 10 lines a chunk
    large_cold, large_warm = queries(large)  # 400 lines a chunk
    assert small_cold == large_cold <= 25
    assert small_warm == large_warm <= 12


def test_two_runs_of_the_same_lines_and_pins_are_identical_to_the_digit(pack, vendor):
    support.worked_ledger(vendor)
    first = run_sync(chunk_lines=4)
    second = run_sync(chunk_lines=13)
    assert fingerprint(first) == fingerprint(second)
    assert len(fingerprint(first)) == 30
    assert (first.total_kgco2e, first.low_kgco2e) == (second.total_kgco2e, second.low_kgco2e)


def test_runs_pin_the_highest_version_unless_told_otherwise(pack, vendor):
    newer = support.useeio(version="t2", factor_334413="0.430")
    support.worked_ledger(vendor)

    default = run_sync()
    pinned = run_sync(pins={"useeio": "t1"})

    assert default.pins["useeio"] == "t2" and newer in default.datasets.all()
    assert pinned.pins["useeio"] == "t1" and pack["useeio"] in pinned.datasets.all()
    assert by_line(default)["L000000"].kgco2e == Decimal("344.000")  # 800 * 0.430
    assert by_line(pinned)["L000000"].kgco2e == Decimal("172.000")


def test_an_unknown_version_or_kind_is_refused_and_no_run_is_stored(pack):
    with pytest.raises(ValidationError, match=r"no useeio factor dataset version '9\.9'"):
        start(pins={"useeio": "9.9"})
    with pytest.raises(ValidationError, match="unknown factor kind 'nope'"):
        start(pins={"nope": "1"})
    assert not InventoryRun.objects.exists()


def test_a_run_without_any_spend_dataset_is_refused():
    support.reference_pack()
    with pytest.raises(ValidationError, match="No spend-based factor dataset"):
        start()


def test_restatement_shows_a_changed_factor_version(pack, vendor):
    support.worked_ledger(vendor)
    old = run_sync(pins={"useeio": "t1"})
    support.useeio(version="t2", factor_334413="0.430")
    new = run_sync()

    rows = inventory_run_restatement(run=new)

    row = next(r for r in rows if r.vendor_id == vendor.pk and r.category == 1)
    # Spend-based kg of the vendor's category-1 lines doubles: 172 + 215 + 172 + 412.8 = 971.8.
    assert row.old_kgco2e == Decimal("3371.800")  # + 2,400 kg of GPUs, unchanged
    assert row.new_kgco2e == Decimal("3371.800") + Decimal("971.800")
    assert row.reasons == ["new factor version: useeio t1 → t2"]
    assert all(r.vendor_id != vendor.pk or r.category != 4 for r in rows)  # air: unchanged
    assert inventory_run_restatement(run=old) == []


def test_command_sync_writes_the_csv_with_formula_safe_text(pack, vendor, tmp_path):
    source = support.batch()
    support.SpendLine.objects.bulk_create(
        [support.line(source, 0, vendor=vendor), support.line(source, 1, naics="")]
    )
    support.SpendLine.objects.filter(external_id="L000001").update(external_id="=HYPERLINK(1)")
    out = tmp_path / "results.csv"

    call_command("estimate_scope3", "--year", "2024", "--sync", "--output", str(out))

    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == [
        "external_id",
        "category",
        "method",
        "kgco2e",
        "low_kgco2e",
        "high_kgco2e",
        "dq",
        "factor_dataset",
        "factor_version",
        "factor_code",
        "reason",
    ]
    assert rows[0]["external_id"] == "L000000"
    # 100 USD of 2024 * 0.8 (to 2022 USD) * 0.215 = 17.2 kg; u = 0.5: low 17.2 * 0.5923459.
    assert (rows[0]["kgco2e"], rows[0]["low_kgco2e"], rows[0]["dq"]) == ("17.200", "10.188", "3")
    assert (rows[0]["factor_version"], rows[0]["factor_code"]) == ("t1", "334413")
    assert rows[1]["external_id"] == "'=HYPERLINK(1)"
    assert rows[1]["method"] == "unaccounted"


def test_command_refuses_an_unknown_pin_clearly(pack):
    with pytest.raises(CommandError, match="no fx factor dataset version '1999'"):
        call_command("estimate_scope3", "--year", "2024", "--sync", "--factors", "fx=1999")
    with pytest.raises(CommandError, match="KIND=VERSION"):
        call_command("estimate_scope3", "--year", "2024", "--sync", "--factors", "fx")


def test_command_resume_sync_finishes_a_run_a_dead_worker_left(pack, vendor):
    support.worked_ledger(vendor)
    run = inventory_run_plan(run_id=start(chunk_lines=10).pk, queue=False)
    InventoryChunk.objects.filter(run=run, index=0).update(
        status="running", claimed_at=timezone.now(), claimed_by="dead"
    )
    call_command("estimate_scope3", "--resume", str(run.pk), "--sync")
    run.refresh_from_db()
    assert run.status == "completed" and run.total_kgco2e == Decimal("12371.800")
