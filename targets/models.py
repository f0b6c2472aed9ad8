"""Organisation targets, business metrics, base-year recalculations, the supplier-engagement
target, SBTi statuses and the risk-tier rules (docs/targets.md).

Every model is tracked (``TrackedHistory``): a target's base value before and after a
recalculation both stay in its history, and the recalculation record names both.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from assurance.history import TrackedHistory
from targets import rules

_PCT = [MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))]


class BusinessMetric(models.Model):
    """What an intensity target divides by: revenue, GPU-hours served, ..."""

    name = models.CharField(max_length=120, unique=True)
    unit = models.CharField(max_length=60, help_text='e.g. "M EUR revenue", "GPU-hours".')
    notes = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class BusinessMetricValue(models.Model):
    metric = models.ForeignKey(BusinessMetric, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField()
    value = models.DecimalField(
        max_digits=24, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))]
    )
    source = models.CharField(max_length=300, blank=True, help_text="Where the figure comes from.")

    history = TrackedHistory()

    class Meta:
        ordering = ["metric", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "year"],
                name="businessmetricvalue_one_per_year",
                violation_error_message="This metric already has a value for this year.",
            ),
        ]

    def __str__(self):
        return f"{self.metric.name} {self.year}: {self.value}"


class Target(models.Model):
    """A Scope 3 reduction target with its base year pinned to a completed inventory run."""

    class Kind(models.TextChoices):
        ABSOLUTE = "absolute", "Absolute (tCO2e)"
        INTENSITY = "intensity", "Intensity (tCO2e per unit of a business metric)"

    class Horizon(models.TextChoices):
        NEAR_TERM = "near_term", "Near-term"
        LONG_TERM = "long_term", "Long-term"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ABSOLUTE)
    horizon = models.CharField(max_length=20, choices=Horizon.choices, default=Horizon.NEAR_TERM)
    categories = models.JSONField(
        default=list,
        blank=True,
        help_text="Scope 3 categories covered (e.g. [1, 2]); empty: total Scope 3.",
    )
    metric = models.ForeignKey(
        BusinessMetric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        help_text="For intensity targets: what emissions are divided by.",
    )
    base_run = models.ForeignKey(
        "scope3.InventoryRun",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The completed inventory run the base-year value is taken from (pinned).",
    )
    base_year = models.PositiveSmallIntegerField()
    base_tco2e = models.DecimalField("base-year tCO2e", max_digits=20, decimal_places=3)
    base_metric_value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField()
    reduction_pct = models.DecimalField(
        "reduction (%)", max_digits=5, decimal_places=2, validators=_PCT
    )
    significance_pct = models.DecimalField(
        "recalculation threshold (%)",
        max_digits=5,
        decimal_places=2,
        default=rules.DEFAULT_SIGNIFICANCE * 100,
        validators=_PCT,
        help_text="A restated base year that moves by more than this flags the target for "
        "recalculation (GHG Protocol Corporate Standard, ch. 5).",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["target_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_year__gt=models.F("base_year")),
                name="target_year_after_base_year",
                violation_error_message="The target year must be after the base year.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="absolute") | models.Q(metric__isnull=False),
                name="target_intensity_has_metric",
                violation_error_message="An intensity target needs a business metric.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def base_value(self) -> Decimal:
        """The base in the target's unit: tCO2e, or tCO2e per unit of the metric."""
        if self.kind == self.Kind.INTENSITY:
            return rules.intensity(self.base_tco2e, self.base_metric_value)
        return self.base_tco2e

    def path(self) -> rules.TargetPath:
        return rules.TargetPath(
            base_year=self.base_year,
            base_value=self.base_value,
            target_year=self.target_year,
            reduction_pct=self.reduction_pct,
        )

    @property
    def scope_label(self) -> str:
        if not self.categories:
            return "Scope 3 total"
        return "Scope 3 categories " + ", ".join(str(c) for c in sorted(self.categories))

    @property
    def unit(self) -> str:
        if self.kind == self.Kind.INTENSITY and self.metric_id:
            return f"tCO2e per {self.metric.unit}"
        return "tCO2e"


class BaseYearRecalculation(models.Model):
    """An analyst's decision on a restated base year: recalculate the target or keep it."""

    class Decision(models.TextChoices):
        RECALCULATED = "recalculated", "Recalculated: new base value confirmed"
        KEPT = "kept", "Kept: restatement not applied"

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="recalculations")
    restated_run = models.ForeignKey(
        "scope3.InventoryRun", on_delete=models.PROTECT, related_name="+"
    )
    previous_run = models.ForeignKey(
        "scope3.InventoryRun", on_delete=models.PROTECT, related_name="+"
    )
    old_tco2e = models.DecimalField(max_digits=20, decimal_places=3)
    new_tco2e = models.DecimalField(max_digits=20, decimal_places=3)
    change_pct = models.DecimalField(max_digits=9, decimal_places=2)
    threshold_pct = models.DecimalField(max_digits=5, decimal_places=2)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["target", "-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "restated_run"],
                name="baseyearrecalculation_one_per_run",
                violation_error_message="This restatement was already decided for this target.",
            ),
        ]

    def __str__(self):
        return f"{self.target}: {self.old_tco2e} → {self.new_tco2e} t ({self.decision})"


class SupplierEngagementTarget(models.Model):
    """ "X % of our Scope 3 emissions (or spend) from suppliers with science-based targets by
    year Y" (the SBTi supplier-engagement target form)."""

    class Basis(models.TextChoices):
        EMISSIONS = "emissions", "Share of emissions"
        SPEND = "spend", "Share of spend"

    name = models.CharField(max_length=200)
    categories = models.JSONField(
        default=list, blank=True, help_text="Scope 3 categories covered; empty: all."
    )
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.EMISSIONS)
    target_pct = models.DecimalField(
        "target share (%)", max_digits=5, decimal_places=2, validators=_PCT
    )
    base_year = models.PositiveSmallIntegerField()
    target_year = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["target_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_year__gt=models.F("base_year")),
                name="engagementtarget_year_after_base",
                violation_error_message="The target year must be after the base year.",
            ),
        ]

    def __str__(self):
        return self.name


class SbtiImport(models.Model):
    """One import of the SBTi's list of companies taking action, with what did not match."""

    class Status(models.TextChoices):
        IMPORTED = "imported", "Imported"
        REJECTED = "rejected", "Rejected: nothing stored"

    file_sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    rows_total = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.JSONField(
        default=list, blank=True, help_text="Companies of the list that match no vendor."
    )
    errors = models.JSONField(default=list, blank=True, help_text="Rows refused, and why.")
    error_summary = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SBTi import"

    def __str__(self):
        return f"SBTi list {self.original_name or self.file_sha256[:12]} ({self.status})"


class SbtiStatus(models.Model):
    """A vendor's listing on the SBTi's companies-taking-action list, as last imported."""

    class MatchedBy(models.TextChoices):
        LEI = "lei", "LEI"
        ISIN = "isin", "ISIN"
        NAME = "name", "Name"
        MANUAL = "manual", "Set by an analyst"

    vendor = models.OneToOneField(
        "vendors.Vendor", on_delete=models.CASCADE, related_name="sbti_status"
    )
    company_name = models.CharField(max_length=300, help_text="As the SBTi lists it.")
    isin = models.CharField(
        "ISIN", max_length=12, blank=True, help_text="Also used to match the vendor next time."
    )
    lei = models.CharField("LEI", max_length=20, blank=True)
    near_term_status = models.CharField(max_length=60, help_text='e.g. "Targets Set".')
    classification = models.CharField(max_length=60, blank=True, help_text='e.g. "1.5°C".')
    target_year = models.PositiveSmallIntegerField(null=True, blank=True)
    listed_on = models.DateField(null=True, blank=True)
    matched_by = models.CharField(max_length=10, choices=MatchedBy.choices)
    source_import = models.ForeignKey(
        SbtiImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="statuses"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["vendor__name"]
        verbose_name = "SBTi status"
        verbose_name_plural = "SBTi statuses"

    def __str__(self):
        return f"{self.vendor}: {self.near_term_status}"

    @property
    def has_target(self) -> bool:
        return self.near_term_status.strip().casefold() in rules.SBTI_TARGET_STATUSES


class RiskTierRule(models.Model):
    """An editable risk-tier rule: every condition given must hold (``targets.rules``)."""

    class Tier(models.TextChoices):
        HIGH = rules.HIGH, "High"
        MEDIUM = rules.MEDIUM, "Medium"

    tier = models.CharField(max_length=10, choices=Tier.choices)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    min_years_without_disclosure = models.PositiveSmallIntegerField(null=True, blank=True)
    top_n_by_emissions = models.PositiveIntegerField(null=True, blank=True)
    without_target = models.BooleanField(default=False)
    min_dq = models.DecimalField(
        "data quality at or worse than",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(5))],
    )
    min_late_requests = models.PositiveSmallIntegerField(null=True, blank=True)
    min_open_findings = models.PositiveSmallIntegerField(null=True, blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["tier", "position", "name"]

    def __str__(self):
        return self.as_rule().describe()

    def as_rule(self) -> rules.RiskRule:
        return rules.RiskRule(
            tier=self.tier,
            name=self.name,
            position=self.position,
            min_years_without_disclosure=self.min_years_without_disclosure,
            top_n_by_emissions=self.top_n_by_emissions,
            without_target=self.without_target or None,
            min_dq=self.min_dq,
            min_late_requests=self.min_late_requests,
            min_open_findings=self.min_open_findings,
        )
