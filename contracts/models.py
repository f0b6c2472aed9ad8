"""Contracts, their environmental KPI clauses and reports, ISO 14001 audits and renewal decisions.

Workflow rules (allowed transitions, trajectories, the renewal gate) live in ``services.py``; the
models hold fields, constraints and small derived properties only.
"""

from django.conf import settings
from django.db import models

from assurance.history import TrackedHistory


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        RENEWAL_DUE = "renewal_due", "Renewal due"
        RENEWED = "renewed", "Renewed"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="contracts")
    source_rfp = models.ForeignKey(
        "procurement.Rfp",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    reference = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    renewal_notice_days = models.PositiveIntegerField(
        default=90, help_text="Days before the end date by which renewal must be decided."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_contracts",
        limit_choices_to={"is_staff": True},
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    renewed_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["-start_date", "reference"]
        permissions = [("grant_renewal_waiver", "Can grant a renewal waiver")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="contract_ends_after_start",
                violation_error_message="The contract must end after it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title} ({self.vendor})"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Semi-annual"
    ANNUAL = "annual", "Annual"


class Direction(models.TextChoices):
    LOWER = "lower", "Lower is better"
    HIGHER = "higher", "Higher is better"


class KpiClauseTemplate(models.Model):
    """The clause library: common environmental KPIs an officer starts a clause from."""

    code = models.SlugField(max_length=60, unique=True)
    metric = models.CharField(max_length=200)
    unit = models.CharField(max_length=40)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    description = models.TextField(blank=True)
    evidence_required = models.TextField(blank=True)
    remedy = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["metric"]
        verbose_name = "KPI clause template"
        verbose_name_plural = "KPI clause templates"

    def __str__(self):
        return f"{self.metric} ({self.unit})"


class KpiClause(models.Model):
    """An environmental KPI on a contract: a linear trajectory from baseline to target."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        IN_BREACH = "in_breach", "In breach"
        RETIRED = "retired", "Retired"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    template = models.ForeignKey(
        KpiClauseTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    metric = models.CharField(max_length=200)
    unit = models.CharField(max_length=40)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    baseline_value = models.DecimalField(max_digits=18, decimal_places=4)
    baseline_year = models.PositiveSmallIntegerField()
    target_value = models.DecimalField(max_digits=18, decimal_places=4)
    target_year = models.PositiveSmallIntegerField()
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    evidence_required = models.TextField(blank=True)
    remedy = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["contract", "metric"]
        verbose_name = "KPI clause"
        verbose_name_plural = "KPI clauses"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_year__gt=models.F("baseline_year")),
                name="kpiclause_target_after_baseline",
                violation_error_message="The target year must be after the baseline year.",
            ),
        ]

    def __str__(self):
        return f"{self.metric} on {self.contract.reference}"


class KpiReportingPeriod(models.Model):
    """A period a clause must be reported for, generated from its frequency and the contract."""

    clause = models.ForeignKey(KpiClause, on_delete=models.CASCADE, related_name="periods")
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField()

    history = TrackedHistory()

    class Meta:
        ordering = ["clause", "period_start"]
        verbose_name = "KPI reporting period"
        verbose_name_plural = "KPI reporting periods"
        constraints = [
            models.UniqueConstraint(
                fields=["clause", "period_start"], name="kpiperiod_unique_start_per_clause"
            ),
        ]

    def __str__(self):
        return f"{self.clause.metric} {self.period_start}..{self.period_end}"


class KpiReport(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    period = models.OneToOneField(
        KpiReportingPeriod, on_delete=models.PROTECT, related_name="report"
    )
    clause = models.ForeignKey(KpiClause, on_delete=models.PROTECT, related_name="reports")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    note = models.TextField(blank=True)
    evidence = models.ForeignKey(
        "assurance.EvidenceFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    expected_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    on_track = models.BooleanField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["clause", "period__period_start"]
        verbose_name = "KPI report"
        verbose_name_plural = "KPI reports"

    def __str__(self):
        return f"{self.clause.metric}: {self.value} {self.clause.unit} ({self.status})"


class Iso14001Audit(models.Model):
    """An audit of a vendor's environmental management system (ISO 14001:2015)."""

    class Type(models.TextChoices):
        CERTIFICATE_VERIFICATION = "certificate_verification", "Certificate verification"
        DESK_REVIEW = "desk_review", "Desk review"
        ON_SITE = "on_site", "On-site"
        SURVEILLANCE = "surveillance", "Surveillance"

    class Result(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFORMING = "conforming", "Conforming"
        CONFORMING_WITH_FINDINGS = "findings", "Conforming with findings"
        NONCONFORMING = "nonconforming", "Nonconforming"

    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="iso14001_audits"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        help_text="The contract renewal this audit was done for, if any.",
    )
    audit_type = models.CharField(max_length=30, choices=Type.choices)
    audit_date = models.DateField()
    auditor = models.CharField(max_length=200, help_text="Person and organisation.")
    scope = models.TextField(blank=True)
    sites = models.TextField(blank=True)
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.PENDING)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["-audit_date"]
        verbose_name = "ISO 14001 audit"

    def __str__(self):
        return f"{self.get_audit_type_display()} of {self.vendor} on {self.audit_date}"


class AuditFinding(models.Model):
    class Severity(models.TextChoices):
        MAJOR = "major", "Major nonconformity"
        MINOR = "minor", "Minor nonconformity"
        OBSERVATION = "observation", "Observation"

    audit = models.ForeignKey(Iso14001Audit, on_delete=models.CASCADE, related_name="findings")
    severity = models.CharField(max_length=20, choices=Severity.choices)
    clause_ref = models.CharField(
        "ISO 14001 clause", max_length=20, help_text="Clause of ISO 14001:2015, e.g. 6.1.2."
    )
    description = models.TextField()
    corrective_action = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    closed_date = models.DateField(null=True, blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["audit", "severity", "due_date"]

    def __str__(self):
        return f"{self.get_severity_display()} {self.clause_ref}"


class RenewalDecision(models.Model):
    """The recorded outcome of the renewal gate for a contract: pass, refuse or waiver."""

    class Outcome(models.TextChoices):
        PASS = "pass", "Passed"
        REFUSE = "refuse", "Refused"
        WAIVER = "waiver", "Waived"

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="renewal_decisions"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(default=list)
    justification = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self):
        return (
            f"{self.contract.reference}: {self.get_outcome_display()} on {self.decided_at:%Y-%m-%d}"
        )
