"""Pure rules of single sign-on: which roles a provider's groups give, whether the provider
performed MFA, whether an e-mail domain may create an account. No Django import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# The names people use for the roles, and the role groups of assurance/roles.py they stand for.
ROLE_ALIASES = {
    "officer": "procurement",
    "evaluator": "evaluators",
    "analyst": "sustainability",
    "auditor": "auditors",
}


def role_name(value: str) -> str:
    """The role group a mapping names, by alias ("auditor") or group name ("auditors")."""
    value = value.strip()
    return ROLE_ALIASES.get(value.lower(), value)


def groups_of(claim) -> list[str]:
    """The groups claim as a list of names: providers send a list, some a single string."""
    if claim is None:
        return []
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, Iterable):
        return [str(item) for item in claim]
    return []


def roles_for_groups(groups: Iterable[str], mapping: Mapping[str, str]) -> list[str]:
    """The roles the provider's ``groups`` give under ``mapping`` (group -> role), sorted.

    Group names are compared exactly: providers treat them as identifiers (Entra sends object
    ids, Keycloak paths), so "Auditors" and "auditors" may be different groups.
    """
    return sorted({role_name(mapping[group]) for group in groups if group in mapping})


def mfa_performed(claims: Mapping, *, amr_values: Iterable[str], acr_values: Iterable[str]) -> bool:
    """True when the ID token says the provider used more than one factor.

    ``amr`` (RFC 8176 method references, e.g. "mfa", "otp", "hwk") is a list; ``acr`` a single
    context class reference. Either matching one of the configured values is enough.
    """
    amr = {str(value) for value in groups_of(claims.get("amr"))}
    if amr & {value for value in amr_values if value}:
        return True
    acr = claims.get("acr")
    return acr is not None and str(acr) in {value for value in acr_values if value}


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[1].strip().lower() if "@" in (email or "") else ""


def domain_allowed(email: str, allowed: Iterable[str]) -> bool:
    domain = email_domain(email)
    return bool(domain) and domain in {value.strip().lower().lstrip("@") for value in allowed}


@dataclass(frozen=True)
class RoleChange:
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def added(self) -> list[str]:
        return sorted(set(self.after) - set(self.before))

    @property
    def removed(self) -> list[str]:
        return sorted(set(self.before) - set(self.after))

    @property
    def changed(self) -> bool:
        return set(self.before) != set(self.after)
