"""Signal handlers of the assurance app."""

from __future__ import annotations

from assurance.roles import permissions_ensure, roles_sync


def roles_sync_after_migrate(sender, *, apps=None, using="default", plan=None, **kwargs):
    """Re-derive the role groups after every ``migrate``.

    Models added by later migrations get their permissions (and so their place in each role)
    without anyone writing a new data migration. Permissions are ensured first because Django
    creates them app by app in this same signal, possibly after this handler has run.
    """
    if apps is None:
        # ``flush`` (between transactional tests) sends post_migrate without the migration state.
        from django.apps import apps as global_apps

        apps = global_apps
    permissions_ensure(apps=apps, using=using)
    roles_sync(apps=apps, using=using)
