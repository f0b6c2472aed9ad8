"""Reminders go out on the cadence of docs/domain.md ("Reminders"), to the right people, once
each."""

from __future__ import annotations

import datetime
import threading
from smtplib import SMTPException

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from reminders import services
from reminders import tasks as reminder_tasks
from reminders.models import ReminderLog
from reminders.services import reminder_sweep
from reminders.tests.test_reminder_kinds import _marks_one_row_sent
from vendors.models import DisclosureRequest
from vendors.services.disclosures import disclosure_request_create
from vendors.tests.factories import CertificationFactory, VendorContactFactory, VendorFactory

SENT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
DUE = datetime.date(2026, 3, 30)


def _at(day: datetime.date, hour: int = 12):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC), tick=False
    )


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def _sweep_twice_on(day: datetime.date) -> list[tuple[str, list[str]]]:
    """Run the sweep twice at noon of ``day``; return (subject, recipients) of what went out."""
    mail.outbox.clear()
    with _at(day):
        reminder_sweep()
        reminder_sweep()
    return sorted((m.subject, sorted(m.to)) for m in mail.outbox)


@pytest.fixture
def owner(officer):
    officer.email = "owner@buyer.example"
    officer.first_name, officer.last_name = "Olive", "Owner"
    officer.save()
    return officer


@pytest.fixture
def vendor(owner):
    vendor = VendorFactory(name="Acme Accelerators", relationship_owner=owner)
    VendorContactFactory(vendor=vendor, email="anna@acme.example", language="en")
    VendorContactFactory(vendor=vendor, email="bernd@acme.example", language="de")
    VendorContactFactory(vendor=vendor, email="quiet@acme.example", receives_reminders=False)
    return vendor


@pytest.fixture
def request_sent(vendor, owner):
    with _at(SENT.date(), hour=10):
        request = disclosure_request_create(
            actor=owner, vendor=vendor, reporting_year=2025, due_date=DUE
        )
    mail.outbox.clear()
    return request


def test_disclosure_cadence_day7_day14_due_soon_and_overdue_each_once(request_sent):
    contacts_en, contacts_de = ["anna@acme.example"], ["bernd@acme.example"]
    expected = {
        datetime.date(2026, 3, 9): [
            ("Reminder: your FY2025 emissions disclosure is due on 2026-03-30", contacts_de),
            ("Reminder: your FY2025 emissions disclosure is due on 2026-03-30", contacts_en),
        ],
        datetime.date(2026, 3, 16): [
            ("Reminder: your FY2025 emissions disclosure is due on 2026-03-30", contacts_de),
            ("Reminder: your FY2025 emissions disclosure is due on 2026-03-30", contacts_en),
        ],
        datetime.date(2026, 3, 27): [
            ("Your FY2025 emissions disclosure is due in 3 days", contacts_de),
            ("Your FY2025 emissions disclosure is due in 3 days", contacts_en),
        ],
        datetime.date(2026, 3, 31): [
            (
                "Acme Accelerators has not answered its FY2025 disclosure request",
                ["owner@buyer.example"],
            ),
            ("Your FY2025 emissions disclosure is overdue", contacts_de),
            ("Your FY2025 emissions disclosure is overdue", contacts_en),
        ],
    }
    for day in _days(SENT.date(), datetime.date(2026, 4, 10)):
        assert _sweep_twice_on(day) == sorted(expected.get(day, [])), day

    request_sent.refresh_from_db()
    assert request_sent.status == DisclosureRequest.Status.OVERDUE
    latest = request_sent.history.first()
    assert latest.status == "overdue"
    assert latest.history_user.username == "tenderleaf-system"
    assert latest.history_change_reason == "past its due date"
    logs = ReminderLog.objects.filter(target_id=request_sent.pk)
    assert sorted(logs.values_list("kind", flat=True)) == sorted(
        [
            "disclosure_day7",
            "disclosure_day14",
            "disclosure_due_soon",
            "disclosure_overdue",
            "disclosure_escalation",
        ]
    )
    assert set(logs.values_list("status", flat=True)) == {"sent"}


def test_touched_request_gets_no_after_sending_nudge_but_still_due_soon(request_sent):
    DisclosureRequest.objects.filter(pk=request_sent.pk).update(
        vendor_touched_at=SENT + datetime.timedelta(days=1)
    )
    assert _sweep_twice_on(datetime.date(2026, 3, 9)) == []
    assert _sweep_twice_on(datetime.date(2026, 3, 16)) == []
    assert len(_sweep_twice_on(datetime.date(2026, 3, 27))) == 2


def test_submitted_request_gets_nothing(request_sent):
    DisclosureRequest.objects.filter(pk=request_sent.pk).update(status="submitted")
    for day in (datetime.date(2026, 3, 9), datetime.date(2026, 3, 27), datetime.date(2026, 3, 31)):
        assert _sweep_twice_on(day) == []


def test_email_in_contact_language_with_link_to_the_request_page(request_sent, settings):
    _sweep_twice_on(datetime.date(2026, 3, 9))
    by_recipient = {m.to[0]: m for m in mail.outbox}
    url = settings.SITE_URL + reverse("portal:disclosure_request", kwargs={"pk": request_sent.pk})
    for email, language in (("anna@acme.example", "en"), ("bernd@acme.example", "de")):
        message = by_recipient[email]
        html = message.alternatives[0][0]
        assert f'<html lang="{language}">' in html
        assert url in message.body
        assert f'href="{url}"' in html
        assert "We asked 7 days ago for your FY2025 emissions disclosure" in message.body
    assert "quiet@acme.example" not in by_recipient


def test_certificate_reminders_at_90_30_and_7_days(vendor):
    # Issued (audited) this year, so no surveillance reminder falls due before it expires.
    cert = CertificationFactory(
        vendor=vendor, issue_date=datetime.date(2026, 1, 5), expiry_date=datetime.date(2026, 12, 31)
    )
    reminder_days = {
        datetime.date(2026, 10, 2): 90,
        datetime.date(2026, 12, 1): 30,
        datetime.date(2026, 12, 24): 7,
    }
    for day in _days(datetime.date(2026, 9, 25), datetime.date(2027, 1, 5)):
        sent = _sweep_twice_on(day)
        if day in reminder_days:
            subject = "Your ISO 14001 certificate expires on 2026-12-31"
            assert sent == [(subject, ["anna@acme.example"]), (subject, ["bernd@acme.example"])]
            body = next(m.body for m in mail.outbox if m.to == ["anna@acme.example"])
            assert f"in {reminder_days[day]} days" in body
            assert reverse("portal:certificate_list") in body
        else:
            assert sent == [], day
    assert ReminderLog.objects.filter(target_id=cert.pk, status="sent").count() == 3


def test_first_sweep_late_sends_only_the_nearest_certificate_reminder(vendor):
    CertificationFactory(
        vendor=vendor, issue_date=datetime.date(2026, 1, 5), expiry_date=datetime.date(2026, 12, 31)
    )
    sent = _sweep_twice_on(datetime.date(2026, 12, 10))
    assert len(sent) == 2
    assert ReminderLog.objects.get().kind == "certificate_30"


def test_vendor_sees_certificate_reminders_on_the_certificate_list(vendor, client_for):
    from vendors.tests.factories import UserFactory, VendorMembershipFactory

    CertificationFactory(
        vendor=vendor,
        number="ISO-REMINDED-1",
        issue_date=datetime.date(2026, 1, 5),
        expiry_date=datetime.date(2026, 12, 31),
    )
    other_vendor = VendorFactory(name="Other vendor")
    VendorContactFactory(vendor=other_vendor, email="ops@other.example")
    other = CertificationFactory(
        vendor=other_vendor,
        issue_date=datetime.date(2026, 1, 5),
        expiry_date=datetime.date(2026, 12, 31),
    )
    _sweep_twice_on(datetime.date(2026, 12, 10))
    assert ReminderLog.objects.filter(target_id=other.pk).exists()
    user = VendorMembershipFactory(user=UserFactory(username="acme-member"), vendor=vendor).user

    response = client_for(user).get(reverse("portal:certificate_list"))

    page = response.content.decode()
    assert "Reminders sent" in page
    assert "Certificate: 30 days before expiry: 10 Dec 2026" in page
    # Only this vendor's certificate carries a reminder row.
    assert page.count("Certificate: 30 days before expiry") == 1


def test_interleaved_sweeps_send_each_reminder_once(request_sent, monkeypatch):
    """A second sweep running between the first one's claim and its sends, and before it."""
    real_claim = services._claim
    calls = {"n": 0}

    def claim_then_race(batch, token):
        calls["n"] += 1
        if calls["n"] == 1:
            # The other sweep wins the race on day 7: it claims and sends first.
            reminder_sweep()
            return real_claim(batch, token)
        return real_claim(batch, token)

    monkeypatch.setattr(services, "_claim", claim_then_race)
    mail.outbox.clear()
    with _at(datetime.date(2026, 3, 9)):
        reminder_sweep()
    assert len(mail.outbox) == 2

    def race_after_claim(batch, token):
        claimed = real_claim(batch, token)
        if calls["n"] == 1:
            calls["n"] += 1
            # This sweep holds the rows; the other one finds them taken.
            reminder_sweep()
        return claimed

    calls["n"] = 1
    monkeypatch.setattr(services, "_claim", race_after_claim)
    mail.outbox.clear()
    with _at(datetime.date(2026, 3, 16)):
        reminder_sweep()
    assert len(mail.outbox) == 2
    assert ReminderLog.objects.filter(status="sent").count() == 2

    # Both sweeps saw no log row yet; the other one inserts its claim between our read and our
    # insert and has not sent yet: we must send nothing and leave its rows to it.
    monkeypatch.setattr(services, "_claim", real_claim)
    manager = ReminderLog.objects
    real_bulk_create = manager.bulk_create

    def bulk_create_after_race(rows, **kwargs):
        theirs = [
            ReminderLog(
                target_type=r.target_type,
                target_id=r.target_id,
                kind=r.kind,
                window=r.window,
                attempts=1,
                claim="other-sweep",
            )
            for r in rows
        ]
        real_bulk_create(theirs, ignore_conflicts=True)
        return real_bulk_create(rows, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", bulk_create_after_race)
    mail.outbox.clear()
    with _at(datetime.date(2026, 3, 27)):
        reminder_sweep()
    assert mail.outbox == []
    theirs = ReminderLog.objects.get(kind="disclosure_due_soon")
    assert (theirs.claim, theirs.status) == ("other-sweep", "pending")


@pytest.mark.django_db(transaction=True)
def test_two_threads_sweeping_at_once_send_each_reminder_once(owner):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers with a database lock, so two threads cannot race here; "
            "the interleaved test covers the same claim logic and this runs on PostgreSQL in CI"
        )
    vendors = [VendorFactory(relationship_owner=owner) for _ in range(20)]
    for vendor in vendors:
        VendorContactFactory(vendor=vendor)
        DisclosureRequest.objects.create(
            vendor=vendor, reporting_year=2025, due_date=DUE, created_by=owner, sent_at=SENT
        )
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            barrier.wait()
            reminder_sweep(today=datetime.date(2026, 3, 9))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    with _at(datetime.date(2026, 3, 9)):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(v.contacts.get().email for v in vendors)


class FlakyBackend(EmailBackend):
    """Fails the first send it is asked for, then delivers like the locmem backend."""

    failures_left = 1

    def send_messages(self, messages):
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise SMTPException("451 try again later")
        return super().send_messages(messages)


class BrokenBackend(EmailBackend):
    def send_messages(self, messages):
        raise SMTPException("554 refused")


def test_failed_send_is_retried_by_the_next_sweep_and_then_sent_once(vendor, owner, settings):
    settings.EMAIL_BACKEND = "reminders.tests.test_reminders.FlakyBackend"
    FlakyBackend.failures_left = 1
    # One contact, so the one failure is the whole reminder.
    vendor.contacts.exclude(email="anna@acme.example").update(receives_reminders=False)
    request = DisclosureRequest.objects.create(
        vendor=vendor, reporting_year=2025, due_date=DUE, created_by=owner, sent_at=SENT
    )
    day7 = datetime.date(2026, 3, 9)
    mail.outbox.clear()
    with _at(day7):
        result = reminder_sweep()
    assert mail.outbox == []
    assert result.failed == {"disclosure_day7": 1}
    log = ReminderLog.objects.get(target_id=request.pk)
    assert (log.status, log.attempts) == ("failed", 1)
    assert "451 try again later" in log.last_error

    with _at(day7, hour=13):
        assert reminder_sweep().counts == {"disclosure_day7": 1}
        assert reminder_sweep().counts == {}
    assert [m.to for m in mail.outbox] == [["anna@acme.example"]]
    log.refresh_from_db()
    assert (log.status, log.attempts, log.last_error) == ("sent", 2, "")


def test_failing_send_stops_after_the_attempt_cap(vendor, owner, settings):
    settings.EMAIL_BACKEND = "reminders.tests.test_reminders.BrokenBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    DisclosureRequest.objects.create(
        vendor=vendor, reporting_year=2025, due_date=DUE, created_by=owner, sent_at=SENT
    )
    for hour in range(8, 14):
        with _at(datetime.date(2026, 3, 9), hour=hour):
            reminder_sweep()
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == ("failed", 3)


def _requests(owner, n, *, sent, due):
    for _ in range(n):
        vendor = VendorFactory(relationship_owner=owner)
        VendorContactFactory(vendor=vendor)
        DisclosureRequest.objects.create(
            vendor=vendor, reporting_year=2025, due_date=due, created_by=owner, sent_at=sent
        )


def _queries_of_sweep(day) -> list[str]:
    with _at(day), CaptureQueriesContext(connection) as queries:
        reminder_sweep()
    sqls = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "sqlite":
        # SQLite caps a statement at 999 parameters, so Django splits a bulk insert of 50 rows
        # into several statements; every other query must still be the same.
        sqls = [sql for sql in sqls if not sql.startswith("INSERT")]
    # Each send is recorded by its own single-row update right after it (see the services
    # docstring); everything else must not grow with the number of reminders.
    return [sql for sql in sqls if not _marks_one_row_sent(sql)]


@pytest.mark.parametrize(
    ("second", "day_small", "day_large", "kinds"),
    [
        # Day 7 after sending: 5 requests, then the next day 50 more sent a day later.
        (
            {"sent": SENT + datetime.timedelta(days=1), "due": DUE},
            datetime.date(2026, 3, 9),
            datetime.date(2026, 3, 10),
            1,
        ),
        # The day after the due date (overdue marking, reminder, escalation): 5, then 50 more
        # that were never sent and are due later, so nothing else is owed for them before.
        (
            {"sent": None, "due": DUE + datetime.timedelta(days=10)},
            datetime.date(2026, 3, 31),
            datetime.date(2026, 4, 10),
            2,
        ),
    ],
)
def test_sweep_queries_do_not_grow_with_the_number_of_due_requests(
    owner, second, day_small, day_large, kinds
):
    _requests(owner, 5, sent=SENT, due=DUE)
    _requests(owner, 50, **second)
    # Warm up the caches a first sweep fills (system user, content types).
    _queries_of_sweep(SENT.date())
    ContentType.objects.get_for_model(DisclosureRequest)
    mail.outbox.clear()
    small = _queries_of_sweep(day_small)
    sent_small = len(mail.outbox)
    large = _queries_of_sweep(day_large)
    assert sent_small == 5 * kinds
    assert len(mail.outbox) - sent_small == 50 * kinds
    assert len(small) == len(large)


def test_vendor_sees_reminders_sent_on_the_request_page(request_sent, vendor, client_for):
    from vendors.tests.factories import UserFactory, VendorMembershipFactory

    _sweep_twice_on(datetime.date(2026, 3, 31))
    user = VendorMembershipFactory(user=UserFactory(username="acme-member"), vendor=vendor).user
    response = client_for(user).get(
        reverse("portal:disclosure_request", kwargs={"pk": request_sent.pk})
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reminders sent" in page
    assert "Disclosure request: overdue" in page
    # The escalation goes to our relationship owner; it is not the vendor's business.
    assert "escalation" not in page
    assert "owner@buyer.example" not in page


def test_reminder_log_admin_is_read_only_with_filters(request_sent, client_for):
    _sweep_twice_on(datetime.date(2026, 3, 9))
    admin_user = User.objects.create_superuser("root", "root@buyer.example", "x")
    client = client_for(admin_user)
    log = ReminderLog.objects.first()
    listing = client.get(
        reverse("admin:reminders_reminderlog_changelist"),
        {"kind": "disclosure_day7", "target_id": request_sent.pk},
    )
    assert listing.status_code == 200
    assert (
        "disclosure_day7" in listing.content.decode() or "7 days after" in listing.content.decode()
    )
    assert client.get(reverse("admin:reminders_reminderlog_add")).status_code == 403
    change = client.get(reverse("admin:reminders_reminderlog_change", args=[log.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert (
        client.post(reverse("admin:reminders_reminderlog_delete", args=[log.pk])).status_code == 403
    )


def test_task_runs_the_sweep_and_schedules_exist(request_sent):
    with _at(datetime.date(2026, 3, 9)):
        result = reminder_tasks.reminder_sweep.apply().get()
    # One reminder, sent as two messages (English and German contacts), counted once.
    assert result == {"sent": {"disclosure_day7": 1}, "failed": {}}
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["reminder sweep (hourly)"] == "reminders.tasks.reminder_sweep"
    assert tasks["certificate expiry (daily)"] == "reminders.tasks.certificate_reminder_sweep"
