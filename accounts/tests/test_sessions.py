"""Sessions: a new key at sign-in, idle and absolute timeouts, ended on deactivation and on a
password change elsewhere; Django's password rules on every password form
(docs/domain.md, "Sign-in and security")."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from accounts.testing import totp_code, totp_device_for
from accounts.tests.helpers import PASSWORD, admin_login_post, portal_login_post, signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "fresh granite meadow 42"


def _session_cookie(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_session_key_changes_at_sign_in_on_the_admin(client, officer):
    device = totp_device_for(officer)
    client.get(reverse("admin:login"))  # an anonymous session may exist before sign-in ...
    client.session.save()
    before = _session_cookie(client)

    admin_login_post(client, officer.username, PASSWORD)
    after = _session_cookie(client)
    client.post("/accounts/verify/", {"code": totp_code(device)})

    assert after != before  # ... and is never the one the user is signed in with
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_session_key_changes_at_sign_in_on_the_portal(client, member):
    client.get(reverse("portal:login"))
    client.session.save()
    before = _session_cookie(client)

    portal_login_post(client, "member", PASSWORD)

    assert signed_in(client)
    assert _session_cookie(client) != before


@pytest.mark.parametrize(
    ("persona", "page", "idle_minutes"),
    [("officer", "/admin/", 30), ("member", "/portal/", 120)],
)
def test_an_idle_session_ends(request, client_for, persona, page, idle_minutes, security_log):
    user = request.getfixturevalue(persona)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(user)
    with time_machine.travel(start + datetime.timedelta(minutes=idle_minutes - 1), tick=False):
        assert client.get(page).status_code == 200  # activity keeps it alive ...
    later = start + datetime.timedelta(minutes=2 * idle_minutes - 2)
    with time_machine.travel(later, tick=False):
        assert client.get(page).status_code == 200  # ... measured from the last request
    with time_machine.travel(later + datetime.timedelta(minutes=idle_minutes + 1), tick=False):
        response = client.get(page)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not signed_in(client)
    record = security_log.one("session_expired")
    assert (record["user_id"], record["details"]) == (user.pk, {"reason": "idle"})


def test_a_busy_session_still_ends_after_the_absolute_limit(client_for, member, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(member)
    for hour in range(1, 12):
        with time_machine.travel(start + datetime.timedelta(hours=hour), tick=False):
            assert client.get("/portal/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=12, minutes=1), tick=False):
        response = client.get("/portal/", follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("portal:login"))
    assert "Your session has expired" in response.content.decode()


def test_deactivating_a_user_ends_all_their_sessions(client_for, officer, member):
    laptop, phone = client_for(member), Client()
    portal_login_post(phone, "member", PASSWORD)
    keys = set(UserSession.objects.filter(user=member).values_list("session_key", flat=True))
    assert len(keys) == 2

    member.is_active = False
    member.save()

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=member).exists()
    for client in (laptop, phone):
        assert client.get("/portal/").status_code == 302
    # Reactivating the account does not bring the old sessions back.
    member.is_active = True
    member.save()
    assert laptop.get("/portal/").status_code == 302


def test_signing_out_forgets_the_session(client, member):
    portal_login_post(client, "member", PASSWORD)
    assert UserSession.objects.filter(user=member).count() == 1
    client.post(reverse("portal:logout"))
    assert not UserSession.objects.filter(user=member).exists()


def test_a_password_change_ends_the_other_sessions_but_not_this_one(client_for, member):
    this, other = client_for(member), Client()
    portal_login_post(other, "member", PASSWORD)

    response = this.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert this.get("/portal/").status_code == 200
    assert other.get("/portal/").status_code == 302


def test_a_session_whose_key_changed_at_a_password_change_still_ends_on_deactivation(
    client_for, member
):
    client = client_for(member)
    client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    key = _session_cookie(client)
    assert Session.objects.filter(session_key=key).exists()

    member.is_active = False
    member.save()

    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("short1", "This password is too short."),
        ("password123", "This password is too common."),
        ("4815162342", "This password is entirely numeric."),
    ],
)
def test_the_admin_password_form_refuses_weak_passwords(client_for, officer, weak, message):
    client = client_for(officer)
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
