"""The whole API fuzzed by schemathesis from its own OpenAPI schema, in-process.

The schema is read from ``/api/schema/`` through the WSGI application, and schemathesis generates
requests for every operation in it (valid and invalid bodies, query strings and path ids), sent to
the same WSGI application: no server, the test database of this test. Two personas call it:

- an admin user of vendor A (token authentication), with vendor B's world in the database: no
  response may contain any of vendor B's identifying strings, and none of vendor B's rows may
  change;
- an auditor: nothing may change anywhere (after each call every table is compared with the
  state the test started from).

For both: no 5xx, and every response conforms to the schema (documented status code, content type
and body). Path ids are drawn from vendor A's objects, vendor B's objects and schemathesis' own
values, so every operation is tried on a row the caller owns, a row of the other tenant, and ids
that exist nowhere.

The number of examples is bounded and the seed fixed, so a run is reproducible:
``TENDERLEAF_FUZZ_EXAMPLES`` and ``TENDERLEAF_FUZZ_SEED`` change them (for a longer hunt by hand).
A finding is fixed in the code and kept as a plain test in ``test_api_regressions.py``.
"""

from __future__ import annotations

from functools import cache

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import override_settings
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests.world import (
    FUZZ_CHECKS,
    api_schema,
    build_vendor_world,
    wsgi_app_uses_the_test_transaction,
)
from vendors.models import VendorMembership
from vendors.tests.factories import UserFactory, VendorFactory, VendorMembershipFactory

# Tables a request may legitimately write to without changing business data: sessions, lock-out
# counters and the session bookkeeping of the accounts app.
UNWATCHED_APPS = {"sessions", "axes", "accounts"}

schema = api_schema()

# Object ids of both worlds, by model (vendor A's, then vendor B's): filled by the ``fuzz_db``
# fixture, read by the path-parameter hook below while examples are drawn.
_KNOWN_IDS: dict[type, list] = {}


@cache
def _model_of_path(path: str):
    """The model served by an API path template such as ``/api/v1/contacts/{id}/``."""
    try:
        match = resolve(path.replace("{id}", "1"))
    except Resolver404:
        return None
    viewset = getattr(match.func, "cls", None)
    queryset = getattr(viewset, "queryset", None)
    return None if queryset is None else queryset.model


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Try every id-taking operation on the caller's row, the other tenant's row and any id."""
    if not path_parameters or "id" not in path_parameters:
        return st.just(path_parameters)
    model = _model_of_path(context.operation.path)
    known = _KNOWN_IDS.get(model, [])
    return st.sampled_from([*known, path_parameters["id"]]).map(
        lambda pk: {**path_parameters, "id": pk}
    )


@pytest.fixture(autouse=True)
def _wsgi_app_uses_the_test_transaction():
    with wsgi_app_uses_the_test_transaction():
        yield


@pytest.fixture(scope="module")
def fuzz_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both worlds and the personas, built once for the module and rolled back after it.

    Building the worlds for each of the ~160 operation tests would take most of the time; each
    test still runs in its own transaction inside this one, so the writes of one operation's
    examples never reach the next operation.
    """
    evidence_root = tmp_path_factory.mktemp("evidence")
    with (
        django_db_blocker.unblock(),
        override_settings(EVIDENCE_ROOT=evidence_root),
        transaction.atomic(),
    ):
        officer = UserFactory(username="fuzz-officer", is_staff=True)
        officer.groups.add(Group.objects.get(name="procurement"))
        auditor = UserFactory(username="fuzz-auditor", is_staff=True)
        auditor.groups.add(Group.objects.get(name="auditors"))
        vendor_a = VendorFactory(name="Acme Accelerators")
        vendor_b = VendorFactory(name="Bolt Servers", category="servers")
        member = VendorMembershipFactory(
            user=UserFactory(username="fuzz-member"),
            vendor=vendor_a,
            role=VendorMembership.Role.ADMIN,
        ).user
        own = build_vendor_world(vendor_a, officer=officer, tag="Acme")
        other = build_vendor_world(vendor_b, officer=officer, tag="Bolt")
        for model, obj in own.objects.items():
            _KNOWN_IDS[model] = [obj.pk, other.objects[model].pk]
        yield {
            "own": own,
            "other": other,
            "member": _token_headers(member),
            "auditor": _token_headers(auditor),
            # Every test starts from this state (its own transaction is rolled back after it).
            "other_rows": _rows_of(other),
            "every_row": _every_row(),
        }
        _KNOWN_IDS.clear()
        transaction.set_rollback(True)


@pytest.fixture
def fuzz(fuzz_db, db):
    return fuzz_db


def _token_headers(user) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@cache
def _vendor_owned_models() -> tuple:
    return tuple(
        model
        for model in apps.get_models()
        if any(f.name == "vendor" and f.is_relation for f in model._meta.concrete_fields)
    )


def _rows_of(world) -> dict:
    """Every field of every row of ``world``, and how many vendor-owned rows its vendor has."""
    rows = {
        model._meta.label: list(model._base_manager.filter(pk=obj.pk).values())
        for model, obj in world.objects.items()
    }
    for model in _vendor_owned_models():
        rows[f"{model._meta.label} count"] = model._base_manager.filter(vendor=world.vendor).count()
    return rows


def _every_row() -> dict:
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label not in UNWATCHED_APPS
    }


def _body(response) -> str:
    return response.content.decode("utf-8", errors="replace")


# The examples of one operation share its transaction on purpose: the writes of one example stay
# for the next, as they would for a real client.
FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_vendor_user_gets_only_their_own_vendors_data(case, fuzz):
    other = fuzz["other"]
    headers = fuzz["member"]
    response = case.call(headers=headers)
    case.validate_response(response, checks=FUZZ_CHECKS, headers=headers)
    body = _body(response)
    for secret in other.secrets:
        assert secret not in body, (
            f"{case.method} {case.formatted_path} shows vendor B's {secret!r} to vendor A"
        )
    assert _rows_of(other) == fuzz["other_rows"], (
        f"{case.method} {case.formatted_path} by vendor A changed vendor B's data"
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_auditor_reads_and_changes_nothing(case, fuzz):
    headers = fuzz["auditor"]
    response = case.call(headers=headers)
    case.validate_response(response, checks=FUZZ_CHECKS, headers=headers)
    assert _every_row() == fuzz["every_row"], (
        f"{case.method} {case.formatted_path} by an auditor wrote"
    )
