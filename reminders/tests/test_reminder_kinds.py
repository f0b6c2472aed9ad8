"""ISO 14001 surveillance, KPI report, RFP deadline and contract renewal reminders
(docs/domain.md, "Reminders"):
the expected emails, to the expected people, once each, however often the sweep runs."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.models import AuditEvent
from contracts.models import Contract, KpiClause, KpiReportingPeriod
from contracts.selectors import renewal_gate_inputs_for
from contracts.services import (
    contract_renewal_checks_run,
    kpi_report_reject,
    kpi_report_submit,
)
from contracts.tests.factories import (
    AuditFindingFactory,
    ContractFactory,
    Iso14001AuditFactory,
    KpiClauseFactory,
)
from procurement.models import Rfp
from procurement.tests.factories import BidFactory, RfpFactory
from reminders import services
from reminders.models import ReminderLog
from reminders.services import reminder_sweep
from reminders.tasks import contract_renewal_check
from vendors.models import Certification
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorContactFactory,
    VendorFactory,
    VendorMembershipFactory,
)

EN, DE = ["anna@acme.example"], ["bernd@acme.example"]
OWNER = ["owner@buyer.example"]


def _at(day: datetime.date, hour: int = 12):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC), tick=False
    )


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def _sweep_twice_on(day: datetime.date, families) -> list[tuple[str, list[str]]]:
    """Sweep at 09:00 and 15:00 of ``day``; return (subject, recipients) of what went out."""
    mail.outbox.clear()
    for hour in (9, 15):
        with _at(day, hour):
            reminder_sweep(families=families)
    return sorted((m.subject, sorted(m.to)) for m in mail.outbox)


def _walk(first, last, families, expected) -> list:
    """Sweep twice a day from ``first`` to ``last``; assert each day's emails; return them all."""
    messages = []
    for day in _days(first, last):
        assert _sweep_twice_on(day, families) == sorted(expected.get(day, [])), day
        messages += mail.outbox
    return messages


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


def _member_client(vendor, client_for, username="acme-member"):
    user = VendorMembershipFactory(user=UserFactory(username=username), vendor=vendor).user
    return client_for(user)


# --- ISO 14001 surveillance ----------------------------------------------------------------------


def test_iso14001_surveillance_overdue_once_per_window_and_again_after_the_next_audit(
    vendor, owner, settings
):
    # Issued (certification audit) on 10 March 2025: 12 months later, on 10 March 2026, the
    # surveillance audit is due; from 11 March it is overdue.
    cert = CertificationFactory(
        vendor=vendor,
        number="EMS-7",
        issue_date=datetime.date(2025, 3, 10),
        expiry_date=datetime.date(2028, 3, 9),
    )
    # Neither another kind of certificate nor an audit still pending counts.
    CertificationFactory(
        vendor=vendor, kind=Certification.Kind.ISO_50001, issue_date=cert.issue_date
    )
    Iso14001AuditFactory(
        vendor=vendor,
        audit_date=datetime.date(2026, 2, 1),
        result="pending",
        created_by=owner,
    )
    subject = "Your ISO 14001 surveillance audit is overdue (last audit 2025-03-10)"
    families = ["iso14001"]
    _walk(
        datetime.date(2026, 3, 8),
        datetime.date(2026, 3, 14),
        families,
        {datetime.date(2026, 3, 11): [(subject, DE), (subject, EN)]},
    )
    log = ReminderLog.objects.get(kind="iso14001_surveillance")
    assert (log.target_id, log.window, log.status) == (cert.pk, "2026-03-11", "sent")

    # A surveillance audit on 1 April 2026 puts the next one due a year later, once.
    Iso14001AuditFactory(
        vendor=vendor,
        audit_type="surveillance",
        audit_date=datetime.date(2026, 4, 1),
        created_by=owner,
    )
    assert _sweep_twice_on(datetime.date(2026, 4, 2), families) == []
    assert _sweep_twice_on(datetime.date(2027, 4, 1), families) == []
    later = "Your ISO 14001 surveillance audit is overdue (last audit 2026-04-01)"
    assert _sweep_twice_on(datetime.date(2027, 4, 2), families) == sorted(
        [(later, DE), (later, EN)]
    )
    message = next(m for m in mail.outbox if m.to == EN)
    assert "overdue since 2 April 2027" in message.body
    assert settings.SITE_URL + reverse("portal:certificate_list") in message.body


def test_no_surveillance_reminder_for_a_withdrawn_or_expired_certificate(vendor):
    CertificationFactory(vendor=vendor, issue_date=datetime.date(2024, 1, 1), status="withdrawn")
    CertificationFactory(
        vendor=vendor,
        issue_date=datetime.date(2023, 1, 1),
        expiry_date=datetime.date(2026, 1, 1),
    )
    assert _sweep_twice_on(datetime.date(2026, 3, 1), ["iso14001"]) == []


# --- KPI reports ---------------------------------------------------------------------------------


def _period(vendor, owner, *, due=datetime.date(2026, 4, 30), contract_owner=True, **contract):
    agreement = ContractFactory(
        vendor=vendor,
        reference=contract.pop("reference", "C-KPI-1"),
        owner=owner if contract_owner else None,
        created_by=owner,
        **contract,
    )
    clause = KpiClauseFactory(contract=agreement, metric="Renewable electricity share", unit="%")
    return KpiReportingPeriod.objects.create(
        clause=clause,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        due_date=due,
    )


def test_kpi_report_reminders_before_and_on_the_due_date_then_escalation(vendor, owner, settings):
    period = _period(vendor, owner)
    soon = "Your Renewable electricity share report on C-KPI-1 is due on 2026-04-30"
    today = "Your Renewable electricity share report on C-KPI-1 is due today"
    escalation = (
        "Acme Accelerators has not reported Renewable electricity share on C-KPI-1 (due 2026-04-30)"
    )
    messages = _walk(
        datetime.date(2026, 4, 1),
        datetime.date(2026, 5, 4),
        ["kpi"],
        {
            datetime.date(2026, 4, 23): [(soon, DE), (soon, EN)],
            datetime.date(2026, 4, 30): [(today, DE), (today, EN)],
            datetime.date(2026, 5, 1): [(escalation, OWNER)],
        },
    )
    message = next(m for m in messages if m.to == OWNER)
    clause_admin = reverse("admin:contracts_kpiclause_change", args=[period.clause_id])
    assert settings.SITE_URL + clause_admin in message.body
    assert f'href="{settings.SITE_URL}{clause_admin}"' in message.alternatives[0][0]
    logs = ReminderLog.objects.filter(target_id=period.pk)
    assert sorted(logs.values_list("kind", "window")) == [
        ("kpi_due_soon", "2026-04-30"),
        ("kpi_due_today", "2026-04-30"),
        ("kpi_escalation", "2026-04-30"),
    ]


def test_kpi_reminder_in_the_contact_language_with_a_link_to_the_report_form(
    vendor, owner, settings
):
    period = _period(vendor, owner)
    _sweep_twice_on(datetime.date(2026, 4, 23), ["kpi"])
    url = settings.SITE_URL + reverse("portal:kpi_report_submit", args=[period.pk])
    by_recipient = {m.to[0]: m for m in mail.outbox}
    for email, language in (("anna@acme.example", "en"), ("bernd@acme.example", "de")):
        html = by_recipient[email].alternatives[0][0]
        assert f'<html lang="{language}">' in html
        assert f'href="{url}"' in html
        assert url in by_recipient[email].body
    assert "is due in 7 days, on 30 April 2026" in by_recipient["anna@acme.example"].body


def test_kpi_reported_period_gets_nothing_more_and_a_rejected_one_is_owed_again(vendor, owner):
    period = _period(vendor, owner)
    assert len(_sweep_twice_on(datetime.date(2026, 4, 23), ["kpi"])) == 2
    reporter = VendorMembershipFactory(vendor=vendor).user
    with _at(datetime.date(2026, 4, 24)):
        report = kpi_report_submit(actor=reporter, period=period, value="40")
    for day in (datetime.date(2026, 4, 30), datetime.date(2026, 5, 1), datetime.date(2026, 5, 2)):
        assert _sweep_twice_on(day, ["kpi"]) == [], day
    # Sent back after its due date: not reported any more, so the owner hears of it.
    with _at(datetime.date(2026, 5, 3), 8):
        kpi_report_reject(actor=owner, report=report, comment="Evidence missing")
    assert [to for _, to in _sweep_twice_on(datetime.date(2026, 5, 3), ["kpi"])] == [OWNER]


def test_kpi_escalation_falls_back_to_the_relationship_owner_and_skips_retired_clauses(
    vendor, owner
):
    rel = UserFactory(username="rel", email="rel@buyer.example", is_staff=True)
    vendor.relationship_owner = rel
    vendor.save()
    _period(vendor, owner, contract_owner=False)
    retired = _period(vendor, owner, reference="C-KPI-2")
    KpiClause.objects.filter(pk=retired.clause_id).update(status=KpiClause.Status.RETIRED)
    draft = _period(vendor, owner, reference="C-KPI-3", status=Contract.Status.DRAFT)
    assert draft.clause.contract.status == "draft"
    sent = _sweep_twice_on(datetime.date(2026, 5, 1), ["kpi"])
    assert [to for _, to in sent] == [["rel@buyer.example"]]
    assert "C-KPI-1" in sent[0][0]


def test_kpi_reminders_on_the_vendor_contract_page_and_the_escalation_only_in_the_admin(
    vendor, owner, client_for
):
    period = _period(vendor, owner)
    _sweep_twice_on(datetime.date(2026, 4, 23), ["kpi"])
    _sweep_twice_on(datetime.date(2026, 5, 1), ["kpi"])
    with _at(datetime.date(2026, 5, 1)):
        page = _member_client(vendor, client_for).get(
            reverse("portal:contract_detail", args=[period.clause.contract_id])
        )
        admin = client_for(owner).get(
            reverse("admin:contracts_kpiclause_change", args=[period.clause_id])
        )
    html = page.content.decode()
    assert "KPI report: due soon" in html
    assert "escalation" not in html
    admin_html = admin.content.decode()
    assert "KPI report: due soon" in admin_html
    assert "KPI report: escalation" in admin_html
    assert "owner@buyer.example" in admin_html


# --- RFP deadlines -------------------------------------------------------------------------------

DEADLINE = datetime.datetime(2026, 6, 10, 17, 0, tzinfo=datetime.UTC)


@pytest.fixture
def rfp(vendor, owner):
    rfp = RfpFactory(
        title="Edge inference boxes",
        status=Rfp.Status.PUBLISHED,
        deadline=DEADLINE,
        created_by=owner,
    )
    rfp.invited_vendors.add(vendor)
    return rfp


def test_rfp_deadline_reminders_3_and_1_days_before_to_invited_vendors_without_a_bid(
    rfp, vendor, owner, settings
):
    other = VendorFactory(name="Bolt Servers")
    VendorContactFactory(vendor=other, email="carl@bolt.example", language="en")
    done = VendorFactory(name="Done Devices")
    VendorContactFactory(vendor=done, email="dora@done.example")
    rfp.invited_vendors.add(other, done)
    BidFactory(rfp=rfp, vendor=done, created_by=owner)
    # Not invited: never reminded, even with contacts.
    VendorContactFactory(vendor=VendorFactory(), email="eve@elsewhere.example")
    # Cancelled and closed RFPs send nothing.
    for status in (Rfp.Status.CANCELLED, Rfp.Status.CLOSED):
        RfpFactory(status=status, deadline=DEADLINE, created_by=owner).invited_vendors.add(vendor)

    three = "Bids for “Edge inference boxes” close in 3 days"
    one = "Bids for “Edge inference boxes” close in 1 day"
    carl = ["carl@bolt.example"]
    expected = {
        datetime.date(2026, 6, 7): [(three, DE), (three, EN), (three, carl)],
        datetime.date(2026, 6, 9): [(one, DE), (one, EN)],
    }

    def bolt_submits():
        BidFactory(rfp=rfp, vendor=other, created_by=owner)

    messages = []
    for day in _days(datetime.date(2026, 6, 1), datetime.date(2026, 6, 12)):
        if day == datetime.date(2026, 6, 8):
            bolt_submits()
        assert _sweep_twice_on(day, ["rfp"]) == sorted(expected.get(day, [])), day
        messages += mail.outbox

    message = next(m for m in messages if m.to == EN)
    url = settings.SITE_URL + reverse("portal:rfp_detail", args=[rfp.pk])
    assert url in message.body
    assert "10 June 2026, 17:00" in message.body
    windows = sorted(ReminderLog.objects.values_list("window", flat=True))
    assert windows == sorted(
        [f"v{other.pk}/2026-06-10/3", f"v{vendor.pk}/2026-06-10/1", f"v{vendor.pk}/2026-06-10/3"]
    )


def test_rfp_first_swept_the_day_before_sends_only_the_one_day_reminder(rfp):
    assert len(_sweep_twice_on(datetime.date(2026, 6, 9), ["rfp"])) == 2
    assert ReminderLog.objects.get().window.endswith("/1")


def test_vendor_sees_only_its_own_rfp_reminders_in_the_portal(rfp, vendor, client_for):
    other = VendorFactory(name="Bolt Servers")
    VendorContactFactory(vendor=other, email="carl@bolt.example")
    rfp.invited_vendors.add(other)
    _sweep_twice_on(datetime.date(2026, 6, 7), ["rfp"])
    with _at(datetime.date(2026, 6, 7)):
        page = _member_client(vendor, client_for).get(reverse("portal:rfp_detail", args=[rfp.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reminders sent" in html
    assert "RFP: bid deadline approaching" in html
    assert "anna@acme.example" in html
    assert "carl@bolt.example" not in html


# --- contract renewals ---------------------------------------------------------------------------

END = datetime.date(2026, 12, 31)
NOTICE_START = datetime.date(2026, 10, 2)  # 90 days before the end date


@pytest.fixture
def contract(vendor, owner):
    return ContractFactory(
        vendor=vendor, reference="C-REN-1", end_date=END, owner=owner, created_by=owner
    )


def test_renewal_gate_failing_tells_the_owner_and_asks_the_vendor_for_an_audit_once(
    contract, vendor, owner, settings, django_capture_on_commit_callbacks
):
    # An audit more than 12 months old with an open major nonconformity: the gate refuses.
    audit = Iso14001AuditFactory(
        vendor=vendor, audit_date=datetime.date(2025, 6, 1), created_by=owner
    )
    AuditFindingFactory(audit=audit, severity="major", clause_ref="8.1")
    outcome = "C-REN-1 (Acme Accelerators) is due for renewal: the renewal gate would refuse"
    request = "C-REN-1: an ISO 14001 audit is needed before renewal"
    for day in _days(datetime.date(2026, 9, 30), datetime.date(2026, 10, 4)):
        mail.outbox.clear()
        for hour in (9, 15):
            with _at(day, hour), django_capture_on_commit_callbacks(execute=True):
                contract_renewal_check.apply().get()
        sent = sorted((m.subject, sorted(m.to)) for m in mail.outbox)
        if day == NOTICE_START:
            assert sent == sorted([(outcome, OWNER), (request, DE), (request, EN)])
            to_owner = next(m for m in mail.outbox if m.to == OWNER)
            to_vendor = next(m for m in mail.outbox if m.to == EN)
            german = next(m for m in mail.outbox if m.to == DE)
        else:
            assert sent == [], day

    contract.refresh_from_db()
    assert contract.status == Contract.Status.RENEWAL_DUE
    # By id: the factory's row carries today's real date, later than the travelled clock.
    latest = contract.history.order_by("-history_id").first()
    assert latest.status == Contract.Status.RENEWAL_DUE
    assert latest.history_change_reason == "notice period started (reminder sweep)"
    assert latest.history_user.username == "tenderleaf-system"
    # The audit request is on the audit trail once; the contracts app's daily check saw it.
    events = AuditEvent.objects.filter(verb="renewal_audit_requested", target_id=str(contract.pk))
    assert [e.details["window"] for e in events] == ["2026-10-02"]

    admin_url = settings.SITE_URL + reverse("admin:contracts_contract_change", args=[contract.pk])
    assert admin_url in to_owner.body
    assert "The vendor's contacts have been asked for an ISO 14001 audit." in to_owner.body
    assert "no ISO 14001 certificate" in to_owner.body
    portal_url = settings.SITE_URL + reverse("portal:contract_detail", args=[contract.pk])
    assert portal_url in to_vendor.body
    assert f'href="{portal_url}"' in to_vendor.alternatives[0][0]
    # Names what is missing: no certificate, and the audit is too old.
    assert "The vendor has no ISO 14001 certificate on record." in to_vendor.body
    assert "No ISO 14001 audit since 2025-10-02 (12 months)." in to_vendor.body
    assert '<html lang="de">' in german.alternatives[0][0]


def test_renewal_gate_passing_tells_the_owner_only(contract, vendor, owner):
    CertificationFactory(
        vendor=vendor, issue_date=datetime.date(2026, 1, 10), expiry_date=datetime.date(2027, 6, 30)
    )
    outcome = "C-REN-1 (Acme Accelerators) is due for renewal: the renewal gate passes"
    assert _sweep_twice_on(NOTICE_START, ["renewal"]) == [(outcome, OWNER)]
    assert "is valid until 2027-06-30" in mail.outbox[0].body
    assert _sweep_twice_on(NOTICE_START + datetime.timedelta(days=1), ["renewal"]) == []
    assert not AuditEvent.objects.filter(verb="renewal_audit_requested").exists()
    contract.refresh_from_db()
    assert contract.status == Contract.Status.RENEWAL_DUE


def test_no_renewal_reminder_before_the_notice_period_or_for_ended_contracts(vendor, owner):
    ContractFactory(vendor=vendor, end_date=datetime.date(2027, 12, 31), created_by=owner)
    ContractFactory(
        vendor=vendor,
        end_date=datetime.date(2026, 9, 30),
        status=Contract.Status.TERMINATED,
        created_by=owner,
        owner=owner,
    )
    assert _sweep_twice_on(NOTICE_START, ["renewal"]) == []


def test_renewal_gate_inputs_of_a_batch_match_each_contract_loaded_alone(contract, vendor, owner):
    CertificationFactory(vendor=vendor, status="suspended")
    audit = Iso14001AuditFactory(vendor=vendor, audit_date=datetime.date(2026, 5, 1))
    AuditFindingFactory(audit=audit, severity="major", clause_ref="9.2")
    AuditFindingFactory(audit=audit, severity="minor")
    other = ContractFactory(vendor=VendorFactory(), created_by=owner)
    on = datetime.date(2026, 10, 2)
    batch = renewal_gate_inputs_for([contract, other], on=on)
    assert batch[contract.pk] == renewal_gate_inputs_for([contract], on=on)[contract.pk]
    assert batch[other.pk] == renewal_gate_inputs_for([other], on=on)[other.pk]
    assert [c.status for c in batch[contract.pk].certificates] == ["suspended"]
    assert [len(a.major_findings) for a in batch[contract.pk].audits] == [1]
    assert batch[other.pk].certificates == [] and batch[other.pk].audits == []


def test_vendor_sees_the_audit_request_not_the_owner_outcome_and_officer_sees_both(
    contract, vendor, owner, client_for
):
    _sweep_twice_on(NOTICE_START, ["renewal"])
    with _at(NOTICE_START):
        page = _member_client(vendor, client_for).get(
            reverse("portal:contract_detail", args=[contract.pk])
        )
        admin = client_for(owner).get(
            reverse("admin:contracts_contract_change", args=[contract.pk])
        )
    html = page.content.decode()
    assert "Contract renewal: ISO 14001 audit requested" in html
    assert "gate outcome" not in html
    assert "owner@buyer.example" not in html
    assert admin.status_code == 200
    admin_html = admin.content.decode()
    assert "Contract renewal: gate outcome" in admin_html
    assert "Contract renewal: ISO 14001 audit requested" in admin_html


def test_contracts_daily_check_run_first_keeps_one_audit_request_on_record(
    contract, owner, django_capture_on_commit_callbacks
):
    """Run on its own first (the daily task runs the reminders first), the contracts app's check
    asks the owner and records the request; the reminders then tell the owner the outcome and ask
    the vendor, and do not record the request twice."""
    with _at(NOTICE_START), django_capture_on_commit_callbacks(execute=True):
        contract_renewal_checks_run(actor=owner)
    assert [m.to for m in mail.outbox] == [OWNER]
    mail.outbox.clear()
    with _at(NOTICE_START, 15):
        reminder_sweep(families=["renewal"])
    # The gate outcome still goes to the owner (the reminder log is its own record), and the
    # vendor is asked; the audit request is not recorded twice.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EN + DE + OWNER)
    assert AuditEvent.objects.filter(verb="renewal_audit_requested").count() == 1


# --- exactly once under concurrency --------------------------------------------------------------


def test_interleaved_sweeps_send_each_new_reminder_once(rfp, contract, vendor, owner, monkeypatch):
    """A second sweep runs inside the first one, before the first claims: the RFP and renewal
    reminders (due the same day) still go out once each."""
    ContractFactory(
        vendor=vendor,
        reference="C-REN-2",
        end_date=datetime.date(2026, 9, 5),
        owner=owner,
        created_by=owner,
    )  # notice period started 7 June 2026
    real_claim = services._claim
    calls = {"n": 0}

    def claim_after_racing(batch, token):
        calls["n"] += 1
        if calls["n"] == 1:
            reminder_sweep(families=["rfp", "renewal"])
        return real_claim(batch, token)

    monkeypatch.setattr(services, "_claim", claim_after_racing)
    mail.outbox.clear()
    with _at(datetime.date(2026, 6, 7)):
        reminder_sweep(families=["rfp", "renewal"])
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [
            "Bids for “Edge inference boxes” close in 3 days",
            "Bids for “Edge inference boxes” close in 3 days",
            "C-REN-2 (Acme Accelerators) is due for renewal: the renewal gate would refuse",
            "C-REN-2: an ISO 14001 audit is needed before renewal",
            "C-REN-2: an ISO 14001 audit is needed before renewal",
        ]
    )
    assert AuditEvent.objects.filter(verb="renewal_audit_requested").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_threads_sweeping_kpi_and_rfp_reminders_send_each_once(owner):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers with a database lock, so two threads cannot race here; "
            "the interleaved test covers the same claim logic and this runs on PostgreSQL in CI"
        )
    rfp = RfpFactory(status=Rfp.Status.PUBLISHED, deadline=DEADLINE, created_by=owner)
    expected = []
    for n in range(10):
        vendor = VendorFactory(relationship_owner=owner)
        VendorContactFactory(vendor=vendor, email=f"c{n}@v.example")
        rfp.invited_vendors.add(vendor)
        period = _period(vendor, owner, reference=f"C-T-{n}", due=datetime.date(2026, 6, 7))
        assert period.pk
        expected += [f"c{n}@v.example"] * 2  # the RFP reminder and the KPI due-today reminder
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            barrier.wait()
            reminder_sweep(families=["kpi", "rfp"], today=datetime.date(2026, 6, 7))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    mail.outbox.clear()
    with _at(datetime.date(2026, 6, 7)):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(expected)


# --- query counts --------------------------------------------------------------------------------


def _queries_of_sweep(day, families) -> int:
    with _at(day), CaptureQueriesContext(connection) as queries:
        reminder_sweep(families=families)
    sqls = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "sqlite":
        # SQLite caps a statement at 999 parameters, so Django splits a bulk insert of many rows
        # into several statements; every other query must still be the same.
        sqls = [sql for sql in sqls if not sql.startswith("INSERT")]
    # Each reminder is marked sent by its own single-row update right after its send (so a worker
    # killed mid-batch repeats at most one); everything else must not grow with the rows.
    return len([sql for sql in sqls if not _marks_one_row_sent(sql)])


def _marks_one_row_sent(sql: str) -> bool:
    head, _, where = sql.partition(" WHERE ")
    return (
        head.startswith("UPDATE")
        and "reminders_reminderlog" in head
        and "'sent'" in head
        and " IN (" not in where
    )


def _vendor_with_contact(owner):
    vendor = VendorFactory(relationship_owner=owner)
    VendorContactFactory(vendor=vendor)
    return vendor


def _iso_world(owner, n, issued):
    for _ in range(n):
        CertificationFactory(
            vendor=_vendor_with_contact(owner), issue_date=issued, expiry_date=None
        )


def _kpi_world(owner, n, due):
    for _ in range(n):
        vendor = _vendor_with_contact(owner)
        _period(vendor, owner, reference=f"C-{vendor.pk}", due=due)


def _rfp_world(owner, n, deadline):
    rfp = RfpFactory(status=Rfp.Status.PUBLISHED, deadline=deadline, created_by=owner)
    rfp.invited_vendors.add(*[_vendor_with_contact(owner) for _ in range(n)])


def _renewal_world(owner, n, end):
    # Already marked renewal due and covered by a certificate: the sweep's own reads, claims and
    # sends. Moving an active contract to renewal due, and recording an audit request when the
    # gate refuses, are one service write per contract by design (row lock, history, audit event).
    for _ in range(n):
        vendor = _vendor_with_contact(owner)
        CertificationFactory(vendor=vendor, expiry_date=datetime.date(2030, 1, 1))
        ContractFactory(
            vendor=vendor,
            end_date=end,
            status=Contract.Status.RENEWAL_DUE,
            owner=owner,
            created_by=owner,
        )


@pytest.mark.parametrize(
    ("family", "build", "small", "large", "day_small", "day_large", "per_object"),
    [
        (
            "iso14001",
            _iso_world,
            datetime.date(2025, 3, 10),
            datetime.date(2025, 3, 20),
            datetime.date(2026, 3, 11),
            datetime.date(2026, 3, 21),
            1,
        ),
        (
            "kpi",
            _kpi_world,
            datetime.date(2026, 4, 30),
            datetime.date(2026, 5, 20),
            datetime.date(2026, 4, 30),
            datetime.date(2026, 5, 20),
            1,
        ),
        (
            "rfp",
            _rfp_world,
            DEADLINE,
            DEADLINE + datetime.timedelta(days=10),
            datetime.date(2026, 6, 9),
            datetime.date(2026, 6, 19),
            1,
        ),
        (
            "renewal",
            _renewal_world,
            END,
            END + datetime.timedelta(days=10),
            NOTICE_START,
            NOTICE_START + datetime.timedelta(days=10),
            1,
        ),
    ],
)
def test_sweep_queries_do_not_grow_with_the_number_of_due_objects(
    owner, family, build, small, large, day_small, day_large, per_object
):
    build(owner, 3, small)
    build(owner, 30, large)
    # Warm up the caches a first sweep fills (system user, content types).
    _queries_of_sweep(datetime.date(2020, 1, 1), [family])
    for model in (Certification, KpiReportingPeriod, Rfp, Contract):
        ContentType.objects.get_for_model(model)
    mail.outbox.clear()
    queries_small = _queries_of_sweep(day_small, [family])
    sent_small = len(mail.outbox)
    queries_large = _queries_of_sweep(day_large, [family])
    assert sent_small == 3 * per_object
    # The KPI family also escalates the three periods due on the first day.
    extra = 3 if family == "kpi" else 0
    assert len(mail.outbox) - sent_small == 30 * per_object + extra
    assert queries_small == queries_large
