from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendors"

    def ready(self):
        # Assurance is a floor below and cannot import the tenant boundary; it is handed in
        # (docs/architecture.md, "Which app may import which").
        from assurance.selectors import evidence_tenant_register
        from vendors.tenancy import vendor_for_user

        evidence_tenant_register(vendor_for_user)
