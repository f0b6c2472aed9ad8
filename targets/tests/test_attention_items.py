"""The attention dashboard's target lines: off track and base-year recalculation due."""

import re
from decimal import Decimal
from html import unescape

import pytest

from targets import services
from targets.tests.support import completed_run, est
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def _lines(html):
    rows = re.findall(
        r'data-attention="([a-z_]+)">\s*<th scope="row">(?:<a href="([^"]+)">)?.*?</th>\s*'
        r'<td class="attention-count">(\d+)</td>',
        html,
        re.S,
    )
    return {key: (int(count), unescape(url) if url else None) for key, url, count in rows}


def test_off_track_and_recalculation_due(client_for, analyst, officer):
    vendor = VendorFactory(name="Alpha")
    base = completed_run(2022, [est(vendor, 12_000_000)])
    on_track = services.target_create(
        actor=analyst, name="Gentle", base_run=base, target_year=2030, reduction_pct=Decimal(5)
    )
    services.target_create(
        actor=analyst, name="Steep", base_run=base, target_year=2030, reduction_pct=Decimal(42)
    )
    # 2025 at 11,000 t: above the steep path (10,110), below the gentle one (11,775).
    completed_run(2025, [est(vendor, 11_000_000)])
    client = client_for(analyst)
    lines = _lines(client.get("/admin/").content.decode())
    assert lines["targets_off_track"][0] == 1
    assert lines["targets_recalculation_due"][0] == 0
    changelist = client.get(lines["targets_off_track"][1])
    assert [t.name for t in changelist.context["cl"].result_list] == ["Steep"]

    # A restated 2022 at 12,800 t (+6.7 %) puts both targets up for recalculation.
    completed_run(2022, [est(vendor, 12_800_000)])
    lines = _lines(client.get("/admin/").content.decode())
    assert lines["targets_recalculation_due"][0] == 2
    services.base_year_decide(
        actor=analyst,
        target=on_track,
        run=on_track.base_run.__class__.objects.order_by("-pk").filter(reporting_year=2022)[0],
        recalculate=False,
        reason="divestment was reversed",
    )
    lines = _lines(client.get("/admin/").content.decode())
    assert lines["targets_recalculation_due"][0] == 1
    # Officers do not own targets: no target lines for them.
    officer_lines = _lines(client_for(officer).get("/admin/").content.decode())
    assert "targets_off_track" not in officer_lines
