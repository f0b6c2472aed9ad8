"""Scope 3 reference data: versioned factor datasets and their rows.

A :class:`FactorDataset` is one imported release of one table (the EPA supply-chain factors v1.3.0,
the curated hardware table 2025.1, FX rates 2025.1, ...). Inventory runs pin datasets by primary
key, so a dataset and its rows must never change once imported: a run re-executed later has to
find exactly the factors it used (PRODUCT.md section 2, "every number is traceable").

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

from django.conf import settings
from django.db import models

from assurance.history import TrackedHistory

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

    history = TrackedHistory()

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
                    if stored[field.attname] != getattr(self, field.attname)
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
