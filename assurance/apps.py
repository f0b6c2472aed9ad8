from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AssuranceConfig(AppConfig):
    name = "assurance"
    verbose_name = "Assurance"

    def ready(self):
        from accounts.oidc.services import sso_role_names_register
        from assurance.roles import ROLE_NAMES
        from assurance.signals import roles_sync_after_migrate

        # Single sign-on (accounts, the ground floor) sets these roles from a provider's groups.
        sso_role_names_register(ROLE_NAMES)

        # Sent once per migrate for this app (sender), after all migrations have been applied.
        post_migrate.connect(
            roles_sync_after_migrate,
            sender=self,
            dispatch_uid="assurance.roles_sync_after_migrate",
        )
