from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Procurement"

    def ready(self):
        from assurance.selectors import evidence_seal_register
        from procurement.selectors import sealed_bid_evidence

        evidence_seal_register(sealed_bid_evidence)
