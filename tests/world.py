"""A vendor's world: one object of every tenant-owned model, named with strings no one else uses.

Both guards of the tenant boundary build on it: the route walk of ``test_tenant_isolation`` (vendor
B's user against vendor A's world) and the schemathesis fuzzing of ``test_api_fuzz`` (vendor A's
user, and an auditor, against both worlds). Every identifying string of a world is listed in
:attr:`VendorWorld.secrets`, so a test can assert that none of them reaches another vendor.

The end of the module holds what the fuzzing and its regression tests share: the API schema as
schemathesis loads it from ``/api/schema/``, the checks every response must pass, and the switch
that lets the in-process WSGI application use the test's database transaction.
"""

from __future__ import annotations

import datetime
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, models

from assurance.demo import demo_pdf
from assurance.models import EvidenceBundle, EvidenceFile
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiReport,
    KpiReportingPeriod,
)
from procurement.models import Bid, Rfp
from scope3.models import FactorDataset, HardwareSpec, ImportBatch, InventoryRun, VocabularyTerm
from targets.models import SupplierEngagementTarget, Target
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

# Staff-only models: they belong to no vendor, so a vendor user gets 403 or 404 on their routes.
STAFF_ONLY_MODELS = frozenset(
    {
        ImportBatch,
        InventoryRun,
        EvidenceBundle,
        FactorDataset,
        HardwareSpec,
        VocabularyTerm,
        Target,
        SupplierEngagementTarget,
    }
)

MINIMAL_PDF = demo_pdf("Evidence report")


@dataclass
class VendorWorld:
    vendor: Vendor
    objects: dict[type[models.Model], models.Model]
    # Strings that identify this world's data and appear nowhere else.
    secrets: list[str] = field(default_factory=list)
    # A vendor admin of this vendor, who created the vendor-side rows.
    admin_user: object = None

    def __getitem__(self, model: type[models.Model]) -> models.Model:
        return self.objects[model]

    def __contains__(self, model: type[models.Model]) -> bool:
        return model in self.objects


def build_vendor_world(vendor: Vendor, *, officer, tag: str) -> VendorWorld:
    """One object of every tenant-owned model belonging to ``vendor`` (and staff rows around it).

    ``tag`` (a short word such as ``"Acme"``) goes into every identifying string, so two worlds in
    one database never share one. ``settings.EVIDENCE_ROOT`` must point at a temporary folder.
    """
    from assurance.services import evidence_file_upload
    from vendors.services import vendor_contact_invite

    low, up = tag.lower(), tag.upper()
    secrets = [
        vendor.name,
        f"{low}-secret-contact@{low}.example",
        f"{up}-CERT-77731",
        f"{low}-evidence-report.pdf",
        f"{low}-ledger.csv",
        f"{tag} Secret Holdings",
        f"{up}-H200-SECRET",
        f"Sealed {tag} GPU cluster tender",
        f"{up}-CONTRACT-SECRET",
        f"{tag} secret finding",
    ]
    contact = VendorContactFactory(vendor=vendor, email=f"{low}-secret-contact@{low}.example")
    pending = VendorContactFactory(vendor=vendor, email=f"{low}-pending@{low}.example")
    certification = CertificationFactory(vendor=vendor, number=f"{up}-CERT-77731")
    evidence = evidence_file_upload(
        actor=officer,
        uploaded_file=SimpleUploadedFile(f"{low}-evidence-report.pdf", MINIMAL_PDF),
        vendor=vendor,
        target=certification,
    )
    invitation, _token = vendor_contact_invite(actor=officer, contact=pending)
    admin_user = UserFactory(username=f"{low}-admin")
    membership = VendorMembership.objects.create(user=admin_user, vendor=vendor, role="admin")
    batch = ImportBatch.objects.create(
        file_sha256=uuid.uuid4().hex * 2,
        original_name=f"{low}-ledger.csv",
        created_by=officer,
        status="imported",
    )
    run = InventoryRun.objects.create(reporting_year=2025, started_by=officer)
    # Organisation-wide, staff-only: a vendor user must not reach them by id.
    target = Target.objects.create(
        name=f"{tag} secret Scope 3 target",
        base_run=run,
        base_year=2025,
        base_tco2e=Decimal("1200"),
        target_year=2030,
        reduction_pct=Decimal("42"),
        created_by=officer,
    )
    engagement_target = SupplierEngagementTarget.objects.create(
        name=f"{tag} secret engagement target",
        target_pct=Decimal("67"),
        base_year=2025,
        target_year=2028,
        created_by=officer,
    )
    factor_dataset = FactorDataset.objects.create(
        kind="useeio",
        name="EPA",
        version=f"1.3.0-{low}",
        sha256=uuid.uuid4().hex * 2,
        imported_by=officer,
        row_count=0,
    )
    hardware_spec = HardwareSpec.objects.create(
        name=f"{tag} accelerator",
        kind="accelerator",
        dies=[{"area_mm2": 100, "node": "7nm", "count": 1}],
        boundary="die only",
        source="datasheet",
        source_url="https://example.org/spec",
    )
    vocabulary_term = VocabularyTerm.objects.create(
        kind="freight_mode", word=f"{low} freight", target_code="air"
    )
    request = DisclosureRequest.objects.create(
        vendor=vendor,
        reporting_year=2025,
        due_date=datetime.date(2026, 6, 30),
        created_by=officer,
    )
    disclosure = EmissionsDisclosure.objects.create(
        vendor=vendor,
        request=request,
        reporting_entity=f"{tag} Secret Holdings",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        scope1_tco2e=Decimal("1200"),
        created_by=admin_user,
    )
    footprint = ProductFootprint.objects.create(
        vendor=vendor,
        pact_id=uuid.uuid4(),
        spec_version="3.0.0",
        product_ids=[f"urn:{low}:{up}-H200-SECRET"],
        product_name=f"{up}-H200-SECRET",
        declared_unit="piece",
        declared_unit_amount=Decimal("1"),
        pcf_excluding_biogenic_kgco2e=Decimal("150"),
        reference_period_start=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        reference_period_end=datetime.datetime(2025, 12, 31, tzinfo=datetime.UTC),
        raw_document={"productNameCompany": f"{up}-H200-SECRET"},
        created_by=admin_user,
    )
    rfp = Rfp.objects.create(
        title=f"Sealed {tag} GPU cluster tender",
        category="accelerators",
        deadline=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        status=Rfp.Status.PUBLISHED,
        created_by=officer,
    )
    rfp.invited_vendors.add(vendor)
    bid = Bid.objects.create(
        rfp=rfp, vendor=vendor, price=Decimal("987654.32"), created_by=admin_user
    )
    contract = Contract.objects.create(
        vendor=vendor,
        reference=f"{up}-CONTRACT-SECRET",
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
        submitted_by=admin_user,
        submitted_at=datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC),
    )
    audit = Iso14001Audit.objects.create(
        vendor=vendor,
        contract=contract,
        audit_type="on_site",
        audit_date=datetime.date(2025, 6, 1),
        auditor=f"{tag} auditor",
        created_by=officer,
    )
    finding = AuditFinding.objects.create(
        audit=audit, severity="major", clause_ref="6.1.2", description=f"{tag} secret finding"
    )
    bundle = EvidenceBundle.objects.create(
        scope="vendor_period", vendor=vendor, year=2025, requested_by=officer
    )
    objects = {
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
        Target: target,
        SupplierEngagementTarget: engagement_target,
        FactorDataset: factor_dataset,
        HardwareSpec: hardware_spec,
        VocabularyTerm: vocabulary_term,
        Vendor: vendor,
        VendorContact: contact,
        Certification: certification,
        EvidenceFile: evidence,
        VendorInvitation: invitation,
        VendorMembership: membership,
    }
    return VendorWorld(vendor=vendor, objects=objects, secrets=secrets, admin_user=admin_user)


# --- The API as schemathesis sees it -------------------------------------------------------------

# Bounded and seeded, so a CI run is reproducible; raise them by hand for a longer hunt.
FUZZ_EXAMPLES = int(os.environ.get("TENDERLEAF_FUZZ_EXAMPLES", "5"))
FUZZ_SEED = int(os.environ.get("TENDERLEAF_FUZZ_SEED", "20260901"))


def _fuzz_checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    # No 5xx; status code, content type and body as documented.
    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


FUZZ_CHECKS = _fuzz_checks()


@cache
def api_schema():
    """The OpenAPI schema served at ``/api/schema/``, loaded by schemathesis through WSGI."""
    import schemathesis

    from config.wsgi import application

    config = schemathesis.Config.from_dict(
        {
            "seed": FUZZ_SEED,
            "generation": {"max-examples": FUZZ_EXAMPLES, "database": "none"},
            # No stateful links are declared in our schema; the coverage phase's exhaustive edge
            # cases would take far longer than CI allows for every write operation.
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    )
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config)


@contextmanager
def wsgi_app_uses_the_test_transaction():
    """Let the in-process WSGI application use the test's connection, as Django's client does.

    A real request closes the database connection at its start and end; here that would close the
    connection holding the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
