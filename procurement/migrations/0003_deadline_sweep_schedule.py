"""The RFP deadline sweep every five minutes, as a django-celery-beat row (editable in its admin).

Schedules are created by data migrations only (docs/architecture.md, "Tasks and schedules"). This
one was declared in the settings before, which beat copied into a row named
``rfp-deadline-sweep`` at each start: such a row is renamed and pointed at the task's new name,
keeping the interval an administrator may have set; otherwise the row is created.
"""

from django.db import migrations
from django.utils import timezone

NAME = "RFP deadline sweep (every 5 minutes)"
TASK = "procurement.tasks.rfp_deadline_sweep"
OLD_NAME = "rfp-deadline-sweep"
OLD_TASK = "procurement.rfp_deadline_sweep"
DESCRIPTION = "Scores the automatic criteria of every RFP whose deadline has passed (once per RFP)."


def schedule_create(apps, schema_editor):
    using = schema_editor.connection.alias
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    rows = PeriodicTask.objects.using(using)
    rows.filter(task=OLD_TASK).update(task=TASK)
    if not rows.filter(name=NAME).exists():
        if rows.filter(name=OLD_NAME).exists():
            rows.filter(name=OLD_NAME).update(name=NAME, description=DESCRIPTION)
        else:
            interval, _ = IntervalSchedule.objects.using(using).get_or_create(
                every=5, period="minutes"
            )
            rows.create(
                name=NAME, task=TASK, interval=interval, enabled=True, description=DESCRIPTION
            )
    # A running beat reloads its schedule when this marker changes.
    PeriodicTasks.objects.using(using).update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def schedule_delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0002_criteria_library"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_create, schedule_delete)]
