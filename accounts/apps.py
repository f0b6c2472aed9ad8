from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and security"

    def ready(self):
        from accounts import signals  # noqa: F401 - connects the receivers
        from accounts.oidc import checks  # noqa: F401 - registers the single sign-on checks
