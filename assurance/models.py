import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from assurance.history import TrackedHistory


class EvidenceFile(models.Model):
    """An uploaded file kept privately under a random name.

    The original file name is metadata only: it is never used to build a path. The sha256 and size
    are taken while the upload is streamed to disk, so later integrity checks have a reference.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    original_name = models.CharField(max_length=255)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField("sniffed type", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # The vendor this evidence belongs to: the tenant boundary for downloads.
    vendor = models.ForeignKey(
        "vendors.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence_files",
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")

    history = TrackedHistory()

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.original_name} ({self.sha256[:12]})"


class AuditEvent(models.Model):
    """A business event: who did what to which object, when, from which request, and details."""

    class Verb(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        INVITED = "invited", "invited"
        INVITATION_ACCEPTED = "invitation_accepted", "invitation accepted"
        UPLOADED = "uploaded", "uploaded"
        DOWNLOADED = "downloaded", "downloaded"
        SUBMITTED = "submitted", "submitted"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"
        SCORED = "scored", "scored"
        AWARDED = "awarded", "awarded"
        RENEWED = "renewed", "renewed"
        WAIVED = "waived", "waived"
        ESTIMATED = "estimated", "estimated"
        BUNDLE_GENERATED = "bundle_generated", "bundle generated"
        BUNDLE_REQUESTED = "bundle_requested", "bundle requested"
        BUNDLE_FAILED = "bundle_failed", "bundle failed"
        INTEGRITY_FAILED = "integrity_failed", "integrity check failed"
        # Sourcing events.
        PUBLISHED = "published", "published"
        WITHDRAWN = "withdrawn", "withdrawn"
        AUTOSCORED = "autoscored", "scored automatically"
        CONFLICT_DECLARED = "conflict_declared", "conflict declared"
        MODERATED = "moderated", "moderated"
        # Contracts and their KPIs.
        STATUS_CHANGED = "status_changed", "status changed"
        OFF_TRACK = "off_track", "off track"
        IN_BREACH = "in_breach", "in breach"
        RENEWAL_GATE_PASSED = "renewal_gate_passed", "renewal gate passed"
        RENEWAL_REFUSED = "renewal_refused", "renewal refused"
        RENEWAL_AUDIT_REQUESTED = "renewal_audit_requested", "audit requested for renewal"
        # Reconciliation flags and the asset inventory.
        RECONCILED = "reconciled", "reconciled"
        ACKNOWLEDGED = "acknowledged", "acknowledged"
        RESOLVED = "resolved", "resolved"
        DISMISSED = "dismissed", "dismissed"
        REOPENED = "reopened", "reopened"

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=40, choices=Verb.choices, db_index=True)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(max_length=255, blank=True)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.target_repr}"


class ChainLink(models.Model):
    """One link of the tamper-evident audit trail (see ``assurance.chain``).

    ``chain_hash`` of link *n* is ``sha256(chain_hash(n-1) || row_digest)`` where ``row_digest``
    is the sha256 of the canonical JSON of the source row when it was linked. Links are only ever
    appended, by :func:`assurance.chain.audit_chain_extend` under an exclusive lock.
    """

    seq = models.BigIntegerField(unique=True)
    source = models.CharField(max_length=100, help_text="app_label.ModelName of the source row.")
    source_pk = models.BigIntegerField()
    row_digest = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_pk"], name="chainlink_source_once"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.source}:{self.source_pk} {self.chain_hash[:12]}"


class ChainSchema(models.Model):
    """The fields a source table's rows are hashed with, from link ``from_seq`` on.

    A migration that adds a column to a history table must not change the digest of rows linked
    before it, so each link's row is hashed with the fields of the schema in force at its ``seq``
    (the latest ``from_seq <= seq`` of its source). Recorded by
    :func:`assurance.chain.audit_chain_extend` when a source's fields differ from its latest
    schema, and by migration ``0008`` for the links made before schemas were recorded.
    """

    source = models.CharField(max_length=100, help_text="app_label.ModelName of the source rows.")
    fields = models.JSONField(help_text="Sorted attribute names of the hashed fields.")
    from_seq = models.BigIntegerField(
        help_text="The first link hashed with these fields (0: every link before the next schema)."
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "from_seq"]
        constraints = [
            models.UniqueConstraint(fields=["source", "from_seq"], name="chainschema_source_seq"),
        ]

    def __str__(self):
        return f"{self.source} from #{self.from_seq}: {len(self.fields)} fields"


class EvidenceBundle(models.Model):
    """A generated evidence bundle: a PDF, a ZIP (PDF, attached files, manifest.json) and the
    manifest, stored privately with their sha256 and sizes."""

    class Scope(models.TextChoices):
        VENDOR_PERIOD = "vendor_period", "Vendor and reporting year"
        CONTRACT = "contract", "Contract"
        RUN = "run", "Scope 3 inventory run"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Generating"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    scope = models.CharField(max_length=20, choices=Scope.choices)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField("reporting year", null=True, blank=True)
    year_to = models.PositiveSmallIntegerField(
        "last reporting year",
        null=True,
        blank=True,
        help_text="For a period of several years; empty for one year.",
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        "scope3.InventoryRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    progress_note = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    chain_head = models.CharField("audit-trail chain head", max_length=64, blank=True)
    chain_seq = models.BigIntegerField("chain length at generation", null=True, blank=True)
    pdf_name = models.CharField(max_length=80, blank=True, editable=False)
    pdf_sha256 = models.CharField("PDF sha256", max_length=64, blank=True)
    pdf_size = models.PositiveBigIntegerField("PDF size (bytes)", null=True, blank=True)
    zip_name = models.CharField(max_length=80, blank=True, editable=False)
    zip_sha256 = models.CharField("ZIP sha256", max_length=64, blank=True)
    zip_size = models.PositiveBigIntegerField("ZIP size (bytes)", null=True, blank=True)
    manifest_name = models.CharField(max_length=80, blank=True, editable=False)
    manifest_sha256 = models.CharField("manifest sha256", max_length=64, blank=True)
    manifest_size = models.PositiveBigIntegerField("manifest size (bytes)", null=True, blank=True)

    # Progress ticks are not evidence; the status changes are.
    history = TrackedHistory(excluded_fields=["progress", "progress_note"])

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="vendor_period", vendor__isnull=False, year__isnull=False)
                    | models.Q(scope="contract", contract__isnull=False)
                    | models.Q(scope="run", run__isnull=False)
                ),
                name="evidencebundle_scope_has_target",
                violation_error_message="A bundle needs a vendor and year, a contract or a run.",
            ),
        ]

    def __str__(self):
        return f"Evidence bundle #{self.pk}: {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.scope == self.Scope.VENDOR_PERIOD:
            if self.year_to and self.year_to != self.year:
                return f"{self.vendor} FY{self.year}-FY{self.year_to}"
            return f"{self.vendor} FY{self.year}"
        if self.scope == self.Scope.CONTRACT:
            return f"contract {self.contract}"
        return f"{self.run}"

    @property
    def file_stem(self) -> str:
        return f"evidence-bundle-{self.pk}"
