"""Security headers on the pages people use: admin, portal, assurance pages and the API docs.

Every page carries a Content Security Policy without ``unsafe-inline`` (django-csp), nosniff, a
referrer policy and frame protection; inline ``<script>``/``<style>`` blocks are allowed only with
the response's own nonce, and no element has a ``style`` attribute or an ``on*`` handler. With the
production settings (read in a fresh interpreter, since production.py checks its environment at
import) HTTPS responses add HSTS and every cookie is ``Secure``.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from conftest import PASSWORD
from procurement import services as procurement_services
from vendors.tests.factories import VendorContactFactory

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _nonce(policy: dict[str, list[str]]) -> str | None:
    for source in policy.get("script-src", []) + policy.get("style-src", []):
        if source.startswith("'nonce-"):
            return source.removeprefix("'nonce-").rstrip("'")
    return None


def assert_secure_page(response):
    """The headers, and no inline code the policy would block (so the page works under it)."""
    assert response.status_code == 200, response.status_code
    policy = _policy(response)
    for directive, source in REQUIRED_DIRECTIVES.items():
        assert policy.get(directive) == [source], (directive, policy.get(directive))
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"

    html = response.content.decode()
    nonce = _nonce(policy)
    for tag, attributes in re.findall(r"<(script|style)\b([^>]*)>", html):
        if tag == "script" and "src=" in attributes:
            continue
        assert nonce and f'nonce="{nonce}"' in attributes, f"inline <{tag}{attributes}> lacks nonce"
    assert not re.search(r"<[a-z][^>]*\sstyle=", html), "a style attribute the policy blocks"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", html), "an inline event handler"
    return policy


def test_admin_change_form(client_for, officer, vendor_a):
    response = client_for(officer).get(f"/admin/vendors/vendor/{vendor_a.pk}/change/")
    assert_secure_page(response)


def test_admin_scoring_matrix(client_for, officer, evaluator, vendor_a):
    VendorContactFactory(vendor=vendor_a)
    rfp = procurement_services.rfp_create(
        actor=officer,
        title="Edge inference servers",
        category="servers",
        deadline=timezone.now() + datetime.timedelta(days=2),
        invited_vendors=[vendor_a],
        panel=[evaluator],
    )
    response = client_for(officer).get(f"/admin/procurement/rfp/{rfp.pk}/matrix/")
    assert_secure_page(response)


def test_portal_pages(client_for, member):
    client = client_for(member)
    for url in ("/portal/", "/portal/rfps/"):
        assert_secure_page(client.get(url))


def test_portal_sign_in_page(client):
    assert_secure_page(client.get("/portal/login/"))


def test_assurance_pages(client_for, auditor):
    client = client_for(auditor)
    for url in ("/assurance/", "/assurance/audit-trail/"):
        assert_secure_page(client.get(url))


def test_api_docs_run_their_inline_start_up_under_the_nonce(client):
    response = client.get("/api/docs/")
    policy = assert_secure_page(response)
    nonce = _nonce(policy)
    assert nonce, "the Swagger UI page needs its nonce in the policy"
    assert response.content.decode().count(f'nonce="{nonce}"') == 2


def test_a_page_without_inline_code_gets_no_nonce(client):
    """The nonce appears only where a template used it, so the policy stays as strict as it can."""
    policy = _policy(client.get("/portal/login/"))
    assert _nonce(policy) is None


# --- Production settings --------------------------------------------------------------------

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
names = [
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY",
]
print(json.dumps({name: getattr(settings, name) for name in names}, default=str))
"""


def _settings_of(module: str, **env) -> dict:
    keep = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    keep.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="tenderleaf.example.com,testserver",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=settings.BASE_DIR,
        env=keep,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return _settings_of("config.settings.production")


def test_production_settings_turn_on_https_protections(production):
    assert production["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["CONTENT_SECURITY_POLICY"], "production enforces the policy by default"


@pytest.mark.django_db
def test_production_responses_carry_hsts_and_secure_cookies(client, member, production):
    overrides = {
        name: production[name]
        for name in (
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_HSTS_PRELOAD",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
        )
    }
    with override_settings(**overrides):
        plain = client.get("/portal/login/")
        assert plain.status_code == 301
        assert plain["Location"].startswith("https://")

        page = client.get("/portal/login/", secure=True)
        assert_secure_page(page)
        hsts = page.headers["Strict-Transport-Security"]
        assert "max-age=31536000" in hsts
        assert "includeSubDomains" in hsts
        assert page.cookies["csrftoken"]["secure"]

        signed_in = client.post(
            "/portal/login/",
            {"username": member.username, "password": PASSWORD},
            secure=True,
        )
        assert signed_in.status_code == 302, signed_in.content[:500]
        session_cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
        assert session_cookie["secure"]
        assert session_cookie["httponly"]


def test_report_only_switch_sends_the_policy_without_enforcing_it():
    probe = _settings_of("config.settings.base", CSP_REPORT_ONLY="true")
    assert probe["CONTENT_SECURITY_POLICY"] is None
    report_only = probe["CONTENT_SECURITY_POLICY_REPORT_ONLY"]
    assert "frame-ancestors" in report_only["DIRECTIVES"]
