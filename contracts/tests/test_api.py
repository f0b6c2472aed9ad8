"""/api/v1/contracts/, kpi-clauses/, kpi-reports/ and iso14001-audits/: scoping and writes."""

import datetime

import pytest

from contracts import services
from contracts.models import KpiReport
from contracts.tests.factories import ContractFactory, Iso14001AuditFactory


def q1_2024(clause):
    return clause.periods.get(period_end=datetime.date(2024, 3, 31))


def test_vendor_reads_its_contracts_clauses_and_audits(client_for, member, clause, vendor_a):
    ContractFactory(vendor=vendor_a, reference="ACME-DRAFT", status="draft")
    Iso14001AuditFactory(vendor=vendor_a)
    client = client_for(member)
    contracts = client.get("/api/v1/contracts/").json()
    assert [c["reference"] for c in contracts["results"]] == ["ACME-2024-01"]
    clauses = client.get("/api/v1/kpi-clauses/").json()["results"]
    assert len(clauses) == 1 and len(clauses[0]["periods"]) == 8
    assert client.get("/api/v1/iso14001-audits/").json()["count"] == 1


def test_vendor_contributor_posts_a_report_for_its_own_period(client_for, vendor_a, clause):
    from vendors.tests.factories import UserFactory, VendorMembershipFactory

    contributor = VendorMembershipFactory(
        vendor=vendor_a, user=UserFactory(username="contrib"), role="contributor"
    ).user
    response = client_for(contributor).post(
        "/api/v1/kpi-reports/",
        {"period": q1_2024(clause).pk, "value": "93.2", "note": "api"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "submitted"
    report = KpiReport.objects.get()
    assert report.submitted_by == contributor
    # Correction until accepted.
    response = client_for(contributor).patch(
        f"/api/v1/kpi-reports/{report.pk}/", {"value": "92"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    report.refresh_from_db()
    assert str(report.value) == "92.0000"


def test_api_refuses_wrong_scale_and_future_periods_with_field_errors(
    client_for, member, percent_clause
):
    period = percent_clause.periods.get(period_end=datetime.date(2024, 12, 31))
    response = client_for(member).post(
        "/api/v1/kpi-reports/",
        {"period": period.pk, "value": "0.45"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "did you mean 45 %?" in response.json()["value"][0]


def test_another_vendors_period_and_report_are_invisible(
    client_for, outsider, member, officer, clause
):
    report = services.kpi_report_submit(
        actor=member, period=q1_2024(clause), value="95", today=datetime.date(2026, 1, 1)
    )
    client = client_for(outsider)
    response = client.post(
        "/api/v1/kpi-reports/",
        {"period": clause.periods.last().pk, "value": "1"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["period"])
    assert client.get(f"/api/v1/kpi-reports/{report.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/kpi-reports/{report.pk}/", {"value": "1"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/kpi-clauses/{clause.pk}/").status_code == 404
    assert client.get("/api/v1/kpi-reports/").json()["count"] == 0
    assert KpiReport.objects.count() == 1


def test_reports_cannot_be_reviewed_through_the_api(client_for, member, officer, clause):
    report = services.kpi_report_submit(
        actor=member, period=q1_2024(clause), value="95", today=datetime.date(2026, 1, 1)
    )
    # The status is read-only: officers review in the admin, with the trajectory shown.
    response = client_for(officer).patch(
        f"/api/v1/kpi-reports/{report.pk}/", {"status": "accepted"}, content_type="application/json"
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == KpiReport.Status.SUBMITTED


def test_vendor_cannot_write_audits_and_staff_can(client_for, member, officer, vendor_a):
    body = {
        "vendor": vendor_a.pk,
        "audit_type": "desk_review",
        "audit_date": "2026-02-01",
        "auditor": "A. Auditor",
    }
    assert (
        client_for(member).post("/api/v1/iso14001-audits/", body, content_type="application/json")
    ).status_code == 403
    response = client_for(officer).post(
        "/api/v1/iso14001-audits/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("size", [1, 4])
def test_api_lists_make_a_constant_number_of_queries(
    client_for, member, officer, vendor_a, size, django_assert_max_num_queries
):
    from decimal import Decimal

    for n in range(size):
        contract = ContractFactory(vendor=vendor_a, created_by=officer)
        services.kpi_clause_create(
            actor=officer,
            contract=contract,
            metric=f"M{n}",
            unit="ratio",
            direction="lower",
            baseline_value=Decimal("1.5"),
            baseline_year=2024,
            target_value=Decimal("1.2"),
            target_year=2027,
            frequency="quarterly",
        )
        Iso14001AuditFactory(vendor=vendor_a, created_by=officer)
    client = client_for(member)
    for url in (
        "/api/v1/contracts/",
        "/api/v1/kpi-clauses/",
        "/api/v1/kpi-reports/",
        "/api/v1/iso14001-audits/",
    ):
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200, url
