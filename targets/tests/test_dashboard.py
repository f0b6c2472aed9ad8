"""The engagement dashboard: coverage, the bulk engagement action, exports identical to the page,
and query counts constant in the number of vendors."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from targets import reports, services
from targets.models import SbtiStatus
from targets.tests.support import SUPPLIER, completed_run, est
from vendors.models import Certification, DisclosureRequest, Vendor
from vendors.tests.factories import VendorFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def three(db):
    """A: valid SBTi certificate; B: expired one; C: "Targets Set" on the imported list.
    2025: A 600 t / 1,000 USD, B 300 t / 2,000 USD, C 100 t / 1,000 USD."""
    a, b, c = (VendorFactory(name=n) for n in ("Alpha", "Beta", "Gamma"))
    Certification.objects.create(
        vendor=a, kind="sbti", issue_date=dt.date(2023, 1, 1), expiry_date=dt.date(2030, 1, 1)
    )
    Certification.objects.create(
        vendor=b, kind="sbti", issue_date=dt.date(2020, 1, 1), expiry_date=dt.date(2024, 6, 30)
    )
    SbtiStatus.objects.create(
        vendor=c, company_name="Gamma plc", near_term_status="Targets Set", matched_by="name"
    )
    completed_run(
        2025,
        [
            est(a, 600_000, amount=1000, method=SUPPLIER),
            est(b, 300_000, amount=2000),
            est(c, 100_000, amount=1000, category=2),
        ],
    )
    return a, b, c


def test_engagement_coverage_by_emissions_and_spend(analyst, three):
    services.engagement_target_create(
        actor=analyst, name="67 % by 2027", target_pct=D(67), base_year=2025, target_year=2027
    )
    board = reports.dashboard()
    engagement = board.table("engagement").rows
    # (600 + 100) / 1,000 = 70 %; path in the base year: the base share itself.
    assert engagement == [
        ["67 % by 2027", "Share of emissions", 2025, D("70.0"), D("67.00"), D("67.00"), True, 2]
    ]
    cdp = dict(board.table("cdp_engagement").rows)
    assert cdp["share of Scope 3 tCO2e from suppliers with targets %"] == D("70.0")
    assert cdp["share of spend with suppliers with targets %"] == D("50.0")
    without = board.table("without_target")
    assert [row[0] for row in without.rows] == ["Beta"]
    assert without.rows[0][5] == "no SBTi certificate or listing"


def test_exports_hold_the_dashboards_numbers(client_for, analyst, three):
    client = client_for(analyst)
    page = client.get(reverse("admin:targets_dashboard"))
    assert page.status_code == 200
    board = page.context["board"]
    for key in ("esrs_e1_6", "cdp_engagement", "primary_data"):
        table = board.table(key)
        response = client.get(reverse("admin:targets_dashboard_export", args=[key, "csv"]))
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == table.columns
        assert rows[1:] == [
            [
                "" if v is None else ("yes" if v is True else "no" if v is False else str(v))
                for v in row
            ]
            for row in table.rows
        ]
    esrs = board.table("esrs_e1_6").rows
    # Category 1: 900 t (600 supplier-specific: 66.7 %); category 4... none; total 1,000 t.
    assert esrs[0][:2] == ["1 Purchased goods and services", D("900.000")]
    assert esrs[0][5] == D("66.7")
    assert esrs[-1][:2] == ["Total gross Scope 3", D("1000.000")]
    assert esrs[-1][5] == D("60.0")
    xlsx = client.get(reverse("admin:targets_dashboard_export", args=["esrs_e1_6", "xlsx"]))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=2).value == 900


def test_exports_are_formula_safe(client_for, analyst):
    vendor = VendorFactory(name='=HYPERLINK("http://x")')
    completed_run(2025, [est(vendor, 5000)])
    response = client_for(analyst).get(
        reverse("admin:targets_dashboard_export", args=["without_target", "csv"])
    )
    assert "'=HYPERLINK" in response.content.decode()


def test_bulk_engagement_request(client_for, officer, analyst, three):
    _, b, _ = three
    client = client_for(officer)
    response = client.post(
        reverse("admin:targets_engage"),
        {"vendor": [b.pk], "reporting_year": 2025, "due_date": "2026-03-31"},
    )
    assert response.status_code == 302
    request = DisclosureRequest.objects.get(vendor=b)
    assert request.ask_scope3_upstream and request.ask_allocation and request.ask_certificates
    # Again: refused for Beta by name, nothing new stored.
    client.post(
        reverse("admin:targets_engage"),
        {"vendor": [b.pk], "reporting_year": 2025, "due_date": "2026-03-31"},
    )
    assert DisclosureRequest.objects.filter(vendor=b).count() == 1


def test_outsiders_get_no_dashboard(client_for, member, evaluator, three):
    assert client_for(evaluator).get(reverse("admin:targets_dashboard")).status_code == 403


@pytest.mark.parametrize("count", [10, 1000])
def test_dashboard_queries_constant_in_vendors(analyst, count, django_assert_max_num_queries):
    vendors = Vendor.objects.bulk_create(
        Vendor(name=f"Bulk {n:05d}", country="DE", naics_code="334413", category="accelerators")
        for n in range(count)
    )
    base = completed_run(2024, [est(v, 1000) for v in vendors])
    completed_run(
        2025,
        [est(v, 900, method=SUPPLIER if n % 3 else "spend_based") for n, v in enumerate(vendors)],
    )
    services.target_create(
        actor=analyst, name="T", base_run=base, target_year=2030, reduction_pct=D(42)
    )
    services.engagement_target_create(
        actor=analyst, name="E", target_pct=D(67), base_year=2024, target_year=2027
    )
    with django_assert_max_num_queries(30):
        board = reports.dashboard()
    assert len(board.table("without_target").rows) == min(count, 20)
    assert (
        board.table("tiers").rows[2][1]
        + board.table("tiers").rows[1][1]
        + board.table("tiers").rows[0][1]
        == count
    )
