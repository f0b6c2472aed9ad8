"""The targets admin: creating a target through the service, and the base-year decision page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assurance.models import AuditEvent
from targets import services
from targets.models import BaseYearRecalculation, Target
from targets.tests.support import completed_run, est
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def test_add_target_pins_the_base_run(client_for, analyst):
    vendor = VendorFactory(name="Alpha")
    base = completed_run(
        2022, [est(vendor, 12_000_000, category=1), est(vendor, 1_000, category=2)]
    )
    client = client_for(analyst)
    form = {
        "name": "Cat 1 -42 %",
        "kind": "absolute",
        "horizon": "near_term",
        "categories": ["1"],
        "base_run": base.pk,
        "target_year": "2030",
        "reduction_pct": "42",
        "significance_pct": "5",
    }
    refused = client.post(reverse("admin:targets_target_add"), {**form, "target_year": "2021"})
    assert refused.status_code == 200
    assert "must be after the base year 2022" in refused.content.decode()
    response = client.post(reverse("admin:targets_target_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get()
    assert (target.base_tco2e, target.categories, target.created_by) == (
        Decimal("12000.000"),
        [1],
        analyst,
    )
    assert AuditEvent.objects.filter(verb="created", target_id=str(target.pk)).exists()


def test_recalculation_page_records_the_decision(client_for, analyst, auditor):
    vendor = VendorFactory(name="Alpha")
    base = completed_run(2022, [est(vendor, 12_000_000)])
    target = services.target_create(
        actor=analyst, name="T", base_run=base, target_year=2030, reduction_pct=Decimal(42)
    )
    completed_run(2022, [est(vendor, 12_720_000)])
    url = reverse("admin:targets_recalculation", args=[target.pk])
    page = client_for(analyst).get(url)
    assert "a change of 6%" in page.content.decode()
    assert client_for(auditor).post(url, {"recalculate": "yes", "reason": "x"}).status_code == 403
    client = client_for(analyst)
    assert client.post(url, {"recalculate": "yes", "reason": ""}).status_code == 200
    response = client.post(url, {"recalculate": "yes", "reason": "merger restated 2022"})
    assert response.status_code == 302
    record = BaseYearRecalculation.objects.get()
    assert (record.old_tco2e, record.new_tco2e, record.decision) == (
        Decimal("12000.000"),
        Decimal("12720.000"),
        "recalculated",
    )
