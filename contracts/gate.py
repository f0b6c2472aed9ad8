"""The renewal gate over plain values: pure, no Django.

Rule (docs/domain.md, "Contracts and the renewal gate"): a contract may be renewed when the
vendor has

1. a valid ISO 14001 certificate, or
2. an ISO 14001 audit in the last 12 months with no open major nonconformity;

otherwise it may be renewed only under a waiver (recorded by the service, not decided here).

Decisions made precise here:

- *Valid certificate* means status "valid" (not suspended or withdrawn), issued on or before the
  decision date, and not expiring before the **renewal date** (the contract's end date, when the
  renewed term begins). A certificate that is valid today but expires during the notice period
  does not pass: it would not cover the vendor on the first day of the renewed term, and nothing
  would make the vendor renew it once the decision is taken. It fails with the date it lapses.
- *In the last 12 months* means on or after the same calendar day one year before the decision
  date (29 February maps to 28 February) and not after the decision date.
- The audit must have a result (not "pending"): an audit still in progress proves nothing yet.
- A major nonconformity is *open* when it has no closed date, or one after the decision date.
  Minor nonconformities and observations never block; a closed major does not block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class CertificateFact:
    number: str
    status: str  # stored status: valid, suspended, withdrawn
    issue_date: date
    expiry_date: date | None


@dataclass(frozen=True)
class AuditFact:
    audit_id: int | None
    label: str
    audit_date: date
    result: str  # pending, conforming, findings, nonconforming
    # Every major nonconformity as (ISO 14001 clause reference, closed date or None).
    major_findings: list[tuple[str, date | None]] = field(default_factory=list)


@dataclass(frozen=True)
class GateInputs:
    decision_date: date
    renewal_date: date
    certificates: list[CertificateFact]
    audits: list[AuditFact]


@dataclass(frozen=True)
class Condition:
    name: str  # "certificate" or "audit"
    passed: bool
    detail: str  # what was found
    remedy: str = ""  # what would satisfy it, when it failed


@dataclass(frozen=True)
class GateResult:
    passed: bool
    conditions: list[Condition]

    @property
    def summary(self) -> str:
        passed = [c for c in self.conditions if c.passed]
        if passed:
            return f"Renewal gate passed: {passed[0].detail}"
        return "Renewal gate refused: " + " ".join(c.detail for c in self.conditions)

    def reasons_as_list(self) -> list[dict]:
        return [
            {"condition": c.name, "passed": c.passed, "detail": c.detail, "remedy": c.remedy}
            for c in self.conditions
        ]


def one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _certificate_condition(inputs: GateInputs) -> Condition:
    decision, renewal = inputs.decision_date, inputs.renewal_date
    needs = (
        f"an ISO 14001 certificate with status valid, issued by {decision:%Y-%m-%d} and valid "
        f"until at least {renewal:%Y-%m-%d} (the renewal date)"
    )
    if not inputs.certificates:
        return Condition(
            "certificate",
            False,
            "The vendor has no ISO 14001 certificate on record.",
            f"Record {needs}.",
        )
    problems = []
    for cert in inputs.certificates:
        label = f"Certificate {cert.number or '(no number)'}"
        if cert.status != "valid":
            problems.append(f"{label} is {cert.status}.")
        elif cert.issue_date > decision:
            problems.append(f"{label} is issued only on {cert.issue_date:%Y-%m-%d}.")
        elif cert.expiry_date is not None and cert.expiry_date < decision:
            problems.append(f"{label} expired on {cert.expiry_date:%Y-%m-%d}.")
        elif cert.expiry_date is not None and cert.expiry_date < renewal:
            problems.append(
                f"{label} expires on {cert.expiry_date:%Y-%m-%d}, during the notice period, "
                f"before the renewal date {renewal:%Y-%m-%d}."
            )
        else:
            until = (
                f"until {cert.expiry_date:%Y-%m-%d}" if cert.expiry_date else "with no expiry date"
            )
            return Condition(
                "certificate",
                True,
                f"{label} is valid {until}, covering the renewal date {renewal:%Y-%m-%d}.",
            )
    return Condition("certificate", False, " ".join(problems), f"Record {needs}.")


def _audit_condition(inputs: GateInputs) -> Condition:
    decision = inputs.decision_date
    window_start = one_year_before(decision)
    needs = (
        f"an ISO 14001 audit dated between {window_start:%Y-%m-%d} and {decision:%Y-%m-%d} with a "
        "result and no open major nonconformity (close the major findings, or audit again)"
    )
    recent = [a for a in inputs.audits if window_start <= a.audit_date <= decision]
    if not recent:
        older = [a for a in inputs.audits if a.audit_date < window_start]
        found = (
            f" The latest audit is of {max(a.audit_date for a in older):%Y-%m-%d}." if older else ""
        )
        return Condition(
            "audit",
            False,
            f"No ISO 14001 audit since {window_start:%Y-%m-%d} (12 months).{found}",
            f"Record {needs}.",
        )
    problems = []
    for audit in sorted(recent, key=lambda a: a.audit_date, reverse=True):
        open_majors = [
            ref for ref, closed in audit.major_findings if closed is None or closed > decision
        ]
        if audit.result == "pending":
            problems.append(f"{audit.label} has no result yet.")
        elif open_majors:
            problems.append(
                f"{audit.label} has {len(open_majors)} open major nonconformit"
                f"{'y' if len(open_majors) == 1 else 'ies'}: {', '.join(open_majors)}."
            )
        else:
            return Condition(
                "audit",
                True,
                f"{audit.label} is within 12 months and has no open major nonconformity.",
            )
    return Condition("audit", False, " ".join(problems), f"Record {needs}.")


def renewal_gate(inputs: GateInputs) -> GateResult:
    """Evaluate both conditions; the gate passes when either does. Both are always reported."""
    conditions = [_certificate_condition(inputs), _audit_condition(inputs)]
    return GateResult(passed=any(c.passed for c in conditions), conditions=conditions)
