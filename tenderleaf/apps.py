from django.apps import AppConfig


class TenderleafConfig(AppConfig):
    """The top floor: pages and builders that compose every app (docs/architecture.md)."""

    name = "tenderleaf"
    verbose_name = "Tenderleaf"

    def ready(self):
        from tenderleaf.bundles import scope_loaders_register

        scope_loaders_register()
