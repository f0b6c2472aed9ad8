"""Reminder tasks take ``<entity>_<verb>`` names, and the daily contract renewal check moves from
the settings to a schedule row (docs/architecture.md, "Tasks and schedules").

Rows that name an old task are pointed at its new name. The renewal check was declared in the
settings, which beat copied into a row named ``contract-renewal-checks`` at each start: such a row
is renamed, keeping the interval an administrator may have set; otherwise the row is created.
"""

from django.db import migrations
from django.utils import timezone

RENAMED = {
    "reminders.tasks.reminder_sweep_task": "reminders.tasks.reminder_sweep",
    "reminders.tasks.certificate_expiry_task": "reminders.tasks.certificate_reminder_sweep",
    "reminders.tasks.renewal_check_task": "reminders.tasks.contract_renewal_check",
}
RENEWAL_NAME = "contract renewal check (daily)"
RENEWAL_OLD_NAME = "contract-renewal-checks"
RENEWAL_DESCRIPTION = (
    "Contracts entering their renewal notice period: renewal due, the renewal gate's outcome to "
    "the owner, an ISO 14001 audit request when the gate would refuse; then expiry."
)


def _beat_reload(apps, using):
    # A running beat reloads its schedule when this marker changes.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.using(using).update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def tasks_rename(apps, schema_editor, renamed=RENAMED):
    using = schema_editor.connection.alias
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in renamed.items():
        PeriodicTask.objects.using(using).filter(task=old).update(task=new)
    _beat_reload(apps, using)


def tasks_rename_back(apps, schema_editor):
    tasks_rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


def renewal_schedule_create(apps, schema_editor):
    using = schema_editor.connection.alias
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    rows = apps.get_model("django_celery_beat", "PeriodicTask").objects.using(using)
    if rows.filter(name=RENEWAL_NAME).exists():
        return
    if rows.filter(name=RENEWAL_OLD_NAME).exists():
        rows.filter(name=RENEWAL_OLD_NAME).update(
            name=RENEWAL_NAME, description=RENEWAL_DESCRIPTION
        )
    else:
        daily, _ = IntervalSchedule.objects.using(using).get_or_create(every=1, period="days")
        rows.create(
            name=RENEWAL_NAME,
            task=RENAMED["reminders.tasks.renewal_check_task"],
            interval=daily,
            enabled=True,
            description=RENEWAL_DESCRIPTION,
        )
    _beat_reload(apps, using)


def renewal_schedule_delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name=RENEWAL_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0004_reminder_kinds_contracts_rfps"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(tasks_rename, tasks_rename_back),
        migrations.RunPython(renewal_schedule_create, renewal_schedule_delete),
    ]
