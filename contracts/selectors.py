"""Reads of the contracts app: querysets with the joins their pages need, so the number of
queries does not grow with the number of rows; and the vendor's open contract items."""

from __future__ import annotations

import bisect
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from assurance.models import AuditEvent
from contracts import gate as gate_rules
from contracts import timeline
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiReport,
    KpiReportingPeriod,
    RenewalDecision,
)
from contracts.trajectory import expected_value


def overdue_findings_q(today: datetime.date, prefix: str = "") -> Q:
    """Corrective actions past their due date and not closed."""
    return Q(**{f"{prefix}closed_date__isnull": True, f"{prefix}due_date__lt": today})


def contract_list() -> QuerySet[Contract]:
    return Contract.objects.select_related("vendor", "owner").annotate(
        clause_count=Count("clauses", distinct=True),
        breach_count=Count(
            "clauses", filter=Q(clauses__status=KpiClause.Status.IN_BREACH), distinct=True
        ),
    )


def contract_clauses(contract: Contract) -> QuerySet[KpiClause]:
    return contract.clauses.prefetch_related(
        Prefetch(
            "periods",
            queryset=KpiReportingPeriod.objects.select_related("report").order_by("period_start"),
        )
    ).order_by("metric", "pk")


def kpi_report_list() -> QuerySet[KpiReport]:
    return KpiReport.objects.select_related(
        "clause__contract__vendor", "period", "submitted_by", "reviewed_by", "evidence"
    )


def audit_list(*, today: datetime.date | None = None) -> QuerySet[Iso14001Audit]:
    today = today or timezone.localdate()
    return Iso14001Audit.objects.select_related("vendor", "contract__vendor").annotate(
        finding_count=Count("findings", distinct=True),
        open_major_count=Count(
            "findings",
            filter=Q(findings__severity=AuditFinding.Severity.MAJOR, findings__closed_date=None),
            distinct=True,
        ),
        overdue_count=Count(
            "findings", filter=overdue_findings_q(today, "findings__"), distinct=True
        ),
    )


def overdue_findings(*, vendor=None, today: datetime.date | None = None):
    today = today or timezone.localdate()
    qs = AuditFinding.objects.filter(overdue_findings_q(today)).select_related("audit__vendor")
    if vendor is not None:
        qs = qs.filter(audit__vendor=vendor)
    return qs.order_by("due_date", "pk")


def periods_due(*, vendor, today: datetime.date | None = None) -> QuerySet[KpiReportingPeriod]:
    """Ended periods of the vendor's live clauses whose report is missing or was rejected."""
    today = today or timezone.localdate()
    return (
        KpiReportingPeriod.objects.filter(
            clause__contract__vendor=vendor,
            clause__status__in=[KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH],
            period_end__lt=today,
        )
        .filter(Q(report__isnull=True) | Q(report__status=KpiReport.Status.REJECTED))
        .select_related("clause__contract", "report")
        .order_by("due_date", "pk")
    )


def vendor_contracts(vendor) -> QuerySet[Contract]:
    """What the portal shows a vendor: its contracts except drafts (not agreed yet)."""
    return (
        contract_list()
        .filter(vendor=vendor)
        .exclude(status=Contract.Status.DRAFT)
        .order_by("-start_date", "reference")
    )


def contract_open_items_for_vendor(vendor, *, today: datetime.date | None = None) -> list:
    """KPI reports to submit or correct and clauses in breach, as portal home open items.

    Returns ``vendors.selectors.OpenItem`` rows (kinds ``kpi_report_due``,
    ``kpi_report_overdue``, ``kpi_report_rejected``, ``kpi_clause_in_breach``); two queries.
    """
    from vendors.selectors import OpenItem

    today = today or timezone.localdate()
    items = []
    for period in periods_due(vendor=vendor, today=today).exclude(
        clause__contract__status=Contract.Status.DRAFT
    ):
        clause = period.clause
        span = f"{period.period_start:%d %B %Y} to {period.period_end:%d %B %Y}"
        report = getattr(period, "report", None)
        if report is not None:
            kind, title = "kpi_report_rejected", f"Correct your {clause.metric} report"
            detail = f"The report for {span} was sent back: {report.review_comment}"
        elif period.due_date < today:
            kind, title = "kpi_report_overdue", f"{clause.metric} report is overdue"
            detail = f"The report for {span} was due on {period.due_date:%d %B %Y}."
        else:
            kind, title = "kpi_report_due", f"Report {clause.metric}"
            detail = f"The report for {span} is due on {period.due_date:%d %B %Y}."
        items.append(
            OpenItem(
                kind=kind,
                title=f"{title} ({clause.contract.reference})",
                detail=detail,
                due=period.due_date,
                object_id=period.pk,
                url=reverse("portal:kpi_report_submit", args=[period.pk]),
            )
        )
    breaches = KpiClause.objects.filter(
        contract__vendor=vendor, status=KpiClause.Status.IN_BREACH
    ).select_related("contract")
    for clause in breaches:
        items.append(
            OpenItem(
                kind="kpi_clause_in_breach",
                title=f"{clause.metric} is in breach ({clause.contract.reference})",
                detail=f"Two consecutive periods were off track. Remedy: {clause.remedy}",
                object_id=clause.pk,
                url=reverse("portal:contract_detail", args=[clause.contract_id]),
            )
        )
    return items


@dataclass(frozen=True)
class ChartPoint:
    label: str
    year_fraction: float
    value: Decimal
    on_track: bool | None
    status: str


@dataclass(frozen=True)
class ClauseChart:
    metric: str
    unit: str
    direction: str
    trajectory: list[tuple[int, Decimal]]
    points: list[ChartPoint]


def _year_fraction(day: datetime.date) -> float:
    start = datetime.date(day.year, 1, 1)
    length = (datetime.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def clause_chart_data(clause: KpiClause, *, include_unaccepted: bool = False) -> ClauseChart:
    """Plain values for :func:`contracts.charts.kpi_chart_svg` from a clause with prefetched
    periods (see :func:`contract_clauses`): the yearly trajectory and the reported values.

    Only accepted reports are plotted unless ``include_unaccepted`` (the vendor sees its own
    submitted values, drawn hollow, so it knows what is pending review).
    """
    years = range(clause.baseline_year, clause.target_year + 1)
    trajectory = [
        (
            year,
            expected_value(
                baseline_value=clause.baseline_value,
                baseline_year=clause.baseline_year,
                target_value=clause.target_value,
                target_year=clause.target_year,
                year=year,
            ),
        )
        for year in years
    ]
    points = []
    for period in clause.periods.all():
        report = getattr(period, "report", None)
        if report is None:
            continue
        if report.status != KpiReport.Status.ACCEPTED and not (
            include_unaccepted and report.status == KpiReport.Status.SUBMITTED
        ):
            continue
        points.append(
            ChartPoint(
                label=f"{period.period_start:%Y-%m-%d} to {period.period_end:%Y-%m-%d}",
                year_fraction=_year_fraction(period.period_end),
                value=report.value,
                on_track=report.on_track,
                status=report.status,
            )
        )
    return ClauseChart(clause.metric, clause.unit, clause.direction, trajectory, points)


# --- the contract timeline ---------------------------------------------------------------------

# A service saves its rows, then records its audit event in the same transaction: a history record
# belongs to the first event on the same object recorded at or after it, within this time. A record
# no event accounts for (a row saved outside a service) is a line of its own.
_TIMELINE_ATTACH = datetime.timedelta(seconds=60)
# Findings the same person records right after their audit (the admin saves an audit and its
# findings in one request) are counted on the audit's line rather than given a line each.
_TIMELINE_FOLD = datetime.timedelta(minutes=10)
# Fields a line already says (who, when, which contract, clause or period) or bookkeeping.
_TIMELINE_HIDDEN = {
    "id",
    "created_at",
    "updated_at",
    "created_by",
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "decided_by",
    "decided_at",
    "contract",
    "clause",
    "period",
    "audit",
}
_TIMELINE_SOURCES = {
    "contract": Contract,
    "clause": KpiClause,
    "report": KpiReport,
    "audit": Iso14001Audit,
    "finding": AuditFinding,
    "decision": RenewalDecision,
}
# How a related row is named under "Changes" (users by their name, see _person).
_TIMELINE_FK_LABELS = {
    "vendors.vendor": "name",
    "contracts.contract": "reference",
    "contracts.kpiclausetemplate": "metric",
    "procurement.rfp": "title",
    "assurance.evidencefile": "original_name",
}
# Reasons the services give by default: the line says as much already.
_TIMELINE_QUIET_REASONS = {
    "KPI report submitted",
    "KPI report accepted",
    "KPI report rejected",
    "KPI report off track",
    "two consecutive periods off track",
    "contract created",
    "contract updated",
    "KPI clause added",
    "KPI clause updated",
    "ISO 14001 audit recorded",
    "ISO 14001 audit updated",
    "audit finding recorded",
    "audit finding updated",
}
_GATE_VERBS = {
    AuditEvent.Verb.RENEWAL_GATE_PASSED,
    AuditEvent.Verb.RENEWAL_REFUSED,
    AuditEvent.Verb.WAIVED,
}


def _person(user) -> str:
    if user is None:
        return "Tenderleaf"
    return user.get_full_name() or user.get_username()


def _timeline_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.name not in _TIMELINE_HIDDEN]


def _timeline_value(f, value, names: dict, tz) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return timeline.NOT_SET
    if f.is_relation:
        return names.get((f.related_model._meta.label_lower, value), f"#{value}")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return timeline.quantity(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if f.name == "reasons" and isinstance(value, list):
        return " ".join(
            f"{capfirst(str(r.get('condition', '')))}: "
            f"{'passed' if r.get('passed') else 'failed'}. {r.get('detail', '')}".strip()
            for r in value
            if isinstance(r, dict)
        )
    return str(value)


def _timeline_changes(model, new, old, names: dict, tz) -> list[timeline.Change]:
    """Fields that differ between two history records of one row (all set fields if ``old`` is
    None: what a creation set), labelled and valued for a reader."""
    if new.history_type == "-":
        return []
    changes = []
    for f in _timeline_fields(model):
        before = getattr(old, f.attname) if old is not None else None
        after = getattr(new, f.attname)
        if before == after or (old is None and after in (None, "", [], {})):
            continue
        changes.append(
            timeline.Change(
                label=capfirst(str(f.verbose_name)),
                old=_timeline_value(f, before, names, tz),
                new=_timeline_value(f, after, names, tz),
            )
        )
    return changes


def _timeline_names(records: dict) -> dict:
    """Names of the rows the records point to, one query per related model."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    wanted: dict = {}
    for (source, _pk), rows in records.items():
        for f in _timeline_fields(_TIMELINE_SOURCES[source]):
            if not f.is_relation:
                continue
            ids = wanted.setdefault(f.related_model, set())
            ids.update(v for v in (getattr(r, f.attname) for r in rows) if v is not None)
    names = {}
    for model, ids in wanted.items():
        label = model._meta.label_lower
        if not ids:
            continue
        if model is user_model:
            found = {u.pk: _person(u) for u in user_model.objects.filter(pk__in=ids)}
        elif label in _TIMELINE_FK_LABELS:
            found = dict(
                model._default_manager.filter(pk__in=ids).values_list(
                    "pk", _TIMELINE_FK_LABELS[label]
                )
            )
        else:
            continue
        names.update({(label, pk): str(name) for pk, name in found.items()})
    return names


@dataclass
class _Happening:
    """An audit event, or a history record no event accounts for, with what it changed."""

    at: datetime.datetime
    source: str
    object_id: int
    verb: str
    actor: object
    reason: str
    details: dict
    changes: list
    state: object  # the object's history record as it stood after this happening
    target_repr: str = ""
    recorded_at: datetime.datetime | None = None  # when it was written, if not ``at``


def _business_at(source: str, verb: str, state, occurred_at):
    """When a report was submitted or reviewed, as the report says: the same moment as its record
    in ordinary use, earlier for reports brought in after the fact (the demo's history, a
    migration from another system). Everything else happened when it was recorded."""
    if source != "report" or state is None:
        return occurred_at
    if verb == AuditEvent.Verb.SUBMITTED:
        return getattr(state, "submitted_at", None) or occurred_at
    if verb in (AuditEvent.Verb.ACCEPTED, AuditEvent.Verb.REJECTED):
        return getattr(state, "reviewed_at", None) or occurred_at
    return occurred_at


def contract_timeline(contract: Contract, *, tz=None) -> list[timeline.TimelineEvent]:
    """The business events of a contract, its KPI clauses and reports, its ISO 14001 audits and
    findings and its renewal decisions, in words, oldest first (see :mod:`contracts.timeline`).

    Each audit event becomes one line with the field changes of the history records its service
    wrote; a gate decision and the renewal it allowed are one line, as are an accepted report and
    its off-track notice. A fixed number of queries (one per history table, the events, the
    periods, the renewals and the names of related rows), whatever the number of events.
    """
    tz = tz or timezone.get_current_timezone()
    audit_ids = Iso14001Audit.objects.filter(contract=contract).values("id")
    clause_ids = KpiClause.history.filter(contract_id=contract.pk).values("id")
    querysets = {
        "contract": Contract.history.filter(id=contract.pk),
        "clause": KpiClause.history.filter(contract_id=contract.pk),
        "report": KpiReport.history.filter(clause_id__in=clause_ids),
        "audit": Iso14001Audit.history.filter(id__in=audit_ids),
        "finding": AuditFinding.history.filter(audit_id__in=audit_ids),
        "decision": RenewalDecision.history.filter(contract_id=contract.pk),
    }
    records: dict[tuple[str, int], list] = {}
    for source, queryset in querysets.items():
        for record in queryset.select_related("history_user").order_by(
            "history_date", "history_id"
        ):
            records.setdefault((source, record.id), []).append(record)
    names = _timeline_names(records)

    content_types = ContentType.objects.get_for_models(*_TIMELINE_SOURCES.values())
    source_of_type = {content_types[model].pk: s for s, model in _TIMELINE_SOURCES.items()}
    event_filter = Q()
    for source, model in _TIMELINE_SOURCES.items():
        ids = [str(pk) for (s, pk) in records if s == source]
        if ids:
            event_filter |= Q(target_type=content_types[model], target_id__in=ids)
    events = (
        list(
            AuditEvent.objects.filter(event_filter)
            .select_related("actor")
            .order_by("occurred_at", "id")
        )
        if event_filter
        else []
    )

    # Pair each history record with the event its service recorded (see _TIMELINE_ATTACH).
    events_of: dict[tuple[str, int], list] = {}
    for event in events:
        key = (source_of_type[event.target_type_id], int(event.target_id))
        events_of.setdefault(key, []).append(event)
    gate_of_decision = {
        event.details.get("decision_id"): event
        for event in events_of.get(("contract", contract.pk), [])
        if event.verb in _GATE_VERBS
    }
    attached: dict[int, list[tuple[tuple[str, int], int]]] = {}
    orphans: list[tuple[tuple[str, int], int]] = []
    for key, rows in records.items():
        if key[0] == "decision":
            gate = gate_of_decision.get(key[1])
            for index in range(len(rows)):
                if gate is not None:
                    attached.setdefault(gate.pk, []).append((key, index))
                else:
                    orphans.append((key, index))
            continue
        candidates, i = events_of.get(key, []), 0
        for index, record in enumerate(rows):
            while i < len(candidates) and candidates[i].occurred_at < record.history_date:
                i += 1
            if (
                i < len(candidates)
                and candidates[i].occurred_at - record.history_date <= _TIMELINE_ATTACH
            ):
                attached.setdefault(candidates[i].pk, []).append((key, index))
            else:
                orphans.append((key, index))

    dates = {key: [r.history_date for r in rows] for key, rows in records.items()}

    def state_at(key, at):
        """The object's record as it stood at ``at`` (its first, if ``at`` is earlier)."""
        rows = records.get(key)
        if not rows:
            return None
        return rows[max(bisect.bisect_right(dates[key], at) - 1, 0)]

    def changes_of(pairs) -> list[timeline.Change]:
        changes, spans = [], {}
        for key, index in pairs:
            first, _last = spans.get(key, (index, index))
            spans[key] = (min(first, index), max(_last, index))
        for key, (first, last) in spans.items():
            rows = records[key]
            previous = rows[first - 1] if first > 0 else None
            changes += _timeline_changes(_TIMELINE_SOURCES[key[0]], rows[last], previous, names, tz)
        return changes

    happenings = []
    for event in events:
        key = (source_of_type[event.target_type_id], int(event.target_id))
        pairs = attached.get(event.pk, [])
        own = [records[k][i] for k, i in pairs if k == key]
        state = own[-1] if own else state_at(key, event.occurred_at)
        at = _business_at(key[0], event.verb, state, event.occurred_at)
        happenings.append(
            _Happening(
                at=at,
                source=key[0],
                object_id=key[1],
                verb=event.verb,
                actor=event.actor,
                reason=event.reason,
                details=event.details or {},
                changes=changes_of(pairs),
                state=state,
                target_repr=event.target_repr,
                recorded_at=event.occurred_at,
            )
        )
    history_verbs = {"+": "created", "~": "updated", "-": "deleted"}
    for key, index in orphans:
        record = records[key][index]
        happenings.append(
            _Happening(
                at=record.history_date,
                source=key[0],
                object_id=key[1],
                verb="history:" + history_verbs.get(record.history_type, "updated"),
                actor=record.history_user,
                reason=record.history_change_reason or "",
                details={},
                changes=changes_of([(key, index)]),
                state=record,
            )
        )
    # A clause's off-track and breach notices belong to the review that raised them (the same
    # transaction): they take its business time, and follow it.
    reviewed = {
        h.recorded_at: h.at
        for h in happenings
        if h.source == "report" and h.verb == AuditEvent.Verb.ACCEPTED
    }
    for h in happenings:
        if h.source == "clause" and h.verb in (
            AuditEvent.Verb.OFF_TRACK,
            AuditEvent.Verb.IN_BREACH,
        ):
            review = min(
                (r for r in reviewed if abs(r - h.recorded_at) <= _TIMELINE_ATTACH),
                key=lambda r: abs(r - h.recorded_at),
                default=None,
            )
            if review is not None:
                h.at = reviewed[review]
    happenings.sort(key=lambda h: (h.at, h.recorded_at or h.at))

    periods = {
        p["pk"]: (p["period_start"], p["period_end"])
        for p in KpiReportingPeriod.objects.filter(clause__contract=contract).values(
            "pk", "period_start", "period_end"
        )
    }
    successors = {
        c["pk"]: c
        for c in Contract.objects.filter(renewed_from=contract).values(
            "pk", "reference", "start_date", "end_date"
        )
    }
    builder = _TimelineBuilder(
        contract=contract, names=names, periods=periods, successors=successors, state_at=state_at
    )
    for happening in happenings:
        builder.add(happening)
    for line in builder.lines:
        line.text = timeline.sentence(line.text)
    return builder.lines


def _clause_facts(state) -> timeline.ClauseFacts:
    from contracts.models import Frequency

    return timeline.ClauseFacts(
        metric=state.metric,
        unit=state.unit,
        direction=state.direction,
        baseline_value=state.baseline_value,
        baseline_year=state.baseline_year,
        target_value=state.target_value,
        target_year=state.target_year,
        frequency=dict(Frequency.choices).get(state.frequency, state.frequency),
    )


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def _failed_details(details: dict) -> list[str]:
    return [
        str(r.get("detail", ""))
        for r in details.get("reasons") or []
        if isinstance(r, dict) and not r.get("passed")
    ]


class _TimelineBuilder:
    """Turns happenings (oldest first) into lines, merging those that are one business event."""

    def __init__(self, *, contract, names, periods, successors, state_at):
        self.contract = contract
        self.vendor = contract.vendor.name
        self.names = names
        self.periods = periods
        self.successors = successors
        self.state_at = state_at
        self.lines: list[timeline.TimelineEvent] = []
        self.renewals: dict = {}  # decision id -> (line, gate happening)
        self.accepted: dict = {}  # (clause id, period end) -> line
        self.audit_fold = None  # the audit line findings may still be counted on
        self.declared: dict = {}  # clause id -> what a winning bid declared for its metric

    def add(self, h: _Happening) -> None:
        if h.state is None:  # an event on a row whose history is gone: say what the log says
            verb = h.verb.replace("_", " ")
            kind_text = ("changes", f"{_person(h.actor)}: {verb} {h.target_repr}".strip())
        else:
            kind_text = getattr(self, f"_{h.source}")(h)
        if kind_text is None:
            return  # merged into an earlier line
        kind, text = kind_text
        line = timeline.TimelineEvent(
            at=h.at,
            recorded_at=h.recorded_at,
            kind=kind,
            text=text,
            actor=_person(h.actor),
            reason=self._reason(h.reason, text),
            changes=list(h.changes),
        )
        self.lines.append(line)
        if not (h.source == "audit" and h.verb in ("created", "history:created")):
            self.audit_fold = None
        else:
            self.audit_fold = {"line": line, "happening": h, "severities": [], "at": h.at}
        if h.source == "contract" and h.verb in _GATE_VERBS:
            self.renewals[h.details.get("decision_id")] = (line, h)
        if h.source == "report" and h.verb == AuditEvent.Verb.ACCEPTED:
            self.accepted[(h.state.clause_id, str(h.details.get("period_end")))] = line

    @staticmethod
    def _reason(reason: str, text: str) -> str:
        reason = (reason or "").strip()
        if (
            not reason
            or reason in _TIMELINE_QUIET_REASONS
            or reason in text
            or reason.lower().startswith("renewal gate")
            or (reason.startswith("status ") and " -> " in reason)
        ):
            return ""
        return reason

    def _period(self, state, details: dict):
        if state.period_id in self.periods:
            return self.periods[state.period_id]
        try:
            start = datetime.date.fromisoformat(details.get("period_start", ""))
            end = datetime.date.fromisoformat(details.get("period_end", ""))
        except (TypeError, ValueError):
            return None
        return start, end

    def _clause_of(self, clause_id, at):
        state = self.state_at(("clause", clause_id), at)
        return _clause_facts(state) if state is not None else None

    # --- one method per source: (kind, text), or None when merged into an earlier line -------

    def _report(self, h: _Happening):
        state, details, actor = h.state, h.details, _person(h.actor)
        clause = self._clause_of(state.clause_id, h.at)
        span = self._period(state, details)
        if clause is None or span is None:
            return "reports", f"{actor}: {h.verb.replace('_', ' ')} {h.target_repr}".strip()
        start, end = span
        value = details.get("value", state.value)
        if h.verb == AuditEvent.Verb.SUBMITTED:
            return "reports", timeline.report_submitted(
                vendor=self.vendor,
                clause=clause,
                start=start,
                end=end,
                value=value,
                corrected=bool(details.get("corrected")),
                declared=self.declared.get(state.clause_id),
            )
        if h.verb == AuditEvent.Verb.ACCEPTED:
            return "reviews", timeline.report_accepted(
                actor=actor,
                clause=clause,
                start=start,
                end=end,
                value=value,
                expected=details.get("expected", state.expected_value),
                on_track=details.get("on_track", state.on_track),
                comment=state.review_comment,
                declared=self.declared.get(state.clause_id),
            )
        if h.verb == AuditEvent.Verb.REJECTED:
            return "reviews", timeline.report_rejected(
                actor=actor,
                clause=clause,
                start=start,
                end=end,
                comment=details.get("comment") or h.reason,
            )
        subject = f"the {timeline.period_label(start, end)} {clause.metric} report"
        return "reports", timeline.record_changed(actor=actor, subject=subject, changes=h.changes)

    def _clause(self, h: _Happening):
        state, details, actor = h.state, h.details, _person(h.actor)
        clause = _clause_facts(state)
        if h.verb == AuditEvent.Verb.OFF_TRACK:
            if (h.object_id, str(details.get("period_end"))) in self.accepted:
                return None  # the accepted report's line says it is off track
            try:
                end = datetime.date.fromisoformat(str(details.get("period_end")))
            except ValueError:
                end = None
            if end is None or "value" not in details or "expected" not in details:
                return "reviews", f"{clause.metric} is off track"
            return "reviews", timeline.report_off_track(
                clause=clause, end=end, value=details["value"], expected=details["expected"]
            )
        if h.verb == AuditEvent.Verb.IN_BREACH:
            remedy = details.get("remedy", state.remedy)
            return "reviews", timeline.clause_in_breach(clause=clause, remedy=remedy)
        if h.verb in (AuditEvent.Verb.CREATED, "history:created"):
            if isinstance(details.get("declared"), dict):
                self.declared[h.object_id] = details["declared"]
            status = _label(KpiClause.Status.choices, state.status)
            return "changes", timeline.clause_added(actor=actor, clause=clause, status=status)
        subject = f"the KPI clause {clause.metric}"
        return "changes", timeline.record_changed(actor=actor, subject=subject, changes=h.changes)

    def _contract(self, h: _Happening):
        state, details, actor = h.state, h.details, _person(h.actor)
        verb = h.verb
        statuses = Contract.Status.choices
        if verb in (AuditEvent.Verb.CREATED, "history:created"):
            renewal_of = self.names.get(("contracts.contract", state.renewed_from_id), "")
            text = timeline.contract_created(
                actor=actor,
                reference=state.reference,
                status=_label(statuses, state.status),
                start=state.start_date,
                end=state.end_date,
                value=state.value,
                currency=state.currency,
                renewal_of=renewal_of,
            )
            return ("renewals" if renewal_of else "changes"), text
        if verb == AuditEvent.Verb.STATUS_CHANGED:
            new = details.get("to", state.status)
            kind = (
                "renewals"
                if new
                in (
                    Contract.Status.RENEWAL_DUE,
                    Contract.Status.RENEWED,
                    Contract.Status.EXPIRED,
                )
                else "changes"
            )
            return kind, timeline.contract_status_changed(
                actor=actor,
                old=_label(statuses, details.get("from")),
                new=_label(statuses, new),
            )
        if verb == AuditEvent.Verb.RENEWAL_GATE_PASSED:
            return "renewals", f"{actor} asked to renew the contract; the renewal gate passed"
        if verb == AuditEvent.Verb.WAIVED:
            justification = details.get("justification") or h.reason
            return "waivers", f"{actor} waived the renewal gate: “{justification}”"
        if verb == AuditEvent.Verb.RENEWAL_REFUSED:
            return "renewals", timeline.renewal_refused(
                actor=actor, failed=_failed_details(details)
            )
        if verb == AuditEvent.Verb.RENEWED:
            successor = self.successors.get(details.get("successor_id")) or {}
            gate = self.renewals.get(details.get("decision_id"))
            gate_details = gate[1].details if gate else {}
            passed = [
                str(r.get("detail", ""))
                for r in gate_details.get("reasons") or []
                if isinstance(r, dict) and r.get("passed")
            ]
            text = timeline.contract_renewed(
                actor=actor,
                new_end=successor.get("end_date"),
                successor=successor.get("reference") or details.get("successor", ""),
                waiver=gate_details.get("justification", ""),
                gate=passed[0] if passed else "",
            )
            if gate is not None:
                line = gate[0]
                line.text = text
                line.changes.extend(h.changes)
                return None
            return "renewals", text
        if verb == AuditEvent.Verb.RENEWAL_AUDIT_REQUESTED:
            return "renewals", timeline.renewal_audit_requested(failed=_failed_details(details))
        if verb.startswith("history:") or verb == AuditEvent.Verb.UPDATED:
            return "changes", timeline.record_changed(
                actor=actor, subject="the contract", changes=h.changes
            )
        return (
            "changes",
            f"{actor}: {AuditEvent.Verb(verb).label if verb in AuditEvent.Verb.values else verb}",
        )

    def _audit(self, h: _Happening):
        state, actor = h.state, _person(h.actor)
        if h.verb in (AuditEvent.Verb.CREATED, "history:created"):
            return "audits", self._audit_text(actor, state, [])
        return "audits", timeline.audit_changed(
            actor=actor, audit_date=state.audit_date, changes=h.changes
        )

    @staticmethod
    def _audit_text(actor, state, severities) -> str:
        return timeline.audit_recorded(
            actor=actor,
            audit_type=_label(Iso14001Audit.Type.choices, state.audit_type),
            audit_date=state.audit_date,
            auditor=state.auditor,
            result=_label(Iso14001Audit.Result.choices, state.result),
            severities=severities,
        )

    def _finding(self, h: _Happening):
        state, actor = h.state, _person(h.actor)
        audit = self.state_at(("audit", state.audit_id), h.at)
        audit_date = audit.audit_date if audit is not None else None
        fold = self.audit_fold
        if h.verb in (AuditEvent.Verb.CREATED, "history:created"):
            if (
                fold is not None
                and fold["happening"].object_id == state.audit_id
                and getattr(fold["happening"].actor, "pk", None) == getattr(h.actor, "pk", None)
                and h.at - fold["at"] <= _TIMELINE_FOLD
            ):
                fold["severities"].append(state.severity)
                fold["at"] = h.at
                line = fold["line"]
                line.text = self._audit_text(
                    line.actor, fold["happening"].state, fold["severities"]
                )
                line.changes.extend(
                    timeline.Change(f"Finding {state.clause_ref}: {c.label}", c.old, c.new)
                    for c in h.changes
                )
                return None
            if audit_date is None:
                return "audits", f"{actor} recorded the finding {state.clause_ref}"
            return "audits", timeline.finding_recorded(
                actor=actor,
                severity=_label(AuditFinding.Severity.choices, state.severity),
                clause_ref=state.clause_ref,
                audit_date=audit_date,
                due_date=state.due_date,
            )
        if state.closed_date and any(
            c.label == "Closed date" and c.old == timeline.NOT_SET for c in h.changes
        ):
            return "audits", timeline.finding_closed(
                actor=actor, clause_ref=state.clause_ref, closed=state.closed_date
            )
        where = f" of the ISO 14001 audit of {audit_date.isoformat()}" if audit_date else ""
        return "audits", timeline.record_changed(
            actor=actor, subject=f"the finding {state.clause_ref}{where}", changes=h.changes
        )

    def _decision(self, h: _Happening):
        state, actor = h.state, _person(h.actor)
        kind = "waivers" if state.outcome == RenewalDecision.Outcome.WAIVER else "renewals"
        outcome = _label(RenewalDecision.Outcome.choices, state.outcome).lower()
        return kind, f"{actor} recorded a renewal decision: {outcome}"


def renewal_gate_inputs_for(
    contracts: list[Contract], *, on: datetime.date
) -> dict[int, gate_rules.GateInputs]:
    """The renewal gate's inputs for ``contracts``, by contract id, in three queries
    (certificates, audits, their findings) whatever their number: the one loader of these facts,
    for one contract (the renewal, the admin's preview) as for many (the daily renewal reminders,
    the officer's home)."""
    from vendors.models import Certification

    vendor_ids = {c.vendor_id for c in contracts}
    certificates: dict[int, list[gate_rules.CertificateFact]] = {v: [] for v in vendor_ids}
    for cert in Certification.objects.filter(
        vendor_id__in=vendor_ids, kind=Certification.Kind.ISO_14001
    ).order_by("-expiry_date"):
        certificates[cert.vendor_id].append(
            gate_rules.CertificateFact(
                number=cert.number,
                status=cert.status,
                issue_date=cert.issue_date,
                expiry_date=cert.expiry_date,
            )
        )
    audits: dict[int, list[gate_rules.AuditFact]] = {v: [] for v in vendor_ids}
    for audit in (
        Iso14001Audit.objects.filter(vendor_id__in=vendor_ids)
        .select_related("vendor")
        .prefetch_related("findings")
        .order_by("-audit_date")
    ):
        audits[audit.vendor_id].append(
            gate_rules.AuditFact(
                audit_id=audit.pk,
                label=str(audit),
                audit_date=audit.audit_date,
                result=audit.result,
                major_findings=[
                    (_finding_label(f), f.closed_date)
                    for f in audit.findings.all()
                    if f.severity == AuditFinding.Severity.MAJOR
                ],
            )
        )
    return {
        c.pk: gate_rules.GateInputs(
            decision_date=on,
            renewal_date=c.end_date,
            certificates=certificates[c.vendor_id],
            audits=audits[c.vendor_id],
        )
        for c in contracts
    }


def _finding_label(finding: AuditFinding) -> str:
    if finding.due_date:
        return f"{finding.clause_ref} (corrective action due {finding.due_date})"
    return finding.clause_ref
