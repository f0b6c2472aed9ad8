"""What the schemathesis fuzzing of the API found, each kept as a plain test.

Every test replays the request that failed, through the same in-process WSGI application, and
validates the answer with the same checks as ``test_api_fuzz``: no 5xx, and a status code, content
type and body that the OpenAPI schema documents. Each failed before its fix.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from scope3.models import FactorDataset, InventoryRun
from tests.world import (
    FUZZ_CHECKS,
    api_schema,
    build_vendor_world,
    wsgi_app_uses_the_test_transaction,
)
from vendors.models import Certification, EmissionsDisclosure


@pytest.fixture(autouse=True)
def _wsgi_app_uses_the_test_transaction():
    with wsgi_app_uses_the_test_transaction():
        yield


@pytest.fixture
def world(vendor_a, officer, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return build_vendor_world(vendor_a, officer=officer, tag="Acme")


def call(user, method, path, *, path_parameters=None, query=None, body=None):
    """Send one request as ``user`` (token authentication) and check it against the schema."""
    operation = api_schema()[path][method]
    kwargs = {"path_parameters": path_parameters or {}, "query": query or {}}
    if body is not None:
        kwargs.update(body=body, media_type="application/json")
    case = operation.Case(**kwargs)
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=FUZZ_CHECKS, headers=headers)
    return response


def test_an_id_filter_too_large_for_the_database_is_a_400_not_a_500(member):
    """1e26 passed NumberFilter's decimal check and overflowed the database's integer (500)."""
    response = call(member, "GET", "/api/v1/contacts/", query={"vendor": "-1.99e+26"})
    assert response.status_code == 400
    assert "vendor" in response.json()

    response = call(member, "GET", "/api/v1/disclosures/", query={"request": "1e26"})
    assert response.status_code == 400
    assert "request" in response.json()


def test_a_year_filter_outside_the_calendar_is_a_400(member):
    response = call(member, "GET", "/api/v1/disclosures/", query={"year": "123456"})
    assert response.status_code == 400
    assert "year" in response.json()


def test_an_id_filter_still_filters(member, world):
    response = call(member, "GET", "/api/v1/contacts/", query={"vendor": str(world.vendor.pk)})
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_a_malformed_id_answers_a_json_404(member):
    """A path no route matches (a dot in the id) got Django's HTML 404 page, undocumented."""
    response = call(member, "GET", "/api/v1/rfps/{id}/", path_parameters={"id": "-2.2e-309"})
    assert response.status_code == 404
    assert response.headers["content-type"] == ["application/json"]
    assert response.json() == {"detail": "Not found."}
    response = call(
        member, "POST", "/api/v1/disclosures/{id}/submit/", path_parameters={"id": "1.5"}, body={}
    )
    assert response.status_code == 404


def test_other_pages_still_answer_html_404s(client):
    response = client.get("/portal/no-such-page/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


def test_refusals_are_documented(member, outsider, world):
    """404 for a missing id or a page past the end, 400 for invalid input: all in the schema."""
    path = "/api/v1/contacts/{id}/"
    assert call(member, "GET", path, path_parameters={"id": 999999}).status_code == 404
    foreign = world[Certification].pk
    response = call(
        outsider, "GET", "/api/v1/certifications/{id}/", path_parameters={"id": foreign}
    )
    assert response.status_code == 404
    assert call(member, "GET", "/api/v1/contacts/", query={"page": 99}).status_code == 404
    response = call(member, "POST", "/api/v1/contacts/", body={"name": "No email"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_a_search_with_a_null_character_is_a_documented_400(member):
    """DRF answers this 400 with a plain list of messages, which the schema said was an object."""
    response = call(member, "GET", "/api/v1/kpi-clauses/", query={"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == ["Null characters are not allowed."]


def test_unset_users_on_certificates_and_disclosures_are_null_in_the_schema(member, world):
    """A certificate nobody verified and a draft disclosure have null users, documented as str."""
    certificate = call(
        member,
        "GET",
        "/api/v1/certificates/{id}/",
        path_parameters={"id": world[Certification].pk},
    )
    assert certificate.json()["verified_by"] is None
    disclosure = call(
        member,
        "GET",
        "/api/v1/disclosures/{id}/",
        path_parameters={"id": world[EmissionsDisclosure].pk},
    )
    body = disclosure.json()
    assert body["submitted_by"] is None
    assert body["warnings_confirmed_by"] is None
    assert body["reviewed_by"] is None


def test_a_factor_dataset_without_a_source_url_conforms(auditor, world):
    dataset = world[FactorDataset]
    assert dataset.source_url == ""
    response = call(
        auditor, "GET", "/api/v1/factor-datasets/{id}/", path_parameters={"id": dataset.pk}
    )
    assert response.json()["source_url"] == ""


def test_a_restatement_is_one_object_not_a_page(auditor, world):
    """The schema described a paginated list of rows; the endpoint answers the runs and rows."""
    run = world[InventoryRun]
    response = call(
        auditor,
        "GET",
        "/api/v1/inventory-runs/{id}/restatement/",
        path_parameters={"id": run.pk},
    )
    assert response.json() == {
        "run": run.pk,
        "previous_run": None,
        "rows": [],
        "method_changes": [],
    }


def test_a_restatement_against_an_unknown_run_is_a_documented_400(auditor, world):
    """``against`` names a run to compare with; a wrong one is refused with a 400 it documents."""
    response = call(
        auditor,
        "GET",
        "/api/v1/inventory-runs/{id}/restatement/",
        path_parameters={"id": world[InventoryRun].pk},
        query={"against": "999999"},
    )
    assert response.status_code == 400
    assert "against" in response.json()
