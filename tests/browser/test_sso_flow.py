"""Single sign-on in a real browser against a real OpenID provider on loopback.

The provider is django-oauth-toolkit's, in its own Django project and process (tests/idp/). Two
people sign in through the SSO button on the admin's sign-in page and the provider's own form:
an auditor whose provider did MFA (no local code asked; roles from groups; still cannot change
anything) who then signs out at the provider, and an officer without MFA at the provider, whom
Tenderleaf still sends to its own second step.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from tests.idp.fixtures import idp, idp_sso  # noqa: F401 - fixtures used below

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (fails in CI) and says how to install it
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "provider password 1"


def _sso_sign_in(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.get_by_role("link", name="Sign in with Example Corp").click()
    expect(page.get_by_role("heading", name="Example Corp sign-in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sso_sign_in_roles_mfa_and_logout(
    new_browser_page,
    live_server,
    idp_sso,  # noqa: F811 - the imported fixture
    vendor_a,
):
    idp_sso.allow_site(live_server.url)
    idp_sso.person(
        "hana", password=PASSWORD, email="hana@example.org", groups=["tl-auditors"], mfa=True
    )
    idp_sso.person("ivan", password=PASSWORD, email="ivan@example.org", groups=["tl-officers"])
    users = get_user_model().objects

    # The auditor: MFA done at the provider, so straight into the admin.
    page = new_browser_page()
    _sso_sign_in(page, "hana")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Evidence and audit trail")).to_be_visible()
    hana = users.get(email="hana@example.org")
    assert set(hana.groups.values_list("name", flat=True)) == {"auditors"}

    # An auditor by group reads and changes nothing.
    page.goto(f"/admin/vendors/vendor/{vendor_a.pk}/change/")
    expect(page.get_by_text(vendor_a.name).first).to_be_visible()
    expect(page.locator('input[name="_save"]')).to_have_count(0)
    response = page.goto("/admin/vendors/vendor/add/")
    assert response.status == 403

    # Sign out: at the provider too, and back at the sign-in page.
    page.goto("/admin/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/login/$"))
    expect(page.get_by_role("link", name="Sign in with Example Corp")).to_be_visible()
    page.goto("/admin/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    # The provider's session ended as well: the SSO button asks for the password again.
    page.get_by_role("link", name="Sign in with Example Corp").click()
    expect(page.get_by_role("heading", name="Example Corp sign-in")).to_be_visible()

    # The officer: no MFA at the provider, so Tenderleaf's own second step is asked.
    page = new_browser_page()
    _sso_sign_in(page, "ivan")
    page.wait_for_url(re.compile(r"/accounts/enrol/"))
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    ivan = users.get(email="ivan@example.org")
    assert set(ivan.groups.values_list("name", flat=True)) == {"procurement"}
