"""KPI flow in a real browser: a vendor reports a value with evidence in the portal, an officer
accepts it in the admin, and the contract page shows the point on the KPI chart."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assurance.demo import demo_pdf
from contracts import services
from contracts.models import KpiReport

PASSWORD = "correct horse battery"
PDF = demo_pdf("KPI evidence")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_vendor_reports_officer_accepts_chart_shows_point(
    new_browser_page, portal_login, admin_login, member, officer, vendor_a, settings, tmp_path
):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    contract = services.contract_create(
        actor=officer,
        vendor=vendor_a,
        reference="ACME-KPI-1",
        title="Accelerator cluster",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        value=Decimal("1000000"),
        currency="USD",
        owner=officer,
        status="active",
    )
    # Lower is better, 100 in 2023 to 60 in 2027: 80 expected in 2025.
    clause = services.kpi_clause_create(
        actor=officer,
        contract=contract,
        metric="Scope 1+2 emissions intensity per revenue",
        unit="tCO2e per million USD",
        direction="lower",
        baseline_value=Decimal("100"),
        baseline_year=2023,
        target_value=Decimal("60"),
        target_year=2027,
        frequency="annual",
    )
    period = clause.periods.get(period_end=datetime.date(2025, 12, 31))

    vendor_page = new_browser_page()
    portal_login(vendor_page, member.username, PASSWORD)
    vendor_page.get_by_role("link", name="Contracts").click()
    vendor_page.get_by_role("link", name="ACME-KPI-1").click()
    vendor_page.get_by_role(
        "link", name="Report Scope 1+2 emissions intensity per revenue for 1 Jan 2025"
    ).click()
    vendor_page.get_by_label("Value (tCO2e per million USD)").fill("79")
    vendor_page.get_by_label("Evidence file").set_input_files(
        {"name": "intensity-2025.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    vendor_page.get_by_role("button", name="Submit report").click()
    vendor_page.get_by_text("Your KPI report was submitted").wait_for()
    report = KpiReport.objects.get(period=period)
    assert report.status == KpiReport.Status.SUBMITTED
    assert report.evidence.original_name == "intensity-2025.pdf"

    officer_page = new_browser_page()
    admin_login(officer_page, officer.username, PASSWORD)
    officer_page.goto("/admin/contracts/kpireport/")
    officer_page.locator(f'input[name="_selected_action"][value="{report.pk}"]').check()
    officer_page.locator('select[name="action"]').select_option("accept_reports")
    officer_page.get_by_role("button", name="Go").click()
    officer_page.get_by_text("1 KPI report(s) accepted; 0 off track").wait_for()
    report.refresh_from_db()
    assert (report.status, report.on_track) == (KpiReport.Status.ACCEPTED, True)

    officer_page.goto(f"/admin/contracts/contract/{contract.pk}/change/")
    point = officer_page.locator('#kpi-charts svg g[data-point="2025-01-01 to 2025-12-31"]')
    assert point.count() == 1
    assert "79 tCO2e per million USD (on track)" in point.locator("title").text_content()
