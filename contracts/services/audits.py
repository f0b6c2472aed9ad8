"""Writes of ISO 14001 audits and their findings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.services import assign_fields
from contracts.models import AuditFinding, Iso14001Audit

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
