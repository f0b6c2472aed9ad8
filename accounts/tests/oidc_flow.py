"""Driving a single sign-on through the Django test client against the forge provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from accounts.tests.helpers import BROWSER

START = "/accounts/oidc/start/"
CALLBACK = "/accounts/oidc/callback/"


def sso_start(client, next_url="/admin/") -> dict:
    """Press the SSO button: the redirect's query (state, nonce, PKCE challenge...) as a dict."""
    response = client.get(START, {"next": next_url}, **BROWSER)
    assert response.status_code == 302, response
    location = urlparse(response["Location"])
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    params["_endpoint"] = f"{location.scheme}://{location.netloc}{location.path}"
    return params


def sso_finish(client, forge, flow: dict, *, key=None, state=None, answer=None, **claims):
    """The provider signs in the person and sends the browser back with a code."""
    claims.setdefault("sub", "alice-0001")
    claims.setdefault("email", "alice@example.org")
    claims.setdefault("groups", ["tl-officers"])
    nonce = claims.pop("nonce", flow["nonce"])
    id_token = (key or forge.key).sign(forge.claims(nonce=nonce, **claims))
    code = forge.issue(flow["code_challenge"], id_token, **(answer or {}))
    return client.get(CALLBACK, {"code": code, "state": state or flow["state"]}, **BROWSER)


def sso_sign_in(client, forge, next_url="/admin/", **claims):
    return sso_finish(client, forge, sso_start(client, next_url), **claims)
