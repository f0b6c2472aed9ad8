"""Create the staff role groups (procurement, evaluators, sustainability, auditors).

The rules live in ``assurance.roles``; a ``post_migrate`` handler re-applies them after every
``migrate``, so models added later are covered without another data migration.
"""

from django.db import migrations


def roles_create(apps, schema_editor):
    from assurance.roles import permissions_ensure, roles_sync

    using = schema_editor.connection.alias
    permissions_ensure(apps=apps, using=using)
    roles_sync(apps=apps, using=using)


def roles_delete(apps, schema_editor):
    from assurance.roles import ROLE_NAMES

    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assurance", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("vendors", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
