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

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from assurance.models import AuditEvent, EvidenceBundle, EvidenceFile
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiReport,
    KpiReportingPeriod,
)
from procurement.models import Bid, Rfp
from scope3.models import FactorDataset, ImportBatch, InventoryRun
from vendors.models import (
    Certification,
    DisclosureRequest,
    EmissionsDisclosure,
    ProductFootprint,
    Vendor,
    VendorContact,
    VendorInvitation,
    VendorMembership,
)
from vendors.tests.factories import CertificationFactory, UserFactory, VendorContactFactory

# Routes under these prefixes are tenant-facing; /admin/ is staff-only and tested separately.
TENANT_PREFIXES = ("portal/", "api/v1/", "assurance/")

# Routes whose URL parameters are not object ids, with the reason they are exempt here.
NOT_OBJECT_ROUTES = {
    "portal:password_reset_confirm": "uidb64/token of Django's password reset, not a vendor object",
    "portal:invitation_accept": "a secret one-time token, tested in test_invitation_accept",
    "portal:disclosure_template": "csv or xlsx: the blank upload template, the same for everyone",
}

# Staff-only models: they belong to no vendor, so a vendor user gets 403 or 404 on their routes.
STAFF_ONLY_MODELS = {ImportBatch, InventoryRun, EvidenceBundle, FactorDataset}

# Unique strings that identify vendor A's data: none may appear in anything vendor B sees.
SECRETS = [
    "Acme Accelerators",
    "acme-secret-contact@acme.example",
    "ACME-CERT-77731",
    "acme-evidence-report.pdf",
    "acme-ledger.csv",
    "Acme Secret Holdings",
    "ACME-H200-SECRET",
    "Sealed GPU cluster tender",
    "ACME-CONTRACT-SECRET",
    "Acme secret finding",
]

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(vendor_a, officer, settings, tmp_path):
    """One object of every tenant-owned model, all belonging to vendor A."""
    from assurance.services import evidence_file_upload
    from vendors.services import vendor_contact_invite

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    contact = VendorContactFactory(vendor=vendor_a, email="acme-secret-contact@acme.example")
    pending = VendorContactFactory(vendor=vendor_a, email="acme-pending@acme.example")
    certification = CertificationFactory(vendor=vendor_a, number="ACME-CERT-77731")
    evidence = evidence_file_upload(
        actor=officer,
        uploaded_file=SimpleUploadedFile("acme-evidence-report.pdf", MINIMAL_PDF),
        vendor=vendor_a,
        target=certification,
    )
    invitation, _token = vendor_contact_invite(actor=officer, contact=pending)
    member_a = UserFactory(username="acme-admin")
    membership = VendorMembership.objects.create(user=member_a, vendor=vendor_a, role="admin")
    batch = ImportBatch.objects.create(
        file_sha256="0" * 64, original_name="acme-ledger.csv", created_by=officer, status="imported"
    )
    run = InventoryRun.objects.create(reporting_year=2025, started_by=officer)
    factor_dataset = FactorDataset.objects.create(
        kind="useeio",
        name="EPA",
        version="1.3.0",
        sha256="1" * 64,
        imported_by=officer,
        row_count=0,
    )
    request = DisclosureRequest.objects.create(
        vendor=vendor_a,
        reporting_year=2025,
        due_date=datetime.date(2026, 6, 30),
        created_by=officer,
    )
    disclosure = EmissionsDisclosure.objects.create(
        vendor=vendor_a,
        request=request,
        reporting_entity="Acme Secret Holdings",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        scope1_tco2e=Decimal("1200"),
        created_by=member_a,
    )
    footprint = ProductFootprint.objects.create(
        vendor=vendor_a,
        pact_id=uuid.uuid4(),
        spec_version="3.0.0",
        product_ids=["urn:acme:ACME-H200-SECRET"],
        product_name="ACME-H200-SECRET",
        declared_unit="piece",
        declared_unit_amount=Decimal("1"),
        pcf_excluding_biogenic_kgco2e=Decimal("150"),
        reference_period_start=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        reference_period_end=datetime.datetime(2025, 12, 31, tzinfo=datetime.UTC),
        raw_document={"productNameCompany": "ACME-H200-SECRET"},
        created_by=member_a,
    )
    rfp = Rfp.objects.create(
        title="Sealed GPU cluster tender",
        category="accelerators",
        deadline=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        status=Rfp.Status.PUBLISHED,
        created_by=officer,
    )
    rfp.invited_vendors.add(vendor_a)
    bid = Bid.objects.create(
        rfp=rfp, vendor=vendor_a, price=Decimal("987654.32"), created_by=member_a
    )
    contract = Contract.objects.create(
        vendor=vendor_a,
        reference="ACME-CONTRACT-SECRET",
        title="GPU supply",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2027, 12, 31),
        value=Decimal("1000000"),
        status=Contract.Status.ACTIVE,
        created_by=officer,
    )
    clause = KpiClause.objects.create(
        contract=contract,
        metric="Renewable electricity share",
        unit="%",
        direction="higher",
        baseline_value=Decimal("40"),
        baseline_year=2024,
        target_value=Decimal("80"),
        target_year=2027,
        frequency="annual",
    )
    period = KpiReportingPeriod.objects.create(
        clause=clause,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        due_date=datetime.date(2026, 1, 30),
    )
    report = KpiReport.objects.create(
        period=period,
        clause=clause,
        value=Decimal("55"),
        submitted_by=member_a,
        submitted_at=datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC),
    )
    audit = Iso14001Audit.objects.create(
        vendor=vendor_a,
        contract=contract,
        audit_type="on_site",
        audit_date=datetime.date(2025, 6, 1),
        auditor="Acme auditor",
        created_by=officer,
    )
    finding = AuditFinding.objects.create(
        audit=audit, severity="major", clause_ref="6.1.2", description="Acme secret finding"
    )
    bundle = EvidenceBundle.objects.create(
        scope="vendor_period", vendor=vendor_a, year=2025, requested_by=officer
    )
    return {
        EvidenceBundle: bundle,
        Contract: contract,
        KpiClause: clause,
        KpiReportingPeriod: period,
        KpiReport: report,
        Iso14001Audit: audit,
        AuditFinding: finding,
        DisclosureRequest: request,
        EmissionsDisclosure: disclosure,
        ProductFootprint: footprint,
        Rfp: rfp,
        Bid: bid,
        ImportBatch: batch,
        InventoryRun: run,
        FactorDataset: factor_dataset,
        Vendor: vendor_a,
        VendorContact: contact,
        Certification: certification,
        EvidenceFile: evidence,
        VendorInvitation: invitation,
        VendorMembership: membership,
    }


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


def _assert_no_secrets(response, where):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for secret in SECRETS:
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
            _assert_no_secrets(response, f"{method.upper()} {url}")
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
        _assert_no_secrets(response, f"GET {url}")
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
        _assert_no_secrets(response, url)
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
