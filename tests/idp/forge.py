"""A minimal OpenID provider whose ID tokens the test writes (see tests/idp/__init__.py).

It serves discovery, its JWKS, a token endpoint and an end-session endpoint over HTTP on
127.0.0.1. The token endpoint checks the client's credentials and the PKCE verifier against the
challenge of the sign-in the code was issued for, as a real provider does, then answers with the
ID token the test prepared for that code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "tenderleaf-test"
CLIENT_SECRET = "forge-client-secret-0123456789"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    @property
    def public_jwk(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: dict, *, kid: str | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": kid or self.kid})


@dataclass
class Grant:
    code_challenge: str
    answer: dict


class Forge:
    def __init__(self):
        self.key = self.first_key = SigningKey("forge-1")
        self.published: list[SigningKey] = [self.key]
        self.grants: dict[str, Grant] = {}
        self.refresh: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Forge:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def claims(self, *, sub: str, nonce: str | None, **extra) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": sub,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        claims.update(extra)
        return {key: value for key, value in claims.items() if value is not None}

    def issue(self, code_challenge: str, id_token: str, **answer) -> str:
        """A code that the token endpoint exchanges for ``id_token`` (and ``answer``)."""
        code = secrets.token_urlsafe(16)
        body = {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }
        body.update(answer)
        self.grants[code] = Grant(code_challenge=code_challenge, answer=body)
        return code

    def _handler(self):
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urlparse(self.path).path
                if path == "/.well-known/openid-configuration":
                    base = forge.issuer
                    self._json(
                        200,
                        {
                            "issuer": base,
                            "authorization_endpoint": f"{base}/authorize",
                            "token_endpoint": f"{base}/token",
                            "userinfo_endpoint": f"{base}/userinfo",
                            "jwks_uri": f"{base}/jwks",
                            "end_session_endpoint": f"{base}/end-session",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "code_challenge_methods_supported": ["S256"],
                            "token_endpoint_auth_methods_supported": [
                                "client_secret_post",
                                "client_secret_basic",
                            ],
                        },
                    )
                elif path == "/jwks":
                    self._json(200, {"keys": [key.public_jwk for key in forge.published]})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {
                    key: values[0]
                    for key, values in parse_qs(self.rfile.read(length).decode()).items()
                }
                forge.token_requests.append(form)
                if urlparse(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                if (form.get("client_id"), form.get("client_secret")) != (
                    CLIENT_ID,
                    CLIENT_SECRET,
                ):
                    self._json(401, {"error": "invalid_client"})
                    return
                if form.get("grant_type") == "refresh_token":
                    answer = forge.refresh.pop(form.get("refresh_token", ""), None)
                    if answer is None:
                        self._json(400, {"error": "invalid_grant"})
                    else:
                        self._json(200, answer)
                    return
                grant = forge.grants.pop(form.get("code", ""), None)
                if grant is None:
                    self._json(400, {"error": "invalid_grant"})
                    return
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if challenge != grant.code_challenge:
                    self._json(
                        400, {"error": "invalid_grant", "error_description": "PKCE check failed"}
                    )
                    return
                self._json(200, grant.answer)

        return Handler
