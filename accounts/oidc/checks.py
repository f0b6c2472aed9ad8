"""System checks of the single sign-on settings: a wrong mapping is named at start-up, not found
later as a person who silently got no role."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from accounts.oidc import rules


@checks.register(checks.Tags.security)
def oidc_settings_check(app_configs=None, **kwargs):
    if not getattr(settings, "OIDC_ENABLED", False):
        return []
    errors = []
    known = set(rules.ROLE_ALIASES.values())
    for group, role in settings.OIDC_GROUP_ROLES.items():
        if rules.role_name(role) not in known:
            errors.append(
                checks.Error(
                    f"OIDC_GROUP_ROLES maps the group {group!r} to {role!r}, which is not a role.",
                    hint="Use officer, evaluator, analyst or auditor (or the role's group name: "
                    f"{', '.join(sorted(known))}).",
                    id="accounts.E101",
                )
            )
    if not settings.OIDC_ISSUER.startswith("https://") and not settings.DEBUG:
        host = settings.OIDC_ISSUER.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if host not in ("127.0.0.1", "localhost"):
            errors.append(
                checks.Error(
                    f"OIDC_ISSUER {settings.OIDC_ISSUER!r} is not an https:// URL.",
                    hint="Tokens and client secrets must only travel over TLS.",
                    id="accounts.E102",
                )
            )
    if not 0 <= settings.OIDC_CLOCK_SKEW_SECONDS <= 300:
        errors.append(
            checks.Error(
                f"OIDC_CLOCK_SKEW_SECONDS is {settings.OIDC_CLOCK_SKEW_SECONDS}; allow 0 to 300.",
                hint="A larger skew lets an expired ID token be used for longer.",
                id="accounts.E103",
            )
        )
    return errors
