from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self):
        # What the vendor portal's home shows of this app (docs/architecture.md, "Which app may
        # import which").
        from contracts.selectors import contract_open_items_for_vendor
        from vendors import extensions

        extensions.portal_open_items.register(contract_open_items_for_vendor)
