"""Single sign-on against a real OpenID provider: django-oauth-toolkit's, in its own Django
project and process on loopback (tests/idp/). The person signs in on the provider's own page;
the test plays the browser with ``requests`` there and with Django's test client here."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import urljoin, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.tests.helpers import BROWSER, signed_in
from accounts.tests.oidc_flow import START

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "provider password 1"


class ProviderBrowser:
    """The person's browser at the provider: keeps the provider's cookies between sign-ins."""

    def __init__(self):
        self.session = requests.Session()

    def follow(self, url: str, *, until: str = "http://testserver"):
        """Follow redirects at the provider until one leaves for Tenderleaf; that URL, or the
        provider's page where the journey stopped."""
        response = self.session.get(url, allow_redirects=False, timeout=10)
        while response.status_code in (301, 302, 303):
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(until):
                return location
            response = self.session.get(location, allow_redirects=False, timeout=10)
        return response

    def sign_in(self, page, username: str, password: str = PASSWORD):
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.session.post(
            page.url,
            data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
            allow_redirects=False,
            timeout=10,
        )
        if response.status_code != 302:
            return response
        return self.follow(urljoin(page.url, response.headers["Location"]))


def sign_in(client, browser: ProviderBrowser, username: str, next_url="/admin/"):
    """Press the SSO button, sign in at the provider if asked, come back: the callback's answer,
    or the provider's page where it stopped."""
    start = client.get(START, {"next": next_url}, **BROWSER)
    result = browser.follow(start["Location"])
    if not isinstance(result, str):  # the provider's sign-in page
        result = browser.sign_in(result, username)
    if not isinstance(result, str):
        return result
    callback = urlparse(result)
    return client.get(f"{callback.path}?{callback.query}", **BROWSER)


def _roles(username) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_sign_in_roles_from_groups_mfa_and_logout_at_the_provider(client, idp_sso, security_log):
    idp_sso.person(
        "dana", password=PASSWORD, email="dana@example.org", groups=["tl-officers"], mfa=True
    )
    browser = ProviderBrowser()

    response = sign_in(client, browser, "dana", "/admin/vendors/")

    assert response.status_code == 302 and response["Location"] == "/admin/vendors/"
    assert _roles("dana@example.org") == {"procurement"}
    # The provider said MFA (amr): no local code is asked.
    assert client.get("/admin/").status_code == 200
    assert security_log.one("sso_signed_in")["details"]["amr"] == ["pwd", "mfa"]

    # Sign out: Tenderleaf's session ends, then the provider's.
    response = client.post(reverse("admin:logout"), **BROWSER)
    assert not signed_in(client)
    end_session = html.unescape(
        re.search(r'id="end-session" href="([^"]+)"', response.content.decode()).group(1)
    )
    assert end_session.startswith(f"{idp_sso.issuer}/logout/?")
    assert browser.follow(end_session) == "http://testserver/admin/login/"

    # The provider forgot the person too: the next sign-in asks for the password again.
    idp_sso.person(
        "dana", password=PASSWORD, email="dana@example.org", groups=["tl-auditors"], mfa=True
    )
    start = client.get(START, **BROWSER)
    page = browser.follow(start["Location"])
    assert "Example Corp sign-in" in page.text
    # ... and the new groups give the new role.
    result = browser.sign_in(page, "dana")
    callback = urlparse(result)
    client.get(f"{callback.path}?{callback.query}", **BROWSER)
    assert _roles("dana@example.org") == {"auditors"}


def test_without_mfa_at_the_provider_the_local_code_is_asked(client, idp_sso):
    idp_sso.person("erin", password=PASSWORD, email="erin@example.org", groups=["tl-analysts"])

    sign_in(client, ProviderBrowser(), "erin")

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))


def test_a_person_disabled_at_the_provider_cannot_start_a_session(client, idp_sso):
    idp_sso.person(
        "fred", password=PASSWORD, email="fred@example.org", groups=["tl-officers"], active=False
    )

    page = sign_in(client, ProviderBrowser(), "fred")

    assert "did not match, or your account is disabled" in page.text
    assert not signed_in(client)
    assert not User.objects.filter(email="fred@example.org").exists()


def test_the_session_is_renewed_while_the_provider_allows_and_ends_when_it_does_not(
    client, idp_sso, security_log
):
    idp_sso.person(
        "gina", password=PASSWORD, email="gina@example.org", groups=["tl-officers"], mfa=True
    )
    sign_in(client, ProviderBrowser(), "gina")
    assert client.session["_tl_oidc"]["refresh_token"]

    def expire():
        session = client.session
        session["_tl_oidc"] = {**session["_tl_oidc"], "expires_at": time.time() - 1}
        session.save()

    expire()
    assert client.get("/admin/").status_code == 200
    security_log.one("sso_session_renewed")
    assert client.session["_tl_oidc"]["expires_at"] > time.time()

    # Disabled at the provider: the refresh token is refused, the session ends.
    idp_sso.person(
        "gina", password=PASSWORD, email="gina@example.org", groups=["tl-officers"], active=False
    )
    expire()
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("admin:login"))
    assert not signed_in(client)
    assert security_log.one("sso_session_ended")["details"]["reason"] == "refresh_refused"


def test_oidc_check_against_the_provider(idp_sso, settings, capsys):
    call_command("oidc_check")
    out = capsys.readouterr().out
    assert f"issuer: {idp_sso.issuer}" in out
    assert f"end_session_endpoint: {idp_sso.issuer}/logout/" in out
    assert "Client credentials: accepted" in out

    settings.OIDC_CLIENT_SECRET = "not the secret"
    with pytest.raises(CommandError, match="refused the client credentials"):
        call_command("oidc_check")
