"""Start the test provider (tests/idp/serve.py) in a subprocess on loopback, once per test run,
and set up its people over its control endpoint."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "tenderleaf-sso-test"
START_TIMEOUT_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class IdPServer:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="tenderleaf-idp-"))
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.base}/o"
        self.client_id = CLIENT_ID
        self.client_secret = secrets.token_urlsafe(32)
        self._control_secret = secrets.token_urlsafe(16)
        self._process: subprocess.Popen | None = None

    def start(self) -> IdPServer:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file = self.dir / "key.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "OIDC_", "DATABASE_URL"))
        }
        env.update(
            IDP_DB=str(self.dir / "idp.sqlite3"),
            IDP_KEY_FILE=str(key_file),
            IDP_ISSUER=self.issuer,
            IDP_CLIENT_ID=self.client_id,
            IDP_CLIENT_SECRET=self.client_secret,
            IDP_CONTROL_SECRET=self._control_secret,
        )
        with (self.dir / "idp.log").open("w") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tests.idp.serve", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the test provider stopped: {(self.dir / 'idp.log').read_text()}"
                )
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the test provider did not answer within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def _control(self, what: str, data: dict) -> dict:
        response = requests.post(
            f"{self.base}/test-control/{what}",
            json=data,
            headers={"X-Control-Secret": self._control_secret},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def person(self, username, *, password, email, groups=(), mfa=False, active=True) -> None:
        """Create or update a person at the provider (groups, MFA, enabled or disabled)."""
        self._control(
            "user",
            {
                "username": username,
                "password": password,
                "email": email,
                "groups": list(groups),
                "mfa": mfa,
                "active": active,
            },
        )

    def allow_site(self, site_url: str) -> None:
        """Register ``site_url``'s callback and post-logout page with the client."""
        self._control(
            "redirect",
            {
                "client_id": self.client_id,
                "redirect_uri": f"{site_url}/accounts/oidc/callback/",
                "post_logout_redirect_uri": f"{site_url}/admin/login/",
            },
        )


_server: IdPServer | None = None


def idp_server() -> IdPServer:
    """The test provider of this test run: started at first use, stopped when the run ends."""
    global _server
    if _server is None:
        _server = IdPServer().start()
        atexit.register(_server.stop)
    return _server
