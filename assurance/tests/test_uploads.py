"""The shared upload rules (docs/architecture.md, "Uploads"): size before reading, type by content,
safe XLSX and
JSON, formula escaping on export."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assurance import uploads
from assurance.uploads import UploadRefused
from tests import hostile_files


def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"", uploads.KIND_EMPTY),
        (b"%PDF-1.7\n", uploads.KIND_PDF),
        (b"\x89PNG\r\n\x1a\n<html>", uploads.KIND_PNG),
        (b"\xff\xd8\xff\xe0", uploads.KIND_JPEG),
        (b"PK\x03\x04rest", uploads.KIND_ZIP),
        ("a,b\n".encode("utf-16"), uploads.KIND_UTF16),
        ("a,b\n1,2\n".encode("utf-16-le"), uploads.KIND_UTF16),
        (b'\xef\xbb\xbf  {"data": []}', uploads.KIND_JSON),
        (b"period_start,scope1\n2025-01-01,1\n", uploads.KIND_TEXT),
        ("Société,ü".encode()[:-1], uploads.KIND_TEXT),  # a character cut by the head
        (b"a,b\x00c\n", uploads.KIND_BINARY),
        (b"\x80\x81abc,def", uploads.KIND_BINARY),
    ],
)
def test_sniff_kind_reads_the_bytes_not_the_name(head, kind):
    assert uploads.sniff_kind(head) == kind


class NeverRead(SimpleUploadedFile):
    def chunks(self, chunk_size=None):  # pragma: no cover - reaching it is the failure
        raise AssertionError("the file was read before its declared size was checked")


def test_declared_size_is_checked_before_reading():
    with pytest.raises(UploadRefused, match="larger than the 10\xa0bytes limit"):
        uploads.read_limited(NeverRead("big.json", b"x" * 11), 10)
    with pytest.raises(UploadRefused, match="larger than"):
        uploads.spool_limited(NeverRead("big.csv", b"x" * 11), 10)


def test_a_lying_declared_size_is_caught_while_reading():
    upload = SimpleUploadedFile("small.csv", b"x" * 200_000)
    upload.size = 5  # what a client claimed
    with pytest.raises(UploadRefused) as refused:
        uploads.read_limited(upload, 100_000, name="small.csv")
    assert refused.value.code == "too_large" and "“small.csv”" in refused.value.message


def test_spool_is_a_seekable_copy():
    with uploads.spool_limited(SimpleUploadedFile("a.csv", b"abc"), 10) as spool:
        assert spool.read() == b"abc"


def test_zip_checks_run_before_openpyxl(tmp_path):
    bomb = hostile_files.xlsx_zip_bomb(tmp_path)
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(UploadRefused, match="a decompression bomb, refused"):
        uploads.xlsx_open_safely(bomb)
    with pytest.raises(UploadRefused, match="not an XLSX workbook"):
        uploads.xlsx_open_safely(hostile_files.zip_named_xlsx(tmp_path))
    with pytest.raises(UploadRefused, match="not a ZIP archive"):
        uploads.xlsx_open_safely(io.BytesIO(b"PK\x03\x04 truncated"))


def test_entry_count_and_total_size_limits(tmp_path):
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(5):
            archive.writestr(f"xl/part{number}.xml", "x" * 100)
    with pytest.raises(UploadRefused, match="has 5 parts"):
        uploads.xlsx_archive_check(path, max_entries=4)
    with pytest.raises(UploadRefused, match="expands to 500 bytes"):
        uploads.xlsx_archive_check(path, max_uncompressed=499)


def test_billion_laughs_is_refused_by_defusedxml(tmp_path):
    path = hostile_files.xlsx_billion_laughs(tmp_path)
    # Refused when openpyxl opens the sheet, or while its rows stream: either way by defusedxml.
    with pytest.raises(UploadRefused, match="EntitiesForbidden"):
        workbook = uploads.xlsx_open_safely(path)
        try:
            list(workbook.worksheets[0].iter_rows(values_only=True))
        except Exception as exc:
            raise uploads.xlsx_read_error(exc) from None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"[" * 65 + b"]" * 65, "nested more than 64 levels deep"),
        (b'{"x": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', None),
        (b'{"x": Infinity}', "Infinity is not a JSON number"),
        (b'{"x": -1e400}', "too large"),
        (b'{"x": 1', "not valid JSON"),
        (b"  ", "empty"),
    ],
)
def test_json_limits(raw, fragment):
    if fragment is None:
        assert uploads.json_loads_limited(raw)["x"].startswith("[[[")  # brackets inside text
        return
    with pytest.raises(UploadRefused, match=fragment):
        uploads.json_loads_limited(raw)


def test_text_lines_refuse_what_is_not_utf8_text():
    latin1 = io.TextIOWrapper(io.BytesIO(b"ok\nSoci\xe9t\xe9\n"), "utf-8")
    with pytest.raises(UploadRefused, match="not UTF-8 text"):
        list(uploads.text_lines(latin1))
    with pytest.raises(UploadRefused, match="longer than 10 characters"):
        list(uploads.text_lines(io.StringIO("x" * 50), max_line_chars=10))


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        (None, ""),
        (12, "12"),
    ],
)
def test_csv_safe(value, escaped):
    assert uploads.csv_safe(value) == escaped
