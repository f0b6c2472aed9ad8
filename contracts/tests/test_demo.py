"""seed_contracts: the promised scenarios exist, and a second run writes nothing."""

import datetime

from contracts.demo import seed_contracts
from contracts.models import Contract, KpiClause, KpiReport, RenewalDecision
from contracts.selectors import overdue_findings
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)

TODAY = datetime.date(2026, 5, 20)


def test_seed_contracts_builds_every_scenario_once(officer):
    northwind = VendorFactory(name="Northwind Accelerators")
    VendorMembershipFactory(vendor=northwind, user=UserFactory(username="vendor"))
    # Its certificate lapses 45 days from now, inside the contract's notice period.
    CertificationFactory(
        vendor=northwind,
        issue_date=datetime.date(2023, 7, 4),
        expiry_date=TODAY + datetime.timedelta(days=45),
    )
    VendorFactory(name="Kestrel Compute Systems")
    VendorFactory(name="Nordlys Cloud")

    seed_contracts(actor=officer, today=TODAY)
    counts = (Contract.objects.count(), KpiReport.objects.count(), RenewalDecision.objects.count())
    seed_contracts(actor=officer, today=TODAY)
    assert (
        Contract.objects.count(),
        KpiReport.objects.count(),
        RenewalDecision.objects.count(),
    ) == counts

    statuses = set(KpiClause.objects.values_list("status", flat=True))
    assert {"active", "in_breach"} <= statuses
    assert KpiReport.objects.filter(on_track=True).exists()
    assert KpiReport.objects.filter(on_track=False).exists()
    refusal = RenewalDecision.objects.get(contract__reference="DEMO-NWA-GPU-01")
    assert refusal.outcome == "refuse"
    assert "8.1" in " ".join(r["detail"] for r in refusal.reasons)
    assert overdue_findings(vendor=northwind, today=TODAY).count() == 1
    waiver = RenewalDecision.objects.get(contract__reference="DEMO-NOR-COLO-01")
    assert waiver.outcome == "waiver"
    assert Contract.objects.get(reference="DEMO-NOR-COLO-01").status == "renewed"
    assert Contract.objects.filter(reference="DEMO-NOR-COLO-01-R1", status="draft").exists()
