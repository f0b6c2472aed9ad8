"""Broker down: a vendor's submission still succeeds, and the officer is notified once it is back.

The web side publishes to a broker that cannot take messages (the file-system broker's queue
folder is gone; in CI, Redis on a closed port). The portal answers with its success page, the
disclosure is stored and its notification waits in the outbox. With the broker back, the sweeper
runs twice and the message is even published twice more; a real worker consumes it all, and the
officer gets exactly one email.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from operations import services as outbox
from operations.models import OutboxMessage
from tests.workers import (
    broker_ready,
    broker_unreachable,
    drill_env,
    message_ids_sent,
    read_log,
    start_worker,
    stop_worker,
    wait_until,
    worker_database_url,
)
from vendors import services as vendor_services
from vendors.models import EmissionsDisclosure

pytestmark = [pytest.mark.live_worker, pytest.mark.django_db(transaction=True)]

FORM = {
    "reporting_entity": "Acme Accelerators Inc.",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "scope1_tco2e": "1200.5",
    "scope2_location_tco2e": "900",
    "scope2_market_tco2e": "450",
    "revenue": "25000000",
    "revenue_currency": "usd",
    "verification": "limited",
    "verification_standard": "iso_14064_3",
    "verifier": "Verity Assurance",
    "methodology_notes": "GHG Protocol Corporate Standard.",
    "action": "submit",
}


def test_a_submission_while_the_broker_is_down_notifies_the_officer_once_it_is_back(
    client_for, member, vendor_a, officer, settings, tmp_path
):
    broker_ready()
    settings.OUTBOX_DELIVER_INLINE = False  # the web side hands email to workers
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    officer.email = "owner@buyer.example"
    officer.save()
    vendor_a.relationship_owner = officer
    vendor_a.save()
    request = vendor_services.disclosure_request_create(
        actor=officer,
        vendor=vendor_a,
        reporting_year=2025,
        due_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    url = reverse("portal:disclosure_request", kwargs={"pk": request.pk})

    with broker_unreachable():
        response = client_for(member).post(url, FORM, follow=True)

    assert response.status_code == 200
    assert "Your disclosure was submitted" in response.content.decode()
    disclosure = EmissionsDisclosure.objects.get(vendor=vendor_a)
    assert disclosure.status == EmissionsDisclosure.Status.SUBMITTED
    message = OutboxMessage.objects.get(key__startswith="disclosure-submitted:")
    assert (message.status, message.published_at) == (OutboxMessage.Status.PENDING, None)

    mail_folder = tmp_path / "mail"
    mail_folder.mkdir()
    log_path = tmp_path / "worker.log"
    worker = start_worker("broker-back", worker_database_url(), log_path, drill_env(mail_folder))
    try:
        assert outbox.outbox_sweep() == 1
        assert outbox.outbox_sweep() == 0  # already handed over
        outbox.outbox_publish(message_ids=[message.pk])  # and a duplicate publication

        def done():
            return OutboxMessage.objects.filter(pk=message.pk, status="done").exists()

        wait_until(done, "the notification", lambda: [read_log(log_path)], timeout=90)

        def both_consumed():
            return read_log(log_path).count("operations.tasks.outbox_deliver[") >= 4

        # Received and succeeded, twice: the duplicate was consumed too, and sent nothing.
        wait_until(both_consumed, "the duplicate's delivery", lambda: [read_log(log_path)])
    finally:
        stop_worker(worker)

    assert message_ids_sent(mail_folder) == [outbox.message_id_for(message.key)]
    assert "owner@buyer.example" in "".join(p.read_text() for p in mail_folder.glob("*.log"))
