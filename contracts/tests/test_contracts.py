"""Contract status workflow and the renewal decision (pass, refuse, waiver) through services."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from assurance.models import AuditEvent
from contracts import services
from contracts.models import Contract, KpiClause, RenewalDecision
from contracts.tests.factories import AuditFindingFactory, Iso14001AuditFactory
from vendors.tests.factories import CertificationFactory

DECISION_DAY = datetime.date(2025, 10, 1)  # inside the 90-day notice of the 2025-12-31 end


@pytest.fixture
def waiver_officer(officer):
    officer.user_permissions.add(Permission.objects.get(codename="grant_renewal_waiver"))
    return type(officer).objects.get(pk=officer.pk)  # fresh permission cache


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("draft", "expired"),
        ("draft", "renewal_due"),
        ("active", "draft"),
        ("expired", "active"),
        ("terminated", "active"),
        ("renewal_due", "active"),
    ],
)
def test_transitions_that_are_not_allowed_are_refused_naming_from_and_to(
    officer, contract, start, end
):
    Contract.objects.filter(pk=contract.pk).update(status=start)
    contract.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.contract_status_change(actor=officer, contract=contract, status=end)
    labels = dict(Contract.Status.choices)
    assert f"from {labels[start]} to {labels[end]}" in exc.value.messages[0]
    contract.refresh_from_db()
    assert contract.status == start


def test_allowed_transitions_record_history_and_an_event(officer, contract):
    services.contract_status_change(
        actor=officer, contract=contract, status="renewal_due", reason="notice period"
    )
    contract.refresh_from_db()
    assert contract.status == "renewal_due"
    assert contract.history.first().history_change_reason == "notice period"
    event = AuditEvent.objects.get(verb="status_changed", target_id=str(contract.pk))
    assert event.details == {"from": "active", "to": "renewal_due"}


def test_renewed_is_only_reachable_through_the_gate(officer, contract):
    services.contract_status_change(actor=officer, contract=contract, status="renewal_due")
    with pytest.raises(ValidationError, match="renewal gate"):
        services.contract_status_change(actor=officer, contract=contract, status="renewed")


def test_renew_with_a_valid_certificate_passes_and_creates_the_next_term(
    officer, contract, clause, vendor_a
):
    CertificationFactory(vendor=vendor_a, number="EMS-OK", expiry_date=datetime.date(2027, 1, 1))
    decision, successor = services.contract_renew(actor=officer, contract=contract, on=DECISION_DAY)
    assert decision.outcome == RenewalDecision.Outcome.PASS
    contract.refresh_from_db()
    assert contract.status == Contract.Status.RENEWED
    assert successor.renewed_from == contract
    assert successor.status == Contract.Status.DRAFT
    assert successor.reference == "ACME-2024-01-R1"
    # The same length (2 years) from the day after the old end.
    assert (successor.start_date, successor.end_date) == (
        datetime.date(2026, 1, 1),
        datetime.date(2027, 12, 31),
    )
    assert list(successor.clauses.values_list("metric", "status")) == [
        (clause.metric, KpiClause.Status.PROPOSED)
    ]
    verbs = set(
        AuditEvent.objects.filter(target_id=str(contract.pk)).values_list("verb", flat=True)
    )
    assert {"renewal_gate_passed", "renewed"} <= verbs


def test_refusal_is_recorded_with_reasons_and_changes_nothing(officer, contract, vendor_a):
    CertificationFactory(
        vendor=vendor_a, number="EMS-LAPSING", expiry_date=datetime.date(2025, 11, 30)
    )
    decision, successor = services.contract_renew(actor=officer, contract=contract, on=DECISION_DAY)
    assert successor is None
    assert decision.outcome == RenewalDecision.Outcome.REFUSE
    reasons = {r["condition"]: r for r in decision.reasons}
    assert "expires on 2025-11-30, during the notice period" in reasons["certificate"]["detail"]
    assert reasons["audit"]["remedy"]
    event = AuditEvent.objects.get(verb="renewal_refused")
    assert event.details["reasons"] == decision.reasons
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE
    assert Contract.objects.count() == 1


def test_open_major_nonconformity_blocks_and_closing_it_unblocks(officer, contract, vendor_a):
    audit = Iso14001AuditFactory(vendor=vendor_a, audit_date=datetime.date(2025, 6, 1))
    major = AuditFindingFactory(audit=audit, severity="major", clause_ref="8.1")
    decision, _ = services.contract_renew(actor=officer, contract=contract, on=DECISION_DAY)
    assert decision.outcome == RenewalDecision.Outcome.REFUSE
    assert "8.1" in {r["condition"]: r for r in decision.reasons}["audit"]["detail"]

    services.audit_finding_update(
        actor=officer, finding=major, closed_date=datetime.date(2025, 9, 1)
    )
    decision, successor = services.contract_renew(actor=officer, contract=contract, on=DECISION_DAY)
    assert decision.outcome == RenewalDecision.Outcome.PASS
    assert successor is not None


def test_waiver_without_permission_is_refused(officer, contract):
    with pytest.raises(PermissionDenied):
        services.contract_renew(
            actor=officer, contract=contract, waiver_justification="Sole supplier."
        )
    assert not RenewalDecision.objects.exists()


def test_waiver_without_justification_is_refused(waiver_officer, contract):
    with pytest.raises(ValidationError, match="written justification"):
        services.contract_renew(actor=waiver_officer, contract=contract, waiver_justification="  ")
    assert not RenewalDecision.objects.exists()


def test_waiver_with_permission_and_justification_renews(waiver_officer, contract):
    decision, successor = services.contract_renew(
        actor=waiver_officer,
        contract=contract,
        waiver_justification="Sole supplier of the accelerators; audit booked for January.",
        on=DECISION_DAY,
    )
    assert decision.outcome == RenewalDecision.Outcome.WAIVER
    assert decision.justification.startswith("Sole supplier")
    assert successor is not None
    event = AuditEvent.objects.get(verb="waived")
    assert event.details["gate_passed"] is False
    assert event.reason.startswith("Sole supplier")


def test_a_renewed_contract_cannot_be_renewed_again(officer, contract, vendor_a):
    CertificationFactory(vendor=vendor_a, expiry_date=datetime.date(2027, 1, 1))
    services.contract_renew(actor=officer, contract=contract, on=DECISION_DAY)
    with pytest.raises(ValidationError, match="Renewed"):
        services.contract_renew(actor=officer, contract=contract, on=DECISION_DAY)


def test_changing_the_dates_regenerates_periods_without_losing_reports(
    officer, member, contract, clause
):
    q1 = clause.periods.get(period_end=datetime.date(2024, 3, 31))
    services.kpi_report_submit(actor=member, period=q1, value="95", today=datetime.date(2026, 1, 1))
    services.contract_update(actor=officer, contract=contract, end_date=datetime.date(2025, 6, 30))
    # 2024-01-01..2025-06-30 quarterly: 6 periods; the reported Q1 2024 is kept.
    assert clause.periods.count() == 6
    assert clause.periods.filter(pk=q1.pk, report__isnull=False).exists()
