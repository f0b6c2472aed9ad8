"""The daily renewal check: notice period, one audit request per window, expiry; idempotent."""

import datetime

from django.core import mail

from assurance.models import AuditEvent
from contracts.models import Contract
from contracts.services import contract_renewal_checks_run
from contracts.tests.factories import ContractFactory
from vendors.tests.factories import CertificationFactory


def test_renewal_checks_are_idempotent(
    officer, vendor_a, vendor_b, django_capture_on_commit_callbacks
):
    # Ends 2026-12-31 with 90 days' notice: the notice period starts on 2026-10-02.
    in_notice = ContractFactory(
        vendor=vendor_a, end_date=datetime.date(2026, 12, 31), owner=officer, created_by=officer
    )
    covered = ContractFactory(
        vendor=vendor_b, end_date=datetime.date(2026, 12, 31), owner=officer, created_by=officer
    )
    CertificationFactory(vendor=vendor_b, expiry_date=datetime.date(2027, 6, 30))
    ended = ContractFactory(
        vendor=vendor_a, end_date=datetime.date(2026, 9, 30), owner=officer, created_by=officer
    )
    early = ContractFactory(
        vendor=vendor_a, end_date=datetime.date(2027, 12, 31), owner=officer, created_by=officer
    )
    today = datetime.date(2026, 10, 15)
    with django_capture_on_commit_callbacks(execute=True):
        first = contract_renewal_checks_run(actor=officer, today=today)
    with django_capture_on_commit_callbacks(execute=True):
        second = contract_renewal_checks_run(actor=officer, today=today)
    assert first == {"renewal_due": 2, "audit_requested": 1, "expired": 1}
    assert second == {"renewal_due": 0, "audit_requested": 0, "expired": 0}
    statuses = dict(Contract.objects.values_list("pk", "status"))
    assert statuses[in_notice.pk] == "renewal_due"
    assert statuses[covered.pk] == "renewal_due"
    assert statuses[ended.pk] == "expired"
    assert statuses[early.pk] == "active"
    assert len(mail.outbox) == 1
    assert in_notice.reference in mail.outbox[0].subject
    assert "no ISO 14001 certificate" in mail.outbox[0].body
    assert AuditEvent.objects.filter(verb="renewal_audit_requested").count() == 1
