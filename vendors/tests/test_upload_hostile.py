"""The hostile-file corpus (docs/architecture.md, "Uploads"): each answers a clear error and stores
nothing (no
disclosure, footprint or evidence row, no file left in EVIDENCE_ROOT); the awkward-but-fine files
(BOM, semicolons) are read correctly, never mis-parsed."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assurance.models import EvidenceFile
from assurance.services import EvidenceRejected, evidence_file_upload
from assurance.uploads import csv_safe
from tests import hostile_files
from vendors.disclosure_upload import export_rows
from vendors.models import EmissionsDisclosure, ProductFootprint
from vendors.services import (
    FootprintImportRefused,
    disclosure_bulk_upload,
    product_footprint_import,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    root = tmp_path / "evidence"
    settings.EVIDENCE_ROOT = root
    return root


@pytest.fixture
def corpus(tmp_path):
    directory = tmp_path / "corpus"
    directory.mkdir()
    return directory


def as_upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")


@pytest.fixture
def bulk(member, vendor_a):
    def _bulk(path, name=None):
        return disclosure_bulk_upload(
            actor=member, vendor=vendor_a, uploaded_file=as_upload(path, name)
        )

    return _bulk


def nothing_stored(evidence_root):
    assert not EmissionsDisclosure.objects.exists()
    assert not ProductFootprint.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert not evidence_root.exists() or not any(p.is_file() for p in evidence_root.rglob("*"))


def test_html_png_polyglot_named_pdf_is_refused_as_evidence(
    corpus, member, vendor_a, evidence_root
):
    path = hostile_files.html_png_polyglot_pdf(corpus)
    with pytest.raises(EvidenceRejected) as refused:
        evidence_file_upload(actor=member, uploaded_file=as_upload(path), vendor=vendor_a)
    assert (
        "“certificate.pdf” is named as PDF but its content is PNG image"
        in refused.value.messages[0]
    )
    nothing_stored(evidence_root)


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (hostile_files.zip_named_xlsx, "a ZIP archive but not an XLSX workbook"),
        (hostile_files.xlsx_zip_bomb, "a decompression bomb, refused"),
        (hostile_files.xlsx_billion_laughs, "EntitiesForbidden"),
        (hostile_files.utf16_csv, "not UTF-8 text (it is UTF-16); save it as “CSV UTF-8”"),
        (hostile_files.empty_file, "The file is empty"),
        (hostile_files.header_only_csv, "The file has a header but no data rows"),
        (hostile_files.html_png_polyglot_pdf, "The file is a PNG image, not CSV text"),
    ],
)
def test_hostile_disclosure_files_are_refused_whole(corpus, bulk, evidence_root, build, fragment):
    result = bulk(build(corpus))
    assert fragment in result.file_error, result.file_error
    assert not result.stored
    nothing_stored(evidence_root)


@pytest.mark.parametrize("value", ["1e309", "NaN", "inf", "-Infinity", "1_000"])
def test_numbers_that_are_not_plain_decimals_are_row_errors(corpus, bulk, evidence_root, value):
    result = bulk(hostile_files.csv_with_value(corpus, "scope1_tco2e", value, "numbers.csv"))
    assert [(e.row, e.column, e.value) for e in result.errors] == [(2, "scope1_tco2e", value)]
    assert result.errors[0].rule.startswith("is not a number (plain decimal notation")
    nothing_stored(evidence_root)


def test_formula_cells_are_stored_as_text_and_escaped_on_export(corpus, bulk):
    result = bulk(hostile_files.csv_with_formulas(corpus))

    assert result.stored, (result.file_error, result.errors)
    stored = EmissionsDisclosure.objects.get()
    assert stored.reporting_entity == hostile_files.HYPERLINK
    header, row = list(export_rows([stored]))
    exported = dict(zip(header, row, strict=True))
    assert exported["reporting_entity"] == "'" + hostile_files.HYPERLINK
    assert exported["methodology_notes"].startswith("'@SUM")
    assert csv_safe(stored.reporting_entity).startswith("'=")


def test_bom_csv_is_accepted(corpus, bulk):
    result = bulk(hostile_files.bom_csv(corpus))
    assert (
        result.stored
        and EmissionsDisclosure.objects.get().reporting_entity == "Acme Accelerators Inc."
    )


def test_semicolon_csv_is_read_as_semicolon_separated(corpus, bulk):
    result = bulk(hostile_files.semicolon_csv(corpus))
    assert result.stored, (result.file_error, result.errors)
    stored = EmissionsDisclosure.objects.get()
    assert stored.scope1_tco2e == Decimal("1250.5") and stored.verifier == "Verifier GmbH"


def test_hostile_pact_documents_store_nothing(corpus, member, vendor_a, evidence_root):
    for raw in (
        hostile_files.html_png_polyglot_pdf(corpus).read_bytes(),
        hostile_files.xlsx_zip_bomb(corpus, megabytes=2).read_bytes(),
        b"",
        b'{"data": [' * 200 + b"]}" * 200,
    ):
        with pytest.raises(FootprintImportRefused):
            product_footprint_import(actor=member, vendor=vendor_a, document=raw)
    nothing_stored(evidence_root)


def test_a_100000_row_file_answers_a_clear_error_fast(corpus, bulk, evidence_root):
    path = hostile_files.many_rows_csv(corpus, 100_000)

    started = time.monotonic()
    result = bulk(path)
    elapsed = time.monotonic() - started

    assert result.file_error.startswith(
        "The file has more than 10,000 rows, the limit for one upload"
    )
    assert elapsed < 10, elapsed
    nothing_stored(evidence_root)
