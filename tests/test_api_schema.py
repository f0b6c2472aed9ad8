"""The OpenAPI schema is valid and its docs page renders from our own static files."""

import re

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns every drf-spectacular warning (untyped field, enum clash) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for route in ("/api/v1/vendors/", "/api/v1/contacts/{id}/", "/api/v1/certifications/"):
        assert route in paths
    assert "delete" not in paths["/api/v1/vendors/{id}/"]
    assert "/api/v1/auth/token/" in paths
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_schema_endpoint_answers(client):
    response = client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Tenderleaf API"


@pytest.mark.django_db
def test_docs_page_renders_without_a_cdn(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    # Every script, style and icon comes from our own static files, none from a CDN.
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    assert all(a.startswith(static_prefix) for a in assets), assets
    assert "//" not in " ".join(assets)
