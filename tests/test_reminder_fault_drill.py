"""Fault drill: a worker killed with SIGKILL in the middle of a reminder batch loses nothing.

A real worker sends 200 due certificate reminders through the configured broker (file-system
locally, Redis in CI) to a file email backend that takes a little time per message, like a mail
server. Once part of the batch is out, the worker is killed; a new worker runs the next sweep
(what beat does every hour), takes over the dead sweep's claims once they are older than the claim
timeout, and sends the rest. Every reminder is then sent, and sent once: the only repeat the
design allows is the one message whose send had completed when the kill landed before its row was
marked sent, and that repeat carries the same Message-ID, so a mail client shows it once.
"""

from __future__ import annotations

import datetime
import signal
import time
from collections import Counter

import pytest
from django.utils import timezone

from operations.services import message_id_for
from reminders.models import ReminderLog
from reminders.tasks import certificate_reminder_sweep
from tests.workers import (
    broker_ready,
    drill_env,
    message_ids_sent,
    read_log,
    start_worker,
    stop_worker,
    wait_until,
    worker_database_url,
)
from vendors.tests.factories import CertificationFactory, VendorContactFactory, VendorFactory

pytestmark = [pytest.mark.live_worker, pytest.mark.django_db(transaction=True)]

REMINDERS = 200
CLAIM_TIMEOUT_SECONDS = 2
DELAY_SECONDS = 0.02  # per message: the batch takes about 4 s, so the kill lands inside it


def test_a_worker_killed_mid_batch_loses_no_reminder_and_repeats_none(tmp_path):
    broker_ready()
    mail_folder = tmp_path / "mail"
    mail_folder.mkdir()
    env = drill_env(
        mail_folder,
        TEST_EMAIL_DELAY_SECONDS=str(DELAY_SECONDS),
        REMINDER_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT_SECONDS),
    )
    vendor = VendorFactory()
    VendorContactFactory(vendor=vendor, email="esg@drill.example", receives_reminders=True)
    expiry = timezone.localdate() + datetime.timedelta(days=5)
    CertificationFactory.create_batch(REMINDERS, vendor=vendor, expiry_date=expiry)
    database_url = worker_database_url()
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"

    def logs():
        return [
            f"--- worker 1 ---\n{read_log(first_log)}",
            f"--- worker 2 ---\n{read_log(second_log)}",
        ]

    def sent():
        return ReminderLog.objects.filter(status=ReminderLog.Status.SENT).count()

    first = start_worker("drill-killed", database_url, first_log, env)
    second = None
    try:
        certificate_reminder_sweep.delay()
        wait_until(lambda: sent() >= REMINDERS // 4, "a quarter of the batch", logs, poll=0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        sent_before_kill = sent()
        assert sent_before_kill < REMINDERS, "the batch finished before the kill"
        assert ReminderLog.objects.count() == REMINDERS  # all claimed by the dead sweep

        # Past the claim timeout, the next sweep may take the dead sweep's rows over.
        time.sleep(CLAIM_TIMEOUT_SECONDS + 0.5)
        second = start_worker("drill-survivor", database_url, second_log, env)
        certificate_reminder_sweep.delay()
        wait_until(lambda: sent() == REMINDERS, "all reminders sent", logs, timeout=90)
    finally:
        stop_worker(first)
        if second is not None:
            stop_worker(second)

    logs_by_pk = {log.pk: log for log in ReminderLog.objects.all()}
    expected = {message_id_for(f"reminder:{pk}:0") for pk in logs_by_pk}
    seen = Counter(message_ids_sent(mail_folder))
    assert set(seen) == expected  # every reminder went out, and nothing else did
    repeats = {mid: n for mid, n in seen.items() if n > 1}
    # At most the one message in flight at the kill; none if the kill fell outside that window.
    assert len(repeats) <= 1 and all(n == 2 for n in repeats.values()), repeats
    taken_over = [log for log in logs_by_pk.values() if log.attempts == 2]
    assert len(taken_over) == REMINDERS - sent_before_kill
    print(f"sent before the kill: {sent_before_kill}; repeated: {len(repeats)}")
