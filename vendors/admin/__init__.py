"""Admin of the vendors app, one module per area."""

from vendors.admin import master  # noqa: F401
