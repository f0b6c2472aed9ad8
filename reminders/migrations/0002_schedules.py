"""The reminder schedules in django-celery-beat (editable in its admin): the sweep hourly and the
certificate expiry reminders daily."""

from django.db import migrations

SCHEDULES = [
    (
        "reminder sweep (hourly)",
        "reminders.tasks.reminder_sweep_task",
        "hours",
        "Disclosure request reminders, overdue marking and escalation; sent once per due window.",
    ),
    (
        "certificate expiry (daily)",
        "reminders.tasks.certificate_expiry_task",
        "days",
        "Certificate reminders 90, 30 and 7 days before expiry; sent once per due window.",
    ),
]


def schedules_create(apps, schema_editor):
    using = schema_editor.connection.alias
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, period, description in SCHEDULES:
        interval, _ = IntervalSchedule.objects.using(using).get_or_create(every=1, period=period)
        PeriodicTask.objects.using(using).update_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "enabled": True,
                "description": description,
            },
        )


def schedules_delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    names = [name for name, *_ in SCHEDULES]
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules_create, schedules_delete)]
