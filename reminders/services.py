"""The reminder sweep: work out which reminders are due, claim each once, send it, record it.

Once per (object, kind, due window): the sweep first inserts the :class:`ReminderLog` rows of a
batch with ``ignore_conflicts`` and a token of its own (``claim``, with ``claimed_at``), then sends
only the rows that carry its token. A concurrent sweep, a retried task or a second run the same
hour finds the rows taken and sends nothing. A send that raises marks its row failed with the
error; later sweeps retry it until ``REMINDER_MAX_ATTEMPTS``.

What a worker killed mid-batch does, precisely:

- killed after claiming, before a reminder's send: the row stays pending with the dead sweep's
  claim. A sweep that runs ``REMINDER_CLAIM_TIMEOUT_SECONDS`` or more after the claim takes the row
  over (compare-and-set on ``claimed_at``) and sends it. Nothing is lost; the reminder is late by
  at most the timeout plus the sweep interval.
- killed after the mail backend accepted a reminder, before its row was marked sent: the row is
  taken over and the reminder sent a second time. Each row is marked sent by its own single-row
  update right after its send, so this window is that one update; and the repeat carries the same
  ``Message-ID`` (derived from the row), so mail systems that de-duplicate show it once.
- a claim taken over from a sweep that was only slow (not dead) beyond the timeout could likewise
  repeat a send: keep the timeout well above the time a batch takes (minutes, not seconds).

So: never lost; sent once, except for a kill inside that one-update window, where the repeat is
the same message. Every claim counts an attempt, so a reminder whose send kills the worker each
time stops at ``REMINDER_MAX_ATTEMPTS``.

Claiming works on a whole batch; recording costs one update per reminder sent, so queries per
batch are bounded by the batch size and constant in the number of objects due.

The renewal family makes two writes per contract, both by the contracts app's services (the home
of the renewal rules): moving a contract into "renewal due" (row lock, history, audit event), and
recording the ISO 14001 audit request when the renewal gate would refuse. Each happens once per
contract and notice window.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from assurance.history import acting_as_system
from contracts import gate as gate_rules
from contracts.models import Contract, KpiReportingPeriod
from contracts.services import (
    contract_renewal_audit_requests_record,
    contract_renewal_notice_enter,
)
from procurement.models import Rfp
from reminders import selectors
from reminders.models import ReminderLog
from vendors.models import Certification, DisclosureRequest

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
Kind = ReminderLog.Kind
DISCLOSURE_KINDS = frozenset(k for k in Kind.values if k.startswith("disclosure_"))
CERTIFICATE_KINDS = frozenset(k for k in Kind.values if k.startswith("certificate_"))
KPI_KINDS = frozenset(k for k in Kind.values if k.startswith("kpi_"))
RENEWAL_KINDS = frozenset(k for k in Kind.values if k.startswith("renewal_"))
# The hourly sweep runs every family, so a missed daily run delays a reminder by an hour at most.
FAMILIES = ("disclosure", "certificate", "iso14001", "kpi", "rfp", "renewal")
TEMPLATES = {
    Kind.ISO14001_SURVEILLANCE: "emails/reminder_iso14001_surveillance",
    Kind.KPI_DUE_SOON: "emails/reminder_kpi",
    Kind.KPI_DUE_TODAY: "emails/reminder_kpi",
    Kind.KPI_ESCALATION: "emails/reminder_kpi",
    Kind.RFP_DEADLINE: "emails/reminder_rfp_deadline",
    Kind.RENEWAL_GATE_OUTCOME: "emails/reminder_renewal",
    Kind.RENEWAL_AUDIT_REQUEST: "emails/reminder_renewal",
}


@dataclass
class SweepResult:
    """What one sweep did: reminders sent and sends that failed, per kind."""

    sent: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.sent)

    def as_dict(self) -> dict:
        return {"sent": dict(self.sent), "failed": dict(self.failed)}


@dataclass
class _Due:
    """One reminder owed now: who gets it (grouped by language) and what it says."""

    target: DisclosureRequest | Certification | KpiReportingPeriod | Rfp | Contract
    kind: str
    window: str
    by_language: dict[str, list[str]]
    context: dict

    @property
    def recipients(self) -> list[str]:
        return sorted(e for emails in self.by_language.values() for e in emails)


# --- writes --------------------------------------------------------------------------------------


def disclosure_request_mark_overdue(
    *,
    actor,
    requests: Iterable[DisclosureRequest],
    today: datetime.date | None = None,
    reason: str = "past its due date",
) -> list[DisclosureRequest]:
    """Mark open requests whose due date has passed as overdue, with history, in one batch.

    No audit event per request: the history rows (actor = the system user, with the reason) are
    the record, and a batch stays at a constant number of queries.
    """
    today = today or timezone.localdate()
    late = [r for r in requests if r.status == DisclosureRequest.Status.OPEN and r.due_date < today]
    if not late:
        return []
    for request in late:
        request.status = DisclosureRequest.Status.OVERDUE
    with transaction.atomic():
        bulk_update_with_history(
            late,
            DisclosureRequest,
            ["status"],
            default_user=actor,
            default_change_reason=reason,
        )
    return late


# --- what is due -------------------------------------------------------------------------------


def _contacts_by_language(vendor) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for contact in getattr(vendor, selectors.REMINDER_CONTACTS, []):
        grouped[contact.language or settings.LANGUAGE_CODE].append(contact.email)
    return dict(grouped)


def _request_url(request: DisclosureRequest) -> str:
    return settings.SITE_URL + reverse("portal:disclosure_request", kwargs={"pk": request.pk})


def _disclosure_reminders(request: DisclosureRequest, today: datetime.date) -> Iterator[_Due]:
    contacts = _contacts_by_language(request.vendor)
    context = {
        "request": request,
        "vendor": request.vendor,
        "url": _request_url(request),
        "due_date": request.due_date,
        "days_left": (request.due_date - today).days,
    }
    due_window = request.due_date.isoformat()
    if request.due_date < today:
        yield _Due(request, Kind.DISCLOSURE_OVERDUE, due_window, contacts, context)
        owner = request.vendor.relationship_owner
        if owner is not None and owner.email:
            yield _Due(
                request,
                Kind.DISCLOSURE_ESCALATION,
                due_window,
                {settings.LANGUAGE_CODE: [owner.email]},
                {**context, "owner": owner},
            )
        return
    if request.status != DisclosureRequest.Status.OPEN:
        return
    soon = settings.REMINDER_DISCLOSURE_DAYS_BEFORE_DUE
    if (request.due_date - today).days <= soon:
        yield _Due(request, Kind.DISCLOSURE_DUE_SOON, due_window, contacts, context)
        return
    # The after-sending nudges stop once the due-soon reminder takes over, so a vendor never
    # gets two reminders about one request on the same day.
    if request.vendor_touched_at is not None or request.sent_at is None:
        return
    sent_on = timezone.localdate(request.sent_at)
    passed = [
        d for d in settings.REMINDER_DISCLOSURE_DAYS_AFTER_SENT if (today - sent_on).days >= d
    ]
    if passed:
        days = max(passed)
        kind = f"disclosure_day{days}"
        if kind in Kind.values:
            window = (sent_on + datetime.timedelta(days=days)).isoformat()
            yield _Due(request, kind, window, contacts, {**context, "days_since_sent": days})


def _certificate_reminders(cert: Certification, today: datetime.date) -> Iterator[_Due]:
    days_left = (cert.expiry_date - today).days
    leads = [d for d in settings.REMINDER_CERTIFICATE_DAYS_BEFORE_EXPIRY if days_left <= d]
    if not leads:
        return
    # Only the nearest threshold: a sweep that first runs 20 days out sends the 30-day reminder,
    # not the 90-day one as well.
    lead = min(leads)
    kind = f"certificate_{lead}"
    if kind not in Kind.values:
        return
    context = {
        "certificate": cert,
        "vendor": cert.vendor,
        "url": settings.SITE_URL + reverse("portal:certificate_list"),
        "expiry_date": cert.expiry_date,
        "days_left": days_left,
    }
    yield _Due(
        cert, kind, cert.expiry_date.isoformat(), _contacts_by_language(cert.vendor), context
    )


def _staff(user) -> dict[str, list[str]]:
    """Our own staff get reminders in the site's language (users carry no language of their own)."""
    if user is None or not user.email:
        return {}
    return {settings.LANGUAGE_CODE: [user.email]}


def _admin_url(obj) -> str:
    meta = obj._meta
    return settings.SITE_URL + reverse(
        f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]
    )


def _iso14001_surveillance_reminders(cert: Certification, today: datetime.date) -> Iterator[_Due]:
    """ISO 14001 surveillance overdue (ISO/IEC 17021-1 9.6.2: a surveillance audit at least once
    a calendar year). The last audit is the later of the certificate's issue date (its initial or
    recertification audit) and the vendor's latest completed ``Iso14001Audit``; the reminder is
    owed from the day after it is ``REMINDER_ISO14001_SURVEILLANCE_MONTHS`` old, and that day is
    the window, so a newer audit that lapses in turn earns a new reminder."""
    last_audit = max(d for d in (cert.issue_date, cert.last_vendor_audit) if d is not None)
    months = settings.REMINDER_ISO14001_SURVEILLANCE_MONTHS
    overdue_since = selectors.months_after(last_audit, months) + datetime.timedelta(days=1)
    if overdue_since > today:
        return
    context = {
        "certificate": cert,
        "vendor": cert.vendor,
        "url": settings.SITE_URL + reverse("portal:certificate_list"),
        "last_audit": last_audit,
        "overdue_since": overdue_since,
        "months": months,
    }
    yield _Due(
        cert,
        Kind.ISO14001_SURVEILLANCE,
        overdue_since.isoformat(),
        _contacts_by_language(cert.vendor),
        context,
    )


def _kpi_reminders(period: KpiReportingPeriod, today: datetime.date) -> Iterator[_Due]:
    """Before the due date (``REMINDER_KPI_DAYS_BEFORE_DUE``), on it, then escalation to the
    contract's owner (else the vendor's relationship owner) from the day after; each once per
    due date. The caller passes only periods that are not reported."""
    clause = period.clause
    contract = clause.contract
    vendor = contract.vendor
    days_left = (period.due_date - today).days
    context = {
        "period": period,
        "clause": clause,
        "contract": contract,
        "vendor": vendor,
        "due_date": period.due_date,
        "days_left": days_left,
        "url": settings.SITE_URL + reverse("portal:kpi_report_submit", args=[period.pk]),
    }
    window = period.due_date.isoformat()
    if days_left < 0:
        owner = contract.owner or vendor.relationship_owner
        yield _Due(
            period,
            Kind.KPI_ESCALATION,
            window,
            _staff(owner),
            {**context, "owner": owner, "url": _admin_url(clause)},
        )
    elif days_left == 0:
        yield _Due(period, Kind.KPI_DUE_TODAY, window, _contacts_by_language(vendor), context)
    else:
        yield _Due(period, Kind.KPI_DUE_SOON, window, _contacts_by_language(vendor), context)


def _rfp_reminders(rfp: Rfp, today: datetime.date) -> Iterator[_Due]:
    """Invited vendors without a submitted bid, at the nearest of the lead days the deadline is
    within (``REMINDER_RFP_DAYS_BEFORE_DEADLINE``); the caller passes published RFPs whose
    deadline has not passed. One row per vendor and lead: ``v<vendor>/<deadline>/<days>``."""
    deadline = timezone.localtime(rfp.deadline)
    days_left = (deadline.date() - today).days
    leads = [d for d in settings.REMINDER_RFP_DAYS_BEFORE_DEADLINE if days_left <= d]
    if not leads:
        return
    lead = min(leads)
    submitted = {bid.vendor_id for bid in getattr(rfp, selectors.SUBMITTED_BIDS, [])}
    url = settings.SITE_URL + reverse("portal:rfp_detail", args=[rfp.pk])
    for vendor in rfp.invited_vendors.all():
        if vendor.pk in submitted:
            continue
        context = {
            "rfp": rfp,
            "vendor": vendor,
            "deadline": deadline,
            "days_left": days_left,
            "url": url,
        }
        window = f"v{vendor.pk}/{deadline.date().isoformat()}/{lead}"
        yield _Due(rfp, Kind.RFP_DEADLINE, window, _contacts_by_language(vendor), context)


def _renewal_reminders(
    contract: Contract, result: gate_rules.GateResult, notice_start: datetime.date
) -> Iterator[_Due]:
    """At the start of the notice period: the gate's outcome to the contract's owner (else the
    vendor's relationship owner), and when it would refuse, a request for an ISO 14001 audit to
    the vendor naming what is missing; both once per notice window."""
    owner = contract.owner or contract.vendor.relationship_owner
    context = {
        "contract": contract,
        "vendor": contract.vendor,
        "result": result,
        "missing": [c for c in result.conditions if not c.passed],
        "notice_start": notice_start,
        "end_date": contract.end_date,
        "owner": owner,
    }
    window = notice_start.isoformat()
    vendor_contacts = _contacts_by_language(contract.vendor)
    yield _Due(
        contract,
        Kind.RENEWAL_GATE_OUTCOME,
        window,
        _staff(owner),
        {**context, "url": _admin_url(contract), "vendor_asked": bool(vendor_contacts)},
    )
    if not result.passed:
        yield _Due(
            contract,
            Kind.RENEWAL_AUDIT_REQUEST,
            window,
            vendor_contacts,
            {
                **context,
                "url": settings.SITE_URL + reverse("portal:contract_detail", args=[contract.pk]),
            },
        )


def _renewal_batch(
    contracts: list[Contract], today: datetime.date, actor
) -> list[tuple[Contract, gate_rules.GateResult, datetime.date]]:
    """Contracts of the batch whose notice period has started, with the gate's outcome today:
    the contracts service moves them to renewal due and checks the gate."""
    return contract_renewal_notice_enter(
        actor=actor,
        contracts=contracts,
        today=today,
        reason="notice period started (reminder sweep)",
    )


def _renewal_audit_requests_record(sent: list[_Due], actor) -> None:
    """Record, through the contracts service, the audit request of each refused gate whose
    reminders went out now; the contracts app's daily check then does not ask a second time."""
    refused = {
        (due.target.pk, due.window): (due.target, due.window, due.context["result"])
        for due in sent
        if due.kind in RENEWAL_KINDS and not due.context["result"].passed
    }
    contract_renewal_audit_requests_record(actor=actor, refused=list(refused.values()))


# --- sending -----------------------------------------------------------------------------------


def _subject(due: _Due) -> str:
    ctx = due.context
    if due.kind == Kind.ISO14001_SURVEILLANCE:
        return _("Your ISO 14001 surveillance audit is overdue (last audit %(date)s)") % {
            "date": ctx["last_audit"].isoformat()
        }
    if due.kind in KPI_KINDS:
        values = {
            "metric": ctx["clause"].metric,
            "contract": ctx["contract"].reference,
            "vendor": ctx["vendor"].name,
            "date": ctx["due_date"].isoformat(),
        }
        if due.kind == Kind.KPI_ESCALATION:
            return _("%(vendor)s has not reported %(metric)s on %(contract)s (due %(date)s)") % (
                values
            )
        if due.kind == Kind.KPI_DUE_TODAY:
            return _("Your %(metric)s report on %(contract)s is due today") % values
        return _("Your %(metric)s report on %(contract)s is due on %(date)s") % values
    if due.kind == Kind.RFP_DEADLINE:
        days = ctx["days_left"]
        if days == 0:
            return _("Bids for “%(title)s” close today") % {"title": ctx["rfp"].title}
        return ngettext(
            "Bids for “%(title)s” close in %(days)d day",
            "Bids for “%(title)s” close in %(days)d days",
            days,
        ) % {"title": ctx["rfp"].title, "days": days}
    if due.kind == Kind.RENEWAL_GATE_OUTCOME:
        values = {"reference": ctx["contract"].reference, "vendor": ctx["vendor"].name}
        if ctx["result"].passed:
            return _("%(reference)s (%(vendor)s) is due for renewal: the renewal gate passes") % (
                values
            )
        return _("%(reference)s (%(vendor)s) is due for renewal: the renewal gate would refuse") % (
            values
        )
    if due.kind == Kind.RENEWAL_AUDIT_REQUEST:
        return _("%(reference)s: an ISO 14001 audit is needed before renewal") % {
            "reference": ctx["contract"].reference
        }
    if due.kind in CERTIFICATE_KINDS:
        return _("Your %(kind)s certificate expires on %(date)s") % {
            "kind": due.target.get_kind_display(),
            "date": ctx["expiry_date"].isoformat(),
        }
    year = due.target.reporting_year
    if due.kind == Kind.DISCLOSURE_OVERDUE:
        return _("Your FY%(year)s emissions disclosure is overdue") % {"year": year}
    if due.kind == Kind.DISCLOSURE_ESCALATION:
        return _("%(vendor)s has not answered its FY%(year)s disclosure request") % {
            "vendor": ctx["vendor"].name,
            "year": year,
        }
    if due.kind == Kind.DISCLOSURE_DUE_SOON:
        return _("Your FY%(year)s emissions disclosure is due in %(days)s days") % {
            "year": year,
            "days": ctx["days_left"],
        }
    return _("Reminder: your FY%(year)s emissions disclosure is due on %(date)s") % {
        "year": year,
        "date": ctx["due_date"].isoformat(),
    }


def _messages(due: _Due, connection) -> list[EmailMultiAlternatives]:
    messages = []
    for language, emails in sorted(due.by_language.items()):
        with translation.override(language):
            context = {**due.context, "kind": due.kind}
            template = TEMPLATES.get(due.kind, "emails/reminder_notice")
            message = EmailMultiAlternatives(
                subject=_subject(due),
                body=render_to_string(f"{template}.txt", context),
                to=emails,
                connection=connection,
            )
            message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        messages.append(message)
    return messages


def _claim(batch: list[_Due], token: str) -> dict[tuple, ReminderLog]:
    """Take the rows of this batch that no one else holds; return them by (kind, window, id).

    A row is taken in one of three ways, each a compare-and-set so that of two sweeps exactly one
    wins: inserted (the unique key, conflicts ignored), retried (failed → pending), or taken over
    (pending, but claimed longer ago than ``REMINDER_CLAIM_TIMEOUT_SECONDS``: the sweep holding it
    died; the update's condition on the old ``claimed_at`` fails for the slower of two sweeps).
    Every claim sets ``claimed_at`` and counts an attempt, so a reminder whose sending kills the
    worker each time stops after ``REMINDER_MAX_ATTEMPTS``.
    """
    if not batch:
        return {}
    cap = settings.REMINDER_MAX_ATTEMPTS
    now = timezone.now()
    stale_before = now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    content_type = ContentType.objects.get_for_model(batch[0].target)
    ids = {due.target.pk for due in batch}
    existing = {
        (log.kind, log.window, log.target_id): log
        for log in ReminderLog.objects.filter(target_type=content_type, target_id__in=ids).only(
            "pk", "kind", "window", "target_id", "status", "attempts", "claimed_at"
        )
    }
    fresh, retry, stale = [], [], []
    for due in batch:
        log = existing.get((due.kind, due.window, due.target.pk))
        if log is None:
            fresh.append(
                ReminderLog(
                    target_type=content_type,
                    target_id=due.target.pk,
                    kind=due.kind,
                    window=due.window,
                    recipients=due.recipients,
                    status=ReminderLog.Status.PENDING,
                    attempts=1,
                    claim=token,
                    claimed_at=now,
                )
            )
        elif log.attempts >= cap:
            continue
        elif log.status == ReminderLog.Status.FAILED:
            retry.append(log.pk)
        elif log.status == ReminderLog.Status.PENDING and (
            log.claimed_at is None or log.claimed_at < stale_before
        ):
            stale.append(log.pk)
    if fresh:
        ReminderLog.objects.bulk_create(fresh, ignore_conflicts=True)
    taken = {"claim": token, "claimed_at": now, "attempts": F("attempts") + 1}
    if retry:
        ReminderLog.objects.filter(
            pk__in=retry, status=ReminderLog.Status.FAILED, attempts__lt=cap
        ).update(status=ReminderLog.Status.PENDING, **taken)
    if stale:
        # Rows from before claims were timed (no claimed_at) count as stale too.
        ReminderLog.objects.filter(
            Q(claimed_at__lt=stale_before) | Q(claimed_at__isnull=True),
            pk__in=stale,
            status=ReminderLog.Status.PENDING,
            attempts__lt=cap,
        ).update(**taken)
    if not (fresh or retry or stale):
        return {}
    return {
        (log.kind, log.window, log.target_id): log
        for log in ReminderLog.objects.filter(
            claim=token, status=ReminderLog.Status.PENDING, target_type=content_type
        )
    }


def _send_batch(batch: list[_Due], token: str, result: SweepResult) -> list[_Due]:
    """Claim, send and record one batch; return the reminders this sweep sent.

    Each reminder is marked sent right after the mail backend accepted it, by a single-row update
    conditional on this sweep's claim: the only window in which a killed worker causes a repeat
    is that one update. Its messages carry a Message-ID derived from the log row, so a repeat is
    the same message to the recipient's mail system.
    """
    from django.db import connection as db_connection

    from operations.services import message_id_for

    claimed = _claim([due for due in batch if due.by_language], token)
    if not claimed:
        return []
    failed, sent = [], []
    connection = get_connection()
    Status = ReminderLog.Status
    table = ReminderLog._meta.db_table
    mark_sent = (
        f"UPDATE {table} SET status = %s, sent_at = %s, last_error = '' "  # noqa: S608 - names from the model
        "WHERE id = %s AND claim = %s AND status = %s"
    )
    cursor = db_connection.cursor()
    for due in batch:
        log = claimed.get((due.kind, due.window, due.target.pk))
        if log is None:
            continue
        try:
            messages = _messages(due, connection)
            for n, message in enumerate(messages):
                message.extra_headers["Message-ID"] = message_id_for(f"reminder:{log.pk}:{n}")
            connection.send_messages(messages)
        except Exception as exc:
            # Any failure of the mail backend is recorded on the row and retried by a later
            # sweep; one bad address or a flaky server must not stop the rest of the batch.
            logger.warning("reminder %s failed: %s", log.pk, exc)
            log.status = ReminderLog.Status.FAILED
            log.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            log.recipients = due.recipients
            failed.append(log)
            result.failed[due.kind] += 1
        else:
            # One prepared single-row update per send (the ORM would rebuild the same statement
            # each time, which cost more than the update): WHERE pk AND claim AND pending.
            cursor.execute(mark_sent, [Status.SENT, timezone.now(), log.pk, token, Status.PENDING])
            sent.append(due)
            result.sent[due.kind] += 1
    cursor.close()
    if failed:
        ReminderLog.objects.bulk_update(failed, ["status", "last_error", "recipients"])
    return sent


def _batches(queryset: QuerySet, size: int = BATCH_SIZE) -> Iterator[list]:
    """Walk a queryset ordered by pk in keyset batches (no OFFSET, stable while rows change)."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def reminder_sweep(
    *, today: datetime.date | None = None, families: Iterable[str] = FAMILIES
) -> SweepResult:
    """Send every reminder due today that has not gone out yet; safe to run at any time, often."""
    today = today or timezone.localdate()
    families = set(families)
    result = SweepResult()
    token = uuid.uuid4().hex
    with acting_as_system("reminder sweep") as system:
        if "disclosure" in families:
            for batch in _batches(selectors.disclosure_requests_due(today=today)):
                disclosure_request_mark_overdue(actor=system, requests=batch, today=today)
                due = [d for request in batch for d in _disclosure_reminders(request, today)]
                _send_batch(due, token, result)
        if "certificate" in families:
            for batch in _batches(selectors.certifications_due(today=today)):
                due = [d for cert in batch for d in _certificate_reminders(cert, today)]
                _send_batch(due, token, result)
        if "iso14001" in families:
            candidates = selectors.iso14001_certificates_for_surveillance(today=today)
            for batch in _batches(candidates):
                due = [d for c in batch for d in _iso14001_surveillance_reminders(c, today)]
                _send_batch(due, token, result)
        if "kpi" in families:
            for batch in _batches(selectors.kpi_periods_due(today=today)):
                due = [d for period in batch for d in _kpi_reminders(period, today)]
                _send_batch(due, token, result)
        if "rfp" in families:
            for batch in _batches(selectors.rfps_closing(today=today), size=50):
                due = [d for rfp in batch for d in _rfp_reminders(rfp, today)]
                _send_batch(due, token, result)
        if "renewal" in families:
            for batch in _batches(selectors.contracts_in_notice(today=today)):
                entered = _renewal_batch(batch, today, system)
                due = [d for c, res, start in entered for d in _renewal_reminders(c, res, start)]
                sent = _send_batch(due, token, result)
                _renewal_audit_requests_record(sent, system)
    return result
