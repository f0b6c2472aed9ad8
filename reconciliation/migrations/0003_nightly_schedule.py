"""The nightly reconciliation in django-celery-beat (editable in its admin): 02:30 every night."""

from django.db import migrations

NAME = "reconciliation (nightly)"
TASK = "reconciliation.tasks.reconciliation_task"
DESCRIPTION = (
    "Reconciliation flags of this year and last: disclosure intensity against the spend-based "
    "estimate, spend without a contract, ledger vendors missing from the vendor master, hardware "
    "quantities against the asset inventory."
)


def schedule_create(apps, schema_editor):
    using = schema_editor.connection.alias
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.using(using).update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "interval": None,
            "enabled": True,
            "description": DESCRIPTION,
        },
    )


def schedule_delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reconciliation", "0002_asset_inventory_and_flag_history"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_create, schedule_delete)]
