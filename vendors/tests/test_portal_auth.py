"""Signing in and out of the portal, password reset and change, and the django-axes lock-out.

These tests post to the real login form, so the real authentication backends (axes first) run.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # every UserFactory user's password

NEW_PASSWORD = "fresh granite meadow 42"


def login_post(client, username, password):
    return client.post(reverse("portal:login"), {"username": username, "password": password})


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_has_labelled_fields(client):
    response = client.get(reverse("portal:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<label for="id_username"' in body
    assert '<label for="id_password"' in body
    assert '<main id="main"' in body
    assert 'href="#main"' in body


def test_vendor_user_lands_on_portal_home(client, member, vendor_a):
    response = login_post(client, "member", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert vendor_a.name in home.content.decode()


def test_wrong_password_shows_an_error_summary(client, member):
    response = login_post(client, "member", "wrong password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Please enter a correct username and password" in body
    assert not is_signed_in(client)


def test_staff_signing_in_at_the_portal_are_sent_to_admin(client, officer, vendor_a):
    response = login_post(client, "officer", PASSWORD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please sign in at /admin/ instead" in body
    assert vendor_a.name not in body
    assert not is_signed_in(client)


def test_logout_needs_post(client_for, member):
    client = client_for(member)
    assert client.get(reverse("portal:logout")).status_code == 405
    assert is_signed_in(client)
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login")
    assert not is_signed_in(client)


def test_base_layout_has_navigation_and_logout_form(client_for, member):
    body = client_for(member).get(reverse("portal:home")).content.decode()
    assert '<nav class="site-nav" aria-label="Portal">' in body
    assert f'href="{reverse("portal:company")}"' in body
    assert f'action="{reverse("portal:logout")}"' in body
    assert "style=" not in body
    assert "<script" not in body


def test_password_reset_email_link_sets_a_new_password(
    client, member, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.tenderleaf.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:password_reset"), {"email": member.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    match = re.search(
        r"https://portal\.tenderleaf\.example(/portal/password/reset/\S+/)", message.body
    )
    assert match, message.body

    # Django swaps the token in the URL for a session marker, then shows the form.
    response = client.get(match.group(1), follow=True)
    assert response.status_code == 200
    assert "Choose a new password" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("portal:password_reset_complete")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)

    # The link works once.
    response = client.get(match.group(1), follow=True)
    assert "This reset link cannot be used" in response.content.decode()


def test_password_reset_sends_nothing_to_staff_or_unknown_addresses(
    client, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": officer.email})
        client.post(reverse("portal:password_reset"), {"email": "nobody@example.com"})
    assert mail.outbox == []


def test_password_change(client_for, member):
    client = client_for(member)
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("portal:password_change_done")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_password_change_refuses_a_weak_password(client_for, member):
    client = client_for(member)
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_lockout_after_repeated_failures(client, member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.5
    for _attempt in range(2):
        assert login_post(client, "member", "wrong password").status_code == 200
    # The third failure reaches the limit and is answered with the lockout page.
    assert login_post(client, "member", "wrong password").status_code == 429

    response = login_post(client, "member", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in temporarily blocked" in body
    assert "try again in 30 minutes" in body
    assert not is_signed_in(client)
