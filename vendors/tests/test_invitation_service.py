"""The invitation services: the email and its one-time link, acceptance, reuse, expiry, re-invite.

The portal page around ``vendor_invitation_accept`` is tested in test_invitation_accept.py.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from assurance.models import AuditEvent
from vendors import tasks
from vendors.models import VendorInvitation, VendorMembership
from vendors.services import (
    InvitationUnusable,
    invitation_url,
    vendor_contact_invite,
    vendor_invitation_accept,
)
from vendors.tests.factories import UserFactory, VendorContactFactory

PASSWORD = "quiet harbour lantern 7"


@pytest.fixture
def contact(vendor_a):
    return VendorContactFactory(vendor=vendor_a, name="Ines Invitee", email="ines@acme.example")


@pytest.fixture
def invite(officer, contact, django_capture_on_commit_callbacks):
    def _invite(role=VendorMembership.Role.CONTRIBUTOR):
        # The email leaves on commit, so that a rolled-back invitation never sends one.
        with django_capture_on_commit_callbacks(execute=True):
            return vendor_contact_invite(actor=officer, contact=contact, role=role)

    return _invite


def test_contact_gets_an_email_with_a_link_carrying_the_token(invite, contact, vendor_a):
    invitation, token = invite()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ines@acme.example"]
    assert vendor_a.name in message.subject
    assert invitation_url(token) in message.body
    assert f"/portal/invitation/{token}/" in message.body
    html = message.alternatives[0][0]
    assert token in html
    # Only the token's hash is stored, so the database alone cannot rebuild the link.
    assert token not in invitation.token_sha256


def test_no_email_is_sent_before_the_invitation_commits(officer, contact):
    vendor_contact_invite(actor=officer, contact=contact)  # inside the test's transaction

    assert mail.outbox == []


def test_link_expires_after_the_configured_days(invite):
    assert settings.INVITATION_TTL_DAYS == 7

    invitation, _token = invite()

    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - datetime.timedelta(days=7)) < datetime.timedelta(seconds=5)
    expiry_day = timezone.localtime(invitation.expires_at)
    assert f"{expiry_day.day} {expiry_day:%B %Y}" in mail.outbox[0].body


def test_invitation_is_attributed_to_the_officer(invite, officer, contact):
    invitation, _token = invite()

    assert invitation.history.get().history_user == officer
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.INVITED)
    assert (event.actor, event.target_id) == (officer, str(contact.pk))


def test_accepting_creates_a_non_staff_member_of_that_vendor(invite, contact, vendor_a):
    invitation, token = invite(role=VendorMembership.Role.ADMIN)

    user = vendor_invitation_accept(token=token, password=PASSWORD)

    assert not user.is_staff and not user.is_superuser
    assert user.check_password(PASSWORD)
    assert user.email == "ines@acme.example"
    membership = VendorMembership.objects.get(user=user)
    assert (membership.vendor, membership.role) == (vendor_a, VendorMembership.Role.ADMIN)
    contact.refresh_from_db()
    assert contact.user == user
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert membership.history.get().history_user == user


def test_a_used_link_cannot_be_used_again(invite):
    _invitation, token = invite()
    vendor_invitation_accept(token=token, password=PASSWORD)

    with pytest.raises(InvitationUnusable) as excinfo:
        vendor_invitation_accept(token=token, password="another long secret 9")

    assert excinfo.value.reason == "used"
    assert VendorMembership.objects.count() == 1


def test_an_expired_link_is_refused(invite):
    invitation, token = invite()
    # Time travel by moving the expiry into the past (the clock itself is not frozen).
    VendorInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    with pytest.raises(InvitationUnusable) as excinfo:
        vendor_invitation_accept(token=token, password=PASSWORD)

    assert excinfo.value.reason == "expired"
    assert not VendorMembership.objects.exists()


def test_an_unknown_token_is_refused(invite):
    invite()

    with pytest.raises(InvitationUnusable) as excinfo:
        vendor_invitation_accept(token="not-a-token", password=PASSWORD)

    assert excinfo.value.reason == "unknown"


def test_a_weak_password_stores_nothing(invite):
    invitation, token = invite()

    with pytest.raises(ValidationError):
        vendor_invitation_accept(token=token, password="password")

    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not VendorMembership.objects.exists()


def test_reinviting_revokes_the_earlier_link(invite):
    first, old_token = invite()
    second, new_token = invite()

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None
    assert len(mail.outbox) == 2
    with pytest.raises(InvitationUnusable) as excinfo:
        vendor_invitation_accept(token=old_token, password=PASSWORD)
    assert excinfo.value.reason == "revoked"
    assert vendor_invitation_accept(token=new_token, password=PASSWORD).is_active


def test_a_contact_with_an_account_is_not_invited(officer, vendor_a):
    contact = VendorContactFactory(vendor=vendor_a, user=UserFactory())

    with pytest.raises(ValidationError) as excinfo:
        vendor_contact_invite(actor=officer, contact=contact)

    assert "contact" in excinfo.value.message_dict
    assert not VendorInvitation.objects.exists()


def test_the_invite_task_is_safe_to_run_twice(officer, contact, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.vendor_contact_invite(contact.pk, officer.pk, "contributor")
        second = tasks.vendor_contact_invite(contact.pk, officer.pk, "contributor")

    assert (first, second) == ("invited", "already invited")
    assert VendorInvitation.objects.filter(contact=contact).count() == 1
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/portal/invitation/\S+/", mail.outbox[0].body)
    assert link is not None
