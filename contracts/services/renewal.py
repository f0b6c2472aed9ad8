"""The renewal gate's decisions and the daily renewal check: notice periods, the ISO 14001 audit
request when the gate would refuse, and expiry. The gate's rules are in :mod:`contracts.gate`; what
it reads is loaded by :func:`contracts.selectors.renewal_gate_inputs_for`."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from contracts import gate as gate_rules
from contracts.models import Contract, KpiClause, RenewalDecision
from contracts.selectors import renewal_gate_inputs_for
from contracts.services.contracts import TransitionNotAllowed, contract_status_change
from operations.services import outbox_email_enqueue

# --- renewal gate ----------------------------------------------------------------------------


def renewal_gate_check(contract: Contract, *, on: date | None = None) -> gate_rules.GateResult:
    """Run the gate for ``contract`` without recording anything (the admin's preview)."""
    on = on or timezone.localdate()
    return gate_rules.renewal_gate(renewal_gate_inputs_for([contract], on=on)[contract.pk])


def contract_renew(
    *,
    actor,
    contract: Contract,
    waiver_justification: str | None = None,
    new_end_date: date | None = None,
    on: date | None = None,
) -> tuple[RenewalDecision, Contract | None]:
    """Run the renewal gate and record its decision; renew the contract if it passes or is waived.

    The decision is always recorded (a RenewalDecision and an AuditEvent with the reasons), even a
    refusal, so an auditor sees every attempt. A waiver needs the permission
    ``contracts.grant_renewal_waiver`` and a written justification (pass ``waiver_justification``,
    even empty, to ask for one), and is recorded as such even
    when the gate would have passed. Renewal marks this contract ``renewed`` and creates its
    successor as a draft starting the day after it ends, for the same length (or until
    ``new_end_date``), with copies of its active clauses proposed for the new term; the officer
    reviews and activates it. Returns the decision and the successor (None when refused).
    """
    justification = (waiver_justification or "").strip()
    if waiver_justification is not None:
        if not actor.has_perm("contracts.grant_renewal_waiver"):
            raise PermissionDenied(
                "Granting a renewal waiver needs the permission “Can grant a renewal waiver”."
            )
        if not justification:
            raise ValidationError(
                {"justification": "A waiver needs a written justification."}, code="required"
            )
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.status not in (Contract.Status.ACTIVE, Contract.Status.RENEWAL_DUE):
            raise TransitionNotAllowed(
                f"A contract can be renewed only while Active or Renewal due; "
                f"{contract.reference} is {contract.get_status_display()}.",
                code="transition_not_allowed",
            )
        result = renewal_gate_check(contract, on=on)
        if justification:
            outcome = RenewalDecision.Outcome.WAIVER
        elif result.passed:
            outcome = RenewalDecision.Outcome.PASS
        else:
            outcome = RenewalDecision.Outcome.REFUSE
        reasons = result.reasons_as_list()
        with acting_as(actor, f"renewal gate: {outcome}"):
            decision = RenewalDecision.objects.create(
                contract=contract,
                outcome=outcome,
                reasons=reasons,
                justification=justification,
                decided_by=actor,
            )
            verb = {
                RenewalDecision.Outcome.PASS: AuditEvent.Verb.RENEWAL_GATE_PASSED,
                RenewalDecision.Outcome.REFUSE: AuditEvent.Verb.RENEWAL_REFUSED,
                RenewalDecision.Outcome.WAIVER: AuditEvent.Verb.WAIVED,
            }[outcome]
            audit_event_record(
                actor=actor,
                verb=verb,
                target=contract,
                reason=(justification or result.summary)[:255],
                details={
                    "decision_id": decision.pk,
                    "outcome": outcome,
                    "gate_passed": result.passed,
                    "reasons": reasons,
                    "justification": justification,
                },
            )
            if outcome == RenewalDecision.Outcome.REFUSE:
                return decision, None
            successor = _contract_successor_create(
                actor=actor, contract=contract, decision=decision, new_end_date=new_end_date
            )
    return decision, successor


def _contract_successor_create(*, actor, contract, decision, new_end_date) -> Contract:
    old_status = contract.status
    if old_status == Contract.Status.ACTIVE:
        # Renewal may be decided before the notice task has flagged it; pass through renewal_due
        # so history shows the same path whichever way the contract got there.
        contract.status = Contract.Status.RENEWAL_DUE
        contract.save(update_fields=["status", "updated_at"])
    contract.status = Contract.Status.RENEWED
    contract.save(update_fields=["status", "updated_at"])
    start = contract.end_date + timedelta(days=1)
    if new_end_date is None:
        new_end_date = _same_term_end(contract.start_date, contract.end_date)
    successor = Contract(
        vendor=contract.vendor,
        source_rfp=contract.source_rfp,
        reference=_successor_reference(contract.reference),
        title=contract.title,
        start_date=start,
        end_date=new_end_date,
        value=contract.value,
        currency=contract.currency,
        renewal_notice_days=contract.renewal_notice_days,
        owner=contract.owner,
        status=Contract.Status.DRAFT,
        renewed_from=contract,
        created_by=actor,
    )
    successor.full_clean()
    successor.save()
    for clause in contract.clauses.exclude(status=KpiClause.Status.RETIRED):
        KpiClause.objects.create(
            contract=successor,
            template=clause.template,
            metric=clause.metric,
            unit=clause.unit,
            direction=clause.direction,
            baseline_value=clause.baseline_value,
            baseline_year=clause.baseline_year,
            target_value=clause.target_value,
            target_year=clause.target_year,
            frequency=clause.frequency,
            evidence_required=clause.evidence_required,
            remedy=clause.remedy,
            status=KpiClause.Status.PROPOSED,
        )
    audit_event_record(
        actor=actor,
        verb=AuditEvent.Verb.RENEWED,
        target=contract,
        details={
            "decision_id": decision.pk,
            "outcome": decision.outcome,
            "successor": successor.reference,
            "successor_id": successor.pk,
        },
    )
    return successor


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _same_term_end(start: date, end: date) -> date:
    """End of a term as long as ``start..end`` that starts the day after ``end``.

    A term of whole months (1 Jan 2024 .. 31 Dec 2025) renews for the same months (to 31 Dec
    2027), whatever leap days fall in it; any other term renews for the same number of days.
    """
    next_start = end + timedelta(days=1)
    if next_start.day == start.day:
        months = (next_start.year - start.year) * 12 + next_start.month - start.month
        return _add_months(next_start, months) - timedelta(days=1)
    return next_start + (end - start)


def _successor_reference(reference: str) -> str:
    base, _, suffix = reference.rpartition("-R")
    if base and suffix.isdigit():
        candidate_number = int(suffix) + 1
    else:
        base, candidate_number = reference, 1
    while True:
        candidate = f"{base}-R{candidate_number}"[:60]
        if not Contract.objects.filter(reference=candidate).exists():
            return candidate
        candidate_number += 1


# --- daily renewal checks --------------------------------------------------------------------


def contract_renewal_notice_enter(
    *, actor, contracts: list[Contract], today: date, reason: str
) -> list[tuple[Contract, gate_rules.GateResult, date]]:
    """Contracts among ``contracts`` whose notice period has started (``end_date -
    renewal_notice_days`` is today or earlier), each with the start of that period and the gate's
    outcome today, checked without recording a decision (the officer's renewal records one).

    An active one moves to renewal due through :func:`contract_status_change` (row lock,
    history, audit event); a caller that walks many contracts calls it outside its own lock. The
    gate's inputs are loaded for all of them at once.
    """
    entered = []
    for contract in contracts:
        notice_start = contract.end_date - timedelta(days=contract.renewal_notice_days)
        if notice_start > today:
            continue
        if contract.status == Contract.Status.ACTIVE:
            contract_status_change(
                actor=actor, contract=contract, status=Contract.Status.RENEWAL_DUE, reason=reason
            )
        entered.append((contract, notice_start))
    inputs = renewal_gate_inputs_for([c for c, _ in entered], on=today)
    return [(c, gate_rules.renewal_gate(inputs[c.pk]), start) for c, start in entered]


def contract_renewal_audit_requests_record(
    *, actor, refused: list[tuple[Contract, str, gate_rules.GateResult]]
) -> list[Contract]:
    """Record that an ISO 14001 audit was requested for each ``(contract, window, result)`` whose
    gate would refuse, once per contract and notice window (``window`` is the notice period's
    first day); return the contracts recorded now. Both the renewal reminders and the daily check
    record through here, so whichever runs first asks and the other finds the request."""
    if not refused:
        return []
    content_type = ContentType.objects.get_for_model(Contract)
    recorded = set(
        AuditEvent.objects.filter(
            verb=AuditEvent.Verb.RENEWAL_AUDIT_REQUESTED,
            target_type=content_type,
            target_id__in=[str(contract.pk) for contract, _, _ in refused],
        ).values_list("target_id", "details__window")
    )
    new = []
    with transaction.atomic():
        for contract, window, result in refused:
            if (str(contract.pk), window) in recorded:
                continue
            recorded.add((str(contract.pk), window))
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.RENEWAL_AUDIT_REQUESTED,
                target=contract,
                reason="renewal gate would refuse",
                details={"window": window, "reasons": result.reasons_as_list()},
            )
            new.append(contract)
    return new


def contract_renewal_checks_run(*, actor, today: date | None = None) -> dict[str, int]:
    """The daily contract-renewal job.

    - an active contract whose notice period has started (``end_date - renewal_notice_days``) moves
      to renewal due;
    - for a contract in its notice period the gate is checked (without recording a decision) and,
      when it would refuse, the owner is asked once to arrange an ISO 14001 audit; "once" is per
      contract and notice window, guarded by the audit event under a row lock, so reruns,
      retries and concurrent workers send one email;
    - an active or renewal-due contract past its end date expires.
    """
    today = today or timezone.localdate()
    counts = {"renewal_due": 0, "audit_requested": 0, "expired": 0}
    live = Contract.objects.filter(
        status__in=[Contract.Status.ACTIVE, Contract.Status.RENEWAL_DUE]
    ).values_list("pk", flat=True)
    for pk in list(live):
        with transaction.atomic():
            contract = (
                Contract.objects.select_for_update(of=("self",))
                .select_related("vendor", "owner")
                .get(pk=pk)
            )
            if contract.status not in (Contract.Status.ACTIVE, Contract.Status.RENEWAL_DUE):
                continue
            if contract.end_date < today:
                contract_status_change(
                    actor=actor,
                    contract=contract,
                    status=Contract.Status.EXPIRED,
                    reason="ended without renewal (daily check)",
                )
                counts["expired"] += 1
                continue
            was_active = contract.status == Contract.Status.ACTIVE
            entered = contract_renewal_notice_enter(
                actor=actor,
                contracts=[contract],
                today=today,
                reason="notice period started (daily check)",
            )
            if not entered:
                continue
            counts["renewal_due"] += was_active
            _, result, notice_start = entered[0]
            if result.passed:
                continue
            asked = contract_renewal_audit_requests_record(
                actor=actor, refused=[(contract, notice_start.isoformat(), result)]
            )
            if asked:
                _audit_request_notify(contract, result, window=notice_start.isoformat())
                counts["audit_requested"] += 1
    return counts


def _audit_request_notify(contract: Contract, result, *, window: str) -> None:
    owner = contract.owner
    if owner is None or not owner.email:
        return
    lines = [
        f"{contract.reference} ({contract.vendor}) ends on {contract.end_date} and is in its "
        "renewal notice period. The renewal gate would refuse it today:",
        "",
    ]
    for condition in result.conditions:
        lines.append(f"- {condition.detail} To satisfy it: {condition.remedy}")
    lines += ["", "Please arrange an ISO 14001 audit of the vendor, or record its certificate."]
    outbox_email_enqueue(
        key=f"contract-renewal-audit-request:{contract.pk}:{window}",
        subject=f"[Tenderleaf] {contract.reference}: ISO 14001 audit needed before renewal",
        to=[owner.email],
        body="\n".join(lines),
    )
