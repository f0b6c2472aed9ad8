"""The attention dashboard on the admin index: counts, links to the same rows, constant queries."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import KpiClause, KpiReport, KpiReportingPeriod
from contracts.tests.factories import KpiClauseFactory
from operations.models import OutboxMessage, TaskFailure
from procurement.models import Rfp
from procurement.tests.factories import RfpFactory
from reconciliation.models import ReconciliationFlag
from vendors.models import DisclosureRequest
from vendors.tests.factories import CertificationFactory, UserFactory, VendorFactory

ADMIN = "/admin/"
KEYS = (
    "overdue_requests",
    "certificates_expiring",
    "rfps_awaiting_scores",
    "kpi_clauses_in_breach",
    "kpi_reports_off_track",
    "reconciliation_flags_open",
    "task_failures_open",
    "outbox_stuck",
)


def _world(n: int) -> None:
    """``n`` rows that need attention of every kind, and one that does not next to each."""
    today = timezone.localdate()
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    officer = UserFactory(is_staff=True)
    for i in range(n + 1):
        vendor = VendorFactory()
        due = today - datetime.timedelta(days=3) if i < n else today + datetime.timedelta(days=9)
        DisclosureRequest.objects.create(
            vendor=vendor,
            reporting_year=2020 + i,
            due_date=due,
            status="overdue" if i < n else "open",
            created_by=officer,
        )
        days = 10 if i < n else 60
        CertificationFactory(vendor=vendor, expiry_date=today + datetime.timedelta(days=days))
        RfpFactory(status=Rfp.Status.CLOSED if i < n else Rfp.Status.PUBLISHED)
        clause = KpiClauseFactory(
            contract__vendor=vendor,
            status=KpiClause.Status.IN_BREACH if i < n else KpiClause.Status.ACTIVE,
        )
        period = KpiReportingPeriod.objects.create(
            clause=clause,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            due_date=datetime.date(2026, 1, 30),
        )
        KpiReport.objects.create(
            period=period,
            clause=clause,
            value=120,
            on_track=i >= n,
            submitted_by=officer,
            submitted_at=timezone.now(),
        )
        ReconciliationFlag.objects.create(
            kind=ReconciliationFlag.Kind.VENDOR_NOT_IN_MASTER,
            key=f"ledger-vendor:{vendor.pk}",
            status="open" if i < n else "dismissed",
            summary="not in the master",
            last_seen_at=timezone.now(),
        )
        TaskFailure.objects.create(
            task_name=f"app.task{vendor.pk}",
            exception_type="builtins.ValueError",
            last_seen=timezone.now(),
            resolved_at=None if i < n else timezone.now(),
        )
        message = OutboxMessage.objects.create(key=f"k{vendor.pk}", kind="email", payload={})
        if i < n:
            OutboxMessage.objects.filter(pk=message.pk).update(created_at=long_ago)


def _dashboard(html: str) -> dict[str, tuple[int, str | None]]:
    rows = re.findall(
        r'data-attention="([a-z_]+)">\s*<th scope="row">(?:<a href="([^"]+)">)?.*?</th>\s*'
        r'<td class="attention-count">(\d+)</td>',
        html,
        re.S,
    )
    return {key: (int(count), unescape(url) if url else None) for key, url, count in rows}


@pytest.mark.parametrize("n", [1, 3])
def test_each_line_counts_what_needs_attention_and_links_to_the_same_rows(client_for, officer, n):
    _world(n)
    client = client_for(officer)

    response = client.get(ADMIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="attention-heading">Needs attention</h2>' in html
    assert "css/attention.css" in html
    lines = _dashboard(html)
    assert set(lines) == set(KEYS)
    for key, (count, url) in lines.items():
        assert count == n, key
        changelist = client.get(url)
        assert changelist.status_code == 200, (key, url)
        # The admin drops unknown filters with a "?e=1" redirect; a real filter narrows the list.
        assert changelist.context["cl"].result_count == n, (key, url)


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_rows(client_for, officer):
    client = client_for(officer)
    _world(1)
    client.get(ADMIN)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as small:
        client.get(ADMIN)
    _world(6)
    with CaptureQueriesContext(connection) as large:
        client.get(ADMIN)
    assert len(small) == len(large)


def test_auditors_see_the_dashboard_but_cannot_act_on_it(client_for, auditor):
    _world(1)
    client = client_for(auditor)

    lines = _dashboard(client.get(ADMIN).content.decode())

    assert lines["task_failures_open"][0] == 1
    failures = client.get(lines["task_failures_open"][1]).content.decode()
    assert "mark_resolved" not in failures


def test_vendor_users_never_reach_the_admin(client_for, member):
    response = client_for(member).get(ADMIN)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
