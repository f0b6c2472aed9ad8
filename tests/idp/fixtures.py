"""pytest fixtures for single sign-on tests: import them into a conftest or a test module."""

from __future__ import annotations

import pytest

SSO_GROUP_ROLES = {
    "tl-officers": "officer",
    "tl-evaluators": "evaluator",
    "tl-analysts": "analyst",
    "tl-auditors": "auditor",
}


@pytest.fixture(scope="session")
def forge():
    """The provider whose ID tokens the test composes (tests/idp/forge.py), once per session."""
    from tests.idp.forge import Forge

    server = Forge().start()
    try:
        yield server
    finally:
        server.stop()


def _configure(settings, *, issuer, client_id, client_secret):
    from django.core.cache import cache

    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = client_id
    settings.OIDC_CLIENT_SECRET = client_secret
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Example Corp"
    settings.OIDC_GROUP_ROLES = dict(SSO_GROUP_ROLES)
    settings.OIDC_CREATE_USERS = True
    settings.OIDC_ALLOWED_DOMAINS = ["example.org"]
    cache.clear()


@pytest.fixture
def sso(forge, settings):
    """Single sign-on configured against ``forge``, as the environment would configure it."""
    from django.core.cache import cache

    from tests.idp.forge import CLIENT_ID, CLIENT_SECRET

    _configure(settings, issuer=forge.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    forge.key = forge.first_key
    forge.published = [forge.key]
    forge.grants.clear()
    forge.refresh.clear()
    forge.token_requests.clear()
    yield forge
    cache.clear()


@pytest.fixture
def idp():
    """The django-oauth-toolkit provider (tests/idp/server.py), started once per test run."""
    from tests.idp.server import idp_server

    return idp_server()


@pytest.fixture
def idp_sso(idp, settings):
    """Single sign-on configured against the django-oauth-toolkit provider."""
    from django.core.cache import cache

    _configure(
        settings, issuer=idp.issuer, client_id=idp.client_id, client_secret=idp.client_secret
    )
    yield idp
    cache.clear()
