"""Progress of long Scope 3 work: the JSON status the run and import-batch pages poll (values and
who may read it), and the commands' progress bars: a bar on a terminal, the lines of before in a
log or pipe, nothing at -v 0."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from assurance.history import system_user
from scope3.models import ImportBatch, InventoryChunk, InventoryRun
from scope3.services import inventory_run_start
from scope3.services.runs import inventory_chunk_process, inventory_run_finish, inventory_run_plan
from scope3.tests import runs_support as support
from scope3.tests.spend_files import row, write_csv
from scope3.tests.test_import_factors import GOOD_ROW, HEADER, OTHER_ROW
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Terminal(StringIO):
    """What a command writes when its stdout is a terminal."""

    def isatty(self):
        return True


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def ledger():
    """The worked ledger: 30 lines of 2024, three chunks of 10."""
    pack = {"useeio": support.useeio(), **support.reference_pack()}
    support.worked_ledger(VendorFactory(name="Acme Silicon"))
    return pack


def progress_url(run) -> str:
    return f"/admin/scope3/inventoryrun/{run.pk}/progress/"


def test_a_runs_progress_counts_chunks_with_elapsed_and_estimated_time(client_for, analyst, ledger):
    with time_machine.travel(T0, tick=False) as clock:
        run = inventory_run_start(actor=system_user(), year=2024, queue=False, chunk_lines=10)
        client = client_for(analyst)
        assert client.get(progress_url(run)).json() == {
            "status": "pending",
            "status_label": "Pending",
            "done": False,
            "failed": False,
            "value": 0,
            "max": 0,
            "unit": "chunks",
            "percent": 0,
            "note": "Waiting for a worker to plan the run",
            "started_at": None,
            "finished_at": None,
            "elapsed_seconds": None,
            "remaining_seconds": None,
            "text": "Waiting for a worker to plan the run",
        }
        inventory_run_plan(run_id=run.pk, queue=False)
        chunks = list(InventoryChunk.objects.filter(run=run).order_by("index"))
        clock.shift(42)
        inventory_chunk_process(chunk_id=chunks[0].pk, worker="test", queue=False)
        body = client.get(progress_url(run)).json()
        # 42 s for one chunk: about 84 s for the two left.
        assert (body["value"], body["max"], body["percent"], body["done"]) == (1, 3, 33, False)
        assert (body["elapsed_seconds"], body["remaining_seconds"]) == (42, 84)
        assert body["text"] == "1 of 3 chunks (33 %), elapsed 0:42, about 1:24 left"
        clock.shift(20)
        for chunk in chunks[1:]:
            inventory_chunk_process(chunk_id=chunk.pk, worker="test", queue=False)
        inventory_run_finish(run_id=run.pk)
        clock.shift(30)  # time taken stays what it took
        response = client.get(progress_url(run))
    body = response.json()
    assert "no-store" in response["Cache-Control"]
    assert (body["status"], body["done"], body["percent"]) == ("completed", True, 100)
    assert body["text"] == "3 of 3 chunks (100 %), took 1:02"


def test_a_failed_run_says_so(client_for, analyst, ledger):
    run = inventory_run_start(actor=system_user(), year=2024, queue=False)
    InventoryRun.objects.filter(pk=run.pk).update(status="failed", error="boom")
    body = client_for(analyst).get(progress_url(run)).json()
    assert body["done"] and body["failed"] and body["text"].startswith("Failed")


@pytest.mark.parametrize("persona", ["outsider", "member", "evaluator", None])
def test_who_may_not_view_runs_gets_404(client, client_for, request, persona, ledger):
    run = inventory_run_start(actor=system_user(), year=2024, queue=False)
    browser = client_for(request.getfixturevalue(persona)) if persona else client
    assert browser.get(progress_url(run)).status_code == 404


@pytest.mark.parametrize("persona", ["analyst", "officer", "auditor"])
def test_staff_who_follow_runs_read_it_and_a_missing_run_is_404(
    client_for, request, persona, ledger
):
    run = inventory_run_start(actor=system_user(), year=2024, queue=False)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(progress_url(run)).status_code == 200
    assert client.get(f"/admin/scope3/inventoryrun/{run.pk + 1}/progress/").status_code == 404


def test_the_run_page_shows_a_bar_that_the_script_refreshes(client_for, analyst, ledger):
    run = inventory_run_start(actor=system_user(), year=2024, queue=False, chunk_lines=10)
    inventory_run_plan(run_id=run.pk, queue=False)
    page = client_for(analyst).get(f"/admin/scope3/inventoryrun/{run.pk}/change/")
    text = page.content.decode()
    assert f'data-progress-url="{progress_url(run)}"' in text
    assert '<progress value="0" max="3"' in text and "0 of 3 chunks (0 %)" in text
    assert '<script src="/static/js/progress.js" defer></script>' in text
    assert "<script>" not in text


def test_an_import_batchs_progress_is_its_rows(client_for, analyst, outsider, tmp_path, vendor_a):
    path = write_csv(tmp_path / "ledger.csv", [row(external_id="A"), row(external_id="B")])
    call_command("import_spend", str(path), stdout=StringIO())
    batch = ImportBatch.objects.get()
    url = f"/admin/scope3/importbatch/{batch.pk}/progress/"
    body = client_for(analyst).get(url).json()
    assert (body["status"], body["done"], body["value"], body["max"]) == ("imported", True, 2, 2)
    assert body["text"] == "2 of 2 rows (100 %)"
    page = client_for(analyst).get(f"/admin/scope3/importbatch/{batch.pk}/change/")
    assert f'data-progress-url="{url}"' in page.content.decode()
    assert client_for(outsider).get(url).status_code == 404


# --- the commands ------------------------------------------------------------------------------


def estimate(verbosity, out):
    call_command(
        "estimate_scope3",
        "--year",
        "2024",
        "--sync",
        "--chunk-lines",
        "10",
        verbosity=verbosity,
        stdout=out,
    )
    return out.getvalue()


def test_estimate_scope3_draws_a_bar_on_a_terminal(ledger):
    text = estimate(1, Terminal())
    assert "Run #" in text and "3/3" in text and "\r" in text
    assert "completed" in text


def test_estimate_scope3_writes_a_line_per_chunk_to_a_log(ledger):
    text = estimate(1, StringIO())
    assert "  1/3 chunks (30 lines)\n" in text and "  3/3 chunks (30 lines)\n" in text
    assert "\r" not in text


def test_estimate_scope3_is_quiet_at_verbosity_0(ledger):
    text = estimate(0, Terminal())
    assert "chunks" not in text and "\r" not in text
    assert "completed" in text  # the result is still reported


def import_spend(path, verbosity, out):
    call_command("import_spend", str(path), verbosity=verbosity, stdout=out)
    return out.getvalue()


def test_import_spend_draws_a_bar_on_a_terminal_only(tmp_path, vendor_a):
    def ledger_file(name):
        return write_csv(
            tmp_path / f"{name}.csv", [row(external_id=f"{name}{n}") for n in range(3)]
        )

    text = import_spend(ledger_file("tty"), 1, Terminal())
    assert "Checking rows" in text and "Storing lines" in text and "\r" in text
    assert "accepted: 3" in text
    for name, verbosity, out in (("log", 1, StringIO()), ("quiet", 0, Terminal())):
        text = import_spend(ledger_file(name), verbosity, out)
        assert "Checking rows" not in text and "\r" not in text
        assert "accepted: 3" in text


def test_import_factors_draws_a_bar_on_a_terminal_only(tmp_path):
    def factors(version, verbosity, out):
        # A value per version, so that each file is a new one (same bytes are a no-op).
        other = OTHER_ROW.replace("0.058", f"0.05{version[2]}")
        path = tmp_path / f"SupplyChainGHGEmissionFactors_v{version}_NAICS_CO2e_USD2022.csv"
        path.write_text("\n".join([HEADER, GOOD_ROW, other]) + "\n", encoding="utf-8")
        call_command(
            "import_factors", "--kind", "useeio", str(path), verbosity=verbosity, stdout=out
        )
        return out.getvalue()

    text = factors("1.3.0", 1, Terminal())
    assert "2/2" in text and "\r" in text and "2 rows" in text
    for version, verbosity, out in (("1.4.0", 1, StringIO()), ("1.5.0", 0, Terminal())):
        text = factors(version, verbosity, out)
        assert "\r" not in text and "2/2" not in text and "2 rows" in text
