"""/healthz answers load balancers and the demo: database and broker, no login, no secrets."""

import pytest
from django.db.backends.utils import CursorWrapper

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

# Nothing listens on port 1, so a connection is refused at once.
CLOSED_BROKER_URL = "redis://:not-a-real-password@127.0.0.1:1/0"


def test_healthy_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert isinstance(body["checks"]["broker"]["ms"], float)
    assert "no-store" in response["Cache-Control"]


def test_needs_no_login_and_only_answers_reads(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_unreachable_broker_answers_503_naming_the_broker(client, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "broker_write_url", CLOSED_BROKER_URL)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    # The failure is named, but the broker's address and credentials are not.
    text = response.content.decode()
    assert "127.0.0.1" not in text
    assert "not-a-real-password" not in text
    assert "no-store" in response["Cache-Control"]


def test_unwritable_file_system_broker_answers_503(client, monkeypatch, tmp_path):
    if not celery_app.conf.broker_url.startswith("filesystem://"):
        pytest.skip("the file-system broker is not the configured broker")
    options = dict(celery_app.conf.broker_transport_options)
    options["data_folder_out"] = str(tmp_path / "missing")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", options)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert str(tmp_path) not in response.content.decode()


def test_failing_database_answers_503_naming_the_database(client, monkeypatch):
    # The database is the one edge this view does not own, so its failure is simulated.
    def refuse(self, sql, params=None):
        raise RuntimeError("connection to server at db.internal failed")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "RuntimeError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert body["checks"]["broker"]["ok"] is True
    assert "db.internal" not in response.content.decode()
