"""Vendor tasks: thin wrappers that load ids and call a service, safe to run twice."""

from celery import shared_task
from django.contrib.auth import get_user_model

from assurance.history import acting_as
from config.celery import task_options
from vendors import services
from vendors.models import VendorContact, VendorInvitation


@shared_task(**task_options(soft_time_limit=60, time_limit=120))
def vendor_contact_invite(contact_id: int, invited_by_id: int, role: str) -> str:
    """Invite one contact to the portal on behalf of the officer who asked.

    Idempotent: a contact that already has an account, or a usable invitation created by the same
    officer, is not invited again when the task is redelivered.
    """
    contact = VendorContact.objects.select_related("vendor").filter(pk=contact_id).first()
    if contact is None:
        return "contact gone"
    if contact.user_id is not None:
        return "already a portal user"
    officer = get_user_model().objects.get(pk=invited_by_id)
    pending = [
        inv
        for inv in VendorInvitation.objects.filter(
            contact=contact, invited_by=officer, accepted_at__isnull=True, revoked_at__isnull=True
        )
        if inv.is_usable
    ]
    if pending:
        return "already invited"
    with acting_as(officer, "bulk portal invitation (task)"):
        services.vendor_contact_invite(
            actor=officer, contact=contact, role=role, reason="bulk portal invitation (task)"
        )
    return "invited"
