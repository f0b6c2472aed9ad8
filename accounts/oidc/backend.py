"""The authentication backend of single sign-on: mozilla-django-oidc's code flow, with the ID
token checked strictly and the user found by subject (accounts.oidc.services).

mozilla-django-oidc checks the signature (against the provider's JWKS, fetched at each sign-in, so
a rotated key is picked up at once) and the nonce; it leaves the issuer and the audience unchecked
and has no clock-skew bound. :meth:`OIDCBackend.verify_token` checks all of them, and each failure
raises :class:`~accounts.oidc.config.OIDCRefused` with its own reason, so the person sees why and
the security log records it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.oidc import config, rules
from accounts.oidc.config import OIDCRefused

# Claims copied from the userinfo endpoint when the ID token does not carry them.
USERINFO_CLAIMS = ("email", "email_verified", "given_name", "family_name", "name")


@dataclass
class SignIn:
    """What the callback needs after the backend found the user: kept in the session."""

    claims: dict
    id_token: str
    refresh_token: str | None
    expires_at: float
    mfa: bool
    role_change: rules.RoleChange
    extra: dict = field(default_factory=dict)


class OIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(config.rp_setting)

    def __init__(self, *args, **kwargs):
        # Django makes every backend for every authenticate() and get_user(): the provider is
        # contacted only when a sign-in reaches the callback (authenticate below), never for a
        # password sign-in, so the break-glass login works while the provider is down.
        self.UserModel = get_user_model()

    def connect(self) -> OIDCBackend:
        """Read the client and the discovered endpoints (contacts the provider once an hour)."""
        super().__init__()
        self.token_info = {}
        return self

    # mozilla-django-oidc's get_user returns inactive users too; Django's refuses them.
    get_user = ModelBackend.get_user

    def authenticate(self, request, oidc_nonce=None, oidc_code_verifier=None, **kwargs):
        if oidc_nonce is None or request is None or not config.enabled():
            return None
        self.connect()
        return super().authenticate(request, nonce=oidc_nonce, code_verifier=oidc_code_verifier)

    def get_token(self, payload):
        methods = config.discovery().get(
            "token_endpoint_auth_methods_supported", ["client_secret_basic"]
        )
        if "client_secret_post" not in methods:
            client_id, secret = payload.pop("client_id"), payload.pop("client_secret")
            auth = requests.auth.HTTPBasicAuth(client_id, secret)
        else:
            auth = None
        try:
            response = requests.post(
                self.OIDC_OP_TOKEN_ENDPOINT,
                data=payload,
                auth=auth,
                timeout=settings.OIDC_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise OIDCRefused(
                "provider_unreachable",
                "Tenderleaf could not reach the sign-in provider to finish signing you in. "
                "Try again in a moment.",
                error=exc.__class__.__name__,
            ) from exc
        if response.status_code != 200:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise OIDCRefused(
                "token_exchange",
                "The sign-in provider refused to finish this sign-in "
                f"({body.get('error') or response.status_code}"
                f"{': ' + body['error_description'] if body.get('error_description') else ''}). "
                "Start again from the sign-in page.",
                status=response.status_code,
                error=body.get("error"),
            )
        self.token_info = response.json()
        return self.token_info

    def retrieve_matching_jwk(self, token):
        """The provider's published key that signed ``token``: matched by ``kid`` (or the only
        signing key when the token names none), for the algorithm Tenderleaf accepts."""
        header = jwt.get_unverified_header(token)
        try:
            response = requests.get(
                self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT_SECONDS
            )
            response.raise_for_status()
            keys = response.json().get("keys", [])
        except (requests.RequestException, ValueError) as exc:
            raise OIDCRefused(
                "provider_unreachable",
                "Tenderleaf could not read the sign-in provider's signing keys. Try again in a "
                "moment.",
                error=exc.__class__.__name__,
            ) from exc
        kid = header.get("kid")
        candidates = [
            key
            for key in keys
            if key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
            and (kid is None or key.get("kid") == kid)
        ]
        if len(candidates) != 1:
            raise OIDCRefused(
                "signature",
                "The sign-in token is signed with a key the provider does not publish "
                f"(key id {kid!r}); it did not come from the provider, so it is refused.",
                kid=kid,
            )
        return jwt.PyJWK(candidates[0])

    def verify_token(self, token, **kwargs):
        """Check the ID token as OpenID Connect Core 1.0, section 3.1.3.7 asks: the signature
        with the provider's key, ``iss``, ``aud`` (and ``azp``), ``exp`` and ``iat`` with at most
        ``OIDC_CLOCK_SKEW_SECONDS`` of skew, and the ``nonce`` of this sign-in."""
        try:
            header = jwt.get_unverified_header(token or "")
        except jwt.PyJWTError as exc:
            raise OIDCRefused(
                "malformed", "The sign-in provider answered without a readable ID token."
            ) from exc
        expected_alg = self.OIDC_RP_SIGN_ALGO
        if header.get("alg") != expected_alg:
            raise OIDCRefused(
                "signature",
                f"The sign-in token is signed with {header.get('alg')!r}; Tenderleaf accepts only "
                f"{expected_alg}, so it is refused.",
                alg=header.get("alg"),
            )
        key = self.retrieve_matching_jwk(token)
        client_id = settings.OIDC_CLIENT_ID
        issuer = settings.OIDC_ISSUER
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[expected_alg],
                audience=client_id,
                issuer=issuer,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidSignatureError as exc:
            raise OIDCRefused(
                "signature",
                "The sign-in token's signature does not match the provider's key; it was "
                "altered or made by someone else, so it is refused.",
            ) from exc
        except jwt.ExpiredSignatureError as exc:
            exp = _unverified(token).get("exp")
            ago = f" ({int(time.time() - exp)} seconds ago)" if isinstance(exp, int | float) else ""
            raise OIDCRefused(
                "expired",
                f"The sign-in token has expired{ago}. "
                "Sign in again; if this repeats, the clocks of Tenderleaf and the provider differ.",
                exp=exp,
            ) from exc
        except jwt.InvalidIssuerError as exc:
            got = _unverified(token).get("iss")
            raise OIDCRefused(
                "issuer",
                f"The sign-in token was issued by {got!r}, not by the configured provider "
                f"{issuer!r}, so it is refused.",
                iss=got,
            ) from exc
        except jwt.InvalidAudienceError as exc:
            got = _unverified(token).get("aud")
            raise OIDCRefused(
                "audience",
                f"The sign-in token was issued for {got!r}, not for Tenderleaf ({client_id!r}), so "
                "it is refused.",
                aud=got,
            ) from exc
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError) as exc:
            raise OIDCRefused(
                "not_yet_valid",
                "The sign-in token is dated in the future; the clocks of Tenderleaf and the "
                "provider differ by more than allowed.",
            ) from exc
        except jwt.PyJWTError as exc:
            raise OIDCRefused(
                "malformed", f"The sign-in token is not valid ({exc}), so it is refused."
            ) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise OIDCRefused(
                "audience",
                f"The sign-in token was issued for several parties ({audiences!r}) and not "
                "authorised for Tenderleaf (azp), so it is refused.",
                aud=audiences,
                azp=claims.get("azp"),
            )
        if claims.get("nonce") != kwargs.get("nonce"):
            raise OIDCRefused(
                "nonce",
                "The sign-in token was not made for this sign-in (its nonce differs): it may be "
                "a replayed token. Start again from the sign-in page.",
            )
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        from accounts.oidc import services

        claims = dict(payload)
        wanted = (settings.OIDC_GROUPS_CLAIM, *USERINFO_CLAIMS)
        if any(name not in claims for name in wanted[:2]) and self.OIDC_OP_USER_ENDPOINT:
            for name, value in self._userinfo_claims(access_token, claims["sub"], wanted).items():
                claims.setdefault(name, value)
        user, change = services.oidc_user_sign_in(issuer=settings.OIDC_ISSUER, claims=claims)
        expires_in = self.token_info.get("expires_in")
        expires_at = min(
            claims["exp"], time.time() + float(expires_in) if expires_in else claims["exp"]
        )
        user.oidc_sign_in = SignIn(
            claims=claims,
            id_token=id_token,
            refresh_token=self.token_info.get("refresh_token"),
            expires_at=expires_at,
            mfa=rules.mfa_performed(
                claims, amr_values=settings.OIDC_MFA_AMR, acr_values=settings.OIDC_MFA_ACR
            ),
            role_change=change,
        )
        return user

    def _userinfo_claims(self, access_token, subject, wanted) -> dict:
        """Claims the ID token lacks, from the userinfo endpoint; only for the same subject
        (Core 1.0, section 5.3.2), and never ones the ID token already has."""
        try:
            response = requests.get(
                self.OIDC_OP_USER_ENDPOINT,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=settings.OIDC_TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            info = response.json()
        except (requests.RequestException, ValueError):
            return {}
        if info.get("sub") != subject:
            return {}
        return {name: info[name] for name in wanted if name in info}


def _unverified(token: str) -> dict:
    """Claims read without checks, only to name the wrong value in a refusal message."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
