"""Extend the tamper-evident audit trail every minute (Celery beat, django-celery-beat).

Bundling and verification also extend the chain first, so the schedule only bounds how long a
new history row or audit event waits before it is linked.
"""

from django.db import migrations

TASK_NAME = "assurance: extend the audit-trail chain"


def schedule_create(apps, schema_editor):
    using = schema_editor.connection.alias
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.using(using).get_or_create(every=1, period="minutes")
    PeriodicTask.objects.using(using).update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "assurance.tasks.audit_chain_extend",
            "interval": every_minute,
            "enabled": True,
            "description": "Links new history records and audit events into the hash chain.",
        },
    )


def schedule_delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assurance", "0004_evidence_bundles_and_chain"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_create, schedule_delete)]
