"""Admin of the Scope 3 app, one module per area."""

from scope3.admin import (
    dashboard,  # noqa: F401
    factors,  # noqa: F401
    hardware,  # noqa: F401
    runs,  # noqa: F401
    spend,  # noqa: F401
)
