"""Writes of single sign-on: find or create the user of a verified ID token, and set their roles
from the provider's groups (README, "Single sign-on for staff")."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts import security
from accounts.models import OIDCIdentity
from accounts.oidc import rules
from accounts.oidc.config import OIDCRefused

SSO_SIGNED_IN = "sso_signed_in"
SSO_REFUSED = "sso_refused"
SSO_ROLES_CHANGED = "sso_roles_changed"
SSO_SIGNED_OUT = "sso_signed_out"
SSO_SESSION_ENDED = "sso_session_ended"
SSO_SESSION_RENEWED = "sso_session_renewed"
SSO_USER_CREATED = "sso_user_created"

ROLE_CHANGE_REASON = "Roles set from the identity provider's groups at sign-in"


# The role group names sign-in may give, handed in by the app that defines the roles
# (assurance/roles.py, registered in ``AssuranceConfig.ready()``): accounts is the ground floor and
# imports no app above it (docs/architecture.md, "Which app may import which"). Until they are
# registered no group is a role, so single sign-on gives no one a role.
_ROLE_NAMES: list[str] = []


def sso_role_names_register(names) -> None:
    for name in names:
        if name not in _ROLE_NAMES:
            _ROLE_NAMES.append(name)


def _role_names() -> tuple[str, ...]:
    return tuple(_ROLE_NAMES)


def oidc_user_sign_in(*, issuer: str, claims: dict) -> tuple[object, rules.RoleChange]:
    """The Tenderleaf user of a verified ID token, with roles set from its groups.

    The user is the one linked to (issuer, ``sub``); e-mail never links an existing account. A
    first sign-in creates a staff user only when ``OIDC_CREATE_USERS`` is on and the e-mail's
    domain is in ``OIDC_ALLOWED_DOMAINS``. At every sign-in the role groups become exactly the
    roles the groups claim maps to (groups that are not roles are left alone); a change is kept in
    the identity's history and logged as a security event. Raises :class:`OIDCRefused` when the
    person may not sign in; the roles are still updated then, so a refusal for "no role" also
    removes the roles the provider took away.
    """
    subject = str(claims["sub"])
    email = (claims.get("email") or "").strip()
    groups = rules.groups_of(claims.get(settings.OIDC_GROUPS_CLAIM))
    mapping = dict(settings.OIDC_GROUP_ROLES)
    known = _role_names()
    roles = [role for role in rules.roles_for_groups(groups, mapping) if role in known]
    with transaction.atomic():
        identity = (
            OIDCIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            identity = _identity_create(
                issuer=issuer, subject=subject, email=email, claims=claims, roles=roles
            )
        user = identity.user
        if not user.is_active:
            raise OIDCRefused(
                "deactivated",
                "Your Tenderleaf account is deactivated. Ask a Tenderleaf administrator if you "
                "should still have access.",
                user_id=user.pk,
            )
        change = _roles_set(user=user, identity=identity, roles=roles)
        identity.email = email or identity.email
        identity.groups = groups
        identity.last_sign_in_at = timezone.now()
        identity._history_user = user
        identity._change_reason = ROLE_CHANGE_REASON if change.changed else "Signed in"
        identity.save()
    if change.changed:
        security.security_event(
            SSO_ROLES_CHANGED,
            user=user,
            level=logging.INFO,
            added=change.added,
            removed=change.removed,
            roles=list(change.after),
            groups=groups,
        )
    if not roles:
        raise _no_role(email or subject, groups, user_id=user.pk)
    return user, change


def _no_role(who: str, groups: list[str], **details) -> OIDCRefused:
    return OIDCRefused(
        "no_role",
        f"You signed in at the provider as {who}, but none of your groups there gives a "
        "Tenderleaf role, so there is nothing here for you to open. Ask your administrator to "
        "add you to the group of your role (officer, evaluator, analyst or auditor).",
        groups=groups,
        **details,
    )


def _identity_create(*, issuer, subject, email, claims, roles) -> OIDCIdentity:
    if not settings.OIDC_CREATE_USERS:
        raise OIDCRefused(
            "creation_off",
            f"There is no Tenderleaf account for {email or subject} yet, and accounts are not "
            "created at first sign-in here. Ask a Tenderleaf administrator to create yours.",
            subject=subject,
            email=email,
        )
    if claims.get("email_verified") is False:
        raise OIDCRefused(
            "email_unverified",
            f"The provider has not verified the address {email}, so no account is created for it.",
            email=email,
        )
    if not rules.domain_allowed(email, settings.OIDC_ALLOWED_DOMAINS):
        domain = rules.email_domain(email) or "(no e-mail address)"
        raise OIDCRefused(
            "domain",
            f"Accounts are created only for addresses at "
            f"{', '.join(settings.OIDC_ALLOWED_DOMAINS) or 'no domain'}; yours is at {domain}. "
            "Ask a Tenderleaf administrator to create your account.",
            email=email,
            domain=domain,
        )
    if not roles:
        # No account is made for someone who could open nothing.
        raise _no_role(email or subject, rules.groups_of(claims.get(settings.OIDC_GROUPS_CLAIM)))
    User = get_user_model()
    user = User(
        username=_free_username(email or subject),
        email=email,
        first_name=(claims.get("given_name") or "")[:150],
        last_name=(claims.get("family_name") or "")[:150],
        is_staff=True,
    )
    # No local password: this person signs in at the provider only.
    user.set_unusable_password()
    user.save()
    identity = OIDCIdentity(user=user, issuer=issuer, subject=subject, email=email)
    identity._history_user = user
    identity._change_reason = "Created at first sign-in through the identity provider"
    identity.save()
    security.security_event(
        SSO_USER_CREATED, user=user, level=logging.INFO, subject=subject, email=email
    )
    return identity


def _free_username(base: str) -> str:
    """``base`` if no user has it, else ``base-sso``, ``base-sso2``...: a local account with the
    same name is never taken over."""
    User = get_user_model()
    base = base[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        candidate = f"{base}-sso" if n == 1 else f"{base}-sso{n}"
        n += 1
    return candidate


def _roles_set(*, user, identity: OIDCIdentity, roles: list[str]) -> rules.RoleChange:
    known = _role_names()
    before = tuple(sorted(user.groups.filter(name__in=known).values_list("name", flat=True)))
    change = rules.RoleChange(before=before, after=tuple(roles))
    if change.changed:
        user.groups.remove(*Group.objects.filter(name__in=change.removed))
        user.groups.add(*Group.objects.filter(name__in=change.added))
    identity.roles = list(roles)
    staff = bool(roles) or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    return change
