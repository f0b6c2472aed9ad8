"""django-axes on every way in: the admin, the portal and the API token endpoint
(docs/domain.md, "Sign-in and security")."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.helpers import PASSWORD, admin_login_post, portal_login_post, signed_in

pytestmark = pytest.mark.django_db


def _api_token(client, username, password):
    return APIClient().post(
        reverse("api-token"), {"username": username, "password": password}, format="json"
    )


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.5  # hours


def test_the_admin_locks_out_after_the_limit_then_cools_off(client, officer):
    for _ in range(2):
        assert admin_login_post(client, "officer", "wrong password").status_code == 200
    assert admin_login_post(client, "officer", "wrong password").status_code == 429

    response = admin_login_post(client, "officer", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in temporarily blocked" in body
    assert "try again in 30 minutes" in body
    assert not signed_in(client)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = admin_login_post(client, "officer", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_portal_locks_out_after_the_limit_then_cools_off(client, member):
    for _ in range(3):
        portal_login_post(client, "member", "wrong password")
    response = portal_login_post(client, "member", PASSWORD)
    assert response.status_code == 429
    assert "Sign-in temporarily blocked" in response.content.decode()
    assert not signed_in(client)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert portal_login_post(client, "member", PASSWORD)["Location"] == "/portal/"


def test_the_api_token_endpoint_locks_out_after_the_limit_then_cools_off(client, member):
    for _ in range(3):
        assert _api_token(client, "member", "wrong").status_code in (400, 403)
    response = _api_token(client, "member", PASSWORD)
    assert response.status_code == 403
    assert response.json() == {"detail": "Too many failed sign-in attempts; try again later."}

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = _api_token(client, "member", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_one_entry_point_counts_for_all(client, member):
    """Failures are counted per username and address, whichever form they came through."""
    portal_login_post(client, "member", "wrong password")
    _api_token(client, "member", "wrong")
    portal_login_post(client, "member", "wrong password")
    assert _api_token(client, "member", PASSWORD).status_code == 403


def test_a_lockout_is_per_username_and_address(client, member, outsider):
    for _ in range(3):
        portal_login_post(client, "member", "wrong password")
    assert portal_login_post(client, "outsider", PASSWORD).status_code == 302
    other_address = client.post(
        reverse("portal:login"),
        {"username": "member", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.44",
    )
    assert other_address.status_code == 302
