"""Shared fixtures: the standing personas every view is tested with.

- ``officer``: staff in the ``procurement`` group;
- ``auditor``: staff in the ``auditors`` group (read-only);
- ``member``: a portal user of ``vendor_a`` (vendor admin);
- ``outsider``: a portal user of ``vendor_b``, who must never see anything of ``vendor_a``.
"""

import pytest
from django.contrib.auth.models import Group

from vendors.tests.factories import UserFactory, VendorFactory, VendorMembershipFactory

PASSWORD = "correct horse battery"  # noqa: S105 - test persona password


def _group(name):
    group = Group.objects.filter(name=name).first()
    if group is None:
        # A transactional test with serialized_rollback flushed the tables that data migrations
        # fill without re-running post_migrate; rebuild the roles as migrate would.
        from assurance.roles import permissions_ensure, roles_sync

        permissions_ensure()
        roles_sync()
        group = Group.objects.get(name=name)
    return group


def _staff(username, group):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(_group(group))
    return user


@pytest.fixture
def officer(db):
    return _staff("officer", "procurement")


@pytest.fixture
def evaluator(db):
    return _staff("evaluator", "evaluators")


@pytest.fixture
def analyst(db):
    return _staff("analyst", "sustainability")


@pytest.fixture
def auditor(db):
    return _staff("auditor", "auditors")


@pytest.fixture
def vendor_a(db):
    return VendorFactory(name="Acme Accelerators")


@pytest.fixture
def vendor_b(db):
    return VendorFactory(name="Bolt Servers", category="servers", naics_code="334111")


@pytest.fixture
def member(vendor_a):
    return VendorMembershipFactory(user=UserFactory(username="member"), vendor=vendor_a).user


@pytest.fixture
def outsider(vendor_b):
    return VendorMembershipFactory(user=UserFactory(username="outsider"), vendor=vendor_b).user


@pytest.fixture
def client_for(client):
    """Log a persona into the Django test client (bypassing axes, which tests separately).

    Staff personas get a session whose one-time code is already confirmed, as after a real
    sign-in; accounts/tests test the code step itself.
    """
    from accounts.testing import otp_verified_login

    def _login(user):
        return otp_verified_login(client, user)

    return _login
