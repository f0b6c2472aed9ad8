"""Reconciliation runs on record: asked for in the admin, performed by a worker, followed with a
live progress bar; the nightly task records its runs the same way."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from reconciliation.models import ReconciliationFlag, ReconciliationRun
from reconciliation.services import RUN_STEPS, reconciliation_run_process
from reconciliation.tasks import reconciliation_run
from reconciliation.tests.support import factor_pack, ledger

pytestmark = pytest.mark.django_db

ADD = "/admin/reconciliation/reconciliationrun/add/"


def progress_of(client, run):
    return client.get(
        reverse("admin:reconciliation_reconciliationrun_progress", args=[run.pk])
    ).json()


@pytest.fixture
def unmatched_ledger():
    """Two 2025 lines of a vendor missing from the vendor master: one flag to raise."""
    factor_pack()
    ledger(
        {"vendor_name": "Globex", "amount": "10", "date": dt.date(2025, 3, 1)},
        {"vendor_name": "Globex", "amount": "15", "date": dt.date(2025, 4, 1)},
    )


def test_an_analyst_asks_for_the_checks_and_follows_them_to_the_flags(
    client_for, analyst, unmatched_ledger, django_capture_on_commit_callbacks
):
    client = client_for(analyst)
    flags = client.get("/admin/reconciliation/reconciliationflag/").content.decode()
    assert f'href="{ADD}" class="addlink">Run the checks now</a>' in flags
    form = client.get(ADD).content.decode()
    assert 'name="year" value="' in form and "Looking for spend without a contract" in form

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(ADD, {"year": 2025}, follow=True)

    assert len(queued) == 1  # the task, sent when the request commits
    run = ReconciliationRun.objects.get()
    assert (run.reporting_year, run.status, run.requested_by) == (2025, "queued", analyst)
    page = response.content.decode()
    assert "The checks of 2025 were asked for" in page
    assert "waiting for a worker" in page and "data-progress-reload" in page

    reconciliation_run_process(run_id=run.pk)  # what the worker's task does

    run.refresh_from_db()
    assert run.status == "done" and run.steps_done == len(RUN_STEPS)
    assert run.summary["created"] == 1
    assert ReconciliationFlag.objects.get().key == "ledger-vendor:2025:globex"
    progress = progress_of(client, run)
    assert progress["done"] and progress["percent"] == 100
    assert progress["text"].startswith("100 %, took")
    page = client.get(
        reverse("admin:reconciliation_reconciliationrun_change", args=[run.pk])
    ).content.decode()
    assert "1 raised, 0 updated, 0 reopened, 0 resolved, 0 unchanged" in page
    assert "data-progress-reload" not in page
    listing = client.get("/admin/reconciliation/reconciliationrun/").content.decode()
    assert "Reconciliation of 2025 (Done)" in listing


def test_a_running_run_says_which_step_it_is_on(client_for, analyst, unmatched_ledger):
    client = client_for(analyst)
    client.post(ADD, {"year": 2025})
    run = ReconciliationRun.objects.get()
    ReconciliationRun.objects.filter(pk=run.pk).update(
        status="running",
        started_at=timezone.now() - dt.timedelta(seconds=20),
        steps_done=2,
        step=RUN_STEPS[2],
    )
    progress = progress_of(client, run)
    assert progress["percent"] == 40 and not progress["done"]
    assert progress["text"].startswith(
        "40 % (looking for ledger vendors missing from the vendor master), elapsed 0:20"
    )
    assert "left" in progress["text"]


def test_a_second_request_while_one_is_under_way_is_refused(client_for, analyst, unmatched_ledger):
    client = client_for(analyst)
    client.post(ADD, {"year": 2025})
    response = client.post(ADD, {"year": 2025})
    assert response.status_code == 200
    assert "A reconciliation of 2025 was asked for at" in response.content.decode()
    assert "follow it instead of starting another" in response.content.decode()
    # Another year may run meanwhile.
    assert client.post(ADD, {"year": 2024}).status_code == 302
    assert ReconciliationRun.objects.count() == 2


def test_a_year_out_of_range_is_refused_on_its_field(client_for, analyst):
    response = client_for(analyst).post(ADD, {"year": 2999})
    html = response.content.decode()
    assert "The checks were not started" in html
    assert "2999 is not a reporting year to reconcile" in html
    assert not ReconciliationRun.objects.exists()


def test_a_run_that_fails_says_why_and_a_second_delivery_does_nothing(
    client_for, analyst, unmatched_ledger, settings
):
    settings.RECONCILIATION_SPEND_THRESHOLD = "a lot"  # a misconfigured setting
    client = client_for(analyst)
    client.post(ADD, {"year": 2025})
    run = ReconciliationRun.objects.get()
    with pytest.raises(ArithmeticError):
        reconciliation_run_process(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "InvalidOperation" in run.error
    progress = progress_of(client, run)
    assert progress["failed"] and progress["text"].startswith("Failed after")
    assert reconciliation_run_process(run_id=run.pk) is None
    assert not ReconciliationFlag.objects.exists()


def test_auditors_read_runs_and_cannot_ask_for_one(client_for, auditor, analyst, unmatched_ledger):
    client_for(analyst).post(ADD, {"year": 2025})
    client = client_for(auditor)
    assert client.get("/admin/reconciliation/reconciliationrun/").status_code == 200
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"year": 2024}).status_code == 403
    assert (
        "Run the checks now"
        not in client.get("/admin/reconciliation/reconciliationflag/").content.decode()
    )
    assert ReconciliationRun.objects.count() == 1


def test_the_nightly_task_records_its_runs():
    factor_pack()
    ledger({"vendor_name": "Initech", "amount": "10", "date": dt.date(2026, 1, 5)})
    with time_machine.travel(dt.datetime(2026, 2, 1, 2, 30, tzinfo=dt.UTC), tick=False):
        reconciliation_run()
    runs = ReconciliationRun.objects.order_by("reporting_year")
    assert [(r.reporting_year, r.status) for r in runs] == [(2025, "done"), (2026, "done")]
    assert runs[1].summary["created"] == 1
    assert runs[0].requested_by.username == "tenderleaf-system"
