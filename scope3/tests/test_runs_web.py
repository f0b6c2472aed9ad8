"""The inventory runs API and admin: who may start, follow and read runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assurance.history import system_user
from scope3.models import InventoryRun
from scope3.services import inventory_run_execute, inventory_run_start
from scope3.tests import runs_support as support
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/inventory-runs/"


@pytest.fixture
def ledger():
    pack = {"useeio": support.useeio(), **support.reference_pack()}
    vendor = VendorFactory(name="Acme Silicon")
    support.worked_ledger(vendor)
    return pack, vendor


def completed_run(**kwargs):
    run = inventory_run_start(actor=system_user(), year=2024, queue=False, **kwargs)
    return inventory_run_execute(run=run)


# --- API ---------------------------------------------------------------------------------------


def test_analyst_starts_a_run_through_the_api_and_it_is_pinned(client_for, analyst, ledger):
    response = client_for(analyst).post(
        API, {"year": 2024, "pins": {"useeio": "t1"}}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["pins"]["useeio"] == "t1"
    assert body["started_by"] == "analyst"
    run = InventoryRun.objects.get(pk=body["id"])
    assert run.started_by == analyst and run.history.first().history_user == analyst


def test_api_refuses_an_unknown_version_with_a_400_naming_it(client_for, analyst, ledger):
    response = client_for(analyst).post(
        API, {"year": 2024, "pins": {"useeio": "9.9"}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "no useeio factor dataset version '9.9'" in str(response.json())
    assert not InventoryRun.objects.exists()


def test_api_shows_progress_results_and_restatement(client_for, analyst, ledger):
    old = completed_run(pins={"useeio": "t1"})
    support.useeio(version="t2", factor_334413="0.430")
    new = completed_run()
    client = client_for(analyst)

    progress = client.get(f"{API}{new.pk}/").json()
    assert progress["status"] == "completed" and progress["progress"] == 1.0
    assert Decimal(progress["total_kgco2e"]) == new.total_kgco2e

    page = client.get(f"{API}{new.pk}/results/?page_size=10").json()
    assert page["count"] == 30 and len(page["results"]) == 10
    first = page["results"][0]
    assert first["external_id"] == "L000000" and first["factor_version"] == "t2"
    assert Decimal(first["kgco2e"]) == Decimal("344.000")  # 800 USD2022 * 0.430

    restatement = client.get(f"{API}{new.pk}/restatement/").json()
    assert restatement["previous_run"] == old.pk
    assert any(
        "new factor version: useeio t1 → t2" in row["reasons"] for row in restatement["rows"]
    )


def test_auditor_reads_runs_but_cannot_start_one(client_for, auditor, ledger):
    run = completed_run()
    client = client_for(auditor)
    assert client.get(f"{API}{run.pk}/").status_code == 200
    assert client.get(f"{API}{run.pk}/results/").status_code == 200
    response = client.post(API, {"year": 2024}, content_type="application/json")
    assert response.status_code == 403
    assert InventoryRun.objects.count() == 1


def test_vendor_users_get_403_on_every_run_route(client_for, member, ledger):
    run = completed_run()
    client = client_for(member)
    for url in (API, f"{API}{run.pk}/", f"{API}{run.pk}/results/", f"{API}999999/"):
        assert client.get(url).status_code == 403, url
    assert client.post(API, {"year": 2024}, content_type="application/json").status_code == 403


def test_results_queries_do_not_grow_with_the_page(
    client_for, analyst, ledger, django_assert_max_num_queries
):
    run = completed_run()
    client = client_for(analyst)
    with django_assert_max_num_queries(12):
        assert client.get(f"{API}{run.pk}/results/?page_size=5").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"{API}{run.pk}/results/?page_size=30").status_code == 200


# --- admin -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "analyst", "auditor"])
def test_staff_see_the_runs_and_their_progress(client_for, persona, request, ledger):
    run = completed_run()
    client = client_for(request.getfixturevalue(persona))
    listing = client.get("/admin/scope3/inventoryrun/")
    assert listing.status_code == 200
    assert b"<progress" in listing.content and b"1 of 1 chunks (100 %)" in listing.content
    page = client.get(f"/admin/scope3/inventoryrun/{run.pk}/change/")
    assert page.status_code == 200
    # The worked example's 12,371.800 kg (9,858.636 to 15,516.096), in tonnes.
    assert b"12.37 tCO2e (9.86 to 15.52 tCO2e)" in page.content
    assert b"linear within a shared source, quadrature across sources" in page.content
    assert b"1 Purchased goods and services" in page.content
    estimates = client.get(f"/admin/scope3/emissionestimate/?run__id__exact={run.pk}")
    assert estimates.status_code == 200 and b"L000003" in estimates.content


def test_analyst_starts_a_run_from_the_admin(client_for, analyst, ledger):
    client = client_for(analyst)
    assert b"Start a run for a year" in client.get("/admin/scope3/inventoryrun/").content
    form = client.get("/admin/scope3/inventoryrun/start/")
    assert form.status_code == 200 and b'<label for="id_year"' in form.content

    response = client.post("/admin/scope3/inventoryrun/start/", {"year": 2024, "pin_useeio": "t1"})

    run = InventoryRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/scope3/inventoryrun/{run.pk}/change/"
    assert run.started_by == analyst and run.pins["useeio"] == "t1"


def test_the_start_page_says_why_a_run_cannot_start(client_for, analyst):
    response = client_for(analyst).post("/admin/scope3/inventoryrun/start/", {"year": 2024})
    assert response.status_code == 200
    assert b"No spend-based factor dataset" in response.content
    assert b'role="alert"' in response.content


@pytest.mark.parametrize("persona", ["officer", "auditor"])
def test_starting_a_run_needs_the_add_permission(client_for, persona, request, ledger):
    client = client_for(request.getfixturevalue(persona))
    assert b"Start a run for a year" not in client.get("/admin/scope3/inventoryrun/").content
    assert client.get("/admin/scope3/inventoryrun/start/").status_code == 403
    assert client.post("/admin/scope3/inventoryrun/start/", {"year": 2024}).status_code == 403
    assert not InventoryRun.objects.exists()


def test_admin_restatement_page_explains_the_change(client_for, analyst, ledger):
    completed_run(pins={"useeio": "t1"})
    support.useeio(version="t2", factor_334413="0.430")
    new = completed_run()
    page = client_for(analyst).get(f"/admin/scope3/inventoryrun/{new.pk}/restatement/")
    assert page.status_code == 200
    assert "new factor version: useeio t1 → t2" in page.content.decode()
    assert b"Acme Silicon" in page.content


def test_the_rerun_action_starts_a_run_of_the_same_year(client_for, analyst, ledger):
    run = completed_run()
    response = client_for(analyst).post(
        "/admin/scope3/inventoryrun/",
        {"action": "start_same_year", "_selected_action": [run.pk]},
    )
    assert response.status_code == 302
    assert InventoryRun.objects.filter(reporting_year=2024).count() == 2
