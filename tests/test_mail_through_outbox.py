"""Every e-mail goes through the outbox (operations/services.py), which stores it with the change
that caused it, retries a failed send and shows a message it gave up on on the attention dashboard.

The first test reads the source: a module that sends mail itself fails it, naming the file, the
line and the construct. The others walk the e-mails that used to be sent directly (off-track KPI,
renewal audit request, RFP invitation and award, portal invitation, password reset) and check that
each now arrives through an outbox row, and still arrives when the mail server refuses the first
attempt.
"""

from __future__ import annotations

import ast
import datetime
import smtplib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from operations import services as outbox
from operations.models import OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", ".git", "node_modules", "migrations", "tests", "static", "var"}
# django.core.mail names that send, or build a message or connection to send with.
SENDING_NAMES = {
    "send_mail",
    "send_mass_mail",
    "mail_admins",
    "mail_managers",
    "EmailMessage",
    "EmailMultiAlternatives",
    "get_connection",
}
THE_OUTBOX = "operations/services.py"
# Modules allowed to send for a reason that must be written here.
ALLOWED = {
    THE_OUTBOX: "the outbox itself",
    # The reminder sweep has its own delivery log (ReminderLog): each reminder is claimed once,
    # a failed send is recorded on its row and retried by the next sweep up to
    # REMINDER_MAX_ATTEMPTS, and tests/test_reminder_fault_drill.py shows a killed worker loses
    # none. Moving it onto the outbox is a change of that design, not of where a call sits.
    "reminders/services.py": "the reminder sweep's own claimed, retried delivery",
    # Measures how long building the sweep's messages takes; it sends nothing.
    "bench/reminders.py": "builds reminder messages to time them",
}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts[:-1]):
            continue
        yield relative.as_posix(), path


def _direct_sends(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.core.mail":
            found += [
                (node.lineno, f"from django.core.mail import {alias.name}")
                for alias in node.names
                if alias.name in SENDING_NAMES or alias.name == "*"
            ]
        elif isinstance(node, ast.ImportFrom) and node.module == "django.core":
            found += [
                (node.lineno, "from django.core import mail")
                for alias in node.names
                if alias.name == "mail"
            ]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, f"import {alias.name}")
                for alias in node.names
                if alias.name == "django.core.mail"
            ]
        elif isinstance(node, ast.Attribute) and node.attr in {"send_messages", "send_mail"}:
            found.append((node.lineno, f".{node.attr}(...)"))
    return found


def test_no_module_outside_the_outbox_sends_mail():
    offences = []
    for name, path in _modules():
        if name in ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
        offences += [f"{name}:{line}: {what}" for line, what in _direct_sends(tree)]
    assert not offences, (
        "E-mail goes through operations.services.outbox_email_enqueue (stored with the change, "
        "retried, failures shown on the attention dashboard); these modules send it directly:\n"
        + "\n".join(offences)
    )


def test_the_check_recognises_direct_sends():
    source = (
        "from django.core.mail import send_mail, EmailMultiAlternatives\n"
        "from django.core import mail\n"
        "connection.send_messages([message])\n"
    )
    assert [line for line, _ in _direct_sends(ast.parse(source))] == [1, 1, 2, 3]


def test_every_allowed_module_exists_and_still_needs_its_exception():
    for name in ALLOWED:
        path = ROOT / name
        assert path.exists(), f"{name} is allowed to send mail but no longer exists"
        assert _direct_sends(ast.parse(path.read_text(encoding="utf-8"))), (
            f"{name} no longer sends mail itself: remove it from ALLOWED"
        )


# --- the e-mails that used to be sent directly ------------------------------------------------


class FirstAttemptRefused(EmailBackend):
    """The mail server refuses the first message it is given, then accepts."""

    refused = 0

    def send_messages(self, messages):
        if FirstAttemptRefused.refused == 0:
            FirstAttemptRefused.refused += 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def refusing_once(settings):
    FirstAttemptRefused.refused = 0
    settings.EMAIL_BACKEND = "tests.test_mail_through_outbox.FirstAttemptRefused"
    return FirstAttemptRefused


@pytest.fixture
def owner(officer):
    officer.email = "owner@buyer.example"
    officer.save()
    return officer


def _sent_through_outbox(prefix: str) -> list[OutboxMessage]:
    rows = list(OutboxMessage.objects.filter(key__startswith=prefix).order_by("pk"))
    assert rows, f"no outbox message with a key starting {prefix!r}"
    return rows


def _retry_after_refusal(prefix: str) -> None:
    """The first attempt failed: the row waits with the error, and a retry delivers it."""
    for row in _sent_through_outbox(prefix):
        row.refresh_from_db()
        if row.status == OutboxMessage.Status.PENDING:
            assert "SMTPServerDisconnected" in row.last_error
            assert outbox.outbox_deliver_email(message_id=row.pk) == "sent"
        row.refresh_from_db()
        assert row.status == OutboxMessage.Status.DONE


def _off_track_report(owner, vendor):
    from contracts import services as contracts
    from contracts.tests.factories import ContractFactory

    contract = ContractFactory(
        vendor=vendor,
        owner=owner,
        created_by=owner,
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        status="active",
    )
    clause = contracts.kpi_clause_create(
        actor=owner,
        contract=contract,
        metric="Renewable electricity share",
        unit="%",
        direction="higher",
        baseline_value=Decimal("40"),
        baseline_year=2024,
        target_value=Decimal("80"),
        target_year=2026,
        frequency="annual",
    )
    # 2025 lies halfway along the trajectory from 40 % (2024) to 80 % (2026): 60 % expected.
    period = clause.periods.get(period_end__year=2025)
    return contracts.kpi_report_submit(
        actor=owner, period=period, value="41", today=datetime.date(2026, 2, 1)
    )


@pytest.mark.parametrize("first_attempt_refused", [False, True])
def test_an_off_track_kpi_report_mails_the_owner_through_the_outbox(
    owner, vendor_a, django_capture_on_commit_callbacks, request, first_attempt_refused
):
    from contracts import services as contracts

    if first_attempt_refused:
        request.getfixturevalue("refusing_once")
    report = _off_track_report(owner, vendor_a)
    with django_capture_on_commit_callbacks(execute=True):
        contracts.kpi_report_accept(actor=owner, report=report)
    if first_attempt_refused:
        assert mail.outbox == []
        _retry_after_refusal("kpi-off-track:")
    assert [m.to for m in mail.outbox] == [["owner@buyer.example"]]
    assert "off track" in mail.outbox[0].subject
    assert "Reported: 41 %" in mail.outbox[0].body


@pytest.mark.parametrize("first_attempt_refused", [False, True])
def test_the_renewal_audit_request_mails_the_owner_through_the_outbox(
    owner, vendor_a, django_capture_on_commit_callbacks, request, first_attempt_refused
):
    from contracts.services import contract_renewal_checks_run
    from contracts.tests.factories import ContractFactory

    if first_attempt_refused:
        request.getfixturevalue("refusing_once")
    ContractFactory(
        vendor=vendor_a,
        owner=owner,
        created_by=owner,
        reference="C-RENEW",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        renewal_notice_days=90,
        status="active",
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = contract_renewal_checks_run(actor=owner, today=datetime.date(2026, 10, 15))
    assert counts["audit_requested"] == 1
    if first_attempt_refused:
        _retry_after_refusal("contract-renewal-audit-request:")
    assert [m.to for m in mail.outbox] == [["owner@buyer.example"]]
    assert mail.outbox[0].subject.startswith("[Tenderleaf] C-RENEW: ISO 14001 audit needed")


def test_a_vendor_invitation_goes_through_the_outbox_and_its_link_is_not_kept(
    owner, vendor_a, django_capture_on_commit_callbacks, refusing_once, client_for
):
    from vendors.services import vendor_contact_create, vendor_contact_invite
    from vendors.tests.factories import UserFactory

    contact = vendor_contact_create(
        actor=owner, vendor=vendor_a, name="Ines Invited", email="ines@vendor-a.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _, token = vendor_contact_invite(actor=owner, contact=contact)
    (row,) = _sent_through_outbox("vendor-invitation:")
    # While it waits, the admin shows the message without its one-time link.
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    page = client_for(superuser).get(
        reverse("admin:operations_outboxmessage_change", args=[row.pk])
    )
    assert page.status_code == 200
    assert "withheld" in page.content.decode()
    assert token not in page.content.decode()
    _retry_after_refusal("vendor-invitation:")
    assert [m.to for m in mail.outbox] == [["ines@vendor-a.example"]]
    assert token in mail.outbox[0].body
    row.refresh_from_db()
    assert token not in str(row.payload), "a sent invitation's link stays in the outbox"


def test_a_password_reset_goes_through_the_outbox(
    client, member, django_capture_on_commit_callbacks, refusing_once
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": member.email})
    assert mail.outbox == []
    _retry_after_refusal("password-reset:")
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "/portal/password/reset/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives, "the HTML part is kept"


def test_rfp_invitations_go_through_the_outbox(
    officer, evaluator, vendor_a, django_capture_on_commit_callbacks, refusing_once
):
    from django.utils import timezone

    from procurement import services as procurement
    from procurement.models import CriterionTemplate
    from vendors.tests.factories import VendorContactFactory

    VendorContactFactory(vendor=vendor_a, email="bids@acme.example")
    rfp = procurement.rfp_create(
        actor=officer,
        title="GPU servers",
        category="servers",
        deadline=timezone.now() + datetime.timedelta(days=7),
        invited_vendors=[vendor_a],
        panel=[evaluator],
    )
    weights = {"price": 40, "technical-fit": 30, "iso14001": 30}
    for code, weight in weights.items():
        procurement.rfp_criterion_add(
            actor=officer,
            rfp=rfp,
            template=CriterionTemplate.objects.get(code=code),
            weight=Decimal(weight),
        )
    with django_capture_on_commit_callbacks(execute=True):
        procurement.rfp_publish(actor=officer, rfp=rfp)
    assert mail.outbox == []
    _retry_after_refusal("rfp-invitation:")
    assert [m.to for m in mail.outbox] == [["bids@acme.example"]]
    assert mail.outbox[0].subject == "Invitation to bid: GPU servers"
    assert f"/portal/rfps/{rfp.pk}/" in mail.outbox[0].body
