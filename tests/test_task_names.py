"""Every Celery task of our apps follows the naming rule, and every periodic schedule runs a
registered task (docs/architecture.md, "Tasks and schedules")."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery import app

pytestmark = pytest.mark.django_db

# <entity>_<verb>: two words at least, lower case; "task" is no part of a task's name.
TASK_FUNCTION = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")

# What beat runs, each task by one schedule row.
SCHEDULED = {
    "reminders.tasks.reminder_sweep",
    "reminders.tasks.certificate_reminder_sweep",
    "reminders.tasks.contract_renewal_check",
    "procurement.tasks.rfp_deadline_sweep",
    "reconciliation.tasks.reconciliation_run",
    "assurance.tasks.audit_chain_extend",
    "operations.tasks.outbox_sweep",
}


def our_apps() -> list[str]:
    """The project's own apps: those in the repository, not installed packages."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(config.path).parts
    ]


def our_tasks() -> dict:
    """Registered tasks defined in our apps, after importing every app's tasks module."""
    for config in apps.get_app_configs():
        if config.name in our_apps() and (Path(config.path) / "tasks.py").exists():
            importlib.import_module(f"{config.name}.tasks")
    ours = tuple(f"{name}." for name in our_apps())
    return {
        name: task
        for name, task in app.tasks.items()
        if (name.startswith(ours) or task.__module__.startswith(ours))
        # Tasks that tests define to exercise the machinery (a task that always fails) are not
        # the application's.
        and "tests" not in task.__module__.split(".")
    }


def test_every_task_is_named_entity_verb_from_its_module():
    tasks = our_tasks()
    assert "vendors.tasks.vendor_contact_invite" in tasks  # the discovery found our apps' tasks
    wrong = []
    for name, task in sorted(tasks.items()):
        function = task.run.__name__
        module = task.__module__
        if module.rsplit(".", 1)[-1] != "tasks" or module.split(".")[0] not in our_apps():
            wrong.append(f"{name}: defined in {module}, not in an app's tasks.py")
        if name != f"{module}.{function}":
            wrong.append(f"{name}: an explicit name; the rule is the module's path and function")
        if not TASK_FUNCTION.match(function) or "task" in function.split("_"):
            wrong.append(f"{name}: {function} is not <entity>_<verb> (like the services)")
    assert wrong == []


def test_every_periodic_schedule_runs_a_registered_task():
    registered = set(app.tasks) | set(our_tasks())
    rows = dict(PeriodicTask.objects.values_list("name", "task"))

    assert {name: task for name, task in rows.items() if task not in registered} == {}
    assert sorted(rows.values()) == sorted(SCHEDULED)


def test_schedules_are_declared_in_migrations_only():
    assert not getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    assert not app.conf.beat_schedule


def _migration(label: str, name: str):
    return importlib.import_module(f"{label}.migrations.{name}")


def test_an_installation_whose_beat_ran_the_settings_schedules_keeps_them_renamed():
    """Before, beat copied two schedules from the settings into rows, and reminder and
    reconciliation rows named the old tasks. Migrating again points every row at a registered
    task, keeps the interval an administrator set, and creates no second row."""
    PeriodicTask.objects.all().delete()
    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    for name, task in [
        ("rfp-deadline-sweep", "procurement.rfp_deadline_sweep"),
        ("contract-renewal-checks", "reminders.tasks.renewal_check_task"),
        ("reminder sweep (hourly)", "reminders.tasks.reminder_sweep_task"),
        ("certificate expiry (daily)", "reminders.tasks.certificate_expiry_task"),
        ("reconciliation (nightly)", "reconciliation.tasks.reconciliation_task"),
    ]:
        PeriodicTask.objects.create(name=name, task=task, interval=every_ten)
    editor = SimpleNamespace(connection=connection)

    procurement = _migration("procurement", "0003_deadline_sweep_schedule")
    procurement.schedule_create(apps, editor)
    reminders = _migration("reminders", "0005_task_names")
    reminders.tasks_rename(apps, editor)
    reminders.renewal_schedule_create(apps, editor)
    _migration("reconciliation", "0004_task_name").tasks_rename(apps, editor)

    rows = {row.name: (row.task, row.interval_id) for row in PeriodicTask.objects.all()}
    assert rows == {
        "RFP deadline sweep (every 5 minutes)": (
            "procurement.tasks.rfp_deadline_sweep",
            every_ten.pk,
        ),
        "contract renewal check (daily)": ("reminders.tasks.contract_renewal_check", every_ten.pk),
        "reminder sweep (hourly)": ("reminders.tasks.reminder_sweep", every_ten.pk),
        "certificate expiry (daily)": ("reminders.tasks.certificate_reminder_sweep", every_ten.pk),
        "reconciliation (nightly)": ("reconciliation.tasks.reconciliation_run", every_ten.pk),
    }
    assert all(task in app.tasks for task, _ in rows.values())
