from django.apps import AppConfig


class OperationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        from celery.signals import task_failure

        from operations.signals import on_task_failure

        task_failure.connect(on_task_failure, weak=False, dispatch_uid="operations-task-failure")
