"""The reminder sweep: work out which reminders are due, claim each once, send it, record it.

Exactly once per (object, kind, due window): the sweep first inserts the :class:`ReminderLog` rows
of a batch with ``ignore_conflicts`` and a token of its own, then sends only the rows that carry
its token. A concurrent sweep, a retried task or a second run the same hour finds the rows taken
and sends nothing. A send that raises marks its row failed with the error; later sweeps retry it
until ``REMINDER_MAX_ATTEMPTS``. A worker killed between claim and send leaves the row pending,
so a reminder is at most once, never twice.

Every step works on a whole batch, so a batch costs the same number of queries whatever its size.
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
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from assurance.history import acting_as_system
from reminders import selectors
from reminders.models import ReminderLog
from vendors.models import Certification, DisclosureRequest

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
Kind = ReminderLog.Kind
DISCLOSURE_KINDS = frozenset(k for k in Kind.values if k.startswith("disclosure_"))
CERTIFICATE_KINDS = frozenset(k for k in Kind.values if k.startswith("certificate_"))
FAMILIES = ("disclosure", "certificate")


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

    target: DisclosureRequest | Certification
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


# --- sending -----------------------------------------------------------------------------------


def _subject(due: _Due) -> str:
    ctx = due.context
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
            message = EmailMultiAlternatives(
                subject=_subject(due),
                body=render_to_string("emails/reminder_notice.txt", context),
                to=emails,
                connection=connection,
            )
            message.attach_alternative(
                render_to_string("emails/reminder_notice.html", context), "text/html"
            )
        messages.append(message)
    return messages


def _claim(batch: list[_Due], token: str) -> dict[tuple, ReminderLog]:
    """Take the rows of this batch that no one else holds; return them by (kind, window, id)."""
    if not batch:
        return {}
    cap = settings.REMINDER_MAX_ATTEMPTS
    content_type = ContentType.objects.get_for_model(batch[0].target)
    ids = {due.target.pk for due in batch}
    existing = {
        (log.kind, log.window, log.target_id): log
        for log in ReminderLog.objects.filter(target_type=content_type, target_id__in=ids).only(
            "pk", "kind", "window", "target_id", "status", "attempts"
        )
    }
    fresh, retry = [], []
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
                )
            )
        elif log.status == ReminderLog.Status.FAILED and log.attempts < cap:
            retry.append(log.pk)
    if fresh:
        ReminderLog.objects.bulk_create(fresh, ignore_conflicts=True)
    if retry:
        # The status condition makes the retry a compare-and-set: of two sweeps, one wins.
        ReminderLog.objects.filter(
            pk__in=retry, status=ReminderLog.Status.FAILED, attempts__lt=cap
        ).update(status=ReminderLog.Status.PENDING, claim=token, attempts=F("attempts") + 1)
    if not fresh and not retry:
        return {}
    return {
        (log.kind, log.window, log.target_id): log
        for log in ReminderLog.objects.filter(claim=token, status=ReminderLog.Status.PENDING)
    }


def _send_batch(batch: list[_Due], token: str, result: SweepResult) -> None:
    claimed = _claim([due for due in batch if due.by_language], token)
    if not claimed:
        return
    sent_ids, failed = [], []
    connection = get_connection()
    for due in batch:
        log = claimed.get((due.kind, due.window, due.target.pk))
        if log is None:
            continue
        try:
            connection.send_messages(_messages(due, connection))
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
            sent_ids.append(log.pk)
            result.sent[due.kind] += 1
    if sent_ids:
        ReminderLog.objects.filter(pk__in=sent_ids).update(
            status=ReminderLog.Status.SENT, sent_at=timezone.now(), last_error=""
        )
    if failed:
        ReminderLog.objects.bulk_update(failed, ["status", "last_error", "recipients"])


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
    return result
