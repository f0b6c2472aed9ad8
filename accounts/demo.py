"""Demo staff personas for ``seed_demo``: officer, evaluator, analyst and auditor, each in its
role's group and with the demo's published authenticator.

Idempotent: a user is looked up by username and saved only when a value differs (or the password
changed), so a second run writes nothing. README.md documents the logins, the password and the
authenticator key; the top floor prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.services import totp_device_demo_ensure

# Long enough for the validators (10+ characters), not a common password, not all digits.
DEFAULT_PASSWORD = "leafy-demo-2026"  # noqa: S105 - a published demo password, by design
# Staff also confirm a one-time code at sign-in; the demo's staff share this published
# authenticator key (base32), printed with the logins. Never use it outside the demo.
DEMO_TOTP_SECRET = "TENDERLEAFDEMOTOTPSECRETKEYSEVEN"  # noqa: S105 - published, by design


class DemoSetupError(Exception):
    """The demo cannot be built as asked (a refused password, a database not migrated)."""


@dataclass(frozen=True)
class StaffSpec:
    username: str
    group: str
    first_name: str
    last_name: str
    what: str


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("officer", "procurement", "Priya", "Raman", "procurement officer"),
    StaffSpec("evaluator", "evaluators", "Tomás", "Ibarra", "bid evaluator"),
    StaffSpec("analyst", "sustainability", "Mei", "Chen", "sustainability analyst"),
    StaffSpec("auditor", "auditors", "Jonas", "Weber", "auditor (read-only)"),
)


def _differs(instance, values: dict) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


def _password_check(user, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DemoSetupError(
            f"--password is not accepted for {user.username}: {' '.join(exc.messages)}"
        ) from exc


def demo_user_ensure(username: str, password: str, *, tally, **values):
    """The demo user ``username`` with ``values`` and ``password``; written only when different."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, **values)
        _password_check(user, password)
        user.set_password(password)
        user.save()
        tally.add("users", created=True)
        return user
    changed = _differs(user, values)
    for name, value in values.items():
        setattr(user, name, value)
    if not user.check_password(password):
        _password_check(user, password)
        user.set_password(password)
        changed = True
    if changed:
        user.save()
        tally.add("users", updated=True)
    return user


def staff_seed(*, password: str, tally) -> dict:
    """The staff personas by username, each in its group and with the demo authenticator."""
    users = {}
    for spec in STAFF:
        group = Group.objects.filter(name=spec.group).first()
        if group is None:
            raise DemoSetupError(
                f"The group {spec.group!r} does not exist; run `manage.py migrate` first."
            )
        user = demo_user_ensure(
            spec.username,
            password,
            tally=tally,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@tenderleaf.example",
            is_staff=True,
            is_superuser=False,
            is_active=True,
        )
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
        totp_device_demo_ensure(user=user, secret_base32=DEMO_TOTP_SECRET)
        users[spec.username] = user
    return users
