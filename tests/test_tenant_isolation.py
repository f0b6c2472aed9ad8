"""Tenant isolation, proven over every route of the portal, the API and the assurance pages.

The test walks the URL resolver, so a route added later is covered without editing this file:
a route that takes an object id must name the model it serves (``model``/``queryset`` on the view,
``queryset`` on a viewset, or a ``tenant_model`` attribute on a function view), and the world below
must hold an object of that model belonging to the *other* vendor; otherwise the test fails and
says which route to cover.

The persona is ``outsider``, an admin of vendor B; every object in the world belongs to vendor A.
Every object route answers 404 on every method (never 403, which would confirm existence), and no
page, list or error message contains any of vendor A's identifying strings.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from assurance.models import AuditEvent, EvidenceFile
from tests.world import STAFF_ONLY_MODELS, build_vendor_world
from vendors.models import Certification, Vendor, VendorContact, VendorMembership

# Routes under these prefixes are tenant-facing; /admin/ is staff-only and tested separately.
TENANT_PREFIXES = ("portal/", "api/v1/", "assurance/")

# Routes whose URL parameters are not object ids, with the reason they are exempt here.
NOT_OBJECT_ROUTES = {
    "portal:password_reset_confirm": "uidb64/token of Django's password reset, not a vendor object",
    "portal:invitation_accept": "a secret one-time token, tested in test_invitation_accept",
    "portal:disclosure_template": "csv or xlsx: the blank upload template, the same for everyone",
}


@pytest.fixture
def world(vendor_a, officer, settings, tmp_path):
    """One object of every tenant-owned model, all belonging to vendor A."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    # world.secrets: the strings identifying vendor A's data, none of which vendor B may see.
    return build_vendor_world(vendor_a, officer=officer, tag="Acme")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace
            for route, name, pattern in _walk(entry.url_patterns, prefix + str(entry.pattern)):
                yield route, (f"{namespace}:{name}" if namespace and name else name), pattern
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name, entry


def tenant_routes():
    return [
        (route, name, pattern)
        for route, name, pattern in _walk(get_resolver().url_patterns)
        if route.startswith(TENANT_PREFIXES)
    ]


def _model_of(pattern: URLPattern):
    callback = pattern.callback
    for holder in (getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        if holder is None:
            continue
        model = getattr(holder, "model", None)
        if model is not None:
            return model
        queryset = getattr(holder, "queryset", None)
        if queryset is not None:
            return queryset.model
    return getattr(callback, "tenant_model", None)


def _url(route: str, kwargs: dict) -> str:
    """Fill a route's converters from ``kwargs`` (regex routes of DRF included)."""

    def fill(match):
        name = match.group("name")
        return str(kwargs[name])

    url = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", fill, route)
    url = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, url)
    url = url.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
    return "/" + url


def _assert_no_secrets(response, where, secrets):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for secret in secrets:
        assert secret not in text, f"{where} shows vendor A's {secret!r} to vendor B"


def _snapshot():
    return (
        list(Vendor.objects.values_list("pk", "name", "status", "lei").order_by("pk")),
        list(VendorContact.objects.values_list("pk", "email", "name", "vendor_id").order_by("pk")),
        list(Certification.objects.values_list("pk", "number", "status").order_by("pk")),
        EvidenceFile.objects.count(),
        VendorMembership.objects.count(),
    )


def test_every_object_route_answers_404_to_another_vendor(client_for, outsider, world):
    client = client_for(outsider)
    before = _snapshot()
    checked = []
    for route, name, pattern in tenant_routes():
        params = list(pattern.pattern.regex.groupindex)
        if not params or name in NOT_OBJECT_ROUTES:
            continue
        if params == ["format"]:
            continue
        model = _model_of(pattern)
        assert model is not None, (
            f"route {route} ({name}) takes {params} but names no model; give its view a model, "
            "a queryset or a tenant_model attribute so the isolation test can cover it"
        )
        assert model in world, f"add an object of {model.__name__} to the world for route {route}"
        obj = world[model]
        url = _url(route, {p: obj.pk for p in params if p != "format"} | {"format": "json"})
        # 405 on a method a route does not offer says nothing about the object; staff-only
        # routes may refuse a vendor user outright.
        allowed = (403, 404, 405) if model in STAFF_ONLY_MODELS else (404, 405)
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(url, data={}, content_type="application/json")
            assert response.status_code in allowed, (route, method, response.status_code)
            _assert_no_secrets(response, f"{method.upper()} {url}", world.secrets)
        # The route's own method (GET, or the action's method for POST-only actions) must refuse
        # with 404 (or 403 on staff-only routes), else the route proved nothing.
        actions = getattr(pattern.callback, "actions", None) or {}
        probe = "get" if not actions or "get" in actions else next(iter(actions))
        response = getattr(client, probe)(url, data={}, content_type="application/json")
        assert response.status_code in allowed[:-1], (route, probe, response.status_code)
        checked.append(route)
    assert _snapshot() == before, "a request of vendor B changed vendor A's data"
    # The known object routes are covered; later routes join automatically.
    assert any("contacts" in r for r in checked)
    assert any("evidence" in r for r in checked)
    assert any("certifications" in r for r in checked)


def test_no_list_or_page_shows_another_vendors_rows(client_for, outsider, world):
    client = client_for(outsider)
    pages = 0
    for route, _name, pattern in tenant_routes():
        if pattern.pattern.regex.groupindex:
            continue
        url = _url(route, {})
        if "logout" in url:
            continue
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        _assert_no_secrets(response, f"GET {url}", world.secrets)
        pages += 1
    assert pages >= 5


def test_search_and_filters_do_not_reach_another_vendor(client_for, outsider, world, vendor_a):
    client = client_for(outsider)
    for url in (
        f"/api/v1/contacts/?vendor={vendor_a.pk}",
        "/api/v1/contacts/?search=acme",
        f"/api/v1/certifications/?vendor={vendor_a.pk}",
        "/api/v1/vendors/?search=Acme",
    ):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        _assert_no_secrets(response, url, world.secrets)
        if response.status_code == 200:
            assert response.json()["count"] == 0, url


def test_posting_another_vendors_id_never_writes_to_it(client_for, outsider, world, vendor_a):
    client = client_for(outsider)
    before = VendorContact.objects.filter(vendor=vendor_a).count()
    client.post(
        "/api/v1/contacts/",
        {"vendor": vendor_a.pk, "name": "Intruder", "email": "intruder@b.example"},
        content_type="application/json",
    )
    client.post(
        "/api/v1/certifications/",
        {"vendor": vendor_a.pk, "kind": "iso_14001", "issue_date": "2025-01-01"},
        content_type="application/json",
    )
    assert VendorContact.objects.filter(vendor=vendor_a).count() == before
    assert not Certification.objects.filter(vendor=vendor_a).exclude(pk=world[Certification].pk)
    assert not AuditEvent.objects.filter(vendor=vendor_a, actor=outsider).exists()


def test_unknown_ids_and_other_vendors_ids_look_the_same(client_for, outsider, world):
    """A 404 for another vendor's id is indistinguishable from one for an id that never existed."""
    client = client_for(outsider)
    real = client.get(f"/assurance/evidence/{world[EvidenceFile].pk}/download/")
    fake = client.get(f"/assurance/evidence/{uuid.uuid4()}/download/")
    assert real.status_code == fake.status_code == 404
    contact_real = client.get(f"/api/v1/contacts/{world[VendorContact].pk}/")
    contact_fake = client.get("/api/v1/contacts/999999/")
    assert contact_real.status_code == contact_fake.status_code == 404
    assert contact_real.json() == contact_fake.json()
