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
    # Computed from the bid's offered configuration and the RFP's life-cycle parameters
    # (procurement/lifecycle.py); lower is better, normalised like any numeric answer.
    LCC = "lcc", "Lowest life-cycle cost"
    LCC_EXTERNALITY = "lcc_externality", "Lowest life-cycle cost including the externality cost"
    KGCO2E_PER_FU = "lc_kgco2e_per_fu", "Lowest life-cycle kgCO2e per functional unit"


LIFE_CYCLE_RULES = frozenset({Rule.LCC, Rule.LCC_EXTERNALITY, Rule.KGCO2E_PER_FU})


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


class RfpLifeCycle(models.Model):
    """The evaluation parameters of an RFP's life-cycle cost (docs/method.md, "Life-cycle cost
    of bids"). Set by officers while the RFP is a draft; frozen once it is published, because
    the published method statement is what bidders price against."""

    class FunctionalUnit(models.TextChoices):
        ACCELERATOR_HOUR = "accelerator_hour", "GPU-hour (accelerator-hour)"
        SERVER_HOUR = "server_hour", "Server-hour"
        PERFORMANCE = "performance", "Per bid performance figure"

    class GridBasis(models.TextChoices):
        LOCATION = "location", "Location-based"
        MARKET = "market", "Market-based"

    class EndOfLife(models.TextChoices):
        TAKE_BACK = "take_back", "Vendor take-back and refurbishment"
        RECYCLING = "recycling", "WEEE recycling"
        RESALE = "resale", "Resale by the buyer"

    rfp = models.OneToOneField(Rfp, on_delete=models.CASCADE, related_name="life_cycle")
    horizon_years = models.SmallIntegerField("evaluation horizon (years)", default=5)
    discount_rate_percent = models.DecimalField(
        "real discount rate (%)", max_digits=5, decimal_places=2, default=3
    )
    hours_per_year = models.DecimalField(max_digits=6, decimal_places=1, default=8760)
    utilisation_percent = models.DecimalField(
        "expected utilisation (%)", max_digits=5, decimal_places=2, default=70
    )
    pue = models.DecimalField("site PUE", max_digits=4, decimal_places=2, default=1.3)
    electricity_price_per_kwh = models.DecimalField(
        "electricity price per kWh",
        max_digits=10,
        decimal_places=4,
        help_text="In the RFP's currency; used for every year unless a price path is given.",
    )
    electricity_price_path = models.JSONField(
        "electricity price per year",
        default=list,
        blank=True,
        help_text="Optional prices per kWh for year 1, 2, ...; the last one holds to the horizon.",
    )
    grid_kgco2e_per_kwh = models.DecimalField(
        "grid emission factor (kgCO2e/kWh)", max_digits=8, decimal_places=5
    )
    grid_basis = models.CharField(
        max_length=10, choices=GridBasis.choices, default=GridBasis.LOCATION
    )
    grid_source = models.CharField(
        "grid factor source",
        max_length=300,
        help_text="Dataset row or publication the factor is taken from.",
    )
    carbon_price_per_tco2e = models.DecimalField(
        "carbon shadow price per tCO2e",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Empty: no externality cost.",
    )
    carbon_price_currency = models.CharField(max_length=3, blank=True)
    carbon_price_source = models.CharField("carbon price policy source", max_length=300, blank=True)
    social_carbon_price_per_tco2e = models.DecimalField(
        "social cost of carbon per tCO2e (sensitivity)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    social_carbon_price_source = models.CharField(max_length=300, blank=True)
    functional_unit = models.CharField(
        max_length=20, choices=FunctionalUnit.choices, default=FunctionalUnit.ACCELERATOR_HOUR
    )
    performance_name = models.CharField(max_length=100, blank=True)
    performance_unit = models.CharField(max_length=40, blank=True)
    eol_treatment = models.CharField(
        "end-of-life treatment assumed",
        max_length=20,
        choices=EndOfLife.choices,
        default=EndOfLife.RECYCLING,
    )
    eol_kgco2e_per_kg = models.DecimalField(
        "end-of-life factor (kgCO2e/kg)", max_digits=8, decimal_places=4, default=0
    )
    embodied_model_kgco2e_per_accelerator = models.DecimalField(
        "buyer's embodied model (kgCO2e per accelerator)",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Used, with lower data quality, for bids that give no embodied figure.",
    )
    embodied_model_source = models.CharField(max_length=300, blank=True)
    max_power_w_per_unit = models.DecimalField(
        "plausible full-load power per unit, at most (W)",
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
    )

    history = TrackedHistory()

    class Meta:
        verbose_name = "RFP life-cycle parameters"
        verbose_name_plural = "RFP life-cycle parameters"

    def __str__(self):
        return f"Life-cycle parameters of {self.rfp}"


class BidConfiguration(models.Model):
    """The configuration a bid offers, with what the life-cycle cost needs from the bidder.
    Money is in the bid's currency; power is per unit, in W."""

    class EmbodiedSource(models.TextChoices):
        PACT = "pact", "PACT product footprint shared in Tenderleaf"
        DECLARED = "declared", "Declared figure with evidence"
        BUYER_MODEL = "buyer_model", "None: use the buyer's hardware model"

    bid = models.OneToOneField(Bid, on_delete=models.CASCADE, related_name="configuration")
    description = models.CharField("configuration", max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=2)
    quantity = models.PositiveIntegerField()
    accelerators_per_unit = models.PositiveSmallIntegerField()
    idle_w = models.DecimalField("idle power per unit (W)", max_digits=10, decimal_places=1)
    full_load_w = models.DecimalField(
        "full-load power per unit (W)", max_digits=10, decimal_places=1
    )
    power_standard = models.CharField(
        "power measurement standard",
        max_length=120,
        help_text="e.g. SPECpower_ssj2008, ENERGY STAR Servers v4, vendor lab at 25 °C inlet.",
    )
    power_evidence = models.ForeignKey(
        "assurance.EvidenceFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    maintenance_per_unit_year = models.DecimalField(
        "maintenance and support per unit and year", max_digits=14, decimal_places=2, default=0
    )
    eol_cost_per_unit = models.DecimalField(
        "take-back or disposal cost per unit (negative: credit)",
        max_digits=14,
        decimal_places=2,
        default=0,
    )
    residual_value_per_unit = models.DecimalField(
        "residual value per unit at the horizon", max_digits=14, decimal_places=2, default=0
    )
    embodied_source = models.CharField(max_length=20, choices=EmbodiedSource.choices)
    embodied_kgco2e_per_unit = models.DecimalField(
        "embodied kgCO2e per unit", max_digits=14, decimal_places=3, null=True, blank=True
    )
    embodied_footprint = models.ForeignKey(
        "vendors.ProductFootprint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    embodied_evidence = models.ForeignKey(
        "assurance.EvidenceFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mass_kg_per_unit = models.DecimalField(
        "mass per unit (kg)", max_digits=10, decimal_places=2, default=0
    )
    performance = models.DecimalField(
        "performance figure", max_digits=18, decimal_places=4, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idle_w__lte=models.F("full_load_w")),
                name="bidconfiguration_idle_not_above_full_load",
                violation_error_message="Idle power cannot be above full-load power.",
            ),
        ]

    def __str__(self):
        return f"Configuration of {self.bid}"
