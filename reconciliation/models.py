"""Reconciliation: flags raised where our independent records disagree with what vendors or the
ledger say, and the IT asset inventory the ledger's hardware quantities are checked against
(docs/domain.md, "Reconciliation").
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from assurance.history import TrackedHistory
from scope3.models import SpendLine


class ReconciliationFlag(models.Model):
    class Kind(models.TextChoices):
        DISCLOSURE_INTENSITY = (
            "disclosure_intensity",
            "Disclosure intensity outside the spend-based estimate's bounds",
        )
        SPEND_WITHOUT_CONTRACT = "spend_without_contract", "Spend without a contract"
        VENDOR_NOT_IN_MASTER = (
            "vendor_not_in_master",
            "Ledger vendor missing from the vendor master",
        )
        ASSET_QUANTITY_MISMATCH = (
            "asset_quantity_mismatch",
            "Hardware quantity disagrees with the asset inventory",
        )

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # What makes a flag the same flag on the next nightly run (e.g. "disclosure:42",
    # "vendor:17:2025", "ledger-vendor:acme corp", "hardware:gpu:2025"), so reconciliation updates
    # the flag it raised before instead of raising a second one.
    key = models.CharField(max_length=255)
    vendor = models.ForeignKey(
        "vendors.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconciliation_flags",
    )
    # The object the flag concerns (a disclosure, a vendor, a spend line), when there is one.
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    reporting_year = models.PositiveSmallIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=500)
    # The figures the flag was raised on (observed, expected, bounds, counts), for the reviewer.
    details = models.JSONField(default=dict, blank=True)
    # Why it was dismissed or how it was resolved: required for those two states.
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(
        help_text="When the last reconciliation run still found the discrepancy."
    )

    # last_seen_at moves on every nightly run; a history row for each would bury the real changes
    # (status, figures, notes) that history is kept for.
    history = TrackedHistory(excluded_fields=["last_seen_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="reconciliationflag_kind_key"),
        ]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"


# --- the IT asset inventory --------------------------------------------------------------------


class AssetImport(models.Model):
    """One asset inventory file brought in, with its counts and, if refused, its errors.

    An import is all rows or none: a file with any error keeps only this row (status rejected,
    with the errors as row, column, value, rule). The latest imported file is the inventory that
    reconciliation compares the ledger's hardware quantities with; earlier ones stay as records.
    """

    class Status(models.TextChoices):
        IMPORTED = "imported", "Imported"
        REJECTED = "rejected", "Rejected: nothing stored"

    class Source(models.TextChoices):
        COMMAND = "command", "Command"
        ADMIN = "admin", "Admin upload"

    original_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField("sha256", max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.COMMAND)
    status = models.CharField(max_length=20, choices=Status.choices)
    total_rows = models.PositiveIntegerField(default=0)
    accepted_rows = models.PositiveIntegerField(default=0)
    unmatched_vendor_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [{"row", "column", "value", "rule"}], the first few hundred; error_count has the total.
    errors = models.JSONField(default=list, blank=True)
    error_summary = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["file_sha256"],
                condition=models.Q(status="imported"),
                name="assetimport_file_imported_once",
                violation_error_message="This asset file has already been imported.",
            ),
        ]

    def __str__(self):
        return f"{self.original_name or self.file_sha256[:12]} ({self.get_status_display()})"


class Asset(models.Model):
    """One line of the IT asset inventory: a number of units of one model in service.

    ``hardware_class`` uses the codes of the hardware factor dataset (as spend lines do), stored
    trimmed and lower-case, so inventory and ledger quantities are compared class by class.
    """

    asset_import = models.ForeignKey(AssetImport, on_delete=models.PROTECT, related_name="assets")
    row_number = models.PositiveIntegerField(help_text="Row in the source file (header is row 1).")
    asset_tag = models.CharField(max_length=100)
    product_model = models.CharField("model", max_length=200, blank=True)
    hardware_class = models.CharField(max_length=60, db_index=True)
    quantity = models.PositiveIntegerField()
    location = models.CharField(max_length=200, blank=True)
    vendor = models.ForeignKey(
        "vendors.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
    )
    # Matched as the spend import matches a ledger line (id, tax id, exact, normalised name), and
    # recorded in the ledger's words.
    vendor_match = models.CharField(max_length=20, choices=SpendLine.VendorMatch.choices)
    vendor_name = models.CharField("vendor as given", max_length=300, blank=True)
    vendor_tax_id = models.CharField(max_length=40, blank=True)
    in_service_date = models.DateField()

    history = TrackedHistory()

    class Meta:
        ordering = ["asset_import", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset_import", "asset_tag"], name="asset_tag_unique_per_import"
            ),
        ]
        indexes = [models.Index(fields=["asset_import", "in_service_date"])]

    def __str__(self):
        return f"{self.asset_tag}: {self.quantity} x {self.hardware_class}"


# --- runs --------------------------------------------------------------------------------------


class ReconciliationRun(models.Model):
    """One reconciliation of a reporting year, nightly or asked for in the admin: who asked, how far
    it has got, how long it took and what it changed. The flags it raised or updated keep their
    own history; this row is the log of the runs and what their progress bar reads."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    reporting_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    steps_done = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True, help_text="What the run is doing now.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Flags created, updated, reopened, resolved and unchanged, and the checks' notes.
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["reporting_year", "status"])]

    def __str__(self):
        return f"Reconciliation of {self.reporting_year} ({self.get_status_display()})"
