"""Staff and auditors need a one-time code after their password
(docs/domain.md, "Sign-in and security")."""

import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from accounts.testing import totp_code, totp_device_for
from accounts.tests.helpers import PASSWORD, admin_login_post, portal_login_post, signed_in

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/verify/"
ENROL = "/accounts/enrol/"


def _pages(vendor):
    return [
        reverse("admin:index"),
        reverse("admin:vendors_vendor_change", args=[vendor.pk]),
        reverse("assurance:index"),
        reverse("assurance:audit_trail"),
    ]


@pytest.mark.parametrize("persona", ["officer", "auditor"])
@pytest.mark.parametrize("has_device", [True, False], ids=["enrolled", "not-enrolled"])
def test_a_password_alone_reaches_no_admin_or_assurance_page(
    request, client, persona, has_device, vendor_a
):
    user = request.getfixturevalue(persona)
    if has_device:
        totp_device_for(user)

    response = admin_login_post(client, user.username, PASSWORD)
    assert signed_in(client)  # the password was right ...

    for url in [response["Location"], *_pages(vendor_a)]:
        page = client.get(url)
        # ... and yet every page sends the user to the code step, never shows the page.
        assert page.status_code == 302, url
        step = VERIFY if has_device else ENROL
        assert page["Location"].startswith(step), (url, page["Location"])
    assert vendor_a.name not in client.get(_pages(vendor_a)[1], follow=True).content.decode()


def test_a_password_alone_gets_no_api_answer_with_the_session(client, auditor, vendor_a):
    totp_device_for(auditor)
    admin_login_post(client, auditor.username, PASSWORD)

    response = client.get(reverse("api-vendor-list"))

    assert response.status_code == 403
    assert "one-time code" in response.json()["detail"]
    assert vendor_a.name not in response.content.decode()


def test_enrolment_then_verify(client, officer, vendor_a):
    admin_login_post(client, officer.username, PASSWORD)
    page = client.get(ENROL + "?next=/admin/")
    assert page.status_code == 200
    body = page.content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', body).group(1)
    assert len(secret.replace(" ", "")) == 32  # 160 bits, in base32 for manual entry
    assert f'src="{reverse("accounts:enrol_qr")}"' in body
    assert "<script" not in body.split("</head>")[1]
    qr = client.get(reverse("accounts:enrol_qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")

    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    wrong = client.post(ENROL, {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()

    # django-otp makes a wrong code wait a second before the next try.
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=2)):
        done = client.post(ENROL, {"code": totp_code(device), "next": "/admin/"})
        assert done.status_code == 200
        codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
        assert len(codes) == 10 and len(set(codes)) == 10
        assert done["Cache-Control"].startswith("max-age=0")
        assert client.get(reverse("admin:index")).status_code == 200

    device.refresh_from_db()
    assert device.confirmed
    assert sorted(
        StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)
    ) == sorted(codes)


def test_the_next_sign_in_asks_for_the_app_code(client, officer, vendor_a):
    device = totp_device_for(officer)
    admin_login_post(client, officer.username, PASSWORD)
    page = client.get(VERIFY + "?next=/admin/")
    assert page.status_code == 200
    assert "Confirm it is you" in page.content.decode()

    response = client.post(VERIFY, {"code": totp_code(device), "next": "/admin/vendors/vendor/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/vendors/vendor/"
    assert vendor_a.name in client.get("/admin/vendors/vendor/").content.decode()
    assert client.get(reverse("assurance:index")).status_code == 200


def test_a_code_is_not_accepted_twice(client, officer):
    device = totp_device_for(officer)
    code = totp_code(device)
    admin_login_post(client, officer.username, PASSWORD)
    assert client.post(VERIFY, {"code": code})["Location"] == "/admin/"

    other = type(client)()
    admin_login_post(other, officer.username, PASSWORD)
    replay = other.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert other.get("/admin/").status_code == 302


def test_an_off_site_next_is_ignored(client, officer):
    device = totp_device_for(officer)
    admin_login_post(client, officer.username, PASSWORD)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_recovery_codes_work_once(client, officer, security_log):
    totp_device_for(officer)
    code = services.recovery_codes_generate(user=officer)[3]

    admin_login_post(client, officer.username, PASSWORD)
    # Typed as people do: in capitals, with a space.
    response = client.post(VERIFY, {"code": f"{code[:5].upper()} {code[5:]}"}, follow=True)
    assert response.status_code == 200
    assert "You signed in with a recovery code; 9 left." in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 200
    assert security_log.one("mfa_recovery_code_used")["details"] == {"left": 9}
    client.post(reverse("admin:logout"))

    admin_login_post(client, officer.username, PASSWORD)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        again = client.post(VERIFY, {"code": code})
    assert again.status_code == 200
    assert "That code is not right" in again.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    assert services.recovery_codes_left(officer) == 9


def test_wrong_codes_are_logged_and_sign_the_user_out_at_the_limit(
    client, auditor, settings, security_log
):
    settings.MFA_MAX_FAILURES = 5
    device = totp_device_for(auditor)
    admin_login_post(client, auditor.username, PASSWORD)

    start = timezone.now()
    for attempt in range(1, 5):
        # Far enough apart that django-otp's growing wait is over: each one is a plain wrong code.
        with time_machine.travel(start + timezone.timedelta(minutes=attempt)):
            response = client.post(VERIFY, {"code": "123456"})
        assert response.status_code == 200
        assert f"{5 - attempt} attempt" in response.content.decode()
    with time_machine.travel(start + timezone.timedelta(minutes=5)):
        last = client.post(VERIFY, {"code": "123456"})
        assert last.status_code == 302
        assert last["Location"] == reverse("admin:login")
        assert not signed_in(client)
        # Signed out: the right code alone no longer gets anywhere.
        assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302
        assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))

    failures = security_log.events("mfa_failed")
    assert [f["details"]["attempt"] for f in failures] == [1, 2, 3, 4, 5]
    assert {f["username"] for f in failures} == {"auditor"}
    assert {f["details"]["reason"] for f in failures} == {"wrong_code"}
    locked = security_log.one("mfa_locked_out")
    assert locked["user_id"] == auditor.pk
    assert locked["details"]["attempts"] == 5


def test_quick_retries_are_throttled_by_the_device(client, officer, security_log):
    device = totp_device_for(officer)
    admin_login_post(client, officer.username, PASSWORD)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        client.post(VERIFY, {"code": "123456"})
        # Even the right code waits while django-otp's delay after a failure runs.
        response = client.post(VERIFY, {"code": totp_code(device)})
    assert "Too many wrong codes. Wait 1 second before" in response.content.decode()
    assert security_log.events("mfa_failed")[-1]["details"]["reason"] == "throttled"


def test_enrolment_cannot_replace_a_confirmed_authenticator(client, officer):
    totp_device_for(officer)
    admin_login_post(client, officer.username, PASSWORD)

    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert client.get(reverse("accounts:enrol_qr")).status_code == 404
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_verified_staff_can_replace_their_recovery_codes(client_for, officer):
    old = services.recovery_codes_generate(user=officer)
    client = client_for(officer)
    assert (
        "10</strong> unused recovery codes"
        in client.get("/accounts/recovery-codes/").content.decode()
    )

    response = client.post("/accounts/recovery-codes/")

    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)


def test_vendor_users_are_not_asked_for_a_code(client, member, vendor_a):
    portal_login_post(client, "member", PASSWORD)
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert vendor_a.name in home.content.decode()
    assert client.get(VERIFY)["Location"] == "/admin/"


# --- the API token endpoint -------------------------------------------------------------------


def test_staff_need_a_code_for_an_api_token(auditor, security_log):
    device = totp_device_for(auditor)
    api = APIClient()
    url = reverse("api-token")

    refused = api.post(url, {"username": "auditor", "password": PASSWORD}, format="json")
    assert refused.status_code == 400
    assert "otp_token" in refused.json()
    assert not Token.objects.filter(user=auditor).exists()
    assert security_log.one("mfa_failed")["details"] == {"reason": "missing", "step": "api_token"}

    wrong = api.post(
        url, {"username": "auditor", "password": PASSWORD, "otp_token": "000000"}, format="json"
    )
    assert wrong.status_code == 400
    assert not Token.objects.filter(user=auditor).exists()

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        granted = api.post(
            url,
            {"username": "auditor", "password": PASSWORD, "otp_token": totp_code(device)},
            format="json",
        )
    assert granted.status_code == 200
    assert granted.json()["token"] == Token.objects.get(user=auditor).key
