"""Demo vendor master for ``seed_demo``: vendors, contacts, certificates with PDF evidence, two
portal users, disclosure requests and disclosures for 2023 to 2025 played through the services,
and the PACT product footprints of the samples in docs/samples/.

Idempotent: every row is looked up by its natural key (vendor name, contact email, certificate
kind and number, username, vendor and reporting year, footprint id) and saved only when a value
differs, so a second run writes nothing, not even history. Certificate dates are set relative to
the day of the first run and left alone afterwards, which keeps "expiring soon" meaningful on the
day the demo is seeded. Disclosures cover fixed reporting years (those of the sample spend
ledger, docs/samples/README.md); each workflow step is dated when it would have happened
(``now`` passed to the services), while history records keep the moment they were written.

The vendors are fictitious; their web sites use the reserved ``.example`` domain and their LEIs
are made up (``DEMO`` in the entity part) with check digits that pass ISO 17442.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.demo import demo_user_ensure
from assurance.demo import REASON, demo_pdf, sample_path
from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from vendors.models import (
    Certification,
    DisclosureRequest,
    EmissionsDisclosure,
    ProductFootprint,
    Vendor,
    VendorContact,
    VendorMembership,
)
from vendors.services import (
    certification_create,
    certification_update,
    certification_upload,
    certification_verify,
    disclosure_accept,
    disclosure_evidence_attach,
    disclosure_reject,
    disclosure_request_create,
    disclosure_save_draft,
    disclosure_submit,
    vendor_contact_create,
    vendor_contact_update,
    vendor_create,
    vendor_update,
)
from vendors.services.footprints import product_footprint_import

Kind = Certification.Kind
Cat = Vendor.Category


@dataclass(frozen=True)
class CertSpec:
    kind: str
    number: str
    certification_body: str
    accreditation_body: str = ""
    scope: str = ""
    # Days from the first seeding day; None means the certificate has no expiry date.
    expires_in_days: int | None = 3 * 365
    status: str = Certification.Status.VALID


@dataclass(frozen=True)
class ContactSpec:
    name: str
    email: str
    role: str
    language: str = "en"


@dataclass(frozen=True)
class VendorSpec:
    name: str
    legal_name: str
    country: str
    naics_code: str
    category: str
    status: str = Vendor.Status.ACTIVE
    lei: str = ""
    tax_id: str = ""
    contacts: tuple[ContactSpec, ...] = ()
    certifications: tuple[CertSpec, ...] = field(default=())

    @property
    def website(self) -> str:
        return "https://www." + self.contacts[0].email.partition("@")[2]


EMS_SCOPE = "Environmental management system for design, manufacture and distribution."
ENMS_SCOPE = "Energy management system for data centre operations."

VENDORS: tuple[VendorSpec, ...] = (
    VendorSpec(
        name="Northwind Accelerators",
        legal_name="Northwind Accelerators, Inc.",
        country="US",
        naics_code="334413",  # Semiconductor and Related Device Manufacturing
        category=Cat.ACCELERATORS,
        lei="984500DEMONW0ACC0177",
        tax_id="DEMO-US-10001",
        contacts=(
            ContactSpec(
                "Avery Lindqvist", "avery.lindqvist@northwind-accelerators.example", "ESG lead"
            ),
            ContactSpec(
                "Jordan Okafor", "jordan.okafor@northwind-accelerators.example", "Account manager"
            ),
        ),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1001", "BSI", "ANAB", EMS_SCOPE, 45),
            CertSpec(Kind.SBTI, "DEMO-SBTI-NWA", "Science Based Targets initiative", "", "", 700),
        ),
    ),
    VendorSpec(
        name="Fjordlight Silicon",
        legal_name="Fjordlight Silicon AS",
        country="NO",
        naics_code="334413",  # Semiconductor and Related Device Manufacturing
        category=Cat.ACCELERATORS,
        status=Vendor.Status.PROSPECT,
        contacts=(
            ContactSpec("Ingrid Solberg", "ingrid.solberg@fjordlight.example", "ESG manager"),
        ),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1002", "DNV", "Norsk akkreditering", EMS_SCOPE, 500),
        ),
    ),
    VendorSpec(
        name="Kestrel Compute Systems",
        legal_name="Kestrel Compute Systems Co., Ltd.",
        country="TW",
        naics_code="334111",  # Electronic Computer Manufacturing
        category=Cat.SERVERS,
        lei="984500DEMOKS0CMP0275",
        tax_id="DEMO-TW-20002",
        contacts=(
            ContactSpec(
                "Mei-Ling Huang", "meiling.huang@kestrel-compute.example", "Sustainability manager"
            ),
            ContactSpec("Daniel Tsai", "daniel.tsai@kestrel-compute.example", "Sales director"),
        ),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1003", "SGS", "TAF", EMS_SCOPE, 400),
            CertSpec(Kind.ISO_50001, "DEMO-ENMS-1003", "SGS", "TAF", "Server assembly plant", 75),
            CertSpec(
                Kind.EPEAT,
                "DEMO-EPEAT-KCS-R760",
                "Global Electronics Council",
                scope="KCS R760 rack server",
                expires_in_days=None,
            ),
        ),
    ),
    VendorSpec(
        name="Alder Server Works",
        legal_name="Alder Server Works GmbH",
        country="DE",
        naics_code="334111",  # Electronic Computer Manufacturing
        category=Cat.SERVERS,
        tax_id="DEMO-DE-30003",
        contacts=(
            ContactSpec("Lena Hoffmann", "lena.hoffmann@alder-servers.example", "QHSE", "de"),
        ),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1004", "TÜV SÜD", "DAkkS", EMS_SCOPE, 300),
            CertSpec(Kind.ISO_45001, "DEMO-OHS-1004", "TÜV SÜD", "DAkkS", "", 600),
            CertSpec(
                Kind.ENERGY_STAR,
                "DEMO-ES-ASW-2U",
                "ENERGY STAR (US EPA recognised body)",
                scope="ASW 2U enterprise server",
                expires_in_days=None,
            ),
        ),
    ),
    VendorSpec(
        name="Bluestone Storage Systems",
        legal_name="Bluestone Storage Systems Ltd",
        country="IE",
        naics_code="334112",  # Computer Storage Device Manufacturing
        category=Cat.STORAGE,
        contacts=(ContactSpec("Ciara Byrne", "ciara.byrne@bluestone-storage.example", "ESG lead"),),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1005", "NSAI", "INAB", EMS_SCOPE, 250),
            CertSpec(
                Kind.TCO, "DEMO-TCO-BSS-40", "TCO Development", "", "BSS-40 storage array", 365
            ),
        ),
    ),
    VendorSpec(
        name="Meridian Fabric Networks",
        legal_name="Meridian Fabric Networks LLC",
        country="US",
        naics_code="334210",  # Telephone Apparatus Manufacturing (includes data network switches)
        category=Cat.NETWORKING,
        contacts=(
            ContactSpec("Samuel Ortiz", "samuel.ortiz@meridian-fabric.example", "EHS manager"),
        ),
        certifications=(
            CertSpec(
                Kind.ISO_14001,
                "DEMO-EMS-1006",
                "Bureau Veritas",
                "ANAB",
                EMS_SCOPE,
                200,
                Certification.Status.SUSPENDED,
            ),
        ),
    ),
    VendorSpec(
        name="Cirrus Harbor Cloud",
        legal_name="Cirrus Harbor Cloud Services, Inc.",
        country="US",
        naics_code="518210",  # Data Processing, Hosting, and Related Services
        category=Cat.CLOUD,
        contacts=(
            ContactSpec("Nora Patel", "nora.patel@cirrus-harbor.example", "Head of sustainability"),
            ContactSpec("Ethan Brooks", "ethan.brooks@cirrus-harbor.example", "Account executive"),
        ),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1007", "BSI", "UKAS", EMS_SCOPE, 800),
            CertSpec(Kind.ISO_50001, "DEMO-ENMS-1007", "BSI", "UKAS", ENMS_SCOPE, 800),
            CertSpec(Kind.SBTI, "DEMO-SBTI-CHC", "Science Based Targets initiative", "", "", 900),
        ),
    ),
    VendorSpec(
        name="Nordlys Cloud",
        legal_name="Nordlys Cloud AB",
        country="SE",
        naics_code="518210",  # Data Processing, Hosting, and Related Services
        category=Cat.CLOUD,
        status=Vendor.Status.PROSPECT,
        contacts=(ContactSpec("Erik Lundgren", "erik.lundgren@nordlys-cloud.example", "CTO"),),
        certifications=(
            CertSpec(Kind.ISO_50001, "DEMO-ENMS-1008", "DNV", "SWEDAC", ENMS_SCOPE, 30),
        ),
    ),
    VendorSpec(
        name="Polar Vault Colocation",
        legal_name="Polar Vault ehf.",
        country="IS",
        # Colocation is classified with hosting: Data Processing, Hosting, and Related Services
        naics_code="518210",
        category=Cat.COLOCATION,
        lei="984500DEMOPV0COL0361",
        contacts=(
            ContactSpec("Sigrún Jónsdóttir", "sigrun.jonsdottir@polar-vault.example", "Site lead"),
        ),
        certifications=(
            CertSpec(Kind.ISO_50001, "DEMO-ENMS-1009", "BSI", "UKAS", ENMS_SCOPE, 20),
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1009", "BSI", "UKAS", EMS_SCOPE, 420),
        ),
    ),
    VendorSpec(
        name="Tidewater Data Centres",
        legal_name="Tidewater Data Centres B.V.",
        country="NL",
        naics_code="518210",  # Data Processing, Hosting, and Related Services
        category=Cat.COLOCATION,
        contacts=(
            ContactSpec("Pieter de Vries", "pieter.devries@tidewater-dc.example", "Energy manager"),
        ),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1010", "Kiwa", "RvA", EMS_SCOPE, 700),
            CertSpec(
                Kind.ISO_50001,
                "DEMO-ENMS-1010",
                "Kiwa",
                "RvA",
                ENMS_SCOPE,
                500,
                Certification.Status.WITHDRAWN,
            ),
        ),
    ),
    VendorSpec(
        name="Sprocket Edge Devices",
        legal_name="Sprocket Edge Devices K.K.",
        country="JP",
        naics_code="334111",  # Electronic Computer Manufacturing
        category=Cat.EDGE_DEVICES,
        contacts=(ContactSpec("Haruto Sato", "haruto.sato@sprocket-edge.example", "Quality lead"),),
        certifications=(CertSpec(Kind.ISO_14001, "DEMO-EMS-1011", "JQA", "JAB", EMS_SCOPE, 365),),
    ),
    VendorSpec(
        name="Lumengate Edge AI",
        legal_name="Lumengate Edge AI Co., Ltd.",
        country="KR",
        naics_code="334418",  # Printed Circuit Assembly (Electronic Assembly) Manufacturing
        category=Cat.EDGE_DEVICES,
        status=Vendor.Status.PROSPECT,
        contacts=(ContactSpec("Ji-woo Park", "jiwoo.park@lumengate.example", "Product manager"),),
        certifications=(
            CertSpec(
                Kind.ISO_14001,
                "DEMO-EMS-1012",
                "Korean Standards Association",
                "KAB",
                EMS_SCOPE,
                150,
            ),
        ),
    ),
    VendorSpec(
        name="Cobalt Route Freight",
        legal_name="Cobalt Route Freight Pte. Ltd.",
        country="SG",
        naics_code="488510",  # Freight Transportation Arrangement
        category=Cat.LOGISTICS,
        contacts=(ContactSpec("Tan Wei Jie", "weijie.tan@cobalt-route.example", "Operations"),),
        certifications=(
            CertSpec(
                Kind.ISO_14001, "DEMO-EMS-1013", "TÜV SÜD PSB", "SAC", "Freight forwarding", 60
            ),
        ),
    ),
    VendorSpec(
        name="Swiftpost Express Couriers",
        legal_name="Swiftpost Express GmbH",
        country="DE",
        naics_code="492110",  # Couriers and Express Delivery Services
        category=Cat.LOGISTICS,
        contacts=(
            ContactSpec("Mara Keller", "mara.keller@swiftpost.example", "Key accounts", "de"),
        ),
        certifications=(
            # The demo's one expired certificate.
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1014", "DEKRA", "DAkkS", "Express delivery", -30),
        ),
    ),
    VendorSpec(
        name="Greenloop IT Asset Recovery",
        legal_name="Greenloop IT Asset Recovery Ltd",
        country="GB",
        naics_code="562920",  # Materials Recovery Facilities
        category=Cat.SERVICES,
        contacts=(ContactSpec("Oliver Hughes", "oliver.hughes@greenloop.example", "Compliance"),),
        certifications=(
            CertSpec(Kind.ISO_14001, "DEMO-EMS-1015", "LRQA", "UKAS", "IT asset disposition", 900),
        ),
    ),
)


@dataclass(frozen=True)
class PortalSpec:
    username: str
    vendor: str
    contact_email: str
    role: str


PORTAL_USERS: tuple[PortalSpec, ...] = (
    PortalSpec(
        "vendor",
        "Northwind Accelerators",
        "avery.lindqvist@northwind-accelerators.example",
        VendorMembership.Role.ADMIN,
    ),
    PortalSpec(
        "vendor2",
        "Kestrel Compute Systems",
        "meiling.huang@kestrel-compute.example",
        VendorMembership.Role.CONTRIBUTOR,
    ),
)


@dataclass(frozen=True)
class DisclosureScenario:
    """One request's story, played through the services in order.

    Steps: draft, evidence, submit, reject, revise, accept, restate (a new draft for the same
    period), overdue, closed. The request is due ``due`` or, for requests whose state depends on
    today (open, overdue), ``due_in_days`` after the day of the first run.
    """

    vendor: str
    year: int
    due_in_days: int
    steps: tuple[str, ...]
    scope1_tco2e: str = "0"
    scope2_location_tco2e: str = "0"
    scope2_market_tco2e: str = "0"
    revenue_m: str = "0"
    revenue_currency: str = "USD"
    # What the figures cover (vendors/boundary.py): no upstream figure means Scope 1 and 2 only.
    scope3_upstream_tco2e: str = ""
    scope3_upstream_categories: tuple[int, ...] = ()
    allocated_to_us_tco2e: str = ""
    allocation_boundary: str = ""
    allocation_method: str = EmissionsDisclosure.AllocationMethod.ECONOMIC
    verification: str = EmissionsDisclosure.Verification.LIMITED
    due: datetime.date | None = None


DISCLOSURE_SCENARIOS: tuple[DisclosureScenario, ...] = (
    # --- 2023: the first year asked; everything answered and accepted ---------------------------
    # Cradle-to-gate (upstream categories 1-4) without an allocation: the hybrid method uses its
    # intensity.
    DisclosureScenario(
        "Northwind Accelerators",
        2023,
        0,
        ("draft", "evidence", "submit", "accept"),
        "1920.800",
        "5260.000",
        "2610.000",
        "58",
        scope3_upstream_tco2e="36200.000",
        scope3_upstream_categories=(1, 2, 3, 4),
        due=datetime.date(2024, 6, 28),
    ),
    DisclosureScenario(
        "Kestrel Compute Systems",
        2023,
        0,
        ("draft", "submit", "accept"),
        "655.000",
        "3980.000",
        "3720.000",
        "198",
        due=datetime.date(2024, 6, 28),
    ),
    DisclosureScenario(
        "Cirrus Harbor Cloud",
        2023,
        0,
        ("draft", "submit", "accept"),
        "2310.000",
        "84500.000",
        "23800.000",
        "1310",
        due=datetime.date(2024, 6, 28),
    ),
    # --- 2024 -----------------------------------------------------------------------------------
    # Accepted after a rejection and a revision, then restated: the first version is superseded.
    DisclosureScenario(
        "Northwind Accelerators",
        2024,
        -300,
        (
            "draft",
            "submit",
            "reject",
            "revise",
            "evidence",
            "submit",
            "accept",
            "restate",
            "submit",
            "accept",
        ),
        "1850.400",
        "5120.000",
        "2380.000",
        "62",
        # Cradle-to-gate: upstream categories 1-4 (and business travel), and an allocation to
        # us on the same boundary.
        scope3_upstream_tco2e="38400.000",
        scope3_upstream_categories=(1, 2, 3, 4, 6),
        allocated_to_us_tco2e="286.000",
        allocation_boundary="cradle_to_gate",
    ),
    # Upstream Scope 3 without categories 2 to 4: accepted, but not cradle-to-gate, so the
    # inventory falls back to the next method and says what the disclosure lacked.
    DisclosureScenario(
        "Kestrel Compute Systems",
        2024,
        0,
        ("draft", "submit", "accept"),
        "648.000",
        "3940.000",
        "3690.000",
        "205",
        scope3_upstream_tco2e="5050.000",
        scope3_upstream_categories=(1, 6, 7),
        due=datetime.date(2025, 6, 30),
    ),
    # Cradle-to-gate, every upstream category, revenue in euros: hybrid by intensity.
    DisclosureScenario(
        "Alder Server Works",
        2024,
        0,
        ("draft", "evidence", "submit", "accept"),
        "418.200",
        "1760.000",
        "402.000",
        "46",
        revenue_currency="EUR",
        scope3_upstream_tco2e="3480.000",
        scope3_upstream_categories=(1, 2, 3, 4, 5, 6, 7, 8),
        verification=EmissionsDisclosure.Verification.REASONABLE,
        due=datetime.date(2025, 6, 30),
    ),
    # Accepted at the first attempt: Scope 1 and 2 only.
    DisclosureScenario(
        "Cirrus Harbor Cloud",
        2024,
        -330,
        ("draft", "submit", "accept"),
        "2200.000",
        "88000.000",
        "21000.000",
        "1450",
    ),
    # An allocation to us that covers Scope 1 and 2 only: not a cradle-to-gate figure.
    DisclosureScenario(
        "Tidewater Data Centres",
        2024,
        0,
        ("draft", "submit", "accept"),
        "96.000",
        "7400.000",
        "1150.000",
        "88",
        revenue_currency="EUR",
        allocated_to_us_tco2e="41.000",
        allocation_boundary="scope12",
        allocation_method=EmissionsDisclosure.AllocationMethod.PHYSICAL,
        due=datetime.date(2025, 6, 30),
    ),
    # Not verified by a third party.
    DisclosureScenario(
        "Meridian Fabric Networks",
        2024,
        0,
        ("draft", "submit", "accept"),
        "310.000",
        "2050.000",
        "1720.000",
        "240",
        verification=EmissionsDisclosure.Verification.NONE,
        due=datetime.date(2025, 6, 30),
    ),
    # Closed without an answer (the vendor was a prospect that year).
    DisclosureScenario("Polar Vault Colocation", 2024, -300, ("closed",)),
    # --- 2025: this year's requests -------------------------------------------------------------
    # Answered with a draft so far.
    DisclosureScenario(
        "Northwind Accelerators",
        2025,
        30,
        ("draft",),
        "1790.250",
        "4980.000",
        "2100.000",
        "65",
        scope3_upstream_tco2e="36900.000",
        scope3_upstream_categories=(1, 2, 3, 4),
    ),
    # Rejected: the vendor (a contributor) sees the comment and can revise. Its upstream Scope 3
    # leaves out categories 2 to 4, so it is not cradle-to-gate.
    DisclosureScenario(
        "Kestrel Compute Systems",
        2025,
        21,
        ("draft", "submit", "reject"),
        "640.000",
        "3900.000",
        "3650.000",
        "210",
        scope3_upstream_tco2e="5200.000",
        scope3_upstream_categories=(1, 6, 7),
    ),
    # Submitted, waiting for the officer's review: Scope 1 and 2 only, allocated to us.
    DisclosureScenario(
        "Alder Server Works",
        2025,
        14,
        ("draft", "evidence", "submit"),
        "410.500",
        "1720.000",
        "380.000",
        "48",
        allocated_to_us_tco2e="54.000",
        allocation_boundary="scope12",
    ),
    # Cradle-to-gate and accepted: the 2025 inventory uses it from the start.
    DisclosureScenario(
        "Tidewater Data Centres",
        2025,
        -20,
        ("draft", "submit", "accept"),
        "91.000",
        "7050.000",
        "980.000",
        "94",
        revenue_currency="EUR",
        scope3_upstream_tco2e="4600.000",
        scope3_upstream_categories=(1, 2, 3, 4, 5, 6, 7),
    ),
    # Submitted; the Scope 3 demo accepts it between two runs of 2025, which makes the second
    # run a restatement (scope3/demo.py).
    DisclosureScenario(
        "Polar Vault Colocation",
        2025,
        20,
        ("draft", "evidence", "submit"),
        "12.400",
        "210.000",
        "35.000",
        "38",
        revenue_currency="EUR",
        scope3_upstream_tco2e="2150.000",
        scope3_upstream_categories=(1, 2, 3, 4),
    ),
    # Nothing received and past due.
    DisclosureScenario("Cirrus Harbor Cloud", 2025, -10, ("overdue",)),
    # Open, untouched.
    DisclosureScenario("Bluestone Storage Systems", 2025, 45, ()),
)

# The PACT samples (docs/samples/) and the vendor whose document each is.
FOOTPRINT_SAMPLES = (
    ("Northwind Accelerators", "pact-v3-footprint.json"),
    ("Meridian Fabric Networks", "pact-v2-footprints.json"),
)


def _disclosure_values(scenario: DisclosureScenario) -> dict:
    allocated = scenario.allocated_to_us_tco2e
    verified = scenario.verification != EmissionsDisclosure.Verification.NONE
    return {
        "reporting_entity": scenario.vendor,
        "period_start": datetime.date(scenario.year, 1, 1),
        "period_end": datetime.date(scenario.year, 12, 31),
        "scope1_tco2e": Decimal(scenario.scope1_tco2e),
        "scope2_location_tco2e": Decimal(scenario.scope2_location_tco2e),
        "scope2_market_tco2e": Decimal(scenario.scope2_market_tco2e),
        "scope3_upstream_tco2e": (
            Decimal(scenario.scope3_upstream_tco2e) if scenario.scope3_upstream_tco2e else None
        ),
        "scope3_upstream_categories": list(scenario.scope3_upstream_categories),
        "revenue": Decimal(scenario.revenue_m) * 1_000_000,
        "revenue_currency": scenario.revenue_currency,
        "allocated_to_us_tco2e": Decimal(allocated) if allocated else None,
        "allocation_boundary": scenario.allocation_boundary,
        "allocation_method": scenario.allocation_method if allocated else "",
        "allocation_uncertainty_pct": Decimal("20") if allocated else None,
        "verification": scenario.verification,
        "verification_standard": EmissionsDisclosure.Standard.ISO_14064_3 if verified else "",
        "verifier": "Demo Verification Services" if verified else "",
        "methodology_notes": "GHG Protocol Corporate Standard; Scope 2 per the Scope 2 Guidance.",
    }


def _differs(instance, values: dict) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


def evidence_file_upload_demo(actor, vendor: Vendor, cert: Certification):
    from assurance.services import evidence_file_upload

    label = f"{cert.get_kind_display()} certificate {cert.number}"
    return evidence_file_upload(
        actor=actor,
        uploaded_file=SimpleUploadedFile(
            f"{cert.number or cert.kind}.pdf".lower(), demo_pdf(f"{vendor.name}: {label}")
        ),
        vendor=vendor,
        target=cert,
    )


# --- the builder ---------------------------------------------------------------------------------


class _Builder:
    def __init__(self, *, system, tally, today: datetime.date, now: datetime.datetime):
        self.system = system
        self.tally = tally
        self.today = today
        self.now = now
        self.officer = None

    # --- vendor master ----------------------------------------------------------------------

    def vendor(self, spec: VendorSpec, *, owner) -> Vendor:
        values = {
            "legal_name": spec.legal_name,
            "country": spec.country,
            "naics_code": spec.naics_code,
            "category": spec.category,
            "status": spec.status,
            "relationship_owner": owner,
            "lei": spec.lei,
            "tax_id": spec.tax_id,
            "website": spec.website,
        }
        vendor = Vendor.objects.filter(name__iexact=spec.name).first()
        if vendor is None:
            vendor = vendor_create(actor=self.system, reason=REASON, name=spec.name, **values)
            self.tally.add("vendors", created=True)
        elif _differs(vendor, values):
            vendor = vendor_update(actor=self.system, vendor=vendor, reason=REASON, **values)
            self.tally.add("vendors", updated=True)
        for contact_spec in spec.contacts:
            self.contact(vendor, contact_spec)
        for cert_spec in spec.certifications:
            self.certification(vendor, cert_spec)
        return vendor

    def contact(self, vendor: Vendor, spec: ContactSpec) -> None:
        values = {"name": spec.name, "role": spec.role, "language": spec.language}
        contact = VendorContact.objects.filter(vendor=vendor, email__iexact=spec.email).first()
        if contact is None:
            vendor_contact_create(
                actor=self.system, vendor=vendor, reason=REASON, email=spec.email, **values
            )
            self.tally.add("contacts", created=True)
        elif _differs(contact, values):
            vendor_contact_update(actor=self.system, contact=contact, reason=REASON, **values)
            self.tally.add("contacts", updated=True)

    def certification(self, vendor: Vendor, spec: CertSpec) -> None:
        values = {
            "certification_body": spec.certification_body,
            "accreditation_body": spec.accreditation_body,
            "scope": spec.scope,
            "status": spec.status,
        }
        cert = Certification.objects.filter(
            vendor=vendor, kind=spec.kind, number=spec.number
        ).first()
        if cert is None:
            if spec.expires_in_days is None:
                expiry = None
                issue = self.today - datetime.timedelta(days=400)
            else:
                expiry = self.today + datetime.timedelta(days=spec.expires_in_days)
                # ISO management-system certificates run for three years.
                issue = expiry - datetime.timedelta(days=3 * 365)
            certification_create(
                actor=self.system,
                vendor=vendor,
                reason=REASON,
                kind=spec.kind,
                number=spec.number,
                issue_date=issue,
                expiry_date=expiry,
                **values,
            )
            self.tally.add("certifications", created=True)
        elif _differs(cert, values):
            certification_update(actor=self.system, certification=cert, reason=REASON, **values)
            self.tally.add("certifications", updated=True)

    # --- portal users -----------------------------------------------------------------------

    def portal_user(self, spec: PortalSpec, vendor: Vendor, password: str):
        contact = VendorContact.objects.get(vendor=vendor, email__iexact=spec.contact_email)
        first, _, last = contact.name.partition(" ")
        user = demo_user_ensure(
            spec.username,
            password,
            tally=self.tally,
            first_name=first,
            last_name=last,
            email=contact.email,
            is_staff=False,
            is_superuser=False,
            is_active=True,
        )
        membership = VendorMembership.objects.filter(user=user).first()
        if membership is None:
            membership = VendorMembership.objects.create(user=user, vendor=vendor, role=spec.role)
            audit_event_record(
                actor=self.system,
                verb=AuditEvent.Verb.CREATED,
                target=membership,
                details={"role": spec.role},
            )
            self.tally.add("portal memberships", created=True)
        elif _differs(membership, {"vendor": vendor, "role": spec.role}):
            membership.vendor = vendor
            membership.role = spec.role
            membership.save()
            audit_event_record(
                actor=self.system,
                verb=AuditEvent.Verb.UPDATED,
                target=membership,
                details={"role": spec.role},
            )
            self.tally.add("portal memberships", updated=True)
        if contact.user_id != user.pk:
            contact.user = user
            contact.save(update_fields=["user"])
            self.tally.add("contacts", updated=True)
        return user

    # --- certificates' evidence -------------------------------------------------------------

    def certificate_evidence(self, vendor: Vendor) -> None:
        """Every demo certificate gets a PDF once; ISO 14001 ones are verified by the officer."""
        for cert in vendor.certifications.filter(evidence__isnull=True).order_by("pk"):
            evidence = evidence_file_upload_demo(self.system, vendor, cert)
            certification_update(
                actor=self.system, certification=cert, reason=REASON, evidence=evidence
            )
            self.tally.add("certificate PDFs", created=True)
            if cert.kind == Kind.ISO_14001 and cert.status == Certification.Status.VALID:
                certification_verify(
                    actor=self.officer,
                    certification=cert,
                    note="Checked against the certification body's public register.",
                    reason=REASON,
                )

    def vendor_uploaded_certificate(self, vendor: Vendor, user) -> None:
        """A certificate the vendor uploaded through the portal, awaiting verification."""
        number = "DEMO-ENMS-NWA-01"
        if Certification.objects.filter(vendor=vendor, number=number).exists():
            return
        issued = self.today - datetime.timedelta(days=120)
        certification_upload(
            actor=user,
            vendor=vendor,
            uploaded_file=SimpleUploadedFile(
                "iso50001-northwind.pdf", demo_pdf(f"ISO 50001 certificate {number}")
            ),
            reason=REASON,
            kind=Kind.ISO_50001,
            number=number,
            certification_body="BSI",
            accreditation_body="ANAB",
            scope="Energy management of the Austin fab and test floor.",
            sites="Austin, TX\nHillsboro, OR",
            issue_date=issued,
            expiry_date=issued + datetime.timedelta(days=1095),
        )
        self.tally.add("certifications", created=True)

    # --- disclosures ------------------------------------------------------------------------

    def _due(self, scenario: DisclosureScenario) -> datetime.date:
        if scenario.due is not None:
            return scenario.due
        return self.today + datetime.timedelta(days=scenario.due_in_days)

    def _timeline(self, scenario: DisclosureScenario, due: datetime.date) -> list:
        """When the request was sent and each step happened: a week apart, ending before now."""
        moments = len(scenario.steps) + 1
        sent = datetime.datetime.combine(
            due - datetime.timedelta(days=90), datetime.time(9, 0), tzinfo=datetime.UTC
        )
        sent = min(sent, self.now - datetime.timedelta(days=7 * moments + 1))
        return [sent + datetime.timedelta(days=7 * i, hours=i) for i in range(moments)]

    def disclosure_scenario(self, scenario: DisclosureScenario, vendor: Vendor, user) -> None:
        """Play one request's story through the services, once: it is keyed by vendor and year
        and skipped entirely when the request exists."""
        year = scenario.year
        if DisclosureRequest.objects.filter(vendor=vendor, reporting_year=year).exists():
            return
        vendor_user = user or self.system
        due = self._due(scenario)
        sent, *moments = self._timeline(scenario, due)
        request = disclosure_request_create(
            actor=self.officer,
            vendor=vendor,
            reporting_year=year,
            due_date=due,
            message=f"Please disclose your FY{year} Scope 1 and 2 emissions.",
            reason=REASON,
            now=sent,
            ask_scope3_upstream=scenario.steps != ("closed",),
        )
        self.tally.add("disclosure requests", created=True)
        values = _disclosure_values(scenario)
        disclosure = None
        for step, at in zip(scenario.steps, moments, strict=True):
            if step == "draft":
                disclosure = disclosure_save_draft(
                    actor=vendor_user, vendor=vendor, request=request, reason=REASON, **values
                )
                self.tally.add("disclosures", created=True)
            elif step == "evidence":
                disclosure_evidence_attach(
                    actor=vendor_user,
                    disclosure=disclosure,
                    uploaded_file=SimpleUploadedFile(
                        f"ghg-verification-{year}.pdf",
                        demo_pdf(f"{vendor.name}: GHG verification statement FY{year}"),
                    ),
                )
            elif step == "submit":
                disclosure_submit(
                    actor=vendor_user,
                    disclosure=disclosure,
                    confirm_warnings=True,
                    reason=REASON,
                    now=at,
                )
            elif step == "reject":
                disclosure_reject(
                    actor=self.officer,
                    disclosure=disclosure,
                    comment="Scope 2 market-based is missing the second site; please add it and "
                    "attach the verification statement.",
                    reason=REASON,
                    now=at,
                )
            elif step == "revise":
                values = values | {
                    "scope2_market_tco2e": (
                        values["scope2_market_tco2e"] * Decimal("1.25")
                    ).quantize(Decimal("0.001")),
                    "methodology_notes": values["methodology_notes"] + " Both sites included.",
                }
                disclosure_save_draft(
                    actor=vendor_user, vendor=vendor, disclosure=disclosure, reason=REASON, **values
                )
            elif step == "accept":
                disclosure_accept(
                    actor=self.officer,
                    disclosure=disclosure,
                    comment="Thank you.",
                    reason=REASON,
                    now=at,
                )
            elif step == "restate":
                # A corrected disclosure for the same period: accepting it supersedes the first.
                values = values | {"scope1_tco2e": values["scope1_tco2e"] + Decimal("42.000")}
                disclosure = disclosure_save_draft(
                    actor=vendor_user, vendor=vendor, request=request, reason=REASON, **values
                )
                self.tally.add("disclosures", created=True)
            elif step == "overdue":
                # The reminder task marks requests overdue (docs/domain.md, "Reminders"); the demo
                # shows the result.
                with acting_as(self.system, REASON):
                    request.status = DisclosureRequest.Status.OVERDUE
                    request.save(update_fields=["status"])
            elif step == "closed":
                with acting_as(self.system, REASON):
                    request.status = DisclosureRequest.Status.CLOSED
                    request.save(update_fields=["status"])
            else:  # pragma: no cover - a typo in DISCLOSURE_SCENARIOS
                raise ValueError(f"Unknown disclosure step {step!r}")

    # --- product footprints -----------------------------------------------------------------

    def footprints(self, vendor: Vendor, sample: str, user) -> None:
        """The PACT sample's footprints, uploaded once by the vendor (keyed by footprint id)."""
        document = sample_path(sample).read_bytes()
        data = json.loads(document)
        items = data["data"] if isinstance(data, dict) and "data" in data else [data]
        ids = [item["id"] for item in items]
        if ProductFootprint.objects.filter(vendor=vendor, pact_id__in=ids).exists():
            return
        stored = product_footprint_import(
            actor=user or self.system,
            vendor=vendor,
            document=document,
            source_name=sample,
            reason=REASON,
        )
        self.tally.add("product footprints", created=True, count=len(stored))


def vendors_seed(*, system, officer, password: str, tally, today=None, now=None) -> dict:
    """The demo vendor master, portal users, certificates, disclosures and footprints.

    Returns ``{"vendors": {name: Vendor}, "portal_users": {vendor name: User}}``. ``officer``
    reviews disclosures and verifies certificates; ``system`` creates the vendor master.
    """
    now = now or timezone.now()
    builder = _Builder(system=system, tally=tally, today=today or timezone.localdate(), now=now)
    builder.officer = officer
    vendors = {spec.name: builder.vendor(spec, owner=officer) for spec in VENDORS}
    portal_users = {
        spec.vendor: builder.portal_user(spec, vendors[spec.vendor], password)
        for spec in PORTAL_USERS
    }
    for vendor in vendors.values():
        builder.certificate_evidence(vendor)
    builder.vendor_uploaded_certificate(
        vendors["Northwind Accelerators"], portal_users["Northwind Accelerators"]
    )
    for scenario in DISCLOSURE_SCENARIOS:
        builder.disclosure_scenario(
            scenario, vendors[scenario.vendor], portal_users.get(scenario.vendor)
        )
    for name, sample in FOOTPRINT_SAMPLES:
        builder.footprints(vendors[name], sample, portal_users.get(name))
    return {"vendors": vendors, "portal_users": portal_users}
