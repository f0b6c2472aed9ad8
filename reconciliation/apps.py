from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reconciliation"
    verbose_name = "Reconciliation"

    def ready(self):
        # What the vendors admin shows of this app (docs/architecture.md, "Which app may import
        # which").
        from reconciliation.links import flags_panel
        from vendors import extensions

        extensions.flags_panel.register(flags_panel)
