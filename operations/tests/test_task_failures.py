"""Failed tasks are recorded (and shown to officers), grouped, with retries exhausted marked."""

import smtplib

import pytest
from celery import shared_task
from django.urls import reverse

from config.celery import task_options
from operations.models import TaskFailure

CALLS = {"flaky": 0}


@shared_task(name="operations.tests.broken", **task_options())
def broken(vendor_id: int) -> None:
    raise ValueError(f"vendor {vendor_id} has no currency")


@shared_task(
    name="operations.tests.flaky_mail",
    **task_options(max_retries=2, retry_backoff=False, default_retry_delay=0),
)
def flaky_mail() -> None:
    CALLS["flaky"] += 1
    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_task_that_raises_is_recorded_with_its_details(db):
    broken.apply(args=[42])
    broken.apply(args=[43])

    failure = TaskFailure.objects.get()
    assert failure.task_name == "operations.tests.broken"
    assert failure.exception_type == "builtins.ValueError"
    assert failure.message == "vendor 43 has no currency"
    assert "43" in failure.args
    assert "raise ValueError" in failure.traceback
    assert failure.count == 2
    assert failure.first_seen <= failure.last_seen
    assert failure.retries_exhausted is False


def test_a_transient_error_is_retried_then_recorded_as_exhausted(db):
    CALLS["flaky"] = 0

    flaky_mail.apply()

    assert CALLS["flaky"] == 3  # the first run and two retries
    failure = TaskFailure.objects.get(task_name="operations.tests.flaky_mail")
    assert failure.retries_exhausted is True
    assert failure.exception_type == "smtplib.SMTPServerDisconnected"


def test_a_resolved_failure_that_happens_again_opens_a_new_row(db, officer):
    from operations.services import task_failures_resolve

    broken.apply(args=[1])
    task_failures_resolve(actor=officer, failures=TaskFailure.objects.all())
    broken.apply(args=[2])

    assert TaskFailure.objects.count() == 2
    assert TaskFailure.objects.filter(resolved_at__isnull=True).get().count == 1


@pytest.fixture
def failure(db):
    broken.apply(args=[7])
    return TaskFailure.objects.get()


def test_officers_mark_a_failure_resolved_from_the_list(client_for, officer, failure):
    url = reverse("admin:operations_taskfailure_changelist")
    client = client_for(officer)

    response = client.post(
        url, {"action": "mark_resolved", "_selected_action": [failure.pk]}, follow=True
    )

    assert response.status_code == 200
    failure.refresh_from_db()
    assert failure.resolved_by == officer and failure.resolved_at is not None


def test_auditors_read_failures_but_cannot_resolve_or_edit_them(client_for, auditor, failure):
    client = client_for(auditor)
    changelist = client.get(reverse("admin:operations_taskfailure_changelist"))
    assert changelist.status_code == 200
    assert "mark_resolved" not in changelist.content.decode()
    client.post(
        reverse("admin:operations_taskfailure_changelist"),
        {"action": "mark_resolved", "_selected_action": [failure.pk]},
    )
    failure.refresh_from_db()
    assert failure.resolved_at is None
    change = client.get(reverse("admin:operations_taskfailure_change", args=[failure.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
