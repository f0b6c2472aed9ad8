"""The contract timeline in words: one line per business event, grouped by day. No ORM.

``contracts.selectors.contract_timeline`` loads the history records and audit events of a
contract and pairs them; this module words each event for a person ("Acme submitted the Q1 2025
renewable electricity report: 45 %, on track"), names its kind for the filter and groups the lines
by day in the reader's time zone, newest first. Numbers read as everywhere else
(:mod:`config.numbers`).
"""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from config import numbers
from contracts.trajectory import expected_value, is_on_track

# The kinds a reader filters by, in the order the filter lists them.
KINDS: dict[str, str] = {
    "reports": "KPI reports",
    "reviews": "Reviews",
    "audits": "ISO 14001 audits",
    "renewals": "Renewals",
    "waivers": "Waivers",
    "changes": "Other changes",
}

# One word per kind, shown beside each line.
BADGES: dict[str, str] = {
    "reports": "report",
    "reviews": "review",
    "audits": "audit",
    "renewals": "renewal",
    "waivers": "waiver",
    "changes": "change",
}

NOT_SET = "not set"
# A line says when it was recorded only when that is this far from when it happened.
RECORDED_APART = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Change:
    """One field of one record, before and after, as the reader sees them."""

    label: str
    old: str
    new: str


@dataclass
class TimelineEvent:
    at: datetime.datetime
    kind: str
    text: str
    actor: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    # When the line was written to the record, if that was on another day than the event itself
    # (a report brought in after the fact); None otherwise.
    recorded_at: datetime.datetime | None = None

    def __post_init__(self):
        if self.recorded_at is not None and abs(self.recorded_at - self.at) < RECORDED_APART:
            self.recorded_at = None

    @property
    def badge(self) -> str:
        return BADGES.get(self.kind, self.kind)


@dataclass(frozen=True)
class TimelineDay:
    day: datetime.date
    events: list[TimelineEvent]


@dataclass(frozen=True)
class ClauseFacts:
    metric: str
    unit: str
    direction: str
    baseline_value: Decimal
    baseline_year: int
    target_value: Decimal
    target_year: int
    frequency: str  # its label, e.g. "Quarterly"


# --- values ------------------------------------------------------------------------------------


def quantity(value, unit: str = "") -> str:
    """A value with its unit, trailing zeros dropped: 21.8400 % -> "21.84%"."""
    return numbers.quantity(value, unit)


def day_label(day: datetime.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def period_label(start: datetime.date, end: datetime.date) -> str:
    """A reporting period as people say it: Q3 2026, H1 2025, March 2026, 2024; else its dates.

    Periods are calendar-aligned (see :mod:`contracts.periods`); a period clipped by the
    contract's start or end keeps its dates.
    """
    month_end = calendar.monthrange(end.year, end.month)[1]
    if start.day == 1 and end.day == month_end and start.year == end.year:
        months = end.month - start.month + 1
        if months == 12:
            return str(start.year)
        if months == 6 and start.month in (1, 7):
            return f"H{1 if start.month == 1 else 2} {start.year}"
        if months == 3 and start.month in (1, 4, 7, 10):
            return f"Q{(start.month - 1) // 3 + 1} {start.year}"
        if months == 1:
            return f"{calendar.month_name[start.month]} {start.year}"
    return f"{start.isoformat()} to {end.isoformat()}"


def lower_first(label: str) -> str:
    """A label inside a sentence: "End date" -> "end date", but "ISO 14001 clause" stays."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def human_join(words: Sequence[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def verdict(*, value, expected, direction: str) -> str:
    try:
        on_track = is_on_track(value=value, expected=expected, direction=direction)
    except ValueError:
        return ""
    return "on track" if on_track else "off track"


def expectation(*, expected, unit: str, direction: str) -> str:
    bound = "at most" if direction == "lower" else "at least"
    return f"expected {bound} {quantity(expected, unit)}"


def findings_summary(severities: Sequence[str]) -> str:
    """``["minor", "minor"]`` -> "2 minor findings"; mixed severities are counted apart."""
    if not severities:
        return "no findings"
    counts = Counter(severities)

    def words(severity: str, n: int) -> str:
        if severity == "observation":
            return f"{n} observation{'s' if n != 1 else ''}"
        return f"{n} {severity}"

    if len(counts) == 1:
        ((severity, n),) = counts.items()
        if severity == "observation":
            return words(severity, n)
        return f"{n} {severity} finding{'s' if n != 1 else ''}"
    order = ["major", "minor", "observation"]
    parts = [words(s, counts[s]) for s in order if counts[s]]
    parts += [words(s, n) for s, n in counts.items() if s not in order]
    return f"{len(severities)} findings ({', '.join(parts)})"


def declared_comparison(*, value, declared: dict) -> str:
    """A reported value against what the winning bid declared for it (the clause's creation
    event keeps the declaration, see docs/method.md "Life-cycle cost of bids"):
    "declared 640 W (+2.34%), within the 5% tolerance"; "" if the declaration cannot be read.
    A tolerance of zero reads as "above/not above the declared figure"."""
    try:
        promised = Decimal(str(declared["value"]))
        tolerance = Decimal(str(declared.get("tolerance_percent") or 0))
        reported = Decimal(str(value))
    except (KeyError, TypeError, ArithmeticError):
        return ""
    text = f"declared {quantity(promised, str(declared.get('unit') or ''))}"
    if promised == 0:
        return text
    change = (reported - promised) / promised * 100
    text += f" ({'+' if change > 0 else ''}{numbers.percent(change.quantize(Decimal('0.1')))})"
    if tolerance > 0:
        within = reported <= promised * (1 + tolerance / 100)
        where = "within" if within else "beyond"
        return f"{text}, {where} the {numbers.percent(tolerance)} tolerance"
    return f"{text}, {'above' if reported > promised else 'not above'} the declared figure"


# --- sentences ---------------------------------------------------------------------------------


def report_submitted(
    *, vendor: str, clause: ClauseFacts, start, end, value, corrected: bool, declared=None
):
    """ "Acme submitted the Q1 2025 Renewable electricity share report: 45 %, on track"; the
    verdict is the trajectory's for the value (the officer confirms it on acceptance). A clause
    carried from a bid's declaration (``declared``) sets the value beside the declared one."""
    text = f"{vendor} {'corrected' if corrected else 'submitted'} the {period_label(start, end)} "
    text += f"{clause.metric} report: {quantity(value, clause.unit)}"
    compared = declared_comparison(value=value, declared=declared) if declared else ""
    if compared:
        text += f", {compared}"
    try:
        expected = expected_value(
            baseline_value=clause.baseline_value,
            baseline_year=clause.baseline_year,
            target_value=clause.target_value,
            target_year=clause.target_year,
            year=end.year,
        )
    except ValueError:
        return text
    judged = verdict(value=Decimal(str(value)), expected=expected, direction=clause.direction)
    return f"{text}, {judged}" if judged else text


def report_accepted(
    *, actor, clause: ClauseFacts, start, end, value, expected, on_track, comment, declared=None
):
    text = (
        f"{actor} accepted the {period_label(start, end)} {clause.metric} report: "
        f"{quantity(value, clause.unit)}"
    )
    compared = declared_comparison(value=value, declared=declared) if declared else ""
    if compared:
        text += f", {compared}"
    if on_track is not None:
        text += ", on track" if on_track else ", off track"
    if expected is not None:
        text += f" ({expectation(expected=expected, unit=clause.unit, direction=clause.direction)})"
    if comment:
        text += f". Comment: “{comment}”"
    return text


def report_rejected(*, actor, clause: ClauseFacts, start, end, comment):
    return f"{actor} sent the {period_label(start, end)} {clause.metric} report back: “{comment}”"


def report_off_track(*, clause: ClauseFacts, end, value, expected):
    return (
        f"{clause.metric}: the report for the period ending {end.isoformat()} is off track, "
        f"{quantity(value, clause.unit)} "
        f"({expectation(expected=expected, unit=clause.unit, direction=clause.direction)})"
    )


def clause_in_breach(*, clause: ClauseFacts, remedy: str):
    text = f"{clause.metric} is in breach: two consecutive periods off track"
    return f"{text}. Remedy: {remedy}" if remedy else text


def clause_added(*, actor, clause: ClauseFacts, status: str):
    direction = "lower is better" if clause.direction == "lower" else "higher is better"
    return (
        f"{actor} added the KPI clause {clause.metric}: "
        f"{quantity(clause.baseline_value, clause.unit)} in {clause.baseline_year} to "
        f"{quantity(clause.target_value, clause.unit)} in {clause.target_year}, {direction}, "
        f"reported {clause.frequency.lower()} ({status.lower()})"
    )


def record_changed(*, actor, subject: str, changes: Sequence[Change]):
    labels = human_join([lower_first(c.label) for c in changes])
    return f"{actor} changed {subject}: {labels}" if labels else f"{actor} saved {subject}"


def contract_created(*, actor, reference, status, start, end, value, currency, renewal_of=""):
    text = f"{actor} created the contract {reference}"
    if renewal_of:
        text += f" as the renewal of {renewal_of}"
    money = numbers.money(value, currency)
    return f"{text} ({status}, {start.isoformat()} to {end.isoformat()}, {money})"


def contract_status_changed(*, actor, old: str, new: str):
    return f"{actor} moved the contract from {old} to {new}"


def contract_renewed(*, actor, new_end, successor: str, waiver: str = "", gate: str = ""):
    text = f"Contract renewed to {new_end.isoformat()}" if new_end else "Contract renewed"
    text += f"{' under a waiver' if waiver else ''} by {actor}"
    if successor:
        text += f"; new term: draft contract {successor}"
    if waiver:
        text += f". Justification: “{waiver}”"
    elif gate:
        text += f". The renewal gate passed: {gate}"
    return text


def renewal_refused(*, actor, failed: Sequence[str]):
    reasons = " ".join(failed)
    return f"{actor} asked to renew the contract; the renewal gate refused it. {reasons}".strip()


def renewal_audit_requested(*, failed: Sequence[str]):
    text = "The owner was asked to arrange an ISO 14001 audit: the renewal gate would refuse"
    return f"{text}. {' '.join(failed)}".strip() if failed else text


def audit_recorded(*, actor, audit_type: str, audit_date, auditor: str, result: str, severities):
    text = f"{actor} recorded the ISO 14001 {lower_first(audit_type)} audit of {audit_date}"
    if auditor:
        text += f" by {auditor}"
    return f"{text}: {result.lower()}, {findings_summary(severities)}"


def audit_changed(*, actor, audit_date, changes: Sequence[Change]):
    parts = [
        f"result {c.new.lower()}" if c.label == "Result" else lower_first(c.label) for c in changes
    ]
    return f"{actor} updated the ISO 14001 audit of {audit_date.isoformat()}: {human_join(parts)}"


def finding_recorded(*, actor, severity: str, clause_ref: str, audit_date, due_date):
    text = (
        f"{actor} recorded a {severity.lower()} ({clause_ref}) on the ISO 14001 audit of "
        f"{audit_date.isoformat()}"
    )
    return f"{text}, corrective action due {due_date.isoformat()}" if due_date else text


def finding_closed(*, actor, clause_ref: str, closed):
    return f"{actor} closed the corrective action of finding {clause_ref} on {closed.isoformat()}"


def sentence(text: str) -> str:
    """The line as a sentence: its first letter upper-case (actor names may start it)."""
    return text[:1].upper() + text[1:]


# --- grouping ----------------------------------------------------------------------------------


def days_group(events: Iterable[TimelineEvent], tz: datetime.tzinfo) -> list[TimelineDay]:
    """Lines by day in ``tz``, newest day first and newest line first within a day (lines of
    one instant keep the reverse of the order they were recorded in)."""
    ordered = [e for _i, e in sorted(enumerate(events), key=lambda p: (p[1].at, p[0]))]
    days: list[TimelineDay] = []
    for event in reversed(ordered):
        day = event.at.astimezone(tz).date()
        if not days or days[-1].day != day:
            days.append(TimelineDay(day, []))
        days[-1].events.append(event)
    return days
