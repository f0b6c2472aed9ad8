"""The transactional outbox: a follow-up is stored with the change, sent once, never lost."""

import datetime
import smtplib
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend

from operations import services
from operations.models import OutboxMessage
from tests.workers import broker_unreachable
from vendors import services as vendor_services
from vendors.tests.factories import UserFactory

VALUES = {
    "reporting_entity": "Acme Accelerators Inc.",
    "period_start": datetime.date(2025, 1, 1),
    "period_end": datetime.date(2025, 12, 31),
    "scope1_tco2e": D("1200.5"),
    "scope2_location_tco2e": D("900"),
    "scope2_market_tco2e": D("450"),
    "revenue": D("25000000"),
    "revenue_currency": "USD",
    "verification": "limited",
    "verification_standard": "iso_14064_3",
    "verifier": "Verity Assurance",
}


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture(autouse=True)
def _no_inline_delivery(settings):
    settings.OUTBOX_DELIVER_INLINE = False


def _submit(member, vendor, **changes):
    draft = vendor_services.disclosure_save_draft(actor=member, vendor=vendor, **(VALUES | changes))
    return vendor_services.disclosure_submit(actor=member, disclosure=draft)


def _notification():
    return OutboxMessage.objects.get(key__startswith="disclosure-submitted:")


def test_a_submission_queues_one_notification_for_the_relationship_owner(
    member, vendor_a, officer, django_capture_on_commit_callbacks
):
    officer.email = "owner@buyer.example"
    officer.save()
    vendor_a.relationship_owner = officer
    vendor_a.save()

    with django_capture_on_commit_callbacks():
        disclosure = _submit(member, vendor_a)

    message = _notification()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.payload["to"] == ["owner@buyer.example"]
    assert mail.outbox == []  # a worker sends it, not the vendor's request

    assert services.outbox_deliver(message_id=message.pk) == "sent"
    assert services.outbox_deliver(message_id=message.pk) == "skipped"  # published twice

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["owner@buyer.example"]
    assert "Acme Accelerators submitted its disclosure" in email.subject
    admin_url = f"http://127.0.0.1:8000/admin/vendors/emissionsdisclosure/{disclosure.pk}/change/"
    assert admin_url in email.body
    assert admin_url in email.alternatives[0][0]
    assert email.extra_headers["Message-ID"] == services.message_id_for(message.key)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DONE and message.done_at is not None


def test_without_a_relationship_owner_the_procurement_group_is_notified(
    member, vendor_a, officer, evaluator, django_capture_on_commit_callbacks
):
    officer.email = "officer@buyer.example"
    officer.save()
    colleague = UserFactory(username="second-officer", email="buyer2@buyer.example", is_staff=True)
    colleague.groups.add(*officer.groups.all())
    evaluator.email = "evaluator@buyer.example"
    evaluator.save()

    with django_capture_on_commit_callbacks():
        _submit(member, vendor_a)

    assert _notification().payload["to"] == ["buyer2@buyer.example", "officer@buyer.example"]


def test_a_refused_submission_leaves_no_notification(member, vendor_a):
    with pytest.raises(ValidationError):
        _submit(member, vendor_a, scope1_tco2e=None)

    assert not OutboxMessage.objects.exists()


def test_a_resubmission_is_a_new_notification(
    member, vendor_a, officer, django_capture_on_commit_callbacks
):
    officer.email = "officer@buyer.example"
    officer.save()
    with django_capture_on_commit_callbacks():
        disclosure = _submit(member, vendor_a)
        vendor_services.disclosure_reject(actor=officer, disclosure=disclosure, comment="Units?")
        vendor_services.disclosure_submit(actor=member, disclosure=disclosure)

    keys = OutboxMessage.objects.filter(key__startswith="disclosure-submitted:")
    assert keys.count() == 2


def test_while_the_broker_is_down_the_row_waits_and_the_sweeper_publishes_it_later(
    member, vendor_a, officer, django_capture_on_commit_callbacks
):
    officer.email = "officer@buyer.example"
    officer.save()
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        _submit(member, vendor_a)

    message = _notification()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.published_at is None
    assert message.last_error.startswith("publish:")
    with broker_unreachable():
        assert services.outbox_sweep() == 0

    assert services.outbox_sweep() == 1
    message.refresh_from_db()
    assert message.published_at is not None
    assert services.outbox_sweep() == 0  # published: not again until it is overdue

    services.outbox_deliver(message_id=message.pk)
    services.outbox_deliver(message_id=message.pk)
    assert [m.to for m in mail.outbox] == [["officer@buyer.example"]]


def test_a_mail_server_failure_releases_the_claim_and_gives_up_after_the_cap(
    member, vendor_a, officer, settings, django_capture_on_commit_callbacks
):
    officer.email = "officer@buyer.example"
    officer.save()
    settings.EMAIL_BACKEND = "operations.tests.test_outbox.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks():
        _submit(member, vendor_a)
    message = _notification()

    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.outbox_deliver(message_id=message.pk)  # the task retries it with backoff
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claim) == ("pending", 1, "")
    assert "SMTPServerDisconnected" in message.last_error

    assert services.outbox_deliver(message_id=message.pk, raise_errors=False) == "failed"
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert services.outbox_deliver(message_id=message.pk) == "skipped"


def test_a_claim_held_by_a_dead_consumer_is_taken_over_after_the_timeout(
    member, vendor_a, officer, settings, django_capture_on_commit_callbacks
):
    officer.email = "officer@buyer.example"
    officer.save()
    with django_capture_on_commit_callbacks():
        _submit(member, vendor_a)
    message = _notification()
    OutboxMessage.objects.filter(pk=message.pk).update(
        claim="dead-consumer", claimed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )

    assert services.outbox_deliver(message_id=message.pk) == "sent"
    assert len(mail.outbox) == 1


def test_inline_delivery_sends_on_commit(
    member, vendor_a, officer, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_DELIVER_INLINE = True
    officer.email = "officer@buyer.example"
    officer.save()

    with django_capture_on_commit_callbacks(execute=True):
        _submit(member, vendor_a)

    assert [m.to for m in mail.outbox] == [["officer@buyer.example"]]
    assert _notification().status == OutboxMessage.Status.DONE


def test_the_same_key_stores_one_message(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        first = services.outbox_email_enqueue(key="k", subject="S", to=["a@x.example"], body="B")
        second = services.outbox_email_enqueue(key="k", subject="S", to=["a@x.example"], body="C")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
