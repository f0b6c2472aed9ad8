"""/api/v1/targets/: staff read targets with progress and create them through the service."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from targets.tests.support import completed_run, est
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_and_read_progress(analyst, auditor, member):
    vendor = VendorFactory(name="Alpha")
    base = completed_run(2022, [est(vendor, 12_000_000)])
    completed_run(2025, [est(vendor, 10_000_000)])
    client = _client(analyst)
    bad = client.post(
        "/api/v1/targets/",
        {
            "name": "T",
            "base_run": base.pk,
            "target_year": 2030,
            "reduction_pct": "42",
            "categories": [3],
        },
        format="json",
    )
    assert bad.status_code == 400
    assert "unknown Scope 3 categories [3]" in str(bad.json()["categories"])
    created = client.post(
        "/api/v1/targets/",
        {"name": "T", "base_run": base.pk, "target_year": 2030, "reduction_pct": "42"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = _client(auditor).get(f"/api/v1/targets/{created.json()['id']}/").json()
    assert body["base_tco2e"] == "12000.000"
    assert [(p["year"], p["path_value"], p["on_track"]) for p in body["progress"]] == [
        (2022, "12000.000", True),
        (2025, "10110.000", True),
    ]
    assert Decimal(body["progress"][1]["gap_left_pct"]) == Decimal("60.3")
    assert _client(auditor).post("/api/v1/targets/", {}, format="json").status_code == 403
    assert _client(member).get("/api/v1/targets/").status_code == 403
