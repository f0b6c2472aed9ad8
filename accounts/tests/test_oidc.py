"""Single sign-on with OpenID Connect against a provider on loopback (tests/idp/forge.py).

Every exchange is real: the browser's redirect carries state, nonce and a PKCE challenge, the
code is redeemed over HTTP, the ID token is signed with RSA and checked against the JWKS the
provider serves. The refusals are made the way an attacker or a misconfiguration would make
them: a changed state, a token from another sign-in, another key, issuer or audience, an old
token.
"""

from __future__ import annotations

import html
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import OIDCIdentity
from accounts.tests.helpers import BROWSER, PASSWORD, admin_login_post, signed_in
from accounts.tests.oidc_flow import CALLBACK, START, sso_finish, sso_sign_in, sso_start
from tests.idp.forge import CLIENT_ID, SigningKey

pytestmark = pytest.mark.django_db

User = get_user_model()


def _groups(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def _refusal(response, reason: str) -> str:
    assert response.status_code == 403
    body = html.unescape(response.content.decode())
    assert f'data-reason="{reason}"' in body, body
    assert "Sign-in refused" in body
    return body


# --- With OIDC unset, everything is as before ------------------------------------------------


def test_without_oidc_settings_there_is_no_sso(client, settings, officer):
    assert settings.OIDC_ENABLED is False  # the test environment sets no OIDC_* variable
    page = client.get(reverse("admin:login"))
    assert page.status_code == 200
    assert b"Sign in with" not in page.content
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404
    # The password sign-in goes on as before.
    admin_login_post(client, officer.username, PASSWORD)
    assert signed_in(client)


def test_the_sign_in_page_offers_the_provider(client, sso):
    page = client.get(reverse("admin:login") + "?next=/admin/vendors/")
    body = page.content.decode()
    assert "Sign in with Example Corp" in body
    assert f"{START}?next=%2Fadmin%2Fvendors%2F" in body
    assert 'name="password"' in body  # the break-glass password form stays


# --- The code flow ------------------------------------------------------------------------------


def test_first_sign_in_creates_the_staff_user_with_roles_from_groups(client, sso, security_log):
    flow = sso_start(client, "/admin/vendors/")
    assert flow["_endpoint"] == f"{sso.issuer}/authorize"
    assert flow["response_type"] == "code"
    assert flow["client_id"] == CLIENT_ID
    assert flow["code_challenge_method"] == "S256"
    assert len(flow["state"]) >= 32 and len(flow["nonce"]) >= 32
    assert flow["redirect_uri"] == "http://testserver/accounts/oidc/callback/"

    response = sso_finish(client, sso, flow, groups=["tl-officers", "unrelated"])

    assert response.status_code == 302
    assert response["Location"] == "/admin/vendors/"
    # The code was redeemed with the PKCE verifier and the client's secret.
    assert sso.token_requests[-1]["code_verifier"]
    user = User.objects.get(oidc_identity__subject="alice-0001")
    assert user.username == "alice@example.org"
    assert user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    assert _groups(user) == {"procurement"}
    assert signed_in(client)
    assert security_log.one("sso_user_created")["details"]["subject"] == "alice-0001"
    change = security_log.one("sso_roles_changed")["details"]
    assert change["added"] == ["procurement"] and change["removed"] == []
    assert security_log.one("sso_signed_in")["user_id"] == user.pk


def test_users_are_matched_by_subject_never_by_email(client, sso):
    local = User.objects.create_user("alice@example.org", email="alice@example.org")
    sso_sign_in(client, sso, sub="new-person", email="alice@example.org")
    sso_user = User.objects.get(oidc_identity__subject="new-person")
    assert sso_user.pk != local.pk
    assert sso_user.username == "alice@example.org-sso"
    local.refresh_from_db()
    assert _groups(local) == set()

    # The same subject with a new address is the same person.
    client.logout()
    sso_sign_in(client, sso, sub="new-person", email="alice.smith@example.org")
    assert User.objects.get(oidc_identity__subject="new-person").pk == sso_user.pk
    assert OIDCIdentity.objects.get(subject="new-person").email == "alice.smith@example.org"


def test_role_changes_at_the_provider_apply_at_the_next_sign_in(client, sso, security_log):
    sso_sign_in(client, sso, groups=["tl-officers"])
    client.logout()
    sso_sign_in(client, sso, groups=["tl-auditors", "tl-evaluators"])

    user = User.objects.get(oidc_identity__subject="alice-0001")
    assert _groups(user) == {"auditors", "evaluators"}
    last = security_log.events("sso_roles_changed")[-1]["details"]
    assert last["added"] == ["auditors", "evaluators"]
    assert last["removed"] == ["procurement"]
    history = list(
        OIDCIdentity.history.filter(subject="alice-0001")
        .order_by("history_date")
        .values_list("roles", "history_change_reason", "history_user_id")
    )
    assert [roles for roles, _, _ in history if roles] == [
        ["procurement"],
        ["auditors", "evaluators"],
    ]
    assert all(actor == user.pk for _, _, actor in history)
    assert "groups" in history[-1][1]


def test_groups_that_map_to_no_role_get_a_clear_page_and_lose_their_roles(
    client, sso, security_log
):
    sso_sign_in(client, sso, groups=["tl-analysts"])
    client.logout()

    response = sso_sign_in(client, sso, groups=["marketing"])

    body = _refusal(response, "no_role")
    assert "none of your groups there gives a Tenderleaf role" in body
    assert not signed_in(client)
    user = User.objects.get(oidc_identity__subject="alice-0001")
    assert _groups(user) == set()
    assert not user.is_staff
    assert security_log.events("sso_refused")[-1]["details"]["reason"] == "no_role"
    # A first sign-in without a role makes no account.
    client.get(reverse("admin:login"))
    _refusal(sso_sign_in(client, sso, sub="bob", email="bob@example.org", groups=[]), "no_role")
    assert not User.objects.filter(email="bob@example.org").exists()


def test_a_new_signing_key_is_picked_up_from_the_jwks(client, sso):
    rotated = SigningKey("forge-2")
    sso.published = [sso.first_key, rotated]
    response = sso_sign_in(client, sso, key=rotated)
    assert response.status_code == 302
    assert signed_in(client)


def test_clock_skew_within_the_bound_is_accepted(client, sso, settings):
    settings.OIDC_CLOCK_SKEW_SECONDS = 60
    now = int(time.time())
    response = sso_sign_in(client, sso, exp=now - 30, iat=now - 330)
    assert response.status_code == 302


# --- Refusals: each a clear page and a security event --------------------------------------------


def _tampered_state(client, forge, flow):
    return sso_finish(client, forge, flow, state=flow["state"][:-2] + "xx")


def _replayed_nonce(client, forge, flow):
    # A token the provider issued for an earlier sign-in, played into this one.
    return sso_finish(client, forge, flow, nonce="nonce-of-an-earlier-sign-in")


def _other_key(client, forge, flow):
    # Signed by a key the provider does not publish, under the provider's key id.
    return sso_finish(client, forge, flow, key=SigningKey("forge-1"))


def _wrong_issuer(client, forge, flow):
    return sso_finish(client, forge, flow, iss="http://127.0.0.1:1/another-provider")


def _wrong_audience(client, forge, flow):
    return sso_finish(client, forge, flow, aud="some-other-app")


def _expired(client, forge, flow):
    now = int(time.time())
    return sso_finish(client, forge, flow, iat=now - 3600, exp=now - 600)


def _domain_not_allowed(client, forge, flow):
    return sso_finish(client, forge, flow, sub="mallory", email="mallory@elsewhere.test")


def _creation_off(client, forge, flow):
    from django.conf import settings

    settings.OIDC_CREATE_USERS = False
    return sso_finish(client, forge, flow, sub="carol", email="carol@example.org")


REFUSALS = {
    "state": (_tampered_state, "does not belong to a sign-in started in this browser"),
    "nonce": (_replayed_nonce, "not made for this sign-in"),
    "signature": (_other_key, "does not match the provider's key"),
    "issuer": (_wrong_issuer, "not by the configured provider"),
    "audience": (_wrong_audience, "not for Tenderleaf"),
    "expired": (_expired, "has expired"),
    "domain": (_domain_not_allowed, "yours is at elsewhere.test"),
    "creation_off": (_creation_off, "accounts are not created at first sign-in"),
}


@pytest.mark.parametrize("reason", list(REFUSALS))
def test_refusals_have_a_clear_page_and_a_security_event(
    client, sso, security_log, reason, settings
):
    make, text = REFUSALS[reason]
    users_before = User.objects.count()

    response = make(client, sso, sso_start(client))

    body = _refusal(response, reason)
    assert text in body
    assert "Back to the sign-in page" in body
    assert not signed_in(client)
    assert User.objects.count() == users_before
    event = security_log.one("sso_refused")
    assert event["details"]["reason"] == reason
    assert event["path"] == CALLBACK


def test_a_state_is_used_once(client, sso):
    flow = sso_start(client)
    assert sso_finish(client, sso, flow).status_code == 302
    client.logout()
    # The same answer again (e.g. from the browser history) is refused.
    _refusal(sso_finish(client, sso, flow), "state")


def test_an_unknown_signing_key_id_is_refused(client, sso):
    response = sso_finish(client, sso, sso_start(client), key=SigningKey("not-published"))
    _refusal(response, "signature")


def test_a_deactivated_user_cannot_sign_in(client, sso):
    sso_sign_in(client, sso)
    client.logout()
    User.objects.filter(oidc_identity__subject="alice-0001").update(is_active=False)
    _refusal(sso_sign_in(client, sso), "deactivated")
    assert not signed_in(client)


# --- MFA ----------------------------------------------------------------------------------------


def test_mfa_at_the_provider_skips_the_local_code(client, sso, security_log):
    sso_sign_in(client, sso, amr=["pwd", "mfa"])
    assert client.get("/admin/").status_code == 200
    assert security_log.one("sso_signed_in")["details"]["provider_mfa"] is True


def test_acr_can_be_the_mfa_rule(client, sso, settings):
    settings.OIDC_MFA_ACR = ["urn:example:mfa"]
    sso_sign_in(client, sso, acr="urn:example:mfa", amr=["pwd"])
    assert client.get("/admin/").status_code == 200


def test_without_mfa_at_the_provider_the_local_code_is_still_required(client, sso):
    sso_sign_in(client, sso, amr=["pwd"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))


# --- Ending access ------------------------------------------------------------------------------


def test_logout_ends_the_session_at_the_provider_too(client, sso, security_log):
    sso_sign_in(client, sso, amr=["mfa"])
    id_token = client.session["_tl_oidc"]["id_token"]

    response = client.post(reverse("admin:logout"), **BROWSER)

    # A page that moves on to the provider by itself (a redirect would break CSP form-action).
    assert response.status_code == 200
    location = html.unescape(
        re.search(
            r'<meta http-equiv="refresh" content="0;url=([^"]+)">', response.content.decode()
        ).group(1)
    )
    assert location.startswith(f"{sso.issuer}/end-session?")
    assert f"id_token_hint={id_token}" in location
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Fadmin%2Flogin%2F" in location
    assert not signed_in(client)
    assert security_log.one("sso_signed_out")["details"]["at_provider"] is True


def test_password_sessions_log_out_as_before(client, sso, client_for, officer):
    client_for(officer)
    response = client.post(reverse("admin:logout"))
    # Django's admin logout, as without single sign-on: to LOGOUT_REDIRECT_URL.
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login")
    assert not signed_in(client)


def _expire(client):
    session = client.session
    session["_tl_oidc"] = {**session["_tl_oidc"], "expires_at": time.time() - 1}
    session.save()


def test_an_expired_provider_session_is_renewed_with_the_refresh_token(client, sso, security_log):
    sso_sign_in(client, sso, amr=["mfa"], answer={"refresh_token": "rt-1"})
    _expire(client)
    renewed_token = sso.key.sign(sso.claims(sub="alice-0001", nonce=None, amr=["mfa"]))
    sso.refresh["rt-1"] = {
        "access_token": "at-2",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": renewed_token,
        "refresh_token": "rt-2",
    }

    assert client.get("/admin/").status_code == 200

    data = client.session["_tl_oidc"]
    assert data["refresh_token"] == "rt-2"
    assert data["expires_at"] > time.time() + 200
    security_log.one("sso_session_renewed")


def test_a_provider_that_refuses_renewal_ends_the_session(client, sso, security_log):
    # E.g. the person was disabled at the provider: their refresh token no longer works.
    sso_sign_in(client, sso, amr=["mfa"], answer={"refresh_token": "rt-revoked"})
    _expire(client)

    response = client.get("/admin/vendors/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not signed_in(client)
    assert security_log.one("sso_session_ended")["details"]["reason"] == "refresh_refused"
    page = client.get(response["Location"])
    assert b"Your sign-in at the identity provider has ended" in page.content


def test_api_tokens_follow_roles_and_stop_with_deactivation(client, sso, vendor_a):
    sso_sign_in(client, sso, amr=["mfa"], groups=["tl-auditors"])
    page = client.post(reverse("accounts:api_token"))
    token = page.context["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = api.get(reverse("api-vendor-list"))
    assert listing.status_code == 200
    assert vendor_a.name in listing.content.decode()

    user = User.objects.get(oidc_identity__subject="alice-0001")
    user.is_active = False
    user.save()

    refused = api.get(reverse("api-vendor-list"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Invalid token."
    assert vendor_a.name not in refused.content.decode()


# --- oidc_check ---------------------------------------------------------------------------------


def test_oidc_check_prints_discovery_and_accepts_good_credentials(sso, capsys):
    call_command("oidc_check")
    out = capsys.readouterr().out
    assert f"issuer: {sso.issuer}" in out
    assert f"token_endpoint: {sso.issuer}/token" in out
    assert "Signing keys: 1 (forge-1)" in out
    assert "Client credentials: accepted" in out


def test_oidc_check_names_refused_credentials(sso, settings):
    settings.OIDC_CLIENT_SECRET = "wrong"
    with pytest.raises(CommandError, match="refused the client credentials"):
        call_command("oidc_check")


def test_oidc_check_says_when_sso_is_off():
    with pytest.raises(CommandError, match="Single sign-on is off"):
        call_command("oidc_check")


# --- Configuration from the environment ---------------------------------------------------------

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core import checks
print(json.dumps({
    "enabled": settings.OIDC_ENABLED,
    "issuer": settings.OIDC_ISSUER,
    "roles": settings.OIDC_GROUP_ROLES,
    "domains": settings.OIDC_ALLOWED_DOMAINS,
    "create": settings.OIDC_CREATE_USERS,
    "amr": settings.OIDC_MFA_AMR,
    "errors": [e.id for e in checks.run_checks(tags=["security"]) if e.id.startswith("accounts")],
}))
"""


def _probe(**env) -> dict:
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "DJANGO_"))}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.base", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sso_is_configured_from_the_environment_and_off_without_it():
    assert _probe()["enabled"] is False
    # All three of issuer, client and secret are needed.
    assert _probe(OIDC_ISSUER="https://id.example.org", OIDC_CLIENT_ID="tl")["enabled"] is False

    found = _probe(
        OIDC_ISSUER="https://id.example.org/realms/staff/",
        OIDC_CLIENT_ID="tenderleaf",
        OIDC_CLIENT_SECRET="s3cret",
        OIDC_GROUP_ROLES="tl-buyers=officer,tl-audit=auditors,tl-x=janitor",
        OIDC_CREATE_USERS="true",
        OIDC_ALLOWED_DOMAINS="example.org,example.com",
        OIDC_MFA_AMR="mfa,hwk",
    )
    assert found["enabled"] is True
    assert found["issuer"] == "https://id.example.org/realms/staff"
    assert found["roles"] == {"tl-buyers": "officer", "tl-audit": "auditors", "tl-x": "janitor"}
    assert found["domains"] == ["example.org", "example.com"]
    assert found["create"] is True
    assert found["amr"] == ["mfa", "hwk"]
    # "janitor" is no role: named by a system check at start-up.
    assert found["errors"] == ["accounts.E101"]


def test_the_history_of_roles_is_readable_in_the_admin(client, sso, django_user_model):
    from django.test import Client

    from accounts.testing import otp_verified_login

    sso_sign_in(client, sso, groups=["tl-officers"])
    client.logout()
    sso_sign_in(client, sso, groups=["tl-analysts"])
    identity = OIDCIdentity.objects.get(subject="alice-0001")
    boss = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 12)
    browser = otp_verified_login(Client(), boss)

    page = browser.get(reverse("admin:accounts_oidcidentity_history", args=[identity.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "Roles set from the identity provider" in body
    assert (
        b'name="_save"'
        not in browser.get(
            reverse("admin:accounts_oidcidentity_change", args=[identity.pk])
        ).content
    )
