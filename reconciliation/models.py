"""Reconciliation: flags raised where our independent records disagree with what vendors or the
ledger say, and the IT asset inventory the ledger's hardware quantities are checked against
(issue 7; PRODUCT.md section 6).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from assurance.history import TrackedHistory


class ReconciliationFlag(models.Model):
    class Kind(models.TextChoices):
        DISCLOSURE_INTENSITY = (
            "disclosure_intensity",
            "Disclosure intensity outside the spend-based estimate's bounds",
        )
        SPEND_WITHOUT_CONTRACT = "spend_without_contract", "Spend without a contract"
        VENDOR_NOT_IN_MASTER = "vendor_not_in_master", "Ledger vendor missing from the vendor master"
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

    history = TrackedHistory()

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
