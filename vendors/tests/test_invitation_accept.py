"""Accepting a portal invitation: the happy path and every way a link can be unusable."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from vendors import services
from vendors.models import VendorInvitation, VendorMembership
from vendors.tests.factories import VendorContactFactory

pytestmark = pytest.mark.django_db

PASSWORD = "fresh granite meadow 42"


@pytest.fixture
def contact(vendor_a):
    return VendorContactFactory(vendor=vendor_a, name="Ines Invitee", email="ines@acme.example")


@pytest.fixture
def invited(officer, contact):
    """An invitation and its raw token, as the officer's email would carry it."""
    return services.vendor_contact_invite(actor=officer, contact=contact)


def accept_url(token):
    return reverse("portal:invitation_accept", kwargs={"token": token})


def accept(client, token, password=PASSWORD, confirmation=None):
    return client.post(
        accept_url(token),
        {"password1": password, "password2": password if confirmation is None else confirmation},
    )


def test_page_shows_the_vendor_and_a_labelled_password_form(client, invited, vendor_a):
    _invitation, token = invited
    response = client.get(accept_url(token))
    assert response.status_code == 200
    body = response.content.decode()
    assert vendor_a.name in body
    assert '<label for="id_password1"' in body
    assert '<label for="id_password2"' in body
    assert "at least 10 characters" in body  # the validators' help text


def test_happy_path_creates_the_member_signs_in_and_lands_on_home(client, invited, vendor_a):
    invitation, token = invited
    response = accept(client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")

    user = get_user_model().objects.get(username="ines@acme.example")
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert VendorMembership.objects.get(user=user).vendor == vendor_a
    assert client.session["_auth_user_id"] == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert f"Welcome to the Tenderleaf portal for {vendor_a.name}" in home.content.decode()


def test_reused_link_answers_410_with_a_clear_message(client, invited, django_user_model):
    _invitation, token = invited
    assert accept(client, token).status_code == 302
    client.logout()

    response = client.get(accept_url(token))
    assert response.status_code == 410
    assert "This invitation has already been used" in response.content.decode()
    response = accept(client, token, password="another fine password 7")
    assert response.status_code == 410
    assert django_user_model.objects.filter(username="ines@acme.example").count() == 1


def test_expired_link_answers_410(client, invited, django_user_model):
    invitation, token = invited
    VendorInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    for response in (client.get(accept_url(token)), accept(client, token)):
        assert response.status_code == 410
        body = response.content.decode()
        assert "This invitation has expired" in body
        assert "Ask your procurement contact to send you a new invitation" in body
    assert not django_user_model.objects.filter(username="ines@acme.example").exists()


def test_revoked_link_answers_410(client, officer, contact, invited):
    _old, old_token = invited
    services.vendor_contact_invite(actor=officer, contact=contact)
    response = client.get(accept_url(old_token))
    assert response.status_code == 410
    assert "This invitation has been withdrawn" in response.content.decode()


def test_unknown_token_answers_404(client, db):
    response = client.get(accept_url("no-such-token"))
    assert response.status_code == 404
    assert "Invitation not found" in response.content.decode()


def test_weak_password_is_refused_and_nothing_is_created(client, invited, django_user_model):
    invitation, token = invited
    response = accept(client, token, password="password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "This password is too common." in body
    assert not django_user_model.objects.filter(username="ines@acme.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_password_similar_to_the_email_is_refused(client, invited, django_user_model):
    _invitation, token = invited
    response = accept(client, token, password="ines@acme.example")
    assert response.status_code == 200
    assert "The password is too similar" in response.content.decode()
    assert not django_user_model.objects.filter(username="ines@acme.example").exists()


def test_mismatched_confirmation_is_refused(client, invited, django_user_model):
    _invitation, token = invited
    response = accept(client, token, confirmation="something else entirely")
    assert response.status_code == 200
    assert "The two password fields didn\u2019t match." in response.content.decode()
    assert not django_user_model.objects.filter(username="ines@acme.example").exists()
