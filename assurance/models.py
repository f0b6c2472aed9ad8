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
