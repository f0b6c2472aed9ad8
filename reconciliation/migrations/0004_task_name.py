"""The nightly task takes the name of the run it performs (docs/architecture.md, "Tasks and
schedules"): schedule rows that name the old task are pointed at the new one."""

from django.db import migrations
from django.utils import timezone

RENAMED = {"reconciliation.tasks.reconciliation_task": "reconciliation.tasks.reconciliation_run"}


def tasks_rename(apps, schema_editor, renamed=RENAMED):
    using = schema_editor.connection.alias
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for old, new in renamed.items():
        PeriodicTask.objects.using(using).filter(task=old).update(task=new)
    # A running beat reloads its schedule when this marker changes.
    PeriodicTasks.objects.using(using).update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def tasks_rename_back(apps, schema_editor):
    tasks_rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("reconciliation", "0003_nightly_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(tasks_rename, tasks_rename_back)]
