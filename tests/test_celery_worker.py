"""A real Celery worker consumes tasks sent through the configured broker.

The broker is the file-system transport under ``TENDERLEAF_VAR_DIR`` by default and Redis when
``REDIS_URL`` (or ``CELERY_BROKER_URL``) is set, as in CI. The worker is a separate process that
opens the test database, so the test data must be committed: these tests are transactional.
"""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from assurance.models import AuditEvent
from config.celery import app as celery_app
from vendors.models import VendorInvitation
from vendors.tasks import vendor_contact_invite_task
from vendors.tests.factories import VendorContactFactory

pytestmark = [
    pytest.mark.live_worker,
    # The worker reads committed rows only. The flush after each test re-runs post_migrate, which
    # restores content types, permissions and the role groups for the tests that follow.
    pytest.mark.django_db(transaction=True),
]

TIMEOUT_SECONDS = 60
TASK_REASON = "bulk portal invitation (task)"


def _worker_database_url() -> str:
    """The URL of the test database (not the development one) for the worker's environment."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.skip(f"no live worker test for the {connection.vendor} backend")


def _log(path) -> str:
    return path.read_text(errors="replace") if path.exists() else "(no worker log)"


class LiveWorker:
    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def wait_for(self, lookup, what):
        """Poll the database until ``lookup()`` returns something, or fail showing the log."""
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            found = lookup()
            if found is not None:
                return found
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited early\n--- worker log ---\n{_log(self.log_path)}")
            time.sleep(0.25)
        pytest.fail(
            f"{what} did not appear within {TIMEOUT_SECONDS} s\n"
            f"--- worker log ---\n{_log(self.log_path)}"
        )


@pytest.fixture
def live_worker(transactional_db, tmp_path):
    """A worker process for one test.

    Not shared between tests: the flush after each test re-creates content types under new ids,
    and a long-lived worker would keep the old ones cached.
    """
    if celery_app.conf.task_always_eager:
        pytest.skip("CELERY_TASK_ALWAYS_EAGER is set: tasks would not go through the broker")
    database_url = _worker_database_url()
    # Messages left by earlier runs or by tests that queued tasks without a worker would run
    # against rows that no longer exist; start from an empty queue.
    celery_app.control.purge()

    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        "celery",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
        "-n",
        f"live-test-{os.getpid()}@%h",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = LiveWorker(process, log_path)
    try:
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        # Shown by pytest only when a test of this module failed.
        print(f"--- worker log ({log_path}) ---\n{_log(log_path)}")


def _invitation_for(contact):
    return VendorInvitation.objects.filter(contact=contact).select_related("invited_by").first()


def test_worker_consumes_the_invitation_task_and_stores_the_invitation(
    live_worker, officer, vendor_a
):
    contact = VendorContactFactory(vendor=vendor_a, email="sustainability@acme.example")

    result = vendor_contact_invite_task.delay(contact.pk, officer.pk, "contributor")

    invitation = live_worker.wait_for(lambda: _invitation_for(contact), "the invitation")
    assert invitation.invited_by == officer
    assert invitation.role == "contributor"
    assert invitation.is_usable
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.INVITED, actor=officer, target_id=str(contact.pk)
    ).exists()
    # The worker reported back through the result backend too.
    assert result.get(timeout=TIMEOUT_SECONDS) == "invited"


def test_invitation_made_by_the_worker_is_attributed_to_the_officer_with_the_task_reason(
    live_worker, officer, vendor_a
):
    contact = VendorContactFactory(vendor=vendor_a, email="esg@acme.example")

    vendor_contact_invite_task.delay(contact.pk, officer.pk, "contributor")

    invitation = live_worker.wait_for(lambda: _invitation_for(contact), "the invitation")
    created = invitation.history.get(history_type="+")
    assert created.history_user == officer
    assert created.history_change_reason == TASK_REASON
