"""RFPs with weighted sustainability criteria, sealed bids, panel scores, moderation and award.

Scoring rules and the matrix are computed in ``scoring.py`` from plain values; the models hold
fields and constraints only.
"""

from django.conf import settings
from django.db import models

from assurance.history import TrackedHistory
from vendors.models import Vendor


class Rule(models.TextChoices):
    MANUAL_SCALE = "manual_scale", "Manual scale 0..N"
    NUMERIC_LOWER = "numeric_lower", "Numeric, lower is better"
    NUMERIC_HIGHER = "numeric_higher", "Numeric, higher is better"
    YES_NO = "yes_no", "Yes / no"
    DERIVED = "derived", "Derived from vendor records at the deadline"


class Normalisation(models.TextChoices):
    LINEAR = "linear", "Linear between worst and best bid"
    THRESHOLDS = "thresholds", "Against thresholds"


class DerivedSource(models.TextChoices):
    ISO14001_VALID = "iso14001_valid", "ISO 14001 certificate valid at the deadline"
    DISCLOSURE_ACCEPTED = "disclosure_accepted", "Scope 1+2 disclosure accepted"
    DISCLOSURE_VERIFIED = "disclosure_verified", "Scope 1+2 disclosure accepted and verified"
    FOOTPRINT_AVAILABLE = "footprint_available", "Product footprint (PACT) available"


class CriterionFields(models.Model):
    """What a criterion is and how it is scored; shared by the library and an RFP's criteria."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_sustainability = models.BooleanField(default=False)
    rule = models.CharField(max_length=20, choices=Rule.choices)
    scale_max = models.PositiveSmallIntegerField(
        default=5, help_text="Highest score of the manual scale (scores run 0..N)."
    )
    normalisation = models.CharField(
        max_length=20, choices=Normalisation.choices, default=Normalisation.LINEAR
    )
    # [[value, score 0..1], ...] for threshold scoring of numeric answers.
    thresholds = models.JSONField(default=list, blank=True)
    derived_source = models.CharField(max_length=30, choices=DerivedSource.choices, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    asks_evidence = models.BooleanField(default=False)
    # The KPI this answer becomes on award (a contracts.KpiClauseTemplate code), if any.
    kpi_template_code = models.SlugField(max_length=60, blank=True)

    class Meta:
        abstract = True


class CriterionTemplate(CriterionFields):
    code = models.SlugField(max_length=60, unique=True)
    default_weight = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    history = TrackedHistory()

    class Meta:
        ordering = ["-is_sustainability", "name"]

    def __str__(self):
        return self.name


class Rfp(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"
        EVALUATED = "evaluated", "Evaluated"
        AWARDED = "awarded", "Awarded"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Vendor.Category.choices)
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=3, default="USD")
    deadline = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    invited_vendors = models.ManyToManyField(
        "vendors.Vendor", related_name="invited_rfps", blank=True
    )
    panel = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="panel_rfps",
        blank=True,
        limit_choices_to={"is_staff": True},
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    min_sustainability_share = models.DecimalField(
        "minimum sustainability weight (%)", max_digits=5, decimal_places=2, default=10
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    auto_scored_at = models.DateTimeField(null=True, blank=True)

    history = TrackedHistory(m2m_fields=[invited_vendors, panel])

    class Meta:
        ordering = ["-deadline"]
        verbose_name = "RFP"

    def __str__(self):
        return self.title


class RfpCriterion(CriterionFields):
    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="criteria")
    template = models.ForeignKey(
        CriterionTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    history = TrackedHistory()

    class Meta:
        ordering = ["rfp", "order", "id"]
        verbose_name = "RFP criterion"
        verbose_name_plural = "RFP criteria"
        constraints = [
            models.UniqueConstraint(fields=["rfp", "name"], name="rfpcriterion_unique_name"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0) & models.Q(weight__lte=100),
                name="rfpcriterion_weight_0_100",
                violation_error_message="A weight is between 0 and 100.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}%)"


class Bid(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    rfp = models.ForeignKey(Rfp, on_delete=models.PROTECT, related_name="bids")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="bids")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    price = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["rfp", "vendor__name"]
        constraints = [
            models.UniqueConstraint(fields=["rfp", "vendor"], name="bid_one_per_vendor_and_rfp"),
        ]

    def __str__(self):
        return f"Bid of {self.vendor} on {self.rfp}"


class BidAnswer(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(RfpCriterion, on_delete=models.PROTECT, related_name="answers")
    value_number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    value_bool = models.BooleanField(null=True, blank=True)
    value_text = models.TextField(blank=True)
    evidence = models.ForeignKey(
        "assurance.EvidenceFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = TrackedHistory()

    class Meta:
        ordering = ["bid", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion"], name="bidanswer_one_per_criterion"
            ),
        ]

    def __str__(self):
        return f"{self.bid} / {self.criterion.name}"


class Score(models.Model):
    """One evaluator's score of one bid on one criterion; automatic scores have no evaluator."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RfpCriterion, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    score = models.DecimalField(max_digits=8, decimal_places=4)
    rationale = models.TextField(blank=True)
    is_automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["bid", "criterion", "evaluator"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion", "evaluator"],
                condition=models.Q(evaluator__isnull=False),
                name="score_one_per_evaluator",
            ),
            models.UniqueConstraint(
                fields=["bid", "criterion"],
                condition=models.Q(evaluator__isnull=True),
                name="score_one_automatic",
            ),
        ]

    def __str__(self):
        return f"{self.score} on {self.criterion.name} for {self.bid}"


class ConflictDeclaration(models.Model):
    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="conflicts")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    declared_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rfp", "evaluator", "vendor"], name="conflict_once_per_vendor"
            ),
        ]

    def __str__(self):
        return f"{self.evaluator} conflicted with {self.vendor} on {self.rfp}"


class ModeratedScore(models.Model):
    class Method(models.TextChoices):
        MEAN = "mean", "Mean of evaluators"
        OVERRIDE = "override", "Moderator override"
        AUTOMATIC = "automatic", "Automatic"

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="moderated_scores")
    criterion = models.ForeignKey(
        RfpCriterion, on_delete=models.CASCADE, related_name="moderated_scores"
    )
    score = models.DecimalField(max_digits=8, decimal_places=4)
    method = models.CharField(max_length=20, choices=Method.choices)
    rationale = models.TextField(blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion"], name="moderatedscore_one_per_criterion"
            ),
        ]

    def __str__(self):
        return f"{self.score} ({self.method}) on {self.criterion.name} for {self.bid}"


class Award(models.Model):
    rfp = models.OneToOneField(Rfp, on_delete=models.PROTECT, related_name="award")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    contract = models.OneToOneField(
        "contracts.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="award"
    )

    history = TrackedHistory()

    def __str__(self):
        return f"Award of {self.rfp} to {self.bid.vendor}"
