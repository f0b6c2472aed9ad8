from django.apps import AppConfig


class Scope3Config(AppConfig):
    name = "scope3"
    verbose_name = "Scope 3"

    def ready(self):
        # What the vendors admin shows of this app (docs/architecture.md, "Which app may import
        # which").
        from scope3.admin.runs import supplier_data_offer
        from scope3.selectors import disclosure_fx_rate, disclosure_sector_factor
        from vendors import extensions

        extensions.supplier_data_changed.register(supplier_data_offer)
        extensions.sector_factor.register(disclosure_sector_factor)
        extensions.fx_rate.register(disclosure_fx_rate)
