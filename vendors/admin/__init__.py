"""Admin of the vendors app, one module per area."""

from vendors.admin import disclosures, master  # noqa: F401
