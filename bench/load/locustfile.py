"""Tenderleaf's mixed workload for locust (docs/performance.md), driven by ``bench/load/run.py``.

Users sign in once, the way a real client does, then work with a think time of 1-3 s:

- ``VendorUser`` (weight 6): a vendor admin signed in to the portal (``/portal/login/``), browsing
  it and, as the portal's pages do, saving a disclosure draft through the API with the session and
  its CSRF token, attaching an evidence file (PDF) to it and submitting it;
- ``OfficerUser`` (weight 3): procurement staff in the admin, signed in with password then the
  6-digit TOTP code computed from their authenticator's secret (``django_otp.oath.totp``, the
  same maths as any authenticator app), opening changelists and scoring matrices;
- ``ApiUser`` (weight 3): a vendor's integration calling list endpoints with a token;
- ``HealthzProbe`` (exactly one): calls ``/healthz`` every second, the yardstick measured in the
  same run (every other user also calls it now and then).

Request names are ``group: what``; ``run.py`` aggregates percentiles per group. Recording starts
only once every user has finished signing in (password hashing is deliberately slow, and a storm
of sign-ins is not the steady state), and the run stops ``LOAD_DURATION`` seconds later.

Environment: ``LOAD_USERS_FILE`` (credentials written by the seed), ``LOAD_SAMPLES_FILE`` (where
each request's group, name, time in ms and error are appended as JSON lines), ``LOAD_DURATION``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from datetime import date

import gevent
import urllib3
from locust import HttpUser, between, constant, events, task

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

with open(os.environ["LOAD_USERS_FILE"], encoding="utf-8") as _handle:
    CREDENTIALS = json.load(_handle)
_OFFICERS = itertools.cycle(CREDENTIALS["officers"])
_VENDORS = itertools.cycle(CREDENTIALS["vendors"])
_API_VENDORS = itertools.cycle(reversed(CREDENTIALS["vendors"]))
_LOCK = threading.Lock()
_RECORDING = {"on": False, "ready": 0}
_DURATION = int(os.environ.get("LOAD_DURATION", "60"))
_SAMPLES = open(os.environ["LOAD_SAMPLES_FILE"], "a", encoding="utf-8")  # noqa: SIM115
# A valid one-page PDF (assurance.demo.demo_pdf's output; evidence uploads check the structure).
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj\n"
    b"<< /Type /Catalog /Pages 2 0 R >>\n"
    b"endobj\n"
    b"2 0 obj\n"
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>\n"
    b"endobj\n"
    b"3 0 obj\n"
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
    b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>\n"
    b"endobj\n"
    b"4 0 obj\n"
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\n"
    b"endobj\n"
    b"5 0 obj\n"
    b"<< /Length 49 >>\n"
    b"stream\n"
    b"BT /F1 14 Tf 72 720 Td (Load test evidence) Tj ET\n"
    b"endstream\n"
    b"endobj\n"
    b"xref\n"
    b"0 6\n"
    b"0000000000 65535 f \n"
    b"0000000009 00000 n \n"
    b"0000000058 00000 n \n"
    b"0000000115 00000 n \n"
    b"0000000241 00000 n \n"
    b"0000000311 00000 n \n"
    b"trailer\n"
    b"<< /Size 6 /Root 1 0 R >>\n"
    b"startxref\n"
    b"410\n"
    b"%%EOF\n"
)


def _user_ready(environment) -> None:
    """Count a signed-in user; when all are, record for LOAD_DURATION seconds, then stop."""
    with _LOCK:
        _RECORDING["ready"] += 1
        if _RECORDING["on"] or _RECORDING["ready"] < environment.runner.target_user_count:
            return
        _RECORDING["on"] = True
    print(f"all {_RECORDING['ready']} users signed in; measuring for {_DURATION} s", flush=True)
    gevent.spawn_later(_DURATION, environment.runner.quit)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **_kwargs):
    if not _RECORDING["on"]:
        return
    line = json.dumps(
        {
            "group": name.split(":", 1)[0],
            "name": name,
            "ms": round(response_time, 2),
            "error": str(exception)[:200] if exception else None,
        }
    )
    with _LOCK:
        _SAMPLES.write(line + "\n")


@events.quitting.add_listener
def _close(**_kwargs):
    _SAMPLES.flush()


def _csrf(client) -> str:
    return client.cookies.get("csrftoken", "")


class _Base(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self):
        # A self-signed certificate on loopback (run.py): production settings insist on HTTPS.
        self.client.verify = False
        # Django checks the Referer of HTTPS form posts against the host (CSRF).
        self.client.headers["Referer"] = self.host.rstrip("/") + "/"

    def _get(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            return r

    @task(1)
    def healthz(self):
        self._get("/healthz", "healthz: /healthz")


class VendorUser(_Base):
    weight = 6

    def on_start(self):
        super().on_start()
        with _LOCK:
            self.username = next(_VENDORS)
        self.client.get("/portal/login/", name="login: portal form")
        response = self.client.post(
            "/portal/login/",
            data={
                "username": self.username,
                "password": CREDENTIALS["password"],
                "csrfmiddlewaretoken": _csrf(self.client),
            },
            name="login: portal",
        )
        if "/portal/login/" in response.url:
            raise RuntimeError(f"portal sign-in failed for {self.username}")
        self.year = random.randrange(1000)
        _user_ready(self.environment)

    @task(4)
    def portal_home(self):
        self._get("/portal/", "portal: home")

    @task(3)
    def portal_disclosures(self):
        self._get("/portal/disclosures/", "portal: disclosures")

    @task(3)
    def portal_rfps(self):
        self._get("/portal/rfps/", "portal: rfps")

    @task(2)
    def portal_company(self):
        self._get("/portal/company/", "portal: company")

    @task(1)
    def portal_uploads(self):
        self._get("/portal/uploads/", "portal: uploads")

    @task(2)
    def submit_disclosure_with_evidence(self):
        # The session signs the API calls in, so Django wants the CSRF token, as from the pages.
        auth = {"X-CSRFToken": _csrf(self.client)}
        self.year += 1
        with self.client.post(
            "/api/v1/disclosures/",
            json={
                "reporting_entity": f"{self.username} group",
                "period_start": str(date(2000 + self.year % 90, 1, 1)),
                "period_end": str(date(2000 + self.year % 90, 12, 31)),
                "scope1_tco2e": "1250.5",
                "scope2_location_tco2e": "2100",
                "scope2_market_tco2e": "1800",
                "revenue": "250000000",
                "revenue_currency": "USD",
            },
            headers=auth,
            name="write: disclosure draft",
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"status {r.status_code}: {r.text[:200]}")
                return
            disclosure = r.json()["id"]
        with self.client.post(
            "/api/v1/evidence/",
            data={"disclosure": disclosure},
            files={"file": ("verification statement.pdf", PDF, "application/pdf")},
            headers=auth,
            name="write: evidence upload",
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"status {r.status_code}: {r.text[:200]}")
                return
        with self.client.post(
            f"/api/v1/disclosures/{disclosure}/submit/",
            json={"confirm_warnings": True},
            headers=auth,
            name="write: disclosure submit",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}: {r.text[:200]}")


class OfficerUser(_Base):
    weight = 3

    def on_start(self):
        super().on_start()
        from django_otp.oath import totp

        with _LOCK:
            officer = next(_OFFICERS)
        self.client.get("/admin/login/", name="login: admin form")
        response = self.client.post(
            "/admin/login/?next=/admin/",
            data={
                "username": officer["username"],
                "password": CREDENTIALS["password"],
                "csrfmiddlewaretoken": _csrf(self.client),
                "next": "/admin/",
            },
            name="login: admin password",
        )
        # With MFA the password leads to the code step; without it, straight into the admin.
        if "/accounts/verify/" in response.url:
            code = f"{totp(bytes.fromhex(officer['key'])):06d}"
            response = self.client.post(
                response.url,
                data={"code": code, "csrfmiddlewaretoken": _csrf(self.client)},
                name="login: admin code",
            )
        if not response.url.rstrip("/").endswith("/admin"):
            raise RuntimeError(f"admin sign-in failed for {officer['username']}: {response.url}")
        self.rfps = CREDENTIALS["rfps"]
        _user_ready(self.environment)

    @task(3)
    def vendors(self):
        self._get("/admin/vendors/vendor/", "admin: vendor changelist")

    @task(2)
    def vendor_search(self):
        self._get("/admin/vendors/vendor/?q=Vendor+0042", "admin: vendor search")

    @task(3)
    def disclosures(self):
        self._get("/admin/vendors/emissionsdisclosure/", "admin: disclosure changelist")

    @task(2)
    def rfps(self):
        self._get("/admin/procurement/rfp/", "admin: rfp changelist")

    @task(2)
    def spend(self):
        self._get("/admin/scope3/spendline/", "admin: spend changelist")

    @task(3)
    def matrix(self):
        rfp = random.choice(self.rfps)
        self._get(f"/admin/procurement/rfp/{rfp}/matrix/", "matrix: scoring matrix")


class ApiUser(_Base):
    weight = 3

    def on_start(self):
        super().on_start()
        with _LOCK:
            username = next(_API_VENDORS)
        token = self.client.post(
            "/api/v1/auth/token/",
            data={"username": username, "password": CREDENTIALS["password"]},
            name="login: api token",
        )
        self.client.headers["Authorization"] = f"Token {token.json()['token']}"
        _user_ready(self.environment)

    @task(3)
    def disclosures(self):
        self._get("/api/v1/disclosures/", "api: disclosures list")

    @task(2)
    def rfps(self):
        self._get("/api/v1/rfps/", "api: rfps list")

    @task(2)
    def vendors(self):
        self._get("/api/v1/vendors/", "api: vendors list")

    @task(2)
    def bids(self):
        self._get("/api/v1/bids/", "api: bids list")

    @task(1)
    def evidence(self):
        self._get("/api/v1/evidence/", "api: evidence list")


class HealthzProbe(_Base):
    fixed_count = 1
    wait_time = constant(1)

    def on_start(self):
        super().on_start()
        _user_ready(self.environment)
