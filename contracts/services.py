"""Writes of the contracts app: contracts and their status workflow, KPI clauses and their
reporting periods, KPI reports and their review, ISO 14001 audits and findings, and the renewal
gate. Every function takes the acting user, validates before saving, and records history (with the
actor and reason) and its audit event in one transaction.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from contracts import gate as gate_rules
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiReport,
    KpiReportingPeriod,
    RenewalDecision,
)
from contracts.periods import periods_generate
from contracts.trajectory import expected_value, is_on_track
from tenderleaf.services import assign_fields

# Verbs beyond AuditEvent.Verb's business verbs; AuditEvent.verb is free text with suggestions.
VERB_STATUS_CHANGED = AuditEvent.Verb.STATUS_CHANGED
VERB_OFF_TRACK = AuditEvent.Verb.OFF_TRACK
VERB_IN_BREACH = AuditEvent.Verb.IN_BREACH
VERB_GATE_REFUSED = AuditEvent.Verb.RENEWAL_REFUSED
VERB_GATE_PASSED = AuditEvent.Verb.RENEWAL_GATE_PASSED

CONTRACT_FIELDS = {
    "vendor",
    "reference",
    "title",
    "start_date",
    "end_date",
    "value",
    "currency",
    "renewal_notice_days",
    "owner",
    "source_rfp",
    "status",
}
CLAUSE_FIELDS = {
    "metric",
    "unit",
    "direction",
    "baseline_value",
    "baseline_year",
    "target_value",
    "target_year",
    "frequency",
    "evidence_required",
    "remedy",
    "status",
}
AUDIT_FIELDS = {
    "vendor",
    "contract",
    "audit_type",
    "audit_date",
    "auditor",
    "scope",
    "sites",
    "result",
    "notes",
}
FINDING_FIELDS = {
    "severity",
    "clause_ref",
    "description",
    "corrective_action",
    "due_date",
    "closed_date",
}

# Allowed contract status transitions; renewed, expired and terminated are final.
TRANSITIONS: dict[str, set[str]] = {
    Contract.Status.DRAFT: {Contract.Status.ACTIVE, Contract.Status.TERMINATED},
    Contract.Status.ACTIVE: {
        Contract.Status.RENEWAL_DUE,
        Contract.Status.EXPIRED,
        Contract.Status.TERMINATED,
    },
    Contract.Status.RENEWAL_DUE: {
        Contract.Status.RENEWED,
        Contract.Status.EXPIRED,
        Contract.Status.TERMINATED,
    },
    Contract.Status.RENEWED: set(),
    Contract.Status.EXPIRED: set(),
    Contract.Status.TERMINATED: set(),
}


class TransitionNotAllowed(ValidationError):
    """A contract status change the workflow does not allow; the message names from and to."""


class ReportRefused(ValidationError):
    """A KPI report that cannot be stored or reviewed; the message names the field and rule."""


def kpi_report_due_days() -> int:
    return int(getattr(settings, "KPI_REPORT_DUE_DAYS", 30))


def _status_label(status: str) -> str:
    return Contract.Status(status).label if status in Contract.Status.values else status


# --- contracts -------------------------------------------------------------------------------


def contract_create(
    *,
    actor,
    vendor,
    reference,
    title,
    start_date,
    end_date,
    value,
    currency,
    renewal_notice_days=90,
    owner=None,
    source_rfp=None,
    status="draft",
    reason="",
) -> Contract:
    """Create a contract. A new contract starts as a draft or active (an award creates drafts)."""
    if status not in (Contract.Status.DRAFT, Contract.Status.ACTIVE):
        raise ValidationError(
            {"status": f"A new contract starts as Draft or Active, not {_status_label(status)}."}
        )
    contract = Contract(
        vendor=vendor,
        reference=(reference or "").strip(),
        title=(title or "").strip(),
        start_date=start_date,
        end_date=end_date,
        value=value,
        currency=(currency or "").strip().upper(),
        renewal_notice_days=renewal_notice_days,
        owner=owner,
        source_rfp=source_rfp,
        status=status,
        created_by=actor,
    )
    contract.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "contract created"):
        contract.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=contract,
            vendor=vendor,
            details={"reference": contract.reference, "status": contract.status},
        )
    return contract


def contract_update(*, actor, contract: Contract, reason: str = "", **fields) -> Contract:
    """Change a contract's terms. Status goes through :func:`contract_status_change`."""
    if "status" in fields:
        raise TypeError("Change the status with contract_status_change, not contract_update.")
    date_changed = any(
        name in fields and fields[name] != getattr(contract, name)
        for name in ("start_date", "end_date")
    )
    changed = assign_fields(contract, CONTRACT_FIELDS - {"status"}, fields)
    contract.full_clean()
    if not changed:
        return contract
    with transaction.atomic(), acting_as(actor, reason or "contract updated"):
        contract.save()
        audit_event_record(
            actor=actor, verb=AuditEvent.Verb.UPDATED, target=contract, details={"fields": changed}
        )
        if date_changed:
            for clause in contract.clauses.filter(
                status__in=[KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH]
            ):
                _clause_periods_sync(clause)
    return contract


def contract_transition_check(current: str, new: str) -> None:
    """Raise :class:`TransitionNotAllowed` unless ``current -> new`` is an allowed transition."""
    allowed = TRANSITIONS.get(current, set())
    if new not in allowed:
        if allowed:
            options = ", ".join(_status_label(s) for s in sorted(allowed))
            hint = f" From {_status_label(current)} it can move to: {options}."
        else:
            hint = f" {_status_label(current)} is final."
        raise TransitionNotAllowed(
            f"A contract cannot move from {_status_label(current)} to {_status_label(new)}.{hint}",
            code="transition_not_allowed",
        )


def contract_status_change(*, actor, contract: Contract, status: str, reason: str = "") -> Contract:
    """Move a contract along its workflow. Renewal goes through :func:`contract_renew`, which
    runs the renewal gate first; this function refuses ``renewed`` so the gate cannot be skipped.
    """
    if status == Contract.Status.RENEWED:
        raise TransitionNotAllowed(
            "A contract is renewed through the renewal gate (Renew), not by setting its status.",
            code="renew_through_gate",
        )
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        contract_transition_check(locked.status, status)
        old = locked.status
        locked.status = status
        with acting_as(actor, reason or f"status {old} -> {status}"):
            locked.save(update_fields=["status", "updated_at"])
            audit_event_record(
                actor=actor,
                verb=VERB_STATUS_CHANGED,
                target=locked,
                reason=reason,
                details={"from": old, "to": status},
            )
            if status == Contract.Status.ACTIVE:
                for clause in locked.clauses.filter(status=KpiClause.Status.ACTIVE):
                    _clause_periods_sync(clause)
    contract.status = locked.status
    contract.updated_at = locked.updated_at
    return contract


# --- KPI clauses and periods -----------------------------------------------------------------


def kpi_clause_create(
    *, actor, contract: Contract, template=None, status="active", reason="", **fields
) -> KpiClause:
    """Add a KPI clause to a contract, optionally starting from a library template.

    Fields given explicitly win over the template's. An active clause gets its reporting periods
    at once (see :mod:`contracts.periods`); a proposed clause (e.g. from an award) gets them when
    it is activated.
    """
    clause = KpiClause(contract=contract, template=template, status=status)
    if template is not None:
        for name in ("metric", "unit", "direction", "frequency", "evidence_required", "remedy"):
            setattr(clause, name, getattr(template, name))
    assign_fields(clause, CLAUSE_FIELDS - {"status"}, fields)
    clause.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "KPI clause added"):
        clause.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=clause,
            vendor=contract.vendor,
            details={"contract": contract.reference, "metric": clause.metric},
        )
        if clause.status == KpiClause.Status.ACTIVE:
            _clause_periods_sync(clause)
    return clause


def kpi_clause_update(*, actor, clause: KpiClause, reason: str = "", **fields) -> KpiClause:
    """Change a clause; a change of frequency regenerates the periods that have no report."""
    changed = assign_fields(clause, CLAUSE_FIELDS, fields)
    clause.full_clean()
    if not changed:
        return clause
    with transaction.atomic(), acting_as(actor, reason or "KPI clause updated"):
        clause.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=clause,
            vendor=clause.contract.vendor,
            details={"fields": changed},
        )
        if clause.status in (KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH):
            _clause_periods_sync(clause)
    return clause


def _clause_periods_sync(clause: KpiClause) -> list[KpiReportingPeriod]:
    """Make the clause's periods match its frequency and the contract's dates.

    Idempotent: existing periods with the same start are kept (their end and due date updated),
    periods without a report that no longer fit are removed, and a period that already has a
    report is never removed (the report and its evidence must survive a renegotiation).
    """
    contract = clause.contract
    wanted = periods_generate(
        start=contract.start_date,
        end=contract.end_date,
        frequency=clause.frequency,
        due_days=kpi_report_due_days(),
    )
    existing = {p.period_start: p for p in clause.periods.select_related("report")}
    kept = []
    for period in wanted:
        row = existing.pop(period.start, None)
        if row is None:
            row = KpiReportingPeriod(clause=clause, period_start=period.start)
        if row.pk is None or (row.period_end, row.due_date) != (period.end, period.due):
            row.period_end = period.end
            row.due_date = period.due
            row.save()
        kept.append(row)
    for row in existing.values():
        if not hasattr(row, "report"):
            row.delete()
    return kept


# --- KPI reports -----------------------------------------------------------------------------


def _is_percent(unit: str) -> bool:
    return unit.strip() in {"%", "percent", "per cent"}


def kpi_report_value_check(*, clause: KpiClause, value: Decimal, exclude_period=None) -> None:
    """Refuse a value whose scale does not fit the clause's unit.

    Rule for percentage units: a value must lie within 0..100. A value above 0 and at most 1 when
    the baseline and every earlier report of the clause are above 1 is taken for a fraction typed
    in place of a percentage (0.45 for 45 %) and refused with a "did you mean" hint; a genuine
    value of 1 % or less can still be reported once the clause's history is on that scale, and 0
    is always accepted (a take-back programme may really have taken nothing back). Every unit:
    a KPI value is never negative (intensities, shares and ratios are not).
    """
    if value < 0:
        raise ReportRefused(
            {"value": f"{value} is negative; a {clause.metric} value cannot be below 0."}
        )
    if not _is_percent(clause.unit):
        return
    if value > 100:
        raise ReportRefused(
            {"value": f"{value} % is above 100 %; the unit of {clause.metric} is a percentage."}
        )
    if 0 < value <= 1:
        earlier = list(
            clause.reports.exclude(period=exclude_period).values_list("value", flat=True)
            if exclude_period is not None
            else clause.reports.values_list("value", flat=True)
        )
        if all(v > 1 for v in [clause.baseline_value, *earlier]):
            suggestion = (value * 100).normalize()
            raise ReportRefused(
                {
                    "value": (
                        f"{value} looks like a fraction, but {clause.metric} is reported in %: "
                        f"did you mean {suggestion:f} %? The baseline is "
                        f"{clause.baseline_value.normalize():f} %."
                    )
                },
                code="unit_scale",
            )


def kpi_report_submit(
    *,
    actor,
    period: KpiReportingPeriod,
    value,
    note: str = "",
    evidence_file=None,
    evidence=None,
    today: date | None = None,
) -> KpiReport:
    """A vendor reports a value for a period, or corrects its report until it is accepted.

    A period can be reported once it has ended (``today`` after the period end, in the site's time
    zone); a future or running period is refused. An accepted report is final. ``evidence_file``
    is an uploaded file stored through the evidence service; ``evidence`` an existing
    EvidenceFile of the same vendor.
    """
    from assurance.services import evidence_file_upload

    today = today or timezone.localdate()
    clause = period.clause
    contract = clause.contract
    try:
        value = Decimal(str(value)).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError) as exc:
        raise ReportRefused({"value": f"{value!r} is not a number."}) from exc
    if clause.status not in (KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH):
        raise ReportRefused(
            f"The clause {clause.metric} is {clause.get_status_display()}; it takes no reports."
        )
    if period.period_end >= today:
        raise ReportRefused(
            {
                "period": (
                    f"The period {period.period_start}..{period.period_end} has not ended yet; "
                    f"it can be reported from {period.period_end + timedelta(days=1)}."
                )
            },
            code="period_not_due",
        )
    existing = KpiReport.objects.filter(period=period).first()
    if existing is not None and existing.status == KpiReport.Status.ACCEPTED:
        raise ReportRefused(
            "The report for this period was accepted; ask the contract owner to reopen it.",
            code="already_accepted",
        )
    kpi_report_value_check(clause=clause, value=value, exclude_period=period)
    if evidence is not None and evidence.vendor_id != contract.vendor_id:
        raise ReportRefused({"evidence": "The evidence file belongs to another vendor."})

    with transaction.atomic(), acting_as(actor, "KPI report submitted"):
        report = existing or KpiReport(period=period, clause=clause)
        corrected = existing is not None
        report.value = value
        report.note = (note or "").strip()
        report.status = KpiReport.Status.SUBMITTED
        report.expected_value = None
        report.on_track = None
        report.submitted_by = actor
        report.submitted_at = timezone.now()
        report.reviewed_by = None
        report.reviewed_at = None
        if evidence is not None:
            report.evidence = evidence
        report.save()
        if evidence_file is not None:
            report.evidence = evidence_file_upload(
                actor=actor, uploaded_file=evidence_file, vendor=contract.vendor, target=report
            )
            report.save(update_fields=["evidence"])
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.SUBMITTED,
            target=report,
            vendor=contract.vendor,
            details={
                "value": str(value),
                "unit": clause.unit,
                "period_start": str(period.period_start),
                "period_end": str(period.period_end),
                "corrected": corrected,
            },
        )
    return report


def kpi_report_accept(*, actor, report: KpiReport, comment: str = "") -> KpiReport:
    """Accept a submitted report: judge it against the trajectory and store the verdict.

    Off track records an audit event and emails the contract owner. Two consecutive accepted
    off-track periods (this one and the clause's previous period) put the clause in breach, which
    shows its remedy to both sides.
    """
    with transaction.atomic():
        report = (
            KpiReport.objects.select_for_update(of=("self",))
            .select_related("clause__contract__vendor", "clause__contract__owner", "period")
            .get(pk=report.pk)
        )
        if report.status != KpiReport.Status.SUBMITTED:
            raise ReportRefused(
                f"Only a submitted report can be accepted; "
                f"this one is {report.get_status_display()}."
            )
        clause = report.clause
        contract = clause.contract
        expected = expected_value(
            baseline_value=clause.baseline_value,
            baseline_year=clause.baseline_year,
            target_value=clause.target_value,
            target_year=clause.target_year,
            year=report.period.period_end.year,
        )
        on_track = is_on_track(value=report.value, expected=expected, direction=clause.direction)
        report.status = KpiReport.Status.ACCEPTED
        report.expected_value = expected
        report.on_track = on_track
        report.reviewed_by = actor
        report.reviewed_at = timezone.now()
        report.review_comment = (comment or "").strip()
        with acting_as(actor, "KPI report accepted"):
            report.save()
            details = {
                "value": str(report.value),
                "expected": str(expected),
                "unit": clause.unit,
                "direction": clause.direction,
                "on_track": on_track,
                "period_end": str(report.period.period_end),
            }
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.ACCEPTED,
                target=report,
                vendor=contract.vendor,
                details=details,
            )
            if not on_track:
                audit_event_record(
                    actor=actor,
                    verb=VERB_OFF_TRACK,
                    target=clause,
                    vendor=contract.vendor,
                    reason="KPI report off track",
                    details=details,
                )
                _off_track_notify(report, expected)
                breach = _previous_period_off_track(report)
                if breach and clause.status != KpiClause.Status.IN_BREACH:
                    clause.status = KpiClause.Status.IN_BREACH
                    clause.save(update_fields=["status"])
                    audit_event_record(
                        actor=actor,
                        verb=VERB_IN_BREACH,
                        target=clause,
                        vendor=contract.vendor,
                        reason="two consecutive periods off track",
                        details={"remedy": clause.remedy, **details},
                    )
    return report


def _previous_period_off_track(report: KpiReport) -> bool:
    previous = (
        KpiReportingPeriod.objects.filter(
            clause_id=report.clause_id, period_start__lt=report.period.period_start
        )
        .order_by("-period_start")
        .select_related("report")
        .first()
    )
    if previous is None:
        return False
    prev_report = getattr(previous, "report", None)
    return (
        prev_report is not None
        and prev_report.status == KpiReport.Status.ACCEPTED
        and prev_report.on_track is False
    )


def _off_track_notify(report: KpiReport, expected: Decimal) -> None:
    clause = report.clause
    contract = clause.contract
    owner = contract.owner
    if owner is None or not owner.email:
        return
    subject = f"[Tenderleaf] {contract.reference}: {clause.metric} off track"
    body = (
        f"The accepted KPI report of {contract.vendor} for {clause.metric} "
        f"({report.period.period_start} to {report.period.period_end}) is off track.\n\n"
        f"Reported: {report.value.normalize():f} {clause.unit}\n"
        f"Expected on the trajectory: {expected.normalize():f} {clause.unit} "
        f"({clause.get_direction_display().lower()})\n\n"
        f"Contract: {contract.reference} {contract.title}\n"
    )
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [owner.email], fail_silently=False)
    )


def kpi_report_reject(*, actor, report: KpiReport, comment: str) -> KpiReport:
    """Send a submitted report back to the vendor with a comment; the vendor corrects it."""
    comment = (comment or "").strip()
    if not comment:
        raise ReportRefused({"review_comment": "Say why the report is rejected."})
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().get(pk=report.pk)
        if report.status != KpiReport.Status.SUBMITTED:
            raise ReportRefused(
                f"Only a submitted report can be rejected; "
                f"this one is {report.get_status_display()}."
            )
        report.status = KpiReport.Status.REJECTED
        report.reviewed_by = actor
        report.reviewed_at = timezone.now()
        report.review_comment = comment
        with acting_as(actor, "KPI report rejected"):
            report.save()
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.REJECTED,
                target=report,
                vendor=report.clause.contract.vendor,
                reason=comment[:255],
                details={"comment": comment},
            )
    return report


# --- ISO 14001 audits ------------------------------------------------------------------------


def iso14001_audit_create(*, actor, reason: str = "", **fields) -> Iso14001Audit:
    audit = Iso14001Audit(created_by=actor)
    assign_fields(audit, AUDIT_FIELDS, fields)
    audit.full_clean()
    _audit_contract_check(audit)
    with transaction.atomic(), acting_as(actor, reason or "ISO 14001 audit recorded"):
        audit.save()
        audit_event_record(actor=actor, verb=AuditEvent.Verb.CREATED, target=audit)
    return audit


def iso14001_audit_update(*, actor, audit: Iso14001Audit, reason: str = "", **fields):
    changed = assign_fields(audit, AUDIT_FIELDS, fields)
    audit.full_clean()
    _audit_contract_check(audit)
    if not changed:
        return audit
    with transaction.atomic(), acting_as(actor, reason or "ISO 14001 audit updated"):
        audit.save()
        audit_event_record(
            actor=actor, verb=AuditEvent.Verb.UPDATED, target=audit, details={"fields": changed}
        )
    return audit


def _audit_contract_check(audit: Iso14001Audit) -> None:
    if audit.contract_id and audit.contract.vendor_id != audit.vendor_id:
        raise ValidationError({"contract": "The contract belongs to another vendor."})


def audit_finding_create(*, actor, audit: Iso14001Audit, reason: str = "", **fields):
    finding = AuditFinding(audit=audit)
    assign_fields(finding, FINDING_FIELDS, fields)
    _finding_clean(finding)
    with transaction.atomic(), acting_as(actor, reason or "audit finding recorded"):
        finding.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=finding,
            vendor=audit.vendor,
            details={"severity": finding.severity, "clause_ref": finding.clause_ref},
        )
    return finding


def audit_finding_update(*, actor, finding: AuditFinding, reason: str = "", **fields):
    changed = assign_fields(finding, FINDING_FIELDS, fields)
    _finding_clean(finding)
    if not changed:
        return finding
    with transaction.atomic(), acting_as(actor, reason or "audit finding updated"):
        finding.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=finding,
            vendor=finding.audit.vendor,
            details={"fields": changed},
        )
    return finding


def _finding_clean(finding: AuditFinding) -> None:
    finding.full_clean()
    if finding.closed_date and finding.closed_date < finding.audit.audit_date:
        raise ValidationError(
            {
                "closed_date": (
                    f"The closed date {finding.closed_date} is before the audit "
                    f"date {finding.audit.audit_date}."
                )
            }
        )
    if finding.severity != AuditFinding.Severity.OBSERVATION and not finding.due_date:
        raise ValidationError(
            {"due_date": "A nonconformity needs a due date for its corrective action."}
        )


# --- renewal gate ----------------------------------------------------------------------------


def renewal_gate_inputs(contract: Contract, *, on: date | None = None) -> gate_rules.GateInputs:
    """Load what the gate needs for ``contract`` into plain values (see :mod:`contracts.gate`)."""
    from vendors.models import Certification

    on = on or timezone.localdate()
    certificates = [
        gate_rules.CertificateFact(
            number=c.number,
            status=c.status,
            issue_date=c.issue_date,
            expiry_date=c.expiry_date,
        )
        for c in Certification.objects.filter(
            vendor_id=contract.vendor_id, kind=Certification.Kind.ISO_14001
        ).order_by("-expiry_date")
    ]
    audits = [
        gate_rules.AuditFact(
            audit_id=a.pk,
            label=str(a),
            audit_date=a.audit_date,
            result=a.result,
            major_findings=[
                (_finding_label(f), f.closed_date)
                for f in a.findings.all()
                if f.severity == AuditFinding.Severity.MAJOR
            ],
        )
        for a in Iso14001Audit.objects.filter(vendor_id=contract.vendor_id)
        .prefetch_related("findings")
        .order_by("-audit_date")
    ]
    return gate_rules.GateInputs(
        decision_date=on,
        renewal_date=contract.end_date,
        certificates=certificates,
        audits=audits,
    )


def _finding_label(finding: AuditFinding) -> str:
    if finding.due_date:
        return f"{finding.clause_ref} (corrective action due {finding.due_date})"
    return finding.clause_ref


def renewal_gate_check(contract: Contract, *, on: date | None = None) -> gate_rules.GateResult:
    """Run the gate for ``contract`` without recording anything (the admin's preview)."""
    return gate_rules.renewal_gate(renewal_gate_inputs(contract, on=on))


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
                RenewalDecision.Outcome.PASS: VERB_GATE_PASSED,
                RenewalDecision.Outcome.REFUSE: VERB_GATE_REFUSED,
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


# --- daily renewal checks (PRODUCT.md section 6) ---------------------------------------------

VERB_AUDIT_REQUESTED = AuditEvent.Verb.RENEWAL_AUDIT_REQUESTED


def contract_renewal_checks_run(*, actor, today: date | None = None) -> dict[str, int]:
    """The daily contract-renewal job (PRODUCT.md section 6, "Contract renewals").

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
            notice_start = contract.end_date - timedelta(days=contract.renewal_notice_days)
            if today < notice_start:
                continue
            if contract.status == Contract.Status.ACTIVE:
                contract_status_change(
                    actor=actor,
                    contract=contract,
                    status=Contract.Status.RENEWAL_DUE,
                    reason="notice period started (daily check)",
                )
                counts["renewal_due"] += 1
            result = renewal_gate_check(contract, on=today)
            if result.passed:
                continue
            window = str(notice_start)
            already = AuditEvent.objects.filter(
                verb=VERB_AUDIT_REQUESTED,
                target_id=str(contract.pk),
                details__window=window,
            ).exists()
            if already:
                continue
            audit_event_record(
                actor=actor,
                verb=VERB_AUDIT_REQUESTED,
                target=contract,
                reason="renewal gate would refuse",
                details={"window": window, "reasons": result.reasons_as_list()},
            )
            _audit_request_notify(contract, result)
            counts["audit_requested"] += 1
    return counts


def _audit_request_notify(contract: Contract, result) -> None:
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
    subject = f"[Tenderleaf] {contract.reference}: ISO 14001 audit needed before renewal"
    body = "\n".join(lines)
    transaction.on_commit(lambda: send_mail(subject, body, None, [owner.email]))
