"""The reminder log: one row per (object, kind, due window), the key that makes a reminder go out
once however often the sweep runs, retries or runs concurrently (docs/domain.md, "Reminders").

The log is append-only business evidence written by the sweep alone, so it carries no
``TrackedHistory``: its own columns (status, attempts, last error, sent at) are the history.
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ReminderLog(models.Model):
    class Kind(models.TextChoices):
        DISCLOSURE_DAY7 = "disclosure_day7", "Disclosure request: 7 days after sending"
        DISCLOSURE_DAY14 = "disclosure_day14", "Disclosure request: 14 days after sending"
        DISCLOSURE_DUE_SOON = "disclosure_due_soon", "Disclosure request: due soon"
        DISCLOSURE_OVERDUE = "disclosure_overdue", "Disclosure request: overdue"
        DISCLOSURE_ESCALATION = "disclosure_escalation", "Disclosure request: escalation"
        CERTIFICATE_90 = "certificate_90", "Certificate: 90 days before expiry"
        CERTIFICATE_30 = "certificate_30", "Certificate: 30 days before expiry"
        CERTIFICATE_7 = "certificate_7", "Certificate: 7 days before expiry"
        ISO14001_SURVEILLANCE = (
            "iso14001_surveillance",
            "ISO 14001: surveillance audit overdue",
        )
        KPI_DUE_SOON = "kpi_due_soon", "KPI report: due soon"
        KPI_DUE_TODAY = "kpi_due_today", "KPI report: due today"
        KPI_ESCALATION = "kpi_escalation", "KPI report: escalation"
        RFP_DEADLINE = "rfp_deadline", "RFP: bid deadline approaching"
        RENEWAL_GATE_OUTCOME = "renewal_gate_outcome", "Contract renewal: gate outcome"
        RENEWAL_AUDIT_REQUEST = (
            "renewal_audit_request",
            "Contract renewal: ISO 14001 audit requested",
        )

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # The due window as an ISO date (the day the reminder became due, or the due/expiry date):
    # a changed due date opens a new window and so earns a new reminder. Reminders about one
    # object to several vendors (an RFP's invited vendors) put the vendor in the window too
    # ("v<vendor id>/<deadline>/<days>"), so each vendor's reminder is its own row.
    window = models.CharField(max_length=40)
    recipients = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Which sweep holds the row: a bulk insert that ignores conflicts returns no ids, so a sweep
    # finds the rows it won by this token.
    claim = models.CharField(max_length=36, blank=True, db_index=True, editable=False)
    # When the current claim was taken: a pending row whose claim is older than the claim timeout
    # belongs to a sweep whose worker died, and a later sweep takes it over.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "kind", "window"],
                name="reminderlog_once_per_window",
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.window}) for #{self.target_id}: {self.status}"
