"""Writes of contracts and their status workflow."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.services import assign_fields
from contracts.models import Contract, KpiClause
from contracts.services.clauses import _clause_periods_sync

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
                verb=AuditEvent.Verb.STATUS_CHANGED,
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
