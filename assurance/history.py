"""Who changed what, and why, on every path: web requests, tasks and commands.

django-simple-history takes the user from the current request. Tenderleaf's services also run in
Celery tasks and management commands, where there is no request, so the acting user and the reason
are carried in context variables that :func:`acting_as` sets, and :class:`TrackedHistory` reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from simple_history.models import HistoricalRecords

_actor: ContextVar = ContextVar("tenderleaf_history_actor", default=None)
_reason: ContextVar = ContextVar("tenderleaf_history_reason", default=None)


@contextlib.contextmanager
def acting_as(user, reason: str | None = None) -> Iterator[None]:
    """Attribute every history record written inside the block to ``user`` with ``reason``."""
    actor_token = _actor.set(user)
    reason_token = _reason.set(reason)
    try:
        yield
    finally:
        _actor.reset(actor_token)
        _reason.reset(reason_token)


def current_actor():
    return _actor.get()


def current_reason() -> str | None:
    return _reason.get()


def system_user():
    """The account that tasks and commands act as (never able to log in)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "Tenderleaf", "last_name": "system", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@contextlib.contextmanager
def acting_as_system(reason: str) -> Iterator:
    """For tasks and commands: act as the system user, with a reason that names the job."""
    user = system_user()
    with acting_as(user, reason):
        yield user


class TrackedHistory(HistoricalRecords):
    """``HistoricalRecords`` that also knows the actor and reason set by :func:`acting_as`."""

    def get_history_user(self, instance):
        if hasattr(instance, "_history_user"):
            return instance._history_user
        actor = _actor.get()
        if actor is not None:
            return actor
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        return reason or _reason.get()
