"""The attention dashboard on the admin index: what needs someone, from every app.

It is the top floor's because it reads every app (docs/architecture.md, "The top floor"). Each
item is one count query (never a query per row) and links to the admin changelist filtered to
exactly the rows counted, using a filter that changelist offers. Items of models the user may not
view are left out, so evaluators and analysts see only what concerns them (docs/admin-home.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from contracts.models import KpiClause, KpiReport
from operations.models import OutboxMessage, TaskFailure
from operations.selectors import outbox_stuck_q
from procurement.models import Rfp
from reconciliation.models import ReconciliationFlag
from targets.selectors import AttentionCounts
from vendors.models import Certification, DisclosureRequest
from vendors.selectors import CertificationState, certification_state_q

CERTIFICATE_HORIZON_DAYS = 30


@dataclass(frozen=True)
class AttentionItem:
    key: str
    label: str
    count: int
    url: str | None  # None when the changelist is not registered in this admin


def _changelist(app_label: str, model: str, params: dict) -> str | None:
    try:
        url = reverse(f"admin:{app_label}_{model}_changelist")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(params)}"


def _items(today: datetime.date):
    """(permission, key, label, queryset, changelist url) for every dashboard line."""
    horizon = today + datetime.timedelta(days=CERTIFICATE_HORIZON_DAYS)
    yield (
        "vendors.view_disclosurerequest",
        "overdue_requests",
        "Overdue disclosure requests",
        DisclosureRequest.objects.filter(status=DisclosureRequest.Status.OVERDUE),
        _changelist("vendors", "disclosurerequest", {"status__exact": "overdue"}),
    )
    yield (
        "vendors.view_certification",
        "certificates_expiring",
        f"Certificates expiring within {CERTIFICATE_HORIZON_DAYS} days",
        Certification.objects.filter(
            certification_state_q(
                CertificationState.EXPIRING, today=today, within_days=CERTIFICATE_HORIZON_DAYS
            )
        ),
        # The changelist's "expiring" state looks further ahead; the date bound narrows it to
        # the same rows as the count.
        _changelist(
            "vendors",
            "certification",
            {"effective_status": "expiring", "expiry_date__lte": horizon.isoformat()},
        ),
    )
    yield (
        "procurement.view_rfp",
        "rfps_awaiting_scores",
        "RFPs closed and awaiting scores",
        Rfp.objects.filter(status=Rfp.Status.CLOSED),
        _changelist("procurement", "rfp", {"status__exact": "closed"}),
    )
    yield (
        "contracts.view_kpiclause",
        "kpi_clauses_in_breach",
        "KPI clauses in breach",
        KpiClause.objects.filter(status=KpiClause.Status.IN_BREACH),
        _changelist("contracts", "kpiclause", {"status__exact": "in_breach"}),
    )
    yield (
        "contracts.view_kpireport",
        "kpi_reports_off_track",
        "KPI reports off track",
        KpiReport.objects.filter(on_track=False),
        _changelist("contracts", "kpireport", {"on_track": "no"}),
    )
    yield (
        "reconciliation.view_reconciliationflag",
        "reconciliation_flags_open",
        "Open reconciliation flags",
        ReconciliationFlag.objects.filter(status=ReconciliationFlag.Status.OPEN),
        _changelist("reconciliation", "reconciliationflag", {"status__exact": "open"}),
    )
    yield (
        "operations.view_taskfailure",
        "task_failures_open",
        "Failed background tasks (unresolved)",
        TaskFailure.objects.filter(resolved_at__isnull=True),
        _changelist("operations", "taskfailure", {"state": "open"}),
    )
    yield (
        "operations.view_outboxmessage",
        "outbox_stuck",
        "Notifications and tasks stuck in the outbox",
        OutboxMessage.objects.filter(outbox_stuck_q()),
        _changelist("operations", "outboxmessage", {"stuck": "yes"}),
    )
    # Targets: counted together on the first count (targets.selectors.AttentionCounts); for the
    # analysts who own the targets.
    targets = AttentionCounts()
    yield (
        "targets.change_target",
        "targets_off_track",
        "Scope 3 targets off track",
        targets.counter("off_track"),
        _changelist("targets", "target", {"attention": "off_track"}),
    )
    yield (
        "targets.change_target",
        "targets_recalculation_due",
        "Targets with a base-year recalculation due",
        targets.counter("recalculation_due"),
        _changelist("targets", "target", {"attention": "recalculation_due"}),
    )


def attention_permissions() -> tuple[str, ...]:
    """The permissions that each show one dashboard line: a user with none sees no dashboard.

    Lets a link to the dashboard be offered without counting anything (no query).
    """
    return tuple(permission for permission, *_ in _items(timezone.localdate()))


def attention_items(*, user, today: datetime.date | None = None) -> list[AttentionItem]:
    """The dashboard lines ``user`` may see, with their counts: one query per line."""
    if not (user.is_active and user.is_staff):
        return []
    today = today or timezone.localdate()
    return [
        AttentionItem(key=key, label=label, count=queryset.count(), url=url)
        for permission, key, label, queryset, url in _items(today)
        if user.has_perm(permission)
    ]
