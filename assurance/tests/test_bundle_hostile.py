"""Hostile vendor text renders as text; the renderer loads nothing but static files and data:."""

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from assurance.bundles.fetcher import STATIC_BASE_URL, FetchRefused, SafeUrlFetcher
from assurance.bundles.manifest import manifest_build, name_sanitise
from assurance.bundles.render import _pdf_of, document_html, render_parallel
from assurance.bundles.sections import scope_content_load
from assurance.bundles.services import bundle_job_build, evidence_bundle_request
from assurance.chain import chain_head
from assurance.models import EvidenceBundle
from assurance.tests.test_bundles import vendor_period_data
from vendors.tests.factories import VendorFactory

LINK = '<link rel=attachment href="file:///etc/passwd">'
IMG = '<img src="http://169.254.169.254/latest/meta-data/">'
IMPORT = "<style>@import url(http://attacker.example/x.css);</style>"
HOSTILE = f"{LINK}{IMG}{IMPORT}"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def _allowed(url: str) -> bool:
    return url.startswith("data:") or url.startswith(f"{STATIC_BASE_URL}static/")


def _no_embedded_files(reader: PdfReader) -> bool:
    names = reader.trailer["/Root"].get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        return False
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                return False
    return True


def test_hostile_vendor_text_renders_as_literal_text_and_loads_nothing(officer):
    vendor = VendorFactory(name=f"Evil {LINK}", legal_name=IMG, website="https://evil.example/")
    vendor_period_data(officer=officer, vendor=vendor, comment=HOSTILE)
    bundle = evidence_bundle_request(
        actor=officer,
        scope=EvidenceBundle.Scope.VENDOR_PERIOD,
        vendor=vendor,
        year=2024,
        queue=False,
    )
    content = scope_content_load(bundle)
    manifest = manifest_build(content.manifest_scope, content.files)
    job = bundle_job_build(
        bundle=bundle, content=content, manifest=manifest, head=chain_head(), at=timezone.now()
    )
    # Escaped in the HTML the renderer gets...
    assert all(LINK not in s["body"] for s in job.sections)
    assert any("&lt;link rel=attachment" in s["body"] for s in job.sections)

    result = render_parallel(job, workers=1)

    # ...asked only for our stylesheet (and nothing refused, because nothing else was asked).
    assert f"{STATIC_BASE_URL}static/css/pdf.css" in result.fetched
    assert all(_allowed(url) for url in result.fetched), result.fetched
    assert result.refused == []
    reader = PdfReader(io.BytesIO(result.pdf))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for literal in (LINK, IMG, "@import url(http://attacker.example/x.css);"):
        assert re.sub(r"\s+", "", literal) in text
    assert _no_embedded_files(reader)


def test_unescaped_markup_still_cannot_fetch_or_embed_anything():
    """Defence in depth: even raw markup (were escaping ever bypassed) reaches nothing."""
    html = document_html(
        f'<section class="section"><h1>Raw</h1>{LINK}{IMG}{IMPORT}'
        '<img src="file:///etc/hostname"><a rel="attachment" href="/static/../../etc/passwd">x</a>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</section>",
        title="raw",
    )
    pdf, _pages, calls, refused = _pdf_of(html)
    assert "file:///etc/passwd" in refused
    assert "http://169.254.169.254/latest/meta-data/" in refused
    assert "http://attacker.example/x.css" in refused
    assert "file:///etc/hostname" in refused
    assert set(calls) - set(refused) <= {
        f"{STATIC_BASE_URL}static/css/pdf.css",
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
    }
    assert _no_embedded_files(PdfReader(io.BytesIO(pdf)))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/static/css/pdf.css",
        f"{STATIC_BASE_URL}static/../config/settings/base.py",
        f"{STATIC_BASE_URL}static/css/../../config/settings/base.py",
        f"{STATIC_BASE_URL}static/%2e%2e/%2e%2e/pyproject.toml",
        f"{STATIC_BASE_URL}static//etc/passwd",
        f"{STATIC_BASE_URL}static/css/missing.css",
        f"{STATIC_BASE_URL}media/anything",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_everything_but_static_and_data(url):
    fetcher = SafeUrlFetcher()
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_own_static_files_and_data_uris():
    fetcher = SafeUrlFetcher()
    css = fetcher.fetch(f"{STATIC_BASE_URL}static/css/pdf.css")
    assert b"@page" in css.read()
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"


def test_archive_names_are_sanitised_and_deterministic():
    assert name_sanitise("../../etc/passwd") == "passwd"
    assert name_sanitise('<img src="x">.pdf') == "_img src_x_.pdf"
    assert name_sanitise(".hidden") == "hidden"
    assert name_sanitise("Émissions 2024.csv") == "Emissions 2024.csv"
