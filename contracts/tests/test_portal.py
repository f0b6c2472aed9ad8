"""The vendor portal pages of contracts: what the vendor sees and can do, and nothing more."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assurance.demo import demo_pdf
from contracts import services
from contracts.models import KpiReport
from contracts.tests.factories import ContractFactory

PDF = demo_pdf("KPI evidence")


def q1_2024(clause):
    return clause.periods.get(period_end=datetime.date(2024, 3, 31))


def evidence(name="intensity-2024q1.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_list_shows_due_periods_and_contracts_but_not_drafts(client_for, member, clause, vendor_a):
    ContractFactory(vendor=vendor_a, reference="ACME-DRAFT-9", status="draft")
    response = client_for(member).get(reverse("portal:contract_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "ACME-2024-01" in text
    assert "ACME-DRAFT-9" not in text
    # 8 quarters of 2024-2025 have ended; each is due.
    assert text.count(clause.metric + '<span class="visually-hidden">: report') == 8


def test_detail_shows_clause_chart_and_report_links(client_for, member, clause, contract):
    response = client_for(member).get(reverse("portal:contract_detail", args=[contract.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<svg" in text and 'role="img"' in text
    assert reverse("portal:kpi_report_submit", args=[q1_2024(clause).pk]) in text


def test_vendor_submits_a_report_with_evidence(client_for, member, clause, evidence_root):
    period = q1_2024(clause)
    url = reverse("portal:kpi_report_submit", args=[period.pk])
    client = client_for(member)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"value": "95.5", "note": "From our CDP answer", "evidence": evidence()}
    )
    assert response.status_code == 302
    report = KpiReport.objects.get(period=period)
    assert report.value == Decimal("95.5")
    assert report.submitted_by == member
    assert report.evidence.original_name == "intensity-2024q1.pdf"
    assert report.evidence.vendor == clause.contract.vendor
    # The contract page now shows it pending review, as a hollow point in the chart.
    detail = client.get(reverse("portal:contract_detail", args=[clause.contract_id]))
    assert "95.5 tCO2e per million USD" in detail.content.decode()
    assert "pending review" in detail.content.decode()


def test_evidence_is_required_on_the_first_submission(client_for, member, clause, evidence_root):
    url = reverse("portal:kpi_report_submit", args=[q1_2024(clause).pk])
    response = client_for(member).post(url, {"value": "95"})
    assert response.status_code == 200
    assert "Attach the evidence for this value." in response.content.decode()
    assert not KpiReport.objects.exists()


def test_wrong_unit_scale_is_shown_next_to_the_value(
    client_for, member, percent_clause, evidence_root
):
    period = percent_clause.periods.get(period_end=datetime.date(2024, 12, 31))
    response = client_for(member).post(
        reverse("portal:kpi_report_submit", args=[period.pk]),
        {"value": "0.45", "evidence": evidence()},
    )
    assert response.status_code == 200
    assert "did you mean 45 %?" in response.content.decode()
    assert not KpiReport.objects.exists()


def test_a_period_that_has_not_ended_cannot_be_reported(
    client_for, member, officer, vendor_a, evidence_root
):
    future = services.contract_create(
        actor=officer,
        vendor=vendor_a,
        reference="ACME-FUTURE",
        title="Long-term supply",
        start_date=datetime.date(2090, 1, 1),
        end_date=datetime.date(2091, 12, 31),
        value=Decimal(1),
        currency="USD",
        status="active",
    )
    clause = services.kpi_clause_create(
        actor=officer,
        contract=future,
        metric="Take-back rate",
        unit="%",
        direction="higher",
        baseline_value=Decimal(50),
        baseline_year=2089,
        target_value=Decimal(90),
        target_year=2091,
        frequency="annual",
    )
    url = reverse("portal:kpi_report_submit", args=[clause.periods.first().pk])
    client = client_for(member)
    assert "has not ended yet" in client.get(url).content.decode()
    response = client.post(url, {"value": "60", "evidence": evidence()})
    assert response.status_code == 200
    assert "has not ended yet; it can be reported from 2091-01-01" in response.content.decode()
    assert not KpiReport.objects.exists()


def test_another_vendors_clause_answers_404(client_for, outsider, clause, contract, evidence_root):
    client = client_for(outsider)
    url = reverse("portal:kpi_report_submit", args=[q1_2024(clause).pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"value": "1", "evidence": evidence()}).status_code == 404
    assert client.get(reverse("portal:contract_detail", args=[contract.pk])).status_code == 404
    listing = client.get(reverse("portal:contract_list")).content.decode()
    assert "ACME-2024-01" not in listing
    assert not KpiReport.objects.exists()


def test_in_breach_clause_shows_its_remedy(client_for, member, officer, clause, contract):
    for day, value in ((datetime.date(2025, 3, 31), "85"), (datetime.date(2025, 6, 30), "84")):
        report = services.kpi_report_submit(
            actor=member,
            period=clause.periods.get(period_end=day),
            value=value,
            today=datetime.date(2026, 1, 10),
        )
        services.kpi_report_accept(actor=officer, report=report)
    text = client_for(member).get(reverse("portal:contract_detail", args=[contract.pk])).content
    assert b"This clause is in breach" in text
    assert b"Reduction plan within 60 days." in text


def test_open_items_list_due_reports_and_breaches(member, clause, vendor_a):
    from contracts.selectors import contract_open_items_for_vendor

    items = contract_open_items_for_vendor(vendor_a, today=datetime.date(2024, 5, 15))
    # Q1 2024 ended on 31 March and is due on 30 April: overdue on 15 May.
    assert [(i.kind, i.due) for i in items] == [("kpi_report_overdue", datetime.date(2024, 4, 30))]
    assert items[0].url == reverse("portal:kpi_report_submit", args=[q1_2024(clause).pk])


@pytest.mark.parametrize("size", [1, 4])
def test_portal_pages_make_a_constant_number_of_queries(
    client_for, member, officer, vendor_a, size, django_assert_max_num_queries
):
    for n in range(size):
        contract = ContractFactory(vendor=vendor_a, reference=f"ACME-Q-{n}", created_by=officer)
        services.kpi_clause_create(
            actor=officer,
            contract=contract,
            metric=f"Metric {n}",
            unit="ratio",
            direction="lower",
            baseline_value=Decimal("1.5"),
            baseline_year=2024,
            target_value=Decimal("1.2"),
            target_year=2027,
            frequency="quarterly",
        )
    client = client_for(member)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("portal:contract_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("portal:contract_detail", args=[contract.pk])).status_code == 200
