from datetime import date

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField

from assurance.history import TrackedHistory
from vendors import boundary
from vendors.validators import (
    validate_lei,
    validate_naics6,
    validate_upstream_categories,
)


class Vendor(models.Model):
    class Category(models.TextChoices):
        ACCELERATORS = "accelerators", "Accelerators (GPUs, AI chips)"
        SERVERS = "servers", "Servers"
        STORAGE = "storage", "Storage"
        NETWORKING = "networking", "Networking"
        CLOUD = "cloud", "Cloud"
        COLOCATION = "colocation", "Colocation"
        EDGE_DEVICES = "edge_devices", "Edge devices"
        LOGISTICS = "logistics", "Logistics"
        SERVICES = "services", "Services"

    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        OFFBOARDED = "offboarded", "Offboarded"

    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=300, blank=True)
    country = CountryField(help_text="ISO 3166-1 alpha-2 country of the vendor's headquarters.")
    naics_code = models.CharField(
        "primary NAICS code",
        max_length=6,
        validators=[validate_naics6],
        help_text="Six-digit NAICS code of the vendor's main activity (e.g. 334413).",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROSPECT)
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_vendors",
        limit_choices_to={"is_staff": True},
    )
    lei = models.CharField(
        "LEI",
        max_length=20,
        blank=True,
        validators=[validate_lei],
        help_text="ISO 17442 Legal Entity Identifier, if the vendor has one.",
    )
    tax_id = models.CharField("tax id", max_length=40, blank=True)
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="vendor_name_unique_ci",
                violation_error_message="A vendor with this name already exists.",
            ),
        ]

    def __str__(self):
        return self.name


class VendorContact(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=120, blank=True, help_text="e.g. Sustainability lead")
    receives_reminders = models.BooleanField(default=True)
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text="Language of the emails this contact receives.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vendor_contact",
        help_text="The portal account, once the contact has accepted an invitation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["vendor__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "vendor",
                Lower("email"),
                name="vendorcontact_email_unique_per_vendor",
                violation_error_message="This vendor already has a contact with this email.",
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class VendorMembership(models.Model):
    """Links a portal user to the one vendor they act for: the tenant boundary."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        CONTRIBUTOR = "contributor", "Contributor"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_membership"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONTRIBUTOR)
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["vendor__name", "user__username"]

    def __str__(self):
        return f"{self.user} @ {self.vendor} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class VendorInvitation(models.Model):
    """A one-time link that turns a vendor contact into a portal user.

    Only the sha256 of the token is stored, so a leaked database does not leak usable links.
    """

    contact = models.ForeignKey(VendorContact, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(
        max_length=20,
        choices=VendorMembership.Role.choices,
        default=VendorMembership.Role.CONTRIBUTOR,
    )
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.contact}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class Certification(models.Model):
    class Kind(models.TextChoices):
        ISO_14001 = "iso_14001", "ISO 14001"
        ISO_50001 = "iso_50001", "ISO 50001"
        ISO_45001 = "iso_45001", "ISO 45001"
        SBTI = "sbti", "SBTi validated target"
        EPEAT = "epeat", "EPEAT"
        TCO = "tco", "TCO Certified"
        ENERGY_STAR = "energy_star", "ENERGY STAR"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        SUSPENDED = "suspended", "Suspended"
        WITHDRAWN = "withdrawn", "Withdrawn"
        # Never stored: derived from the expiry date by ``effective_status``.
        EXPIRED = "expired", "Expired"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField("certificate number", max_length=100, blank=True)
    certification_body = models.CharField(max_length=200, blank=True)
    accreditation_body = models.CharField(max_length=200, blank=True)
    scope = models.TextField(blank=True)
    sites = models.TextField(blank=True, help_text="Sites covered, one per line.")
    issue_date = models.DateField()
    expiry_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=Status.choices[:3],
        default=Status.VALID,
        help_text="Expiry is derived from the expiry date; set suspended or withdrawn here.",
    )
    evidence = models.ForeignKey(
        "assurance.EvidenceFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The officer who checked the certificate against its evidence.",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["vendor__name", "kind", "-issue_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiry_date__isnull=True)
                | models.Q(expiry_date__gte=models.F("issue_date")),
                name="certification_expiry_after_issue",
                violation_error_message="The expiry date must not be before the issue date.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} ({self.vendor})"

    def status_on(self, day: date) -> str:
        if self.status != self.Status.VALID:
            return self.status
        if self.expiry_date is not None and self.expiry_date < day:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def effective_status(self) -> str:
        return self.status_on(timezone.localdate())


# --- disclosures -------------------------------------------------------------------------------


class DisclosureRequest(models.Model):
    """What we ask a vendor to disclose for a reporting year, and by when."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        OVERDUE = "overdue", "Overdue"
        CLOSED = "closed", "Closed"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="disclosure_requests")
    reporting_year = models.PositiveSmallIntegerField()
    ask_scope1 = models.BooleanField("Scope 1", default=True)
    ask_scope2_location = models.BooleanField("Scope 2 location-based", default=True)
    ask_scope2_market = models.BooleanField("Scope 2 market-based", default=True)
    ask_scope3_upstream = models.BooleanField("upstream Scope 3", default=False)
    ask_allocation = models.BooleanField("emissions allocated to us", default=False)
    ask_product_footprints = models.BooleanField("product footprints (PACT)", default=False)
    ask_certificates = models.BooleanField("certificates", default=False)
    message = models.TextField(blank=True, help_text="Shown to the vendor with the request.")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The last time the vendor did anything on it: reminders go only to untouched requests.
    vendor_touched_at = models.DateTimeField(null=True, blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["-reporting_year", "due_date", "vendor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "reporting_year"],
                condition=~models.Q(status="closed"),
                name="disclosurerequest_one_live_per_vendor_year",
                violation_error_message="This vendor already has a request for this year.",
            ),
        ]

    def __str__(self):
        return f"FY{self.reporting_year} disclosure request to {self.vendor}"


class EmissionsDisclosure(models.Model):
    """A vendor's Scope 1, 2 (and optionally upstream 3) emissions for one reporting period.

    Workflow: draft -> submitted -> accepted | rejected; a rejected disclosure is revised and
    resubmitted. A newer accepted disclosure for the same period supersedes the older one, which
    is kept and marked superseded. All emissions are in tonnes CO2e.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    class AllocationMethod(models.TextChoices):
        ECONOMIC = "economic", "Economic (share of revenue)"
        PHYSICAL = "physical", "Physical (share of units, mass or energy)"

    class AllocationBoundary(models.TextChoices):
        """What ``allocated_to_us_tco2e`` covers (vendors/boundary.py; read by scope3)."""

        NONE = boundary.BOUNDARY_NONE, boundary.BOUNDARY_LABELS[boundary.BOUNDARY_NONE]
        SCOPE12 = boundary.BOUNDARY_SCOPE12, boundary.BOUNDARY_LABELS[boundary.BOUNDARY_SCOPE12]
        CRADLE_TO_GATE = (
            boundary.BOUNDARY_CRADLE_TO_GATE,
            boundary.BOUNDARY_LABELS[boundary.BOUNDARY_CRADLE_TO_GATE],
        )

    class Verification(models.TextChoices):
        NONE = "none", "None"
        LIMITED = "limited", "Limited assurance"
        REASONABLE = "reasonable", "Reasonable assurance"

    class Standard(models.TextChoices):
        ISO_14064_3 = "iso_14064_3", "ISO 14064-3"
        ISAE_3410 = "isae_3410", "ISAE 3410"
        ISAE_3000 = "isae_3000", "ISAE 3000"
        AA1000AS = "aa1000as", "AA1000AS"
        OTHER = "other", "Other"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="disclosures")
    request = models.ForeignKey(
        DisclosureRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    reporting_entity = models.CharField(
        max_length=200, blank=True, help_text="Legal entity or group the figures cover."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    scope1_tco2e = models.DecimalField("Scope 1 (tCO2e)", max_digits=18, decimal_places=3)
    scope2_location_tco2e = models.DecimalField(
        "Scope 2 location-based (tCO2e)", max_digits=18, decimal_places=3, null=True, blank=True
    )
    scope2_market_tco2e = models.DecimalField(
        "Scope 2 market-based (tCO2e)", max_digits=18, decimal_places=3, null=True, blank=True
    )
    scope3_upstream_tco2e = models.DecimalField(
        "upstream Scope 3 (tCO2e)", max_digits=18, decimal_places=3, null=True, blank=True
    )
    scope3_upstream_categories = models.JSONField(
        "upstream Scope 3 categories",
        default=list,
        blank=True,
        validators=[validate_upstream_categories],
        help_text="GHG Protocol upstream Scope 3 categories (1 to 8) that the upstream Scope 3 "
        "figure includes, sorted; cradle-to-gate needs at least 1 to 4.",
    )
    revenue = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    revenue_currency = models.CharField(max_length=3, blank=True)
    allocated_to_us_tco2e = models.DecimalField(
        "emissions allocated to us (tCO2e)", max_digits=18, decimal_places=3, null=True, blank=True
    )
    allocation_method = models.CharField(
        max_length=20, choices=AllocationMethod.choices, blank=True
    )
    allocation_boundary = models.CharField(
        "allocation boundary",
        max_length=20,
        choices=AllocationBoundary.choices,
        blank=True,
        help_text="What the emissions allocated to us cover; required with an allocation.",
    )
    allocation_uncertainty_pct = models.DecimalField(
        "allocation uncertainty (±%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    verification = models.CharField(
        max_length=20, choices=Verification.choices, default=Verification.NONE
    )
    verification_standard = models.CharField(max_length=20, choices=Standard.choices, blank=True)
    verifier = models.CharField(max_length=200, blank=True)
    methodology_notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Plausibility warnings found at submission, and who confirmed them: [{code, message}].
    warnings = models.JSONField(default=list, blank=True)
    warnings_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    warnings_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True, help_text="Shown to the vendor.")
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )

    history = TrackedHistory()

    class Meta:
        ordering = ["vendor__name", "-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="disclosure_period_end_after_start",
                violation_error_message="The period must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["vendor", "period_start", "period_end", "reporting_entity"],
                condition=models.Q(status="accepted"),
                name="disclosure_one_accepted_per_period",
                violation_error_message="Another accepted disclosure covers this period.",
            ),
        ]

    def __str__(self):
        return f"{self.vendor} {self.period_start:%Y-%m}..{self.period_end:%Y-%m} ({self.status})"

    @property
    def is_editable_by_vendor(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.REJECTED}

    @property
    def upstream_complete(self) -> bool:
        """Upstream Scope 3 includes categories 1 to 4, the least the hybrid method takes as
        cradle-to-gate (vendors/boundary.py)."""
        categories = self.scope3_upstream_categories
        return isinstance(categories, list) and boundary.upstream_complete(
            c for c in categories if not boundary.category_problem(c)
        )

    @property
    def boundary_label(self) -> str:
        """What the disclosure covers, as one sentence (vendors/boundary.py)."""
        categories = self.scope3_upstream_categories
        return boundary.coverage_label(
            scope2_location=self.scope2_location_tco2e is not None,
            scope2_market=self.scope2_market_tco2e is not None,
            scope3_upstream=self.scope3_upstream_tco2e is not None,
            categories=[c for c in categories if not boundary.category_problem(c)]
            if isinstance(categories, list)
            else [],
            allocation_boundary=self.allocation_boundary
            if self.allocated_to_us_tco2e is not None
            else "",
        )


class ProductFootprint(models.Model):
    """A product carbon footprint in the PACT (WBCSD Pathfinder) format, v2 or v3 field names.

    ``pcf_excluding_biogenic_kgco2e`` is per one declared unit (PACT ``pCfExcludingBiogenic`` /
    ``pcfExcludingBiogenicUptake``); the raw document is kept as received.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="product_footprints")
    pact_id = models.UUIDField("PACT id")
    pact_version = models.PositiveIntegerField(default=1)
    spec_version = models.CharField(max_length=20)
    pact_status = models.CharField(max_length=20, default="Active")
    product_ids = models.JSONField(default=list)
    product_name = models.CharField(max_length=300, blank=True)
    product_description = models.TextField(blank=True)
    product_category_cpc = models.CharField(max_length=20, blank=True)
    declared_unit = models.CharField(max_length=40)
    declared_unit_amount = models.DecimalField(max_digits=20, decimal_places=6)
    pcf_excluding_biogenic_kgco2e = models.DecimalField(
        "kgCO2e per declared unit, excluding biogenic", max_digits=20, decimal_places=6
    )
    pcf_including_biogenic_kgco2e = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    reference_period_start = models.DateTimeField()
    reference_period_end = models.DateTimeField()
    primary_data_share_pct = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    dqi = models.JSONField("data quality indicators", default=dict, blank=True)
    assured = models.BooleanField(default=False)
    assurance = models.JSONField(default=dict, blank=True)
    raw_document = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["vendor__name", "product_name", "-pact_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "pact_id", "pact_version"],
                name="productfootprint_unique_pact_version",
                violation_error_message="This footprint version was already uploaded.",
            ),
        ]

    def __str__(self):
        return f"{self.product_name or self.pact_id} v{self.pact_version} ({self.vendor})"
