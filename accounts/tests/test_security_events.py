"""Security events as JSON lines on the ``tenderleaf.security`` logger
(docs/domain.md, "Sign-in and security")."""

import datetime
import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.security import JsonFormatter, security_event
from accounts.tests.helpers import BROWSER, PASSWORD, admin_login_post, portal_login_post
from vendors.tests.factories import VendorContactFactory

pytestmark = pytest.mark.django_db


def _assert_when_is_recent_utc(record):
    at = datetime.datetime.fromisoformat(record["at"])
    assert at.utcoffset() == datetime.timedelta(0)
    assert abs(timezone.now() - at) < datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("entry_point", "attempt"),
    [
        ("admin", lambda client: admin_login_post(client, "officer", "wrong password")),
        ("portal", lambda client: portal_login_post(client, "officer", "wrong password")),
        (
            "api",
            lambda client: APIClient().post(
                reverse("api-token"),
                {"username": "officer", "password": "wrong password"},
                format="json",
                **BROWSER,
            ),
        ),
    ],
)
def test_a_failed_sign_in_is_logged(client, officer, security_log, entry_point, attempt):
    attempt(client)

    record = security_log.one("login_failed")
    assert record["username"] == "officer"
    assert record["user_id"] is None  # nobody signed in: the name is only what was typed
    assert record["ip"] == "127.0.0.1"
    assert record["user_agent"] == BROWSER["HTTP_USER_AGENT"]
    assert record["method"] == "POST"
    assert record["path"].startswith(f"/{entry_point}")
    assert record["details"] == {"entry_point": entry_point, "locked_out": False}
    assert "wrong password" not in json.dumps(record)
    _assert_when_is_recent_utc(record)


def test_a_lockout_is_logged(client, member, settings, security_log):
    settings.AXES_FAILURE_LIMIT = 2
    portal_login_post(client, "member", "wrong password")
    assert security_log.events("login_locked_out") == []

    portal_login_post(client, "member", "wrong password")  # reaches the limit
    portal_login_post(client, "member", PASSWORD)  # refused while locked out

    # django-axes signals the lock-out at the limit and at every attempt refused after it.
    lockouts = security_log.events("login_locked_out")
    assert len(lockouts) == 2
    record = lockouts[0]
    assert record["username"] == "member"
    assert record["ip"] == "127.0.0.1"
    assert record["user_agent"] == BROWSER["HTTP_USER_AGENT"]
    assert record["path"] == reverse("portal:login")
    assert record["details"] == {"entry_point": "portal", "lockout_ip": "127.0.0.1"}
    _assert_when_is_recent_utc(record)


def test_a_wrong_code_is_logged_with_who_and_where(client, auditor, security_log):
    from accounts.testing import totp_device_for

    totp_device_for(auditor)
    admin_login_post(client, "auditor", PASSWORD)
    client.post("/accounts/verify/", {"code": "999999"}, **BROWSER)

    record = security_log.one("mfa_failed")
    assert record["user_id"] == auditor.pk
    assert record["username"] == "auditor"
    assert record["ip"] == "127.0.0.1"
    assert record["user_agent"] == BROWSER["HTTP_USER_AGENT"]
    assert record["path"] == "/accounts/verify/"
    assert record["details"]["reason"] == "wrong_code"


def test_another_vendors_object_in_the_portal_answers_404_and_is_logged(
    client_for, member, vendor_a, vendor_b, security_log
):
    theirs = VendorContactFactory(vendor=vendor_b)
    client = client_for(member)

    response = client.get(reverse("portal:contact_edit", args=[theirs.pk]))
    missing = client.get(reverse("portal:contact_edit", args=[theirs.pk + 1000]))

    assert response.status_code == missing.status_code == 404
    record = security_log.one("foreign_object_404")  # the key that exists nowhere is not probing
    assert record["user_id"] == member.pk
    assert record["path"] == reverse("portal:contact_edit", args=[theirs.pk])
    assert record["details"] == {
        "model": "vendors.VendorContact",
        "pk": str(theirs.pk),
        "vendor_id": vendor_a.pk,
    }


def test_another_vendors_object_in_the_api_answers_404_and_is_logged(
    member, vendor_a, vendor_b, security_log
):
    mine, theirs = VendorContactFactory(vendor=vendor_a), VendorContactFactory(vendor=vendor_b)
    api = APIClient()
    api.force_login(member, backend="django.contrib.auth.backends.ModelBackend")

    assert api.get(reverse("api-vendorcontact-detail", args=[mine.pk])).status_code == 200
    assert security_log.events("foreign_object_404") == []
    assert api.get(reverse("api-vendorcontact-detail", args=[theirs.pk])).status_code == 404

    record = security_log.one("foreign_object_404")
    assert record["username"] == "member"
    assert record["details"] == {
        "model": "vendors.VendorContact",
        "pk": str(theirs.pk),
        "vendor_id": vendor_a.pk,
    }


def test_a_refused_upload_is_logged(client_for, member, settings, security_log):
    settings.PACT_MAX_BYTES = 64
    client = client_for(member)

    response = client.post(
        reverse("portal:footprint_upload"),
        {"file": SimpleUploadedFile("pcf.json", b"{" + b" " * 200 + b"}")},
        **BROWSER,
    )

    assert response.status_code == 200
    record = security_log.one("upload_refused")
    assert record["user_id"] == member.pk
    assert record["path"] == reverse("portal:footprint_upload")
    assert record["details"]["code"] == "too_large"
    assert "pcf.json" in record["details"]["reason"]


def test_the_formatter_writes_one_json_object_a_line(rf, officer):
    request = rf.post("/admin/login/", HTTP_USER_AGENT="curl/8", REMOTE_ADDR="198.51.100.7")
    request.user = officer
    captured = []
    handler = logging.Handler()
    handler.emit = lambda record: captured.append(JsonFormatter().format(record))
    logger = logging.getLogger("tenderleaf.security")
    logger.addHandler(handler)
    try:
        security_event("login_failed", request=request, entry_point="admin")
    finally:
        logger.removeHandler(handler)

    (line,) = captured
    assert "\n" not in line
    assert json.loads(line) == {
        "level": "warning",
        "logger": "tenderleaf.security",
        "event": "login_failed",
        "at": json.loads(line)["at"],
        "user_id": officer.pk,
        "username": "officer",
        "ip": "198.51.100.7",
        "user_agent": "curl/8",
        "path": "/admin/login/",
        "method": "POST",
        "request_id": None,
        "details": {"entry_point": "admin"},
    }
    assert json.loads(line)["at"].endswith("+00:00")


def test_the_security_logger_is_configured_for_json_lines(settings):
    config = settings.LOGGING
    handler = config["loggers"]["tenderleaf.security"]["handlers"][0]
    formatter = config["handlers"][handler]["formatter"]
    assert config["formatters"][formatter]["()"] == "accounts.security.JsonFormatter"
