"""The nightly schedule names a task that exists, and the task reconciles this year and last."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_celery_beat.models import PeriodicTask

from config.celery import app
from reconciliation.models import ReconciliationFlag
from reconciliation.tasks import reconciliation_run
from reconciliation.tests.support import factor_pack, ledger

pytestmark = pytest.mark.django_db


def test_the_nightly_schedule_resolves_to_the_task():
    schedule = PeriodicTask.objects.get(name="reconciliation (nightly)")

    assert schedule.enabled
    assert (schedule.crontab.hour, schedule.crontab.minute) == ("2", "30")
    assert app.tasks[schedule.task].name == reconciliation_run.name == schedule.task


def test_the_task_reconciles_this_year_and_last_as_the_system_user():
    factor_pack()
    ledger(
        {"vendor_name": "Globex", "amount": "10", "date": dt.date(2025, 3, 1)},
        {"vendor_name": "Initech", "amount": "10", "date": dt.date(2026, 1, 5)},
    )

    with time_machine.travel(dt.datetime(2026, 2, 1, 2, 30, tzinfo=dt.UTC), tick=False):
        result = reconciliation_run()
        again = reconciliation_run()

    assert [r["year"] for r in result] == [2025, 2026]
    assert [r["created"] for r in result] == [1, 1]
    assert [r["created"] for r in again] == [0, 0]
    flags = ReconciliationFlag.objects.order_by("reporting_year")
    assert [f.key for f in flags] == ["ledger-vendor:2025:globex", "ledger-vendor:2026:initech"]
    assert flags[0].history.first().history_user.username == "tenderleaf-system"
