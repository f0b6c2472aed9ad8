"""The renewal gate in each branch: pure over plain values, then through the service."""

from datetime import date

import pytest

from contracts.gate import AuditFact, CertificateFact, GateInputs, renewal_gate

DECISION = date(2026, 10, 1)
RENEWAL = date(2026, 12, 31)  # contract end date; the notice period is 1 Oct..31 Dec


def inputs(certificates=(), audits=()):
    return GateInputs(
        decision_date=DECISION,
        renewal_date=RENEWAL,
        certificates=list(certificates),
        audits=list(audits),
    )


def cert(**kw):
    return CertificateFact(
        number=kw.get("number", "EMS-1"),
        status=kw.get("status", "valid"),
        issue_date=kw.get("issue_date", date(2024, 1, 1)),
        expiry_date=kw.get("expiry_date", date(2027, 1, 1)),
    )


def audit(**kw):
    return AuditFact(
        audit_id=1,
        label=kw.get("label", "Desk review of 2026-03-01"),
        audit_date=kw.get("audit_date", date(2026, 3, 1)),
        result=kw.get("result", "conforming"),
        major_findings=kw.get("major_findings", []),
    )


def conditions(result):
    return {c.name: c for c in result.conditions}


def test_valid_certificate_covering_the_renewal_date_passes():
    result = renewal_gate(inputs([cert(expiry_date=date(2027, 1, 1))]))
    assert result.passed
    assert conditions(result)["certificate"].passed
    assert "valid until 2027-01-01" in conditions(result)["certificate"].detail


def test_certificate_expiring_during_the_notice_period_does_not_pass():
    # Valid on the decision date (1 Oct) but it lapses on 30 Nov, before the renewal on 31 Dec.
    result = renewal_gate(inputs([cert(number="EMS-9", expiry_date=date(2026, 11, 30))]))
    assert not result.passed
    certificate = conditions(result)["certificate"]
    assert "EMS-9 expires on 2026-11-30, during the notice period" in certificate.detail
    assert "valid until at least 2026-12-31" in certificate.remedy
    # And it says what else would do: an audit in the last 12 months.
    assert "between 2025-10-01 and 2026-10-01" in conditions(result)["audit"].remedy


def test_certificate_expiring_on_the_renewal_date_passes():
    assert renewal_gate(inputs([cert(expiry_date=RENEWAL)])).passed


@pytest.mark.parametrize(
    ("certificate", "message"),
    [
        (cert(status="suspended"), "is suspended"),
        (cert(status="withdrawn"), "is withdrawn"),
        (cert(expiry_date=date(2026, 9, 30)), "expired on 2026-09-30"),
        (cert(issue_date=date(2026, 11, 1)), "issued only on 2026-11-01"),
    ],
)
def test_unusable_certificates_refuse_and_say_why(certificate, message):
    result = renewal_gate(inputs([certificate]))
    assert not result.passed
    assert message in conditions(result)["certificate"].detail


def test_nothing_on_record_refuses_with_both_conditions_and_remedies():
    result = renewal_gate(inputs())
    assert not result.passed
    found = conditions(result)
    assert "no ISO 14001 certificate" in found["certificate"].detail
    assert "No ISO 14001 audit since 2025-10-01" in found["audit"].detail
    assert found["certificate"].remedy and found["audit"].remedy
    assert result.summary.startswith("Renewal gate refused")


def test_recent_audit_without_major_nonconformity_passes():
    result = renewal_gate(inputs(audits=[audit(major_findings=[])]))
    assert result.passed
    assert conditions(result)["audit"].passed
    assert not conditions(result)["certificate"].passed  # both are always reported


def test_recent_audit_with_open_major_nonconformity_refuses():
    result = renewal_gate(inputs(audits=[audit(major_findings=[("8.1", None)])]))
    assert not result.passed
    assert "1 open major nonconformity: 8.1" in conditions(result)["audit"].detail
    assert "close the major findings" in conditions(result)["audit"].remedy


def test_audit_whose_major_nonconformity_was_closed_passes():
    result = renewal_gate(inputs(audits=[audit(major_findings=[("8.1", date(2026, 6, 1))])]))
    assert result.passed


def test_major_closed_only_after_the_decision_date_is_still_open_on_that_date():
    result = renewal_gate(inputs(audits=[audit(major_findings=[("8.1", date(2026, 10, 2))])]))
    assert not result.passed


def test_audit_older_than_twelve_months_refuses():
    # One year before 1 Oct 2026 is 1 Oct 2025: an audit on 30 Sep 2025 is too old.
    result = renewal_gate(inputs(audits=[audit(audit_date=date(2025, 9, 30))]))
    assert not result.passed
    assert "The latest audit is of 2025-09-30" in conditions(result)["audit"].detail
    assert renewal_gate(inputs(audits=[audit(audit_date=date(2025, 10, 1))])).passed


def test_pending_audit_proves_nothing_yet():
    result = renewal_gate(inputs(audits=[audit(result="pending")]))
    assert not result.passed
    assert "has no result yet" in conditions(result)["audit"].detail


def test_twelve_months_before_29_february():
    result = renewal_gate(
        GateInputs(
            decision_date=date(2028, 2, 29),
            renewal_date=date(2028, 6, 30),
            certificates=[],
            audits=[audit(audit_date=date(2027, 2, 28))],
        )
    )
    assert result.passed
