"""The staff roles and what each may do, declared in one place.

Each role is a Django group whose permissions are derived from :data:`ROLES`: rules over app
labels and actions rather than lists of permission names, so a model added by a later migration
is covered as soon as its permissions exist. :func:`roles_sync` (re)builds every group from the
rules; the ``roles`` data migration and a ``post_migrate`` handler both call it.

Two safeguards hold regardless of the rules:

- history rows and audit events are evidence: nobody gets add, change or delete on them;
- a read-only role (the auditors) only ever receives ``view_*`` permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

ACTIONS = ("add", "change", "delete", "view")
ALL = frozenset(ACTIONS)
READ = frozenset({"view"})
WRITE = frozenset({"add", "change", "view"})

# Models whose rows are a record of what happened; they are never written through the admin.
_IMMUTABLE_MODELS = frozenset({("assurance", "auditevent")})


@dataclass(frozen=True)
class Rule:
    """Grant ``actions`` on the models of ``app_label``.

    ``models`` limits the rule to those model names; ``model_suffix`` to model names ending with
    it (so that "every *score model*" also matches score models added later). With neither, the
    rule covers every model of the app, historical models included.
    """

    app_label: str
    actions: frozenset[str]
    models: frozenset[str] = frozenset()
    model_suffix: str = ""

    def matches(self, app_label: str, model: str, action: str) -> bool:
        if app_label != self.app_label or action not in self.actions:
            return False
        if self.models and model not in self.models:
            return False
        return not (self.model_suffix and not model.endswith(self.model_suffix))


@dataclass(frozen=True)
class Role:
    name: str
    rules: tuple[Rule, ...]
    read_only: bool = False
    description: str = field(default="", compare=False)

    def allows(self, app_label: str, model: str, action: str) -> bool:
        if self.read_only and action != "view":
            return False
        if action != "view" and _is_immutable(app_label, model):
            return False
        return any(rule.matches(app_label, model, action) for rule in self.rules)


def _is_immutable(app_label: str, model: str) -> bool:
    return model.startswith("historical") or (app_label, model) in _IMMUTABLE_MODELS


ROLES: tuple[Role, ...] = (
    Role(
        name="procurement",
        description="Procurement officers: run vendors, sourcing events and contracts.",
        rules=(
            Rule("vendors", WRITE),
            Rule("procurement", WRITE),
            Rule("contracts", WRITE),
            # Deleting is only safe where nothing else refers to the row.
            Rule(
                "vendors",
                frozenset({"delete"}),
                models=frozenset({"vendorcontact", "certification"}),
            ),
            Rule("scope3", READ),
            Rule("targets", READ),
            Rule("assurance", READ),
            # Officers attach evidence (audit reports, signed contracts) themselves.
            Rule("assurance", frozenset({"add"}), models=frozenset({"evidencefile"})),
            Rule("reminders", READ),
            # Officers review reconciliation flags and import the asset inventory.
            Rule("reconciliation", WRITE),
            Rule("operations", READ),
            # Marking a task failure resolved is the one change officers make there.
            Rule("operations", frozenset({"change"}), models=frozenset({"taskfailure"})),
        ),
    ),
    Role(
        name="evaluators",
        description="Evaluators: read vendors and sourcing events, enter scores.",
        rules=(
            Rule("vendors", READ),
            Rule("procurement", READ),
            Rule("procurement", frozenset({"change"}), model_suffix="score"),
        ),
    ),
    Role(
        name="sustainability",
        description="Sustainability analysts: own the Scope 3 data, read the rest.",
        rules=(
            Rule("scope3", ALL),
            Rule("vendors", READ),
            Rule("contracts", READ),
            Rule("assurance", READ),
            Rule("assurance", frozenset({"add"}), models=frozenset({"evidencefile"})),
            Rule("reconciliation", WRITE),
            # Targets, the engagement target, SBTi statuses and risk rules.
            Rule("targets", WRITE),
        ),
    ),
    Role(
        name="auditors",
        description="Auditors: read everything that is evidence, change nothing.",
        read_only=True,
        rules=(
            Rule("vendors", READ),
            Rule("procurement", READ),
            Rule("contracts", READ),
            Rule("scope3", READ),
            Rule("assurance", READ),
            Rule("reminders", READ),
            Rule("reconciliation", READ),
            Rule("operations", READ),
            Rule("targets", READ),
            Rule("django_celery_beat", READ),
        ),
    ),
)

ROLE_NAMES = tuple(role.name for role in ROLES)


def _action_of(codename: str, model: str) -> str | None:
    """The default action a permission stands for, or None for a custom permission."""
    for action in ACTIONS:
        if codename == f"{action}_{model}":
            return action
    return None


def role_permissions(role: Role, permissions: Iterable) -> list:
    """The permissions (of those given) that ``role`` is granted by its rules."""
    granted = []
    for permission in permissions:
        app_label = permission.content_type.app_label
        model = permission.content_type.model
        action = _action_of(permission.codename, model)
        if action is not None and role.allows(app_label, model, action):
            granted.append(permission)
    return granted


def permissions_ensure(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create content types and default permissions for every installed app now.

    Django normally does this in its own ``post_migrate`` handler, app by app, after all
    migrations; a data migration (or a handler running before that of a later app) needs them
    earlier.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, interactive=False, using=using, apps=apps)


def roles_sync(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Create the role groups and set their permissions exactly to what the rules grant.

    Idempotent. ``apps`` is the app registry to use (a migration's historical registry, or the
    global one). Returns the number of permissions per group, for logging and tests.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.using(using).select_related("content_type"))
    counts = {}
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role.name)
        granted = role_permissions(role, permissions)
        group.permissions.set(granted)
        counts[role.name] = len(granted)
    return counts
