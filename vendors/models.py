from datetime import date

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField

from assurance.history import TrackedHistory
from vendors.validators import validate_lei, validate_naics6


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
