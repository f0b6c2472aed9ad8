"""``manage.py seed_demo``: a demo vendor master, staff personas and two portal users.

Idempotent: every row is looked up by its natural key (vendor name, contact email, certificate
kind and number, username) and saved only when a value differs, so a second run writes nothing,
not even history. Certificate dates are set relative to the day of the first run and left alone
afterwards, which keeps "expiring soon" meaningful on the day the demo is seeded.

The vendors are fictitious; their web sites use the reserved ``.example`` domain and their LEIs
are made up (``DEMO`` in the entity part) with check digits that pass ISO 17442.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.services import totp_device_demo_ensure
from assurance.history import acting_as, acting_as_system
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from contracts import demo as contracts_demo
from procurement import demo as procurement_demo
from scope3.services.factors import factor_starter_pack_import
from vendors.models import (
    Certification,
    DisclosureRequest,
    EmissionsDisclosure,
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

REASON = "seed_demo"
# Long enough for the validators (10+ characters), not a common password, not all digits.
DEFAULT_PASSWORD = "leafy-demo-2026"  # noqa: S105 - a published demo password, by design
# Staff also confirm a one-time code at sign-in; the demo's staff share this published
# authenticator key (base32), printed with the logins. Never use it outside the demo.
DEMO_TOTP_SECRET = "TENDERLEAFDEMOTOTPSECRETKEYSEVEN"  # noqa: S105 - published, by design

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
class StaffSpec:
    username: str
    group: str
    first_name: str
    last_name: str
    what: str


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("officer", "procurement", "Priya", "Raman", "procurement officer"),
    StaffSpec("evaluator", "evaluators", "Tomás", "Ibarra", "bid evaluator"),
    StaffSpec("analyst", "sustainability", "Mei", "Chen", "sustainability analyst"),
    StaffSpec("auditor", "auditors", "Jonas", "Weber", "auditor (read-only)"),
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
    period), overdue, closed.
    """

    vendor: str
    years_ago: int
    due_in_days: int
    steps: tuple[str, ...]
    scope1_tco2e: str = "0"
    scope2_location_tco2e: str = "0"
    scope2_market_tco2e: str = "0"
    revenue_musd: str = "0"
    # What the figures cover (vendors/boundary.py): no upstream figure means Scope 1 and 2 only.
    scope3_upstream_tco2e: str = ""
    scope3_upstream_categories: tuple[int, ...] = ()
    allocated_to_us_tco2e: str = ""
    allocation_boundary: str = ""


DISCLOSURE_SCENARIOS: tuple[DisclosureScenario, ...] = (
    # Accepted after a rejection and a revision, then restated: the first version is superseded.
    DisclosureScenario(
        "Northwind Accelerators",
        2,
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
    # This year's request, answered with a draft so far.
    DisclosureScenario(
        "Northwind Accelerators",
        1,
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
        1,
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
        1,
        14,
        ("draft", "evidence", "submit"),
        "410.500",
        "1720.000",
        "380.000",
        "48",
        allocated_to_us_tco2e="54.000",
        allocation_boundary="scope12",
    ),
    # Accepted at the first attempt: Scope 1 and 2 only.
    DisclosureScenario(
        "Cirrus Harbor Cloud",
        2,
        -330,
        ("draft", "submit", "accept"),
        "2200.000",
        "88000.000",
        "21000.000",
        "1450",
    ),
    # Nothing received and past due.
    DisclosureScenario("Cirrus Harbor Cloud", 1, -10, ("overdue",)),
    # Open, untouched.
    DisclosureScenario("Bluestone Storage Systems", 1, 45, ()),
    # Closed without an answer (the vendor was a prospect that year).
    DisclosureScenario("Polar Vault Colocation", 2, -300, ("closed",)),
)


def _disclosure_values(scenario: DisclosureScenario, year: int) -> dict:
    allocated = scenario.allocated_to_us_tco2e
    return {
        "reporting_entity": scenario.vendor,
        "period_start": datetime.date(year, 1, 1),
        "period_end": datetime.date(year, 12, 31),
        "scope1_tco2e": Decimal(scenario.scope1_tco2e),
        "scope2_location_tco2e": Decimal(scenario.scope2_location_tco2e),
        "scope2_market_tco2e": Decimal(scenario.scope2_market_tco2e),
        "scope3_upstream_tco2e": (
            Decimal(scenario.scope3_upstream_tco2e) if scenario.scope3_upstream_tco2e else None
        ),
        "scope3_upstream_categories": list(scenario.scope3_upstream_categories),
        "revenue": Decimal(scenario.revenue_musd) * 1_000_000,
        "revenue_currency": "USD",
        "allocated_to_us_tco2e": Decimal(allocated) if allocated else None,
        "allocation_boundary": scenario.allocation_boundary,
        "allocation_method": EmissionsDisclosure.AllocationMethod.ECONOMIC if allocated else "",
        "allocation_uncertainty_pct": Decimal("20") if allocated else None,
        "verification": EmissionsDisclosure.Verification.LIMITED,
        "verification_standard": EmissionsDisclosure.Standard.ISO_14064_3,
        "verifier": "Demo Verification Services",
        "methodology_notes": "GHG Protocol Corporate Standard; Scope 2 per the Scope 2 Guidance.",
    }


def demo_pdf(text: str) -> bytes:
    """A one-page PDF saying ``text``: small, valid (the xref offsets are computed), generated so
    the demo ships no binary files."""
    safe = text.encode("latin-1", "replace").replace(b"\\", b"\\\\")
    safe = safe.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 720 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


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


def _differs(instance, values: dict) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


class Tally:
    def __init__(self):
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}

    def add(self, what: str, *, created: bool = False, updated: bool = False) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1
        elif updated:
            self.updated[what] = self.updated.get(what, 0) + 1

    def summary(self) -> str:
        if not self.created and not self.updated:
            return "Demo data is up to date: nothing to change."
        parts = [f"{n} {what} created" for what, n in self.created.items()]
        parts += [f"{n} {what} updated" for what, n in self.updated.items()]
        return "Demo data: " + ", ".join(parts) + "."


class Command(BaseCommand):
    help = "Create or refresh the demo vendor master, staff personas and portal users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=None,
            help=f"Password for every demo login (default: {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args, password=None, **options):
        password = password or DEFAULT_PASSWORD
        self.tally = Tally()
        self.today = timezone.localdate()
        with transaction.atomic(), acting_as_system(REASON) as system:
            self.system = system
            staff = {spec.username: self._staff_user(spec, password) for spec in STAFF}
            for user in staff.values():
                totp_device_demo_ensure(user=user, secret_base32=DEMO_TOTP_SECRET)
            vendors = {spec.name: self._vendor(spec, owner=staff["officer"]) for spec in VENDORS}
            portal_users = {
                spec.vendor: self._portal_user(spec, vendors[spec.vendor], password)
                for spec in PORTAL_USERS
            }
            self.officer = staff["officer"]
            for vendor in vendors.values():
                self._certificate_evidence(vendor)
            self._vendor_uploaded_certificate(
                vendors["Northwind Accelerators"], portal_users["Northwind Accelerators"]
            )
            for scenario in DISCLOSURE_SCENARIOS:
                vendor = vendors[scenario.vendor]
                self._disclosure_scenario(scenario, vendor, portal_users.get(scenario.vendor))
            # The other apps' demo data builds on these vendors and users; each is idempotent.
            contracts_demo.seed_contracts(actor=system, today=self.today)
            for _title in procurement_demo.seed_procurement(actor=system):
                self.tally.add("RFPs", created=True)
            # The Scope 3 starter pack (spend, hardware, freight, waste, FX, price index).
            for result in factor_starter_pack_import(actor=system):
                self.tally.add("factor datasets", created=result.created)
        self.stdout.write(self.style.SUCCESS(self.tally.summary()))
        self._print_logins(password)

    # --- users ----------------------------------------------------------------------------

    def _check_password(self, user, password: str) -> None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(
                f"--password is not accepted for {user.username}: {' '.join(exc.messages)}"
            ) from exc

    def _user(self, username: str, password: str, **values):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, **values)
            self._check_password(user, password)
            user.set_password(password)
            user.save()
            self.tally.add("users", created=True)
            return user
        changed = _differs(user, values)
        for name, value in values.items():
            setattr(user, name, value)
        if not user.check_password(password):
            self._check_password(user, password)
            user.set_password(password)
            changed = True
        if changed:
            user.save()
            self.tally.add("users", updated=True)
        return user

    def _staff_user(self, spec: StaffSpec, password: str):
        try:
            group = Group.objects.get(name=spec.group)
        except Group.DoesNotExist as exc:
            raise CommandError(
                f"The group {spec.group!r} does not exist; run `manage.py migrate` first."
            ) from exc
        user = self._user(
            spec.username,
            password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@tenderleaf.example",
            is_staff=True,
            is_superuser=False,
            is_active=True,
        )
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
        return user

    def _portal_user(self, spec: PortalSpec, vendor: Vendor, password: str):
        contact = VendorContact.objects.get(vendor=vendor, email__iexact=spec.contact_email)
        first, _, last = contact.name.partition(" ")
        user = self._user(
            spec.username,
            password,
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

    # --- vendor master ----------------------------------------------------------------------

    def _vendor(self, spec: VendorSpec, *, owner) -> Vendor:
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
            self._contact(vendor, contact_spec)
        for cert_spec in spec.certifications:
            self._certification(vendor, cert_spec)
        return vendor

    def _contact(self, vendor: Vendor, spec: ContactSpec) -> None:
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

    def _certification(self, vendor: Vendor, spec: CertSpec) -> None:
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

    # --- certificates' evidence and disclosures ---------------------------------------------

    def _certificate_evidence(self, vendor: Vendor) -> None:
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

    def _vendor_uploaded_certificate(self, vendor: Vendor, user) -> None:
        """A certificate the vendor uploaded through the portal, awaiting verification."""
        number = "DEMO-ENMS-NWA-01"
        if Certification.objects.filter(vendor=vendor, number=number).exists():
            return
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
            issue_date=self.today - datetime.timedelta(days=120),
            expiry_date=self.today - datetime.timedelta(days=120) + datetime.timedelta(days=1095),
        )
        self.tally.add("certifications", created=True)

    def _disclosure_scenario(self, scenario: DisclosureScenario, vendor: Vendor, user) -> None:
        """Play one request's story through the services, once: it is keyed by vendor and year
        and skipped entirely when the request exists."""
        year = self.today.year - scenario.years_ago
        if DisclosureRequest.objects.filter(vendor=vendor, reporting_year=year).exists():
            return
        vendor_user = user or self.system
        request = disclosure_request_create(
            actor=self.officer,
            vendor=vendor,
            reporting_year=year,
            due_date=self.today + datetime.timedelta(days=scenario.due_in_days),
            message=f"Please disclose your FY{year} Scope 1 and 2 emissions.",
            reason=REASON,
            ask_scope3_upstream=scenario.steps != ("closed",),
        )
        self.tally.add("disclosure requests", created=True)
        values = _disclosure_values(scenario, year)
        disclosure = None
        for step in scenario.steps:
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
                    actor=vendor_user, disclosure=disclosure, confirm_warnings=True, reason=REASON
                )
            elif step == "reject":
                disclosure_reject(
                    actor=self.officer,
                    disclosure=disclosure,
                    comment="Scope 2 market-based is missing the second site; please add it and "
                    "attach the verification statement.",
                    reason=REASON,
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
                    actor=self.officer, disclosure=disclosure, comment="Thank you.", reason=REASON
                )
            elif step == "restate":
                # A corrected disclosure for the same period: accepting it supersedes the first.
                values = values | {"scope1_tco2e": values["scope1_tco2e"] + Decimal("42.000")}
                disclosure = disclosure_save_draft(
                    actor=vendor_user, vendor=vendor, request=request, reason=REASON, **values
                )
                self.tally.add("disclosures", created=True)
            elif step == "overdue":
                # The reminder task marks requests overdue (PRODUCT.md section 6); the demo
                # shows the result.
                with acting_as(self.system, REASON):
                    request.status = DisclosureRequest.Status.OVERDUE
                    request.save(update_fields=["status"])
            elif step == "closed":
                with acting_as(self.system, REASON):
                    request.status = DisclosureRequest.Status.CLOSED
                    request.save(update_fields=["status"])
            else:  # pragma: no cover - a typo in DISCLOSURE_SCENARIOS
                raise CommandError(f"Unknown disclosure step {step!r}")

    # --- output -----------------------------------------------------------------------------

    def _print_logins(self, password: str) -> None:
        base_url = settings.SITE_URL
        rows = [(spec.username, spec.what, "/admin/") for spec in STAFF]
        rows += [
            (spec.username, f"{spec.role} of {spec.vendor}", "/portal/") for spec in PORTAL_USERS
        ]
        width = max(len(row[0]) for row in rows)
        what_width = max(len(row[1]) for row in rows)
        self.stdout.write("")
        self.stdout.write(f"Password for every login: {password}")
        secret = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))
        self.stdout.write(f"Authenticator key of the staff logins (time-based, 6 digits): {secret}")
        self.stdout.write("")
        self.stdout.write(f"{'login':<{width}}  {'who':<{what_width}}  where")
        for username, what, where in rows:
            self.stdout.write(f"{username:<{width}}  {what:<{what_width}}  {base_url}{where}")
        self.stdout.write("")
        self.stdout.write(f"Admin:  {base_url}/admin/")
        self.stdout.write(f"Portal: {base_url}/portal/")
