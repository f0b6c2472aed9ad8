"""The auditor read-only walk (tests/test_auditor_readonly_admin.py), for an auditor whose role
comes from the identity provider's groups: signed in through single sign-on with MFA done at the
provider, never given a role by hand. Every admin write must still be refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.tests.oidc_flow import sso_sign_in
from tests.idp.fixtures import forge, sso  # noqa: F401 - fixtures used below
from tests.test_auditor_readonly_admin import (  # noqa: F401 - collected here with the SSO auditor
    test_auditor_holds_view_permissions_only,
    test_auditor_reads_but_cannot_write,
    test_auditor_sees_the_admin_index,
    test_every_audited_app_model_is_viewable_by_auditors,
)

pytestmark = pytest.mark.django_db

SUBJECT = "auditor-from-groups"


@pytest.fixture
def sso_auditor_session(client, sso):  # noqa: F811 - the imported fixture
    response = sso_sign_in(
        client,
        sso,
        sub=SUBJECT,
        email="auditor@example.org",
        groups=["tl-auditors", "all-staff"],
        amr=["pwd", "mfa"],
    )
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def auditor(sso_auditor_session):
    user = get_user_model().objects.get(oidc_identity__subject=SUBJECT)
    assert set(user.groups.values_list("name", flat=True)) == {"auditors"}
    return user


@pytest.fixture
def auditor_client(sso_auditor_session):
    return sso_auditor_session
