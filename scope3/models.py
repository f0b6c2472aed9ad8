"""Scope 3 reference data: versioned factor datasets and their rows.

A :class:`FactorDataset` is one imported release of one table (the EPA supply-chain factors v1.3.0,
the curated hardware table 2025.1, FX rates 2025.1, ...). Inventory runs pin datasets by primary
key, so a dataset and its rows must never change once imported: a run re-executed later has to
find exactly the factors it used (docs/method.md, "Reproducibility"). The one
exception is how far the values are trusted: an analyst may set the dataset's relative
uncertainty (docs/method.md, "Uncertainty") and its notes, with
history and a reason; the values themselves never change.

Emission factors (per NAICS code, hardware class, freight mode, waste treatment) live in
:class:`EmissionFactor`. Exchange rates and price indices are keyed by a currency or a series
*and a year*, which is a different shape, so they live in :class:`ReferenceRate` instead of being
squeezed into ``EmissionFactor.code``.

History: ``FactorDataset`` is tracked like every business model. ``EmissionFactor`` and
``ReferenceRate`` deliberately are not: they are immutable reference rows inserted with
``bulk_create`` in the same transaction as their tracked dataset row, and can never be changed
afterwards (``save()`` on an existing row raises), so a history table for them would only ever
hold one "created" record per row that the dataset's own record, sha256 and row count already
prove.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from assurance.history import TrackedHistory
from scope3.engine.vocabulary import normalise_term, spec_target
from scope3.validators import validate_aliases, validate_dies, validate_memory

# Ten digits either side of the point: enough for KRW per USD (~1,400), price indices and
# factors as small as 1e-10 kgCO2e per unit, and the import validators check values fit.
VALUE_MAX_DIGITS = 20
VALUE_DECIMAL_PLACES = 10


class ImmutableRecordError(Exception):
    """Raised when code tries to change reference data that was already imported."""


class FactorDataset(models.Model):
    class Kind(models.TextChoices):
        USEEIO = "useeio", "Spend-based (USEEIO / EPA supply-chain factors)"
        HARDWARE = "hardware", "Hardware embodied carbon"
        FREIGHT = "freight", "Freight per tonne-km"
        WASTE = "waste", "Waste per tonne"
        FX = "fx", "Exchange rates"
        PRICE_INDEX = "price_index", "Price index"

    # Kinds whose rows are ReferenceRate (key, year, value) rather than EmissionFactor.
    REFERENCE_KINDS = frozenset({Kind.FX, Kind.PRICE_INDEX})

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    version = models.CharField(
        max_length=40, help_text='Release of the source, e.g. "1.3.0" for EPA v1.3.0.'
    )
    publisher = models.CharField(max_length=200, blank=True)
    source_url = models.URLField("source URL", max_length=500, blank=True)
    doi = models.CharField("DOI", max_length=100, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    unit = models.CharField(
        max_length=100, blank=True, help_text='Unit of the values, e.g. "kg CO2e/USD".'
    )
    currency = models.CharField(
        max_length=3, blank=True, help_text="ISO 4217 currency of spend factors, if any."
    )
    dollar_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Price year of spend factors; amounts are deflated to it before use.",
    )
    gwp_basis = models.CharField(
        "GWP basis", max_length=60, blank=True, help_text='e.g. "AR5 GWP-100".'
    )
    region = models.CharField(max_length=60, blank=True)
    is_curated = models.BooleanField(
        default=False,
        help_text="Part of the starter pack written by the Tenderleaf project (a subset or a "
        "compilation with a citation per row), not a publisher's full release.",
    )
    source_name = models.CharField(
        max_length=255, blank=True, help_text="File name or URL the dataset was imported from."
    )
    sha256 = models.CharField(max_length=64, db_index=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    row_count = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    relative_uncertainty = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
        help_text="Relative uncertainty of every result computed from this dataset, as the "
        "half-width of a 95 % interval (0.35 means ±35 %). Empty: the method's default "
        "(spend-based ±50 %, average-data ±30 %).",
    )

    history = TrackedHistory()

    # The only fields an analyst may change after import: they describe how far to trust the
    # values, not the values. Runs record the uncertainty in force when they were created
    # (scope3.adapters reads it from this dataset's history), so a change never rewrites a run.
    MUTABLE_FIELDS = frozenset({"relative_uncertainty", "notes"})

    class Meta:
        ordering = ["kind", "-imported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                name="factordataset_kind_version_unique",
                violation_error_message="A dataset of this kind and version already exists.",
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.version}"

    def save(self, *args, **kwargs):
        # Runs pin datasets by id; an edited dataset would silently change past results.
        if not self._state.adding and self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values().first()
            if stored is not None:
                changed = [
                    field.attname
                    for field in self._meta.concrete_fields
                    if field.attname not in self.MUTABLE_FIELDS
                    and stored[field.attname] != getattr(self, field.attname)
                ]
                if changed:
                    raise ImmutableRecordError(
                        f"Factor dataset {self} is immutable once imported; refused to change "
                        f"{', '.join(changed)}. Import a new version instead."
                    )
        super().save(*args, **kwargs)

    @property
    def holds_reference_rates(self) -> bool:
        return self.kind in self.REFERENCE_KINDS


class _ImmutableRow(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(
                f"{type(self).__name__} rows are immutable once imported; import a new dataset "
                "version instead."
            )
        super().save(*args, **kwargs)


class EmissionFactor(_ImmutableRow):
    dataset = models.ForeignKey(FactorDataset, on_delete=models.PROTECT, related_name="factors")
    code = models.CharField(
        max_length=60,
        help_text="NAICS-6 code, hardware class, freight mode or waste treatment.",
    )
    title = models.CharField(max_length=300)
    value = models.DecimalField(
        max_digits=VALUE_MAX_DIGITS,
        decimal_places=VALUE_DECIMAL_PLACES,
        help_text="For spend factors: the factor with margins (purchaser price).",
    )
    value_without_margins = models.DecimalField(
        max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    margins = models.DecimalField(
        max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    unit = models.CharField(max_length=100)
    source = models.TextField(
        blank=True, help_text="Citation: publication, table or page, URL or DOI."
    )
    extra = models.JSONField(
        default=dict,
        blank=True,
        help_text="Model parameters and source-specific columns (boundary, USEEIO code, ...).",
    )

    class Meta:
        ordering = ["dataset", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "code"], name="emissionfactor_dataset_code_unique"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class ReferenceRate(_ImmutableRow):
    """One yearly value of an FX rate (currency units per USD) or of a price index series."""

    dataset = models.ForeignKey(
        FactorDataset, on_delete=models.PROTECT, related_name="reference_rates"
    )
    key = models.CharField(
        max_length=40, help_text="ISO 4217 currency for FX, series id for a price index."
    )
    year = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES)
    unit = models.CharField(max_length=100, blank=True)
    source = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dataset", "key", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "key", "year"], name="referencerate_dataset_key_year_unique"
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.year}: {self.value}"


# --- the purchase ledger -----------------------------------------------------------------------


class ImportBatch(models.Model):
    """One spend file brought into the ledger, with its counts and its error report.

    A batch that failed validation keeps only this row and its error report: none of its lines.
    The same file (by sha256) can be imported successfully once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Importing"
        IMPORTED = "imported", "Imported"
        PARTIAL = "partial", "Imported valid rows; rejects reported"
        REJECTED = "rejected", "Rejected: nothing stored"

    class Source(models.TextChoices):
        COMMAND = "command", "Command"
        ADMIN = "admin", "Admin upload"
        API = "api", "API"

    file_sha256 = models.CharField(max_length=64, db_index=True)
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.COMMAND)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    partial = models.BooleanField(
        default=False, help_text="Store valid rows and report the rejects instead of all-or-none."
    )
    column_map = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    accepted_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    skipped_existing_rows = models.PositiveIntegerField(default=0)
    unmatched_vendor_rows = models.PositiveIntegerField(default=0)
    unknown_terms = models.JSONField(
        default=list,
        blank=True,
        help_text="Ledger words no vocabulary term, factor code or hardware spec resolves, with "
        'their line counts: [{"field": "hardware_class", "word": "gpu-xl", "lines": 16}].',
    )
    error_report_name = models.CharField(
        max_length=80, blank=True, help_text="Private stored name of the CSV error report."
    )
    error_summary = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # An upload the workers import (scope3.services.spend, "Uploads"): the private stored name of
    # the file, deleted once the import ends, and how far the import has got.
    upload_name = models.CharField(max_length=80, blank=True)
    step = models.CharField(max_length=40, blank=True)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_expected = models.PositiveIntegerField(
        null=True, blank=True, help_text="Data rows the file appears to hold (CSV), if known."
    )

    history = TrackedHistory()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"
        constraints = [
            models.UniqueConstraint(
                fields=["file_sha256"],
                condition=models.Q(status__in=["imported", "partial", "running", "pending"]),
                name="importbatch_file_imported_once",
                violation_error_message="This file has already been imported.",
            ),
        ]

    def __str__(self):
        return f"{self.original_name or self.file_sha256[:12]} ({self.get_status_display()})"


class SpendLine(models.Model):
    """One purchase in the ledger.

    Lines are immutable once imported (a correction is a credit note or a new batch), so they are
    bulk-inserted without per-row history: the batch row is tracked, and the batch's sha256 and
    counts prove what came in. Unmatched vendors are kept and flagged, never dropped.
    """

    class VendorMatch(models.TextChoices):
        ID = "id", "Vendor id"
        TAX_ID = "tax_id", "Tax id"
        NAME = "name", "Exact name"
        NORMALISED_NAME = "normalised_name", "Normalised name"
        UNMATCHED = "unmatched", "Unmatched"

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="lines")
    row_number = models.PositiveIntegerField(help_text="Row in the source file (header is row 1).")
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    date = models.DateField(db_index=True)
    vendor = models.ForeignKey(
        "vendors.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spend_lines",
    )
    vendor_match = models.CharField(max_length=20, choices=VendorMatch.choices)
    vendor_name = models.CharField("vendor as written", max_length=300, blank=True)
    vendor_tax_id = models.CharField(max_length=40, blank=True)
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    currency = models.CharField(max_length=3)
    naics = models.CharField("NAICS code", max_length=6, blank=True)
    description = models.CharField(max_length=500, blank=True)
    gl_account = models.CharField("GL account", max_length=40, blank=True)
    quantity = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    hardware_class = models.CharField(max_length=60, blank=True)
    product_id = models.CharField(max_length=200, blank=True)
    weight_kg = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    distance_km = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    mode = models.CharField(max_length=30, blank=True)
    waste_treatment = models.CharField(max_length=40, blank=True)
    capital = models.BooleanField(default=False)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["vendor", "date"])]

    def __str__(self):
        return f"{self.external_id or self.pk}: {self.amount} {self.currency} on {self.date}"


# --- inventory runs ----------------------------------------------------------------------------


class InventoryRun(models.Model):
    """One Scope 3 estimate of a reporting year, with the dataset versions it pinned.

    The run is split into chunks of spend lines that Celery workers claim; its estimates are
    written once and never edited, so re-running with the same inputs gives the same numbers.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    reporting_year = models.PositiveSmallIntegerField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    datasets = models.ManyToManyField(FactorDataset, related_name="runs", blank=True)
    pins = models.JSONField(default=dict, help_text="Kind to dataset version, as pinned.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    code_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lines_total = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    total_kgco2e = models.DecimalField(max_digits=24, decimal_places=3, null=True, blank=True)
    low_kgco2e = models.DecimalField(max_digits=24, decimal_places=3, null=True, blank=True)
    high_kgco2e = models.DecimalField(max_digits=24, decimal_places=3, null=True, blank=True)
    unaccounted_amount = models.JSONField(
        default=dict, blank=True, help_text="Unaccounted spend per currency."
    )
    error = models.TextField(blank=True)
    plan = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the run fixed when it was planned, so every chunk computes alike: "
        "chunk size, allocation bases per disclosure, ids of the supplier data it read.",
    )

    class Uncertainty(models.TextChoices):
        ANALYTIC = "analytic", "Analytic: linear within a shared source, quadrature across"
        MONTECARLO = "montecarlo", "Monte Carlo: one draw per shared source, fixed seed"

    uncertainty_method = models.CharField(
        max_length=20,
        choices=Uncertainty.choices,
        default=Uncertainty.ANALYTIC,
        help_text="How line ranges were combined into the run's totals (docs/method.md).",
    )
    method_version = models.PositiveSmallIntegerField(
        default=1,
        help_text="Version of the estimation method the run used; a restatement names a "
        "method correction when it changed (docs/method.md, 'Method versions').",
    )

    history = TrackedHistory(excluded_fields=["chunks_done"])

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Scope 3 {self.reporting_year} run #{self.pk} ({self.get_status_display()})"


class InventoryChunk(models.Model):
    """A slice of a run's lines that one worker claims with a conditional update."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    run = models.ForeignKey(InventoryRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_line_id = models.BigIntegerField()
    last_line_id = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lines = models.PositiveIntegerField(default=0)
    totals = models.JSONField(
        default=dict,
        blank=True,
        help_text="Exact partial sums of the chunk's estimates (kg, squared half-widths, "
        "unaccounted spend), written with them; the run's totals add these up.",
    )

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="inventorychunk_unique_index"),
        ]

    def __str__(self):
        return f"run {self.run_id} chunk {self.index} ({self.get_status_display()})"


class EmissionEstimate(_ImmutableRow):
    """The estimate of one spend line in one run: method, factor, activity, kgCO2e and range."""

    class Method(models.TextChoices):
        SUPPLIER_SPECIFIC = "supplier_specific", "Supplier-specific"
        HYBRID = "hybrid", "Hybrid (supplier's cradle-to-gate data)"
        AVERAGE_DATA = "average_data", "Average-data"
        SPEND_BASED = "spend_based", "Spend-based"
        UNACCOUNTED = "unaccounted", "Unaccounted"

    class Category(models.IntegerChoices):
        PURCHASED_GOODS = 1, "1 Purchased goods and services"
        CAPITAL_GOODS = 2, "2 Capital goods"
        UPSTREAM_TRANSPORT = 4, "4 Upstream transportation and distribution"
        WASTE = 5, "5 Waste generated in operations"

    run = models.ForeignKey(InventoryRun, on_delete=models.CASCADE, related_name="estimates")
    chunk = models.ForeignKey(InventoryChunk, on_delete=models.CASCADE, related_name="estimates")
    spend_line = models.ForeignKey(SpendLine, on_delete=models.PROTECT, related_name="estimates")
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.PositiveSmallIntegerField(choices=Category.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    kgco2e = models.DecimalField(max_digits=24, decimal_places=3)
    low_kgco2e = models.DecimalField(max_digits=24, decimal_places=3)
    high_kgco2e = models.DecimalField(max_digits=24, decimal_places=3)
    relative_uncertainty = models.DecimalField(max_digits=6, decimal_places=4, null=True)
    dq = models.PositiveSmallIntegerField("data quality", null=True, blank=True)
    reason = models.TextField(blank=True)
    factor_dataset = models.ForeignKey(
        FactorDataset, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    factor_code = models.CharField(max_length=60, blank=True)
    factor_kgco2e_per_unit = models.DecimalField(
        max_digits=30, decimal_places=12, null=True, blank=True
    )
    activity_value = models.DecimalField(max_digits=24, decimal_places=3, null=True, blank=True)
    activity_unit = models.CharField(max_length=30, blank=True)
    source_disclosure_id = models.BigIntegerField(null=True, blank=True)
    source_footprint_id = models.BigIntegerField(null=True, blank=True)
    source_key = models.CharField(
        max_length=120,
        blank=True,
        help_text="The shared source whose error this line shares with others (a factor row, a "
        "disclosure, a footprint, a hardware spec): ranges add linearly within one.",
    )
    dq_indicators = models.CharField(
        "data-quality indicators",
        max_length=5,
        blank=True,
        help_text="Scores 1-5 of technological, temporal, geographical representativeness, "
        "completeness and reliability, in that order.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "spend_line"], name="emissionestimate_one_per_line_and_run"
            ),
        ]
        indexes = [models.Index(fields=["run", "vendor", "category"])]

    def __str__(self):
        return f"{self.spend_line_id}: {self.kgco2e} kg ({self.method})"


# --- hardware specs and the ledger vocabulary ----------------------------------------------------


class HardwareSpec(models.Model):
    """A product's bill of materials for the ACT embodied-carbon model (docs/method.md, "Hardware").

    Dies (area and process node), memory and storage capacity, and optionally a cited platform
    share (board, chassis, power supply). The ACT parameters (carbon per cm² of each node, fab
    yield, kg per GB) are not stored here: they come from the hardware factor dataset a run pins,
    so a spec's estimate is reproducible per dataset version. The estimate covers manufacturing
    of the listed components only; ``boundary`` says what is left out.

    ``name`` and every alias are ledger words: they compare normalised (case, spaces, hyphens and
    underscores ignored) and no word may name two specs.
    """

    class Kind(models.TextChoices):
        ACCELERATOR = "accelerator", "Accelerator (GPU, TPU, ...)"
        SERVER = "server", "Server"
        OTHER = "other", "Other"

    name = models.CharField(
        max_length=120, unique=True, help_text='The product, e.g. "NVIDIA H100 SXM5 80GB".'
    )
    aliases = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_aliases],
        help_text='Other ledger words for it, e.g. ["H100 SXM", "H100 SXM5"].',
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    dies = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_dies],
        help_text='[{"area_mm2": 814, "node": "5nm", "count": 1}]; the node must have ACT '
        "parameters in the hardware dataset.",
    )
    memory = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_memory],
        help_text='[{"type": "hbm", "gb": 80}]; type "hbm" or "dram".',
    )
    storage_gb = models.DecimalField(
        "storage (GB)",
        max_digits=14,
        decimal_places=3,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    mass_kg = models.DecimalField(
        "mass (kg)",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    platform_kgco2e = models.DecimalField(
        "platform share (kg CO2e)",
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Board, chassis and power-supply share from a cited LCA; empty when not "
        "included (say so in the boundary).",
    )
    platform_source = models.TextField(
        blank=True, help_text="Citation of the platform share (publication, table, URL)."
    )
    boundary = models.TextField(
        help_text="What the estimate covers: manufacturing of the listed components only, and "
        "what it leaves out (packaging, board, assembly, transport...)."
    )
    source = models.TextField(help_text="Citation of the die areas, nodes and capacities.")
    source_url = models.URLField("source URL", max_length=500)
    notes = models.TextField(blank=True)
    shipped = models.BooleanField(
        default=False, help_text="Part of the curated starter set shipped with Tenderleaf."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def words(self) -> list[str]:
        """The name and aliases, as ledger words match them (malformed aliases left out)."""
        aliases = self.aliases if isinstance(self.aliases, list) else []
        return [word for word in [self.name, *aliases] if isinstance(word, str)]

    def clean(self):
        super().clean()
        errors = {}
        own = normalise_term(self.name)
        for alias in self.words()[1:]:
            if normalise_term(alias) == own:
                errors["aliases"] = f"alias {alias!r} is the spec's own name"
        if not (self.dies or self.memory or self.storage_gb or self.platform_kgco2e is not None):
            errors["dies"] = "a spec needs at least one die, memory, storage or a platform share"
        if self.platform_kgco2e is not None and not self.platform_source.strip():
            errors["platform_source"] = "cite the source of the platform share"
        if errors:
            raise ValidationError(errors)
        self._check_words_are_free()

    def _check_words_are_free(self) -> None:
        """No name or alias of this spec may be a name or alias of another spec."""
        mine = {normalise_term(word): word for word in self.words()}
        others = HardwareSpec.objects.exclude(pk=self.pk).values_list("name", "aliases")
        for other_name, other_aliases in others:
            aliases = other_aliases if isinstance(other_aliases, list) else []
            for other_word in [other_name, *aliases]:
                if not isinstance(other_word, str):
                    continue
                key = normalise_term(other_word)
                if key in mine:
                    field = "name" if normalise_term(self.name) == key else "aliases"
                    raise ValidationError(
                        {
                            field: f"{mine[key]!r} already names hardware spec {other_name!r} "
                            f"(as {other_word!r}); one ledger word must name one spec"
                        }
                    )


class VocabularyTerm(models.Model):
    """A ledger word and the factor code or hardware spec it stands for (docs/method.md,
    "Vocabulary").

    ``word`` is stored normalised (``scope3.engine.vocabulary.normalise_term``), so "GPU",
    " gpu " and "Gpu" are one term per kind. Exactly one of ``target_code`` (a code of the
    kind's factor dataset: "gpu_a100_bloom", "air", "weee-recycling") and ``target_spec``
    (hardware only) is set. Shipped defaults come with the starter pack and are never written
    over once an analyst has changed or removed them.
    """

    class Kind(models.TextChoices):
        HARDWARE = "hardware", "Hardware class"
        FREIGHT_MODE = "freight_mode", "Freight mode"
        WASTE_TREATMENT = "waste_treatment", "Waste treatment"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    word = models.CharField(
        max_length=120, help_text="As written in ledgers; stored case-folded, spaces collapsed."
    )
    target_code = models.CharField(
        max_length=60,
        blank=True,
        help_text="A factor code of this kind's dataset (empty when a hardware spec is named).",
    )
    target_spec = models.ForeignKey(
        HardwareSpec,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vocabulary_terms",
        help_text="For hardware words: the spec the word names (instead of a factor code).",
    )
    notes = models.TextField(blank=True)
    shipped = models.BooleanField(
        default=False, help_text="One of the defaults shipped with the starter pack."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["kind", "word"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "word"],
                name="vocabularyterm_kind_word_unique",
                violation_error_message="This word is already mapped for this kind.",
            ),
            models.CheckConstraint(
                condition=(models.Q(target_code="") & models.Q(target_spec__isnull=False))
                | (~models.Q(target_code="") & models.Q(target_spec__isnull=True)),
                name="vocabularyterm_one_target",
                violation_error_message="Give either a factor code or a hardware spec, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(target_spec__isnull=True) | models.Q(kind="hardware"),
                name="vocabularyterm_spec_only_for_hardware",
                violation_error_message="Only hardware words can name a hardware spec.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.word!r} -> {self.target}"

    @property
    def target(self) -> str:
        """What the engine's vocabulary resolves the word to: a code or ``spec:<name>``."""
        if self.target_spec_id:
            return spec_target(self.target_spec.name)
        return self.target_code

    def clean(self):
        self.word = normalise_term(self.word)
        self.target_code = (self.target_code or "").strip()
        super().clean()
        if not self.word:
            raise ValidationError({"word": "a word is required"})
        if bool(self.target_code) == bool(self.target_spec_id):
            raise ValidationError(
                {"target_code": "give either a factor code or a hardware spec, not both"}
            )
        if self.target_spec_id and self.kind != self.Kind.HARDWARE:
            raise ValidationError({"target_spec": "only hardware words can name a hardware spec"})
