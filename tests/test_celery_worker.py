"""A real Celery worker consumes tasks sent through the configured broker.

The broker is the file-system transport under ``TENDERLEAF_VAR_DIR`` by default and Redis when
``REDIS_URL`` (or ``CELERY_BROKER_URL``) is set, as in CI. The worker is a separate process that
opens the test database, so the test data must be committed: these tests are transactional.
"""

import pytest

from assurance.models import AuditEvent
from tests.workers import (
    TIMEOUT_SECONDS,
    LiveWorker,
    broker_ready,
    start_worker,
    worker_database_url,
)
from vendors.models import VendorInvitation
from vendors.tasks import vendor_contact_invite
from vendors.tests.factories import VendorContactFactory

pytestmark = [
    pytest.mark.live_worker,
    # The worker reads committed rows only. The flush after each test re-runs post_migrate, which
    # restores content types, permissions and the role groups for the tests that follow.
    pytest.mark.django_db(transaction=True),
]

TASK_REASON = "bulk portal invitation (task)"


@pytest.fixture
def live_worker(transactional_db, tmp_path):
    """A worker process for one test.

    Not shared between tests: the flush after each test re-creates content types under new ids,
    and a long-lived worker would keep the old ones cached.
    """
    broker_ready()
    log_path = tmp_path / "worker.log"
    worker = LiveWorker(start_worker("live-test", worker_database_url(), log_path), log_path)
    try:
        yield worker
    finally:
        worker.stop()
        # Shown by pytest only when a test of this module failed.
        print(f"--- worker log ({log_path}) ---\n{worker.log()}")


def _invitation_for(contact):
    return VendorInvitation.objects.filter(contact=contact).select_related("invited_by").first()


def test_worker_consumes_the_invitation_task_and_stores_the_invitation(
    live_worker, officer, vendor_a
):
    contact = VendorContactFactory(vendor=vendor_a, email="sustainability@acme.example")

    result = vendor_contact_invite.delay(contact.pk, officer.pk, "contributor")

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

    vendor_contact_invite.delay(contact.pk, officer.pk, "contributor")

    invitation = live_worker.wait_for(lambda: _invitation_for(contact), "the invitation")
    created = invitation.history.get(history_type="+")
    assert created.history_user == officer
    assert created.history_change_reason == TASK_REASON


def test_a_spend_file_uploaded_in_the_admin_is_imported_by_the_worker(
    live_worker, client_for, analyst, vendor_a, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scope3.models import ImportBatch, SpendLine
    from scope3.tests.spend_files import row, write_csv

    path = write_csv(tmp_path / "ledger.csv", [row(external_id=f"W{i}") for i in range(30)])
    upload = SimpleUploadedFile("ledger.csv", path.read_bytes(), content_type="text/csv")
    client = client_for(analyst)
    response = client.post("/admin/scope3/importbatch/add/", {"file": upload})
    assert response.status_code == 302

    batch = live_worker.wait_for(
        lambda: ImportBatch.objects.filter(status=ImportBatch.Status.IMPORTED).first(),
        "the imported batch",
    )
    assert batch.created_by == analyst and batch.accepted_rows == 30
    assert SpendLine.objects.filter(batch=batch).count() == 30
    assert batch.upload_name == ""
    progress = client.get(f"/admin/scope3/importbatch/{batch.pk}/progress/").json()
    assert progress["done"] and progress["text"].startswith("30 of 30 rows (100 %), took")
