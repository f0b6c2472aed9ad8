"""/api/v1/factor-datasets/: staff read the datasets' provenance; vendor users never."""

from __future__ import annotations

import pytest

from scope3.tests import runs_support as support
from vendors.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/factor-datasets/"


@pytest.fixture
def datasets():
    return {"useeio": support.useeio(), **support.reference_pack()}


def test_staff_list_datasets_with_their_provenance(client_for, analyst, datasets):
    response = client_for(analyst).get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    useeio = next(row for row in body["results"] if row["kind"] == "useeio")
    assert useeio["version"] == "t1" and useeio["dollar_year"] == 2022
    assert useeio["currency"] == "USD" and useeio["row_count"] == 2
    assert useeio["sha256"] == datasets["useeio"].sha256
    assert set(useeio) >= {
        "name",
        "publisher",
        "source_url",
        "doi",
        "licence",
        "unit",
        "gwp_basis",
        "imported_at",
    }


def test_detail_and_filter_by_kind(client_for, auditor, datasets):
    client = client_for(auditor)
    hardware = datasets["hardware"]
    detail = client.get(f"{API}{hardware.pk}/")
    assert detail.status_code == 200 and detail.json()["name"] == "Test hardware"
    filtered = client.get(f"{API}?kind=fx").json()
    assert [row["kind"] for row in filtered["results"]] == ["fx"]
    assert client.get(f"{API}?kind=waste").json()["count"] == 0


def test_datasets_cannot_be_written(client_for, analyst, datasets):
    client = client_for(analyst)
    response = client.post(API, {"name": "x"}, content_type="application/json")
    assert response.status_code in {403, 405}, response.content
    response = client.delete(f"{API}{datasets['fx'].pk}/")
    assert response.status_code in {403, 405}, response.content
    assert datasets["fx"].__class__.objects.filter(pk=datasets["fx"].pk).exists()


def test_vendor_users_and_staff_without_permission_get_403(client_for, member, datasets):
    pk = datasets["useeio"].pk
    for path in (API, f"{API}{pk}/", f"{API}999999/"):
        assert client_for(member).get(path).status_code == 403
    clerk = UserFactory(username="clerk", is_staff=True)
    assert client_for(clerk).get(API).status_code == 403


def test_anonymous_users_are_refused(client, datasets):
    assert client.get(API).status_code in {401, 403}
