"""Print the provider's discovered configuration and test the client's credentials.

The credentials are tested by redeeming a code that cannot exist: a provider authenticates the
client before it looks at the code, so ``invalid_grant`` means the client id and secret were
accepted and ``invalid_client`` (or HTTP 401) means they were not. Nothing is signed in.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.oidc import config
from accounts.oidc.config import OIDCRefused

SHOWN = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
    "id_token_signing_alg_values_supported",
    "code_challenge_methods_supported",
    "token_endpoint_auth_methods_supported",
    "claims_supported",
)


class Command(BaseCommand):
    help = "Check the OpenID Connect single sign-on set-up: discovery, keys, client credentials."

    def handle(self, *args, **options):
        if not config.enabled():
            raise CommandError(
                "Single sign-on is off: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."
            )
        try:
            document = config.discovery(refresh=True)
        except OIDCRefused as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Discovery: {settings.OIDC_ISSUER}{config.DISCOVERY_PATH}")
        for name in SHOWN:
            value = document.get(name)
            if isinstance(value, list):
                value = ", ".join(map(str, value))
            self.stdout.write(f"  {name}: {value if value is not None else '(not offered)'}")
        problems = []
        if settings.OIDC_SIGN_ALGO not in document.get(
            "id_token_signing_alg_values_supported", [settings.OIDC_SIGN_ALGO]
        ):
            problems.append(f"the provider does not sign ID tokens with {settings.OIDC_SIGN_ALGO}")
        if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
            problems.append("the provider does not announce PKCE with S256")
        if not document.get("end_session_endpoint"):
            self.stdout.write(
                "  note: no end_session_endpoint, sign-out ends the Tenderleaf session only"
            )
        try:
            keys = requests.get(document["jwks_uri"], timeout=settings.OIDC_TIMEOUT_SECONDS).json()
            kids = [key.get("kid", "(no kid)") for key in keys.get("keys", [])]
        except (requests.RequestException, ValueError, KeyError) as exc:
            raise CommandError(f"The provider's signing keys could not be read: {exc}") from exc
        self.stdout.write(f"Signing keys: {len(kids)} ({', '.join(kids)})")
        self.stdout.write(f"Client credentials: {self._client_check(document)}")
        mapping = ", ".join(f"{g} -> {r}" for g, r in settings.OIDC_GROUP_ROLES.items())
        mapping = mapping or "(no mapping: nobody gets a role)"
        self.stdout.write(f"Groups claim: {settings.OIDC_GROUPS_CLAIM}; roles: {mapping}")
        if problems:
            raise CommandError("; ".join(problems))

    def _client_check(self, document) -> str:
        from accounts.oidc.backend import OIDCBackend

        backend = OIDCBackend().connect()
        try:
            backend.get_token(
                {
                    "grant_type": "authorization_code",
                    "code": "tenderleaf-oidc-check-not-a-code",
                    "redirect_uri": settings.SITE_URL + "/accounts/oidc/callback/",
                    "client_id": settings.OIDC_CLIENT_ID,
                    "client_secret": settings.OIDC_CLIENT_SECRET,
                }
            )
        except OIDCRefused as exc:
            error = exc.details.get("error")
            if error == "invalid_client" or exc.details.get("status") == 401:
                raise CommandError(
                    f"The provider refused the client credentials of {settings.OIDC_CLIENT_ID!r} "
                    f"({error or exc.details.get('status')}): check OIDC_CLIENT_ID and "
                    "OIDC_CLIENT_SECRET."
                ) from exc
            if error in ("invalid_grant", "invalid_request"):
                return f"accepted (the provider authenticated {settings.OIDC_CLIENT_ID!r})"
            raise CommandError(f"Unexpected answer from the token endpoint: {exc.message}") from exc
        raise CommandError("The token endpoint redeemed a code that cannot exist.")
