"""The journeys of docs/walkthrough.md, walked in a real browser over the demo data.

Each step opens the page a person would, checks what they came for is there, and takes the
screenshot the walkthrough shows. ``make screenshots`` runs this test with
``TENDERLEAF_SCREENSHOTS=docs/walkthrough`` and so regenerates the pictures; otherwise they go to
a temporary folder and only the checks count.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shots(tmp_path) -> Path:
    target = os.environ.get("TENDERLEAF_SCREENSHOTS")
    folder = (ROOT / target) if target else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def demo():
    from io import StringIO

    from assurance.roles import permissions_ensure, roles_sync

    # An earlier transactional test may have flushed the roles the data migrations made.
    permissions_ensure()
    roles_sync()
    call_command("seed_demo", stdout=StringIO())
    from accounts.demo import DEFAULT_PASSWORD

    return DEFAULT_PASSWORD


def _shot(page, folder: Path, name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def test_the_three_journeys_of_the_walkthrough(
    demo, shots, new_browser_page, admin_login, portal_login
):
    from scope3.models import InventoryRun
    from vendors.models import EmissionsDisclosure

    password = demo

    # 1. The procurement officer: home, a disclosure to review, the scoring matrix.
    page = new_browser_page()
    admin_login(page, "officer", password)
    page.goto("/admin/")
    assert page.get_by_role("heading", name="Open RFPs by stage").is_visible()
    assert page.get_by_role("heading", name="Disclosures to review").is_visible()
    _shot(page, shots, "01-officer-home")
    disclosure = (
        EmissionsDisclosure.objects.filter(status=EmissionsDisclosure.Status.SUBMITTED).first()
        or EmissionsDisclosure.objects.filter(status=EmissionsDisclosure.Status.ACCEPTED).first()
    )
    page.goto(f"/admin/vendors/emissionsdisclosure/{disclosure.pk}/change/")
    assert page.get_by_text("Scope 1").first.is_visible()
    _shot(page, shots, "02-officer-disclosure")
    page.context.close()

    # 2. The vendor: portal home and a disclosure with its boundary.
    page = new_browser_page()
    portal_login(page, "vendor", password)
    page.goto("/portal/")
    _shot(page, shots, "03-vendor-home")
    page.goto("/portal/disclosures/")
    _shot(page, shots, "04-vendor-disclosures")
    page.context.close()

    # 3. The sustainability analyst: the Scope 3 dashboard, a run and its restatement.
    page = new_browser_page()
    admin_login(page, "analyst", password)
    page.goto("/admin/scope3/dashboard/")
    assert page.get_by_text("emissions-weighted data quality").first.is_visible()
    _shot(page, shots, "05-analyst-dashboard")
    latest = InventoryRun.objects.filter(status="completed").order_by("-pk").first()
    page.goto(f"/admin/scope3/inventoryrun/{latest.pk}/change/")
    assert page.get_by_text("lognormal lines").first.is_visible()
    _shot(page, shots, "06-analyst-run")
    page.goto(f"/admin/scope3/inventoryrun/{latest.pk}/restatement/")
    assert page.get_by_text("Changes per vendor and category").first.is_visible()
    _shot(page, shots, "07-analyst-restatement")
    page.context.close()

    # 4. The auditor: evidence bundles and the audit trail.
    page = new_browser_page()
    admin_login(page, "auditor", password)
    page.goto("/admin/")
    assert page.get_by_role("heading", name="Recent evidence bundles").is_visible()
    page.goto("/assurance/")
    _shot(page, shots, "08-auditor-bundles")
    page.goto("/assurance/audit-trail/")
    _shot(page, shots, "09-auditor-audit-trail")
    page.context.close()
