import datetime
from decimal import Decimal

import factory

from contracts.models import AuditFinding, Contract, Iso14001Audit, KpiClause
from vendors.tests.factories import UserFactory, VendorFactory


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    vendor = factory.SubFactory(VendorFactory)
    reference = factory.Sequence(lambda n: f"C-{n:04d}")
    title = "GPU servers and support"
    start_date = datetime.date(2025, 1, 1)
    end_date = datetime.date(2026, 12, 31)
    value = Decimal("1200000.00")
    currency = "USD"
    status = Contract.Status.ACTIVE
    created_by = factory.SubFactory(UserFactory)


class KpiClauseFactory(factory.django.DjangoModelFactory):
    """A clause row without periods; use ``contracts.services.kpi_clause_create`` to get them."""

    class Meta:
        model = KpiClause

    contract = factory.SubFactory(ContractFactory)
    metric = "Scope 1+2 emissions intensity per revenue"
    unit = "tCO2e per million USD"
    direction = "lower"
    baseline_value = Decimal("100")
    baseline_year = 2023
    target_value = Decimal("60")
    target_year = 2027
    frequency = "annual"
    remedy = "Reduction plan within 60 days."


class Iso14001AuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Iso14001Audit

    vendor = factory.SubFactory(VendorFactory)
    audit_type = Iso14001Audit.Type.DESK_REVIEW
    audit_date = datetime.date(2026, 3, 1)
    auditor = "A. Auditor, Example Assurance"
    result = Iso14001Audit.Result.CONFORMING
    created_by = factory.SubFactory(UserFactory)


class AuditFindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditFinding

    audit = factory.SubFactory(Iso14001AuditFactory)
    severity = AuditFinding.Severity.MINOR
    clause_ref = "6.1.2"
    description = "Environmental aspects register not updated for the new site."
    corrective_action = "Update the register and review it quarterly."
    due_date = datetime.date(2026, 6, 1)
