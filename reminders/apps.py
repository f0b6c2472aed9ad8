from django.apps import AppConfig


class RemindersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self):
        # What the vendor portal shows of this app (docs/architecture.md, "Which app may import
        # which").
        from reminders.selectors import reminders_sent_by_target
        from vendors import extensions

        extensions.reminders_sent.register(reminders_sent_by_target)
