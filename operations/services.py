"""Writes of the operations app: the transactional outbox and task failure records.

Every e-mail Tenderleaf sends goes through the outbox (``tests/test_mail_through_outbox.py`` keeps
it so). Outbox guarantee. :func:`outbox_email_enqueue` writes an :class:`OutboxMessage` in the
caller's transaction, so the follow-up exists exactly when the business change committed. On
commit the message is handed to Celery; a broker that is down only logs a warning (the web request
still succeeds) and leaves the row pending. The sweeper
(:func:`outbox_sweep`, every minute from beat) hands over again every pending row that was never
published, or whose last publication is older than ``OUTBOX_REPUBLISH_SECONDS`` (a message lost
with its broker). Publishing twice is harmless: :func:`outbox_deliver` claims the row with a
conditional update (pending, and unclaimed or claimed longer ago than ``OUTBOX_CLAIM_TIMEOUT_
SECONDS``) and only the consumer that won sends. An email is marked done right after the mail
server accepted it; a consumer killed between the two leaves a claimed row that is sent again
after the claim timeout, with the same Message-ID, so a mail client shows it once. A failed send
clears the claim and is retried with backoff by Celery, then by the sweeper, until
``OUTBOX_MAX_ATTEMPTS``; then the row is marked failed and shows on the attention dashboard.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import traceback as traceback_module
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from operations.models import OutboxMessage, TaskFailure

logger = logging.getLogger(__name__)

ARGS_MAX_CHARS = 2000
TRACEBACK_MAX_CHARS = 20000
MESSAGE_MAX_CHARS = 2000
ONE_TIME_LINK_ERASED = "(Erased once sent: the message carried a one-time link.)"


def message_id_for(key: str) -> str:
    """A Message-ID derived from ``key`` alone: a repeated send is recognisably the same mail."""
    domain = urlsplit(settings.SITE_URL).hostname or "tenderleaf.invalid"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


# --- enqueue ---------------------------------------------------------------------------------


def _enqueue(*, key: str, kind: str, payload: dict) -> OutboxMessage:
    try:
        # A savepoint: a duplicate key must not break the caller's transaction.
        with transaction.atomic():
            message = OutboxMessage.objects.create(key=key, kind=kind, payload=payload)
    except IntegrityError:
        return OutboxMessage.objects.get(key=key)
    transaction.on_commit(lambda: outbox_publish(message_ids=[message.pk], on_commit=True))
    return message


def outbox_email_enqueue(
    *,
    key: str,
    subject: str,
    to: list[str],
    template: str | None = None,
    context: dict | None = None,
    body: str | None = None,
    html: str | None = None,
    one_time_link: bool = False,
) -> OutboxMessage | None:
    """Store a mail for sending on commit: the one way Tenderleaf sends e-mail.

    The text is ``emails/<template>.txt`` and ``.html`` rendered with ``context`` now, or ``body``
    (and optionally ``html``) already written. Rendering here keeps the message as the change left
    things (a later edit does not alter a notification already owed) and lets the payload hold
    only text. ``key`` names the follow-up: a second call with the same key stores nothing new.
    No recipient, no message. A message that carries a one-time link (an invitation, a password
    reset) says so with ``one_time_link``: its text is not shown in the admin, and is erased once
    the mail server accepted it, so the link lives in the outbox only while it waits.
    """
    recipients = sorted({email for email in to if email})
    if not recipients:
        return None
    if (template is None) == (body is None):
        raise TypeError("Give either a template (with its context) or a body, not both.")
    payload = {"subject": subject, "to": recipients, "message_id": message_id_for(key)}
    if template is not None:
        payload["body"] = render_to_string(f"emails/{template}.txt", context or {})
        payload["html"] = render_to_string(f"emails/{template}.html", context or {})
    else:
        payload["body"] = body
        if html:
            payload["html"] = html
    if one_time_link:
        payload["one_time_link"] = True
    return _enqueue(key=key, kind=OutboxMessage.Kind.EMAIL, payload=payload)


# --- publish ---------------------------------------------------------------------------------


def _publish_one(message_id: int, kind: str, payload: dict) -> None:
    from config.celery import app
    from operations.tasks import outbox_deliver

    if kind == OutboxMessage.Kind.TASK:
        # retry=False: a down broker must fail fast, not hold a web request in kombu's retries.
        app.send_task(payload["task"], args=payload["args"], kwargs=payload["kwargs"], retry=False)
        OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING).update(
            status=OutboxMessage.Status.DONE,
            published_at=timezone.now(),
            done_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
    else:
        outbox_deliver.apply_async(args=[message_id], retry=False)
        OutboxMessage.objects.filter(pk=message_id).update(published_at=timezone.now())


def outbox_publish(*, message_ids: list[int], on_commit: bool = False) -> int:
    """Hand pending messages to the broker; return how many it took.

    With ``OUTBOX_DELIVER_INLINE`` an email is sent right here on commit instead (through the same
    claim, so nothing is sent twice); only if that fails is it handed to the broker.
    """
    published = 0
    rows = OutboxMessage.objects.filter(
        pk__in=message_ids, status=OutboxMessage.Status.PENDING
    ).values_list("pk", "kind", "payload")
    for pk, kind, payload in rows:
        inline = on_commit and kind == OutboxMessage.Kind.EMAIL and settings.OUTBOX_DELIVER_INLINE
        if inline and outbox_deliver_email(message_id=pk) != "failed":
            continue
        try:
            _publish_one(pk, kind, payload)
        except Exception as exc:
            # Whatever the transport raises (kombu's OperationalError, the file-system broker's
            # ChannelError, a refused socket), the row stays pending and the sweeper tries again:
            # the change that queued it has committed and must not be reported as failed.
            logger.warning(
                "outbox: broker refused message %s (%s: %s)", pk, type(exc).__name__, exc
            )
            OutboxMessage.objects.filter(pk=pk).update(
                last_error=f"publish: {type(exc).__name__}: {exc}"[:MESSAGE_MAX_CHARS]
            )
            if not on_commit:
                break  # the broker is down: the rest of the sweep would fail the same way
            continue
        published += 1
    return published


def outbox_sweep(*, limit: int = 500) -> int:
    """Publish pending messages that were never handed over, or whose publication is stale."""
    now = timezone.now()
    republish = now - datetime.timedelta(seconds=settings.OUTBOX_REPUBLISH_SECONDS)
    claim_cutoff = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    cap = settings.OUTBOX_MAX_ATTEMPTS
    # Rows out of attempts stop here, visibly, instead of being retried for ever.
    OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, attempts__gte=cap).filter(
        Q(claim="") | Q(claimed_at__lt=claim_cutoff)
    ).update(status=OutboxMessage.Status.FAILED)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=republish))
        .filter(Q(claim="") | Q(claimed_at__lt=claim_cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return outbox_publish(message_ids=ids) if ids else 0


# --- deliver ---------------------------------------------------------------------------------


def _claim(message_id: int) -> str | None:
    token = uuid.uuid4().hex
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    won = (
        OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING)
        .filter(Q(claim="") | Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True))
        .update(claim=token, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    )
    return token if won else None


def outbox_deliver_email(*, message_id: int, raise_errors: bool = False) -> str:
    """Send one outbox email unless another consumer holds or finished it.

    Returns ``sent``, ``skipped`` (done, failed, or claimed by someone else) or ``failed`` (the
    claim is released with the error so a retry or the sweeper can take it).
    """
    token = _claim(message_id)
    if token is None:
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    payload = message.payload
    mail = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        to=payload["to"],
        headers={"Message-ID": payload["message_id"]},
    )
    if payload.get("html"):
        mail.attach_alternative(payload["html"], "text/html")
    try:
        mail.send()
    except Exception as exc:
        gave_up = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message_id, claim=token).update(
            claim="",
            claimed_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:MESSAGE_MAX_CHARS],
            status=OutboxMessage.Status.FAILED if gave_up else OutboxMessage.Status.PENDING,
        )
        logger.warning("outbox: sending message %s failed: %s", message_id, exc)
        if raise_errors:
            raise
        return "failed"
    # Recorded right after the server accepted it; the claim condition keeps a consumer whose
    # claim was taken over from overwriting the new holder's outcome.
    done = {"status": OutboxMessage.Status.DONE, "done_at": timezone.now(), "last_error": ""}
    if payload.get("one_time_link"):
        done["payload"] = {**payload, "body": ONE_TIME_LINK_ERASED, "html": ""}
    OutboxMessage.objects.filter(pk=message_id, claim=token).update(**done)
    return "sent"


def outbox_deliver(*, message_id: int, raise_errors: bool = True) -> str:
    """Deliver one message: send an email, or publish a task (a task row reaching a consumer is
    an old-format row; publishing is its delivery)."""
    kind = OutboxMessage.objects.filter(pk=message_id).values_list("kind", flat=True).first()
    if kind is None:
        return "gone"
    if kind == OutboxMessage.Kind.TASK:
        return "published" if outbox_publish(message_ids=[message_id]) else "skipped"
    return outbox_deliver_email(message_id=message_id, raise_errors=raise_errors)


# --- task failures ---------------------------------------------------------------------------


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def task_failure_record(
    *,
    task,
    task_id: str,
    args=None,
    kwargs=None,
    exc: BaseException,
    tb: str = "",
    retries_exhausted: bool = False,
) -> TaskFailure:
    """Record a failed task run: a new unresolved row, or one more on the open row of that task
    and exception type (a conditional increment, so concurrent workers count every failure)."""
    name = getattr(task, "name", None) or str(task)
    exception_type = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if not tb and exc.__traceback__ is not None:
        tb = "".join(traceback_module.format_exception(type(exc), exc, exc.__traceback__))
    details = {
        "task_id": task_id or "",
        "args": _truncate(repr((list(args or []), dict(kwargs or {}))), ARGS_MAX_CHARS),
        "message": _truncate(str(exc), MESSAGE_MAX_CHARS),
        "traceback": _truncate(tb or "", TRACEBACK_MAX_CHARS),
        "last_seen": timezone.now(),
    }
    open_rows = TaskFailure.objects.filter(
        task_name=name, exception_type=exception_type, resolved_at__isnull=True
    )
    for _ in range(3):
        bumped = open_rows.update(count=F("count") + 1, **details)
        if bumped and retries_exhausted:
            open_rows.update(retries_exhausted=True)
        if bumped:
            return open_rows.get()
        try:
            with transaction.atomic():
                return TaskFailure.objects.create(
                    task_name=name,
                    exception_type=exception_type,
                    retries_exhausted=retries_exhausted,
                    **details,
                )
        except IntegrityError:
            continue  # another worker created it meanwhile: count on its row
    raise RuntimeError(f"could not record the failure of {name}")


def task_failures_resolve(*, actor, failures) -> int:
    """Mark failures resolved (the cause was fixed); a new failure then opens a new row."""
    return TaskFailure.objects.filter(
        pk__in=[f.pk for f in failures], resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolved_by=actor)
