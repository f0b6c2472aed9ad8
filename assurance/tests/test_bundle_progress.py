"""A bundle's progress: the JSON its page polls (values and who may read it), and the
evidence_bundle command's bar (on a terminal only, nothing at -v 0)."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from assurance.bundles.services import evidence_bundle_request
from assurance.models import EvidenceBundle

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Terminal(StringIO):
    def isatty(self):
        return True


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def bundle(officer, vendor_a):
    return evidence_bundle_request(
        actor=officer,
        scope=EvidenceBundle.Scope.VENDOR_PERIOD,
        vendor=vendor_a,
        year=2024,
        queue=False,
    )


def url(bundle):
    return reverse("assurance:bundle_progress", args=[bundle.pk])


def test_progress_is_the_percentage_and_step_with_times(client_for, auditor, bundle):
    client = client_for(auditor)
    body = client.get(url(bundle)).json()
    assert (body["status"], body["done"], body["percent"]) == ("pending", False, 0)
    assert body["text"] == "0 %"
    EvidenceBundle.objects.filter(pk=bundle.pk).update(
        status="running", started_at=T0, progress=45, progress_note="Rendering 9 sections"
    )
    with time_machine.travel(T0 + dt.timedelta(seconds=18), tick=False):
        body = client.get(url(bundle)).json()
    assert (body["value"], body["max"], body["percent"]) == (45, 100, 45)
    # 18 s for 45 %: about 22 s for the 55 % left.
    assert body["text"] == "45 % (Rendering 9 sections), elapsed 0:18, about 0:22 left"
    EvidenceBundle.objects.filter(pk=bundle.pk).update(
        status="done", progress=100, progress_note="12 pages", finished_at=T0 + dt.timedelta(65)
    )
    body = client.get(url(bundle)).json()
    assert body["done"] and not body["failed"]
    assert body["text"].startswith("100 % (12 pages), took ")


def test_a_failed_bundle_says_why(client_for, auditor, bundle):
    EvidenceBundle.objects.filter(pk=bundle.pk).update(
        status="failed",
        started_at=T0,
        finished_at=T0 + dt.timedelta(seconds=5),
        progress=25,
        error="Attached file “x.pdf” no longer matches its sha256.",
    )
    body = client_for(auditor).get(url(bundle)).json()
    assert body["failed"] and body["done"]
    assert body["text"] == (
        "Failed after 0:05: 25 % (Attached file “x.pdf” no longer matches its sha256.)"
    )


@pytest.mark.parametrize("persona", ["member", "outsider", "evaluator", None])
def test_who_may_not_see_bundles_gets_404(client, client_for, request, persona, bundle):
    browser = client_for(request.getfixturevalue(persona)) if persona else client
    assert browser.get(url(bundle)).status_code == 404


def test_a_missing_bundle_is_404(client_for, auditor, bundle):
    missing = reverse("assurance:bundle_progress", args=[bundle.pk + 1])
    assert client_for(auditor).get(missing).status_code == 404


def test_the_detail_page_shows_the_bar_the_script_refreshes(client_for, auditor, bundle):
    text = client_for(auditor).get(reverse("assurance:bundle_detail", args=[bundle.pk]))
    text = text.content.decode()
    assert f'data-progress-url="{url(bundle)}"' in text and "data-progress-reload" in text
    assert '<progress value="0" max="100"' in text


@pytest.mark.parametrize(
    ("verbosity", "stream", "bar"),
    [(1, Terminal, True), (1, StringIO, False), (0, Terminal, False)],
)
def test_the_command_draws_a_bar_on_a_terminal_only(tmp_path, vendor_a, verbosity, stream, bar):
    out = stream()
    call_command(
        "evidence_bundle",
        "--vendor",
        str(vendor_a.pk),
        "--year",
        "2024",
        "-o",
        str(tmp_path / "bundle.pdf"),
        verbosity=verbosity,
        stdout=out,
    )
    text = out.getvalue()
    assert ("\r" in text and "100%|" in text) is bar
    assert ("Writing the ZIP" in text) is bar
    assert "PDF " in text and (tmp_path / "bundle.pdf").exists()  # the result, at any verbosity
