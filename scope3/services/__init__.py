"""Writes of the Scope 3 app, one module per area; import from here."""

from scope3.services.factors import (  # noqa: F401
    FactorImportResult,
    factor_dataset_import,
    factor_starter_pack_files,
    factor_starter_pack_import,
)
