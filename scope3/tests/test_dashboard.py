"""The Scope 3 dashboard in the admin: figures, exports, drill-down and who may see it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assurance.history import system_user
from scope3.models import EmissionEstimate
from scope3.services import inventory_run_execute, inventory_run_start
from scope3.tests import runs_support as support
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

URL = "/admin/scope3/dashboard/"


def completed_run(year=2024):
    run = inventory_run_start(actor=system_user(), year=year, queue=False)
    return inventory_run_execute(run=run)


@pytest.fixture
def run():
    support.useeio()
    support.reference_pack()
    support.worked_ledger(VendorFactory(name="Acme Silicon"))
    return completed_run()


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def test_dashboard_totals_match_the_run_and_the_worked_example(client_for, analyst, run):
    response = client_for(analyst).get(URL)
    assert response.status_code == 200
    assert response.context["run"] == run
    changelist = client_for(analyst).get(reverse("admin:scope3_inventoryrun_changelist"))
    assert f'href="{URL}"' in changelist.content.decode()
    assert f'href="{URL}"' in client_for(analyst).get("/admin/scope3/").content.decode()
    categories = table(response, "category")
    # Worked example in runs_support.worked_ledger: 12,371.8 kg, the 500 USD line unaccounted.
    assert sum(row[1] for row in categories.rows) == run.total_kgco2e == Decimal("12371.800")
    methods = {row[0]: row[1] for row in table(response, "methods").rows}
    assert methods["Average-data"] == Decimal("11400.000")  # 2,400 GPU + 9,000 air freight
    assert methods["Spend-based"] == Decimal("971.800")  # 172 + 215 + 172 + 412.8
    vendors = table(response, "vendors").rows
    assert vendors[0][0] == "Acme Silicon" and vendors[0][1] == Decimal("12371.800")
    # The whole run's range, combined by shared source (runs_support.worked_ledger):
    # 9,858.636 .. 15,516.096 kg, with its emissions-weighted DQ.
    assert vendors[0][2] == Decimal("9858.636") and vendors[0][3] == Decimal("15516.096")
    assert vendors[0][2:4] == [run.low_kgco2e, run.high_kgco2e]
    # Emissions-weighted DQ: (971.8 kg * 3 + 2,400 * 4 + 9,000 * 4) / 12,371.8 = 3.92 -> 3.9
    # (spend lines score 3; GPU and air freight 4, their test datasets naming no year).
    assert vendors[0][4] == Decimal("3.9") == Decimal(run.plan["summary"]["dq_weighted"])
    assert table(response, "unaccounted").rows == [["USD", Decimal("500.0000"), 1]]
    assert table(response, "coverage").rows[1][1] == Decimal("0.0")
    assert table(response, "years").rows == [
        [2024, run.pk, run.total_kgco2e, run.low_kgco2e, run.high_kgco2e]
    ]
    body = response.content.decode()
    # Charts are drawn on the server, one per total table.
    assert 'role="img" aria-label="Top 20 vendors (kgCO2e)"' in body
    assert 'aria-label="Totals by category (kgCO2e)"' in body


def test_a_total_drills_down_to_its_lines(client_for, analyst, run):
    client = client_for(analyst)
    link = table(client.get(URL), "methods").links[0]
    assert f"run__id__exact={run.pk}" in link
    lines = client.get(link)
    assert lines.status_code == 200
    shown = lines.context["cl"].result_count
    average = EmissionEstimate.objects.filter(run=run, method="average_data").count()
    assert shown == average == 2
    vendor_link = table(client.get(URL), "vendors").links[0]
    assert client.get(vendor_link).context["cl"].result_count == 29  # 30 lines, 1 unmatched

    # From a line to its factor dataset (name, version, DOI, sha256) and its factor row.
    estimate = EmissionEstimate.objects.get(run=run, spend_line__external_id="L000000")
    page = client.get(reverse("admin:scope3_emissionestimate_change", args=[estimate.pk]))
    dataset_url = reverse("admin:scope3_factordataset_change", args=[estimate.factor_dataset_id])
    assert dataset_url in page.content.decode()
    dataset_page = client.get(dataset_url).content.decode()
    assert estimate.factor_dataset.sha256 in dataset_page
    factor_rows = client.get(
        reverse("admin:scope3_emissionfactor_changelist"),
        {"dataset__id__exact": estimate.factor_dataset_id, "code": estimate.factor_code},
    )
    assert factor_rows.context["cl"].result_count == 1
    assert "0.215" in factor_rows.content.decode()


def test_exports_keep_numbers_and_neutralise_formula_text(client_for, analyst):
    support.useeio()
    support.reference_pack()
    support.worked_ledger(VendorFactory(name='=HYPERLINK("http://evil")'))
    run = completed_run()
    client = client_for(analyst)

    response = client.get(f"{URL}export/vendors.csv?run={run.pk}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "vendor",
        "kgCO2e",
        "low kgCO2e",
        "high kgCO2e",
        "DQ (weighted, 1 best)",
        "lines",
    ]
    assert rows[1][0] == '\'=HYPERLINK("http://evil")' and rows[1][1] == "12371.800"

    response = client.get(f"{URL}export/vendors.xlsx?run={run.pk}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(2, 1).value == '\'=HYPERLINK("http://evil")'
    assert sheet.cell(2, 2).value == pytest.approx(12371.8)

    assert client.get(f"{URL}export/vendors.exe?run={run.pk}").status_code == 404


def test_auditor_sees_the_dashboard_and_vendor_users_are_sent_to_login(
    client_for, auditor, member, run
):
    assert client_for(auditor).get(URL).status_code == 200
    for path in (URL, f"{URL}export/category.csv?run={run.pk}"):
        response = client_for(member).get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_view_permission_is_refused(client_for, run):
    from vendors.tests.factories import UserFactory

    clerk = UserFactory(username="clerk", is_staff=True)
    assert client_for(clerk).get(URL).status_code == 403


def test_another_year_is_chosen_with_the_select(client_for, analyst, run):
    response = client_for(analyst).get(f"{URL}?run={run.pk}")
    assert f'<option value="{run.pk}" selected>' in response.content.decode()
    assert client_for(analyst).get(f"{URL}?run=999999").status_code == 404


def test_query_count_does_not_grow_with_the_number_of_estimates(client_for, analyst):
    support.useeio()
    support.reference_pack()
    vendors = [VendorFactory() for _ in range(3)]
    support.big_ledger(vendors, 20)
    small = completed_run()
    support.big_ledger(vendors + [VendorFactory() for _ in range(30)], 400, start=1000)
    large = completed_run()
    client = client_for(analyst)

    counts = []
    for run in (small, large):
        client.get(f"{URL}?run={run.pk}")  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{URL}?run={run.pk}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert EmissionEstimate.objects.filter(run=large).count() == 420
