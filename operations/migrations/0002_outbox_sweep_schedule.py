"""The outbox sweeper every minute (django-celery-beat, editable in its admin): it hands the broker
the follow-ups it refused while it was down, or lost."""

from django.db import migrations

TASK_NAME = "operations: outbox sweep (every minute)"


def schedule_create(apps, schema_editor):
    using = schema_editor.connection.alias
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.using(using).get_or_create(every=1, period="minutes")
    PeriodicTask.objects.using(using).update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "operations.tasks.outbox_sweep",
            "interval": every_minute,
            "enabled": True,
            "description": "Publishes outbox messages (notifications, tasks) still pending, so "
            "work requested while the broker was unreachable is done once it is back.",
        },
    )


def schedule_delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_outbox_and_task_failures"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_create, schedule_delete)]
