"""``inventory_run_execute`` on PostgreSQL processes chunks in threads, with the same results.

Threads overlap one chunk's computation with another chunk's storing (PostgreSQL checks the
estimates' foreign keys at commit). Chunks are claimed and counted exactly as between Celery
workers, so the run must equal a one-chunk-at-a-time run line for line. SQLite has one writer
at a time and always runs chunks one after another: the test is skipped there.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from assurance.history import system_user
from scope3.models import EmissionEstimate, InventoryRun
from scope3.services import inventory_run_execute, inventory_run_start
from scope3.services import runs as runs_service
from scope3.tests import runs_support as support
from vendors.tests.factories import VendorFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="chunks run in threads on PostgreSQL only"
    ),
]


def _run(chunk_lines):
    run = inventory_run_start(actor=system_user(), year=2024, chunk_lines=chunk_lines, queue=False)
    return inventory_run_execute(run=run)


def _lines(run):
    return set(
        EmissionEstimate.objects.filter(run=run).values_list(
            "spend_line_id", "category", "method", "kgco2e", "low_kgco2e", "high_kgco2e", "dq"
        )
    )


def test_threaded_run_equals_a_serial_run(settings, monkeypatch):
    support.useeio()
    support.reference_pack()
    vendor = VendorFactory(name="Acme Silicon", naics_code="334413")
    support.worked_ledger(vendor)
    threads = set()
    in_thread = runs_service._chunk_process_in_thread

    def recording(chunk_id, **kwargs):
        threads.add(threading.current_thread().name)
        return in_thread(chunk_id, **kwargs)

    monkeypatch.setattr(runs_service, "_chunk_process_in_thread", recording)

    settings.SCOPE3_SYNC_WORKERS = 1
    serial = _run(chunk_lines=4)
    assert threads == set()

    settings.SCOPE3_SYNC_WORKERS = 3
    threaded = _run(chunk_lines=4)

    assert len(threads) > 1
    assert threaded.status == InventoryRun.Status.COMPLETED
    assert (threaded.chunks_done, threaded.chunks_total) == (serial.chunks_total,) * 2
    assert EmissionEstimate.objects.filter(run=threaded).count() == threaded.lines_total
    assert _lines(threaded) == _lines(serial)
    assert (threaded.total_kgco2e, threaded.low_kgco2e, threaded.high_kgco2e) == (
        serial.total_kgco2e,
        serial.low_kgco2e,
        serial.high_kgco2e,
    )
    assert threaded.unaccounted_amount == serial.unaccounted_amount
