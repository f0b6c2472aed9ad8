"""Writes of the Scope 3 app, one module per area; import from here."""

from scope3.services.factors import (  # noqa: F401
    FactorImportResult,
    factor_dataset_import,
    factor_starter_pack_files,
    factor_starter_pack_import,
)
from scope3.services.runs import (  # noqa: F401
    ChunkOutcome,
    inventory_chunk_process,
    inventory_run_execute,
    inventory_run_finish,
    inventory_run_pins_resolve,
    inventory_run_plan,
    inventory_run_reap,
    inventory_run_start,
    inventory_run_watch,
)
from scope3.services.spend import (  # noqa: F401
    SpendImportRefused,
    import_batch_error_report_open,
    spend_import,
    spend_import_max_bytes,
)
