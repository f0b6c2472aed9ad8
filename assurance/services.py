"""Writes of the assurance app: audit events (and, in later slices, bundles)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from assurance.history import current_actor, current_reason
from assurance.middleware import request_id_var
from assurance.models import AuditEvent


def audit_event_record(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    vendor=None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record a business event in the caller's transaction, so it commits or rolls back with it.

    ``actor`` is the user (or the system user for tasks and commands); ``vendor`` is the tenant the
    event concerns, inferred from the target when it has a ``vendor`` or is one.
    """
    if actor is None:
        actor = current_actor()
    if vendor is None and target is not None:
        vendor = _vendor_of(target)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        vendor=vendor,
        request_id=request_id_var.get() or "",
        reason=(reason or current_reason() or "")[:255],
        details=details or {},
    )


def _vendor_of(target):
    from vendors.models import Vendor

    if isinstance(target, Vendor):
        return target
    vendor_id = getattr(target, "vendor_id", None)
    if vendor_id is not None:
        return Vendor(pk=vendor_id)
    return None
