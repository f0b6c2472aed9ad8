"""Safety rules shared by every upload (portal, API, admin, commands): docs/architecture.md,
"Uploads".

- a size limit checked on the declared size before anything is read, and again while reading
  (a declared size can lie): :func:`read_limited`, :func:`spool_limited`;
- the type is decided from the bytes (:func:`sniff_kind`) and then by a successful parse, never
  from the file name or the client's Content-Type;
- an XLSX is a ZIP archive: its entry count, total uncompressed size and compression ratios are
  checked before openpyxl sees it (:func:`xlsx_open_safely`), and so is the prolog of every XML
  part: a DTD or entity declaration (billion laughs) is refused before anything parses the part;
  openpyxl also parses XML through defusedxml (installed as a dependency), which refuses entities;
- a PDF must have the structure of one, header to trailer, and a readable page tree
  (:func:`pdf_structure_check`);
- a PNG or JPEG must decode within Pillow's decompression-bomb pixel limit
  (:func:`image_decode_check`);
- text must be UTF-8 (a BOM is fine); UTF-16 and binary are refused with a message saying what
  to do (:func:`text_lines`);
- JSON is parsed with a nesting limit and without NaN/Infinity (:func:`json_loads_limited`);
- every cell written to a CSV or XLSX that a person may open goes through :func:`csv_safe`.

Uploaded names are metadata only (``assurance.storage.original_name_clean``): no function here
takes a path derived from them.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import math
import os
import re
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

CHUNK_BYTES = 64 * 1024
# Spooled uploads stay in memory up to this size, then move to a temporary file.
SPOOL_MEMORY_BYTES = 1024 * 1024

KIND_EMPTY = "empty"
KIND_PDF = "pdf"
KIND_PNG = "png"
KIND_JPEG = "jpeg"
KIND_ZIP = "zip"  # an XLSX is a ZIP; only xlsx_open_safely decides it is a workbook
KIND_JSON = "json"
KIND_TEXT = "text"  # UTF-8 text: CSV or plain text
KIND_UTF16 = "utf16"
KIND_BINARY = "binary"

KIND_LABELS = {
    KIND_EMPTY: "an empty file",
    KIND_PDF: "a PDF",
    KIND_PNG: "a PNG image",
    KIND_JPEG: "a JPEG image",
    KIND_ZIP: "a ZIP archive",
    KIND_JSON: "JSON",
    KIND_TEXT: "text",
    KIND_UTF16: "UTF-16 text",
    KIND_BINARY: "binary data of no accepted format",
}

XLSX_MAX_ENTRIES = 1000
XLSX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# Spreadsheet XML compresses 10-30x; far above that on a sizeable part is a decompression bomb.
XLSX_MAX_RATIO = 100
XLSX_RATIO_CHECK_ABOVE_BYTES = 1024 * 1024
XLSX_MAX_COLUMNS = 1000

MAX_LINE_CHARS = 1024 * 1024
JSON_MAX_DEPTH = 64

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UploadRefused(ValidationError):
    """The file as a whole is refused; ``message`` says why and what to do. Nothing was stored."""

    def __init__(self, message: str, code: str = "refused", *, log: bool = True):
        super().__init__(message, code=code)
        # Every refusal is built here, so this one line logs them all: repeated refusals from one
        # account or address are worth a look. ``log=False`` only for a refusal restated in other
        # words, whose first wording was logged already.
        if log:
            from accounts.security import UPLOAD_REFUSED, security_event

            security_event(UPLOAD_REFUSED, code=code, reason=message)

    def __str__(self) -> str:
        return self.message


# --- size --------------------------------------------------------------------------------------


def too_large_message(name: str, limit: int, what: str = "files") -> str:
    shown = f"“{name}”" if name else "The file"
    return f"{shown} is larger than the {filesizeformat(limit)} limit for {what}."


def upload_size_check(uploaded_file, max_bytes: int, *, name: str = "", what="files") -> None:
    """Refuse an upload whose declared size is over the limit, before reading a byte of it."""
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > max_bytes:
        raise UploadRefused(too_large_message(name, max_bytes, what), code="too_large")


def _chunks(uploaded_file) -> Iterator[bytes]:
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    if hasattr(uploaded_file, "chunks"):
        yield from uploaded_file.chunks(CHUNK_BYTES)
        return
    yield from iter(lambda: uploaded_file.read(CHUNK_BYTES), b"")


def read_limited(uploaded_file, max_bytes: int, *, name: str = "", what="files") -> bytes:
    """The upload's bytes, read in chunks and refused as soon as they pass ``max_bytes``."""
    upload_size_check(uploaded_file, max_bytes, name=name, what=what)
    parts, size = [], 0
    for chunk in _chunks(uploaded_file):
        size += len(chunk)
        if size > max_bytes:
            raise UploadRefused(too_large_message(name, max_bytes, what), code="too_large")
        parts.append(chunk)
    return b"".join(parts)


def spool_limited(uploaded_file, max_bytes: int, *, name: str = "", what="files") -> IO[bytes]:
    """A seekable copy of the upload (in memory while small, then on disk), at position 0.

    Readers that stream (CSV rows, XLSX via openpyxl) then never hold the whole file in memory.
    The caller closes it.
    """
    upload_size_check(uploaded_file, max_bytes, name=name, what=what)
    spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - returned open to the caller
        max_size=SPOOL_MEMORY_BYTES, prefix="tenderleaf-up-"
    )
    size = 0
    try:
        for chunk in _chunks(uploaded_file):
            size += len(chunk)
            if size > max_bytes:
                raise UploadRefused(too_large_message(name, max_bytes, what), code="too_large")
            spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


# --- type --------------------------------------------------------------------------------------


def sniff_kind(head: bytes) -> str:
    """What the first bytes of a file say it is (one of the ``KIND_*`` constants).

    Signatures decide binary formats; text must decode as UTF-8 (a multi-byte character cut at
    the end of ``head`` is fine) and hold no NUL or other binary control characters. This is only
    the first gate: the file must still parse as the format expected.
    """
    if not head:
        return KIND_EMPTY
    if head.startswith(b"%PDF-"):
        return KIND_PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KIND_PNG
    if head.startswith(b"\xff\xd8\xff"):
        return KIND_JPEG
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return KIND_ZIP
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head):
        return KIND_UTF16
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Cut inside the last character only: what came before is text.
        if exc.start < len(head) - 3 or exc.reason != "unexpected end of data":
            return KIND_BINARY
        text = head[: exc.start].decode("utf-8")
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
        return KIND_BINARY
    if text.lstrip("\ufeff \t\r\n")[:1] in {"{", "["}:
        return KIND_JSON
    return KIND_TEXT


def _looks_utf16(head: bytes) -> bool:
    # UTF-16 without a BOM: ASCII text has a NUL in every other byte.
    sample = head[:64]
    quarter = len(sample) // 4
    return len(sample) >= 4 and (sample[1::2].count(0) > quarter or sample[0::2].count(0) > quarter)


# --- text --------------------------------------------------------------------------------------

UTF8_ADVICE = "save it as “CSV UTF-8” (in Excel: File, Save As, CSV UTF-8) and upload it again"


def text_refusal(kind: str) -> UploadRefused | None:
    """The refusal for a file that should be UTF-8 text but is not, or None if it may be."""
    if kind == KIND_UTF16:
        return UploadRefused(
            f"The file is not UTF-8 text (it is UTF-16); {UTF8_ADVICE}.", code="encoding"
        )
    if kind in {KIND_TEXT, KIND_JSON}:
        return None
    if kind == KIND_EMPTY:
        return UploadRefused("The file is empty.", code="empty")
    return UploadRefused(
        f"The file is {KIND_LABELS.get(kind, kind)}, not CSV text; {UTF8_ADVICE}.", code="type"
    )


def text_lines(handle: io.TextIOBase, *, max_line_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Lines of a UTF-8 text stream, refusing invalid UTF-8, NUL bytes and endless lines."""
    readline = handle.readline
    while True:
        try:
            line = readline(max_line_chars + 1)
        except UnicodeDecodeError as exc:
            raise UploadRefused(
                f"The file is not UTF-8 text ({exc.reason} at byte {exc.start}); {UTF8_ADVICE}.",
                code="encoding",
            ) from None
        if not line:
            return
        if len(line) > max_line_chars:
            raise UploadRefused(
                f"A line is longer than {max_line_chars} characters; this is not a CSV table.",
                code="line_too_long",
            )
        if "\x00" in line:
            raise UploadRefused(
                "The file is not UTF-8 text (it contains NUL bytes; UTF-16 or binary?); "
                f"{UTF8_ADVICE}.",
                code="encoding",
            )
        yield line


# --- XLSX --------------------------------------------------------------------------------------


def xlsx_archive_check(
    fileobj,
    *,
    max_entries: int = XLSX_MAX_ENTRIES,
    max_uncompressed: int = XLSX_MAX_UNCOMPRESSED_BYTES,
    max_ratio: int = XLSX_MAX_RATIO,
    ratio_check_above: int = XLSX_RATIO_CHECK_ABOVE_BYTES,
) -> None:
    """Refuse a ZIP that is not a workbook, could expand into a decompression bomb, or holds an
    XML part that declares a DTD or entities (:func:`_xml_prolog_check`).

    The sizes checked are those the archive declares. That is enough because CPython's zipfile
    never inflates an entry past its declared size (and fails its CRC check if it would), so
    a lying header yields a read error, not a bomb.
    """
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused(
            "The file is not a valid XLSX workbook (not a ZIP archive).", code="not_xlsx"
        ) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > max_entries:
            raise UploadRefused(
                f"The workbook has {len(entries)} parts (limit {max_entries}); refused.",
                code="xlsx_bomb",
            )
        total = 0
        for entry in entries:
            total += entry.file_size
            if entry.file_size > ratio_check_above and entry.file_size > max_ratio * max(
                entry.compress_size, 1
            ):
                raise UploadRefused(
                    f"The workbook part {entry.filename!r} expands {entry.file_size} bytes from "
                    f"{entry.compress_size}: a decompression bomb, refused.",
                    code="xlsx_bomb",
                )
        if total > max_uncompressed:
            raise UploadRefused(
                f"The workbook expands to {total} bytes (limit {max_uncompressed}); refused as a "
                "possible decompression bomb.",
                code="xlsx_bomb",
            )
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise UploadRefused(
                "The file is a ZIP archive but not an XLSX workbook (no xl/workbook.xml).",
                code="not_xlsx",
            )
        for entry in entries:
            try:
                _xml_prolog_check(archive, entry)
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                EOFError,
                RuntimeError,
                NotImplementedError,
            ) as exc:
                # A damaged or encrypted part, or a compression method zipfile cannot read.
                raise UploadRefused(
                    f"The XLSX workbook cannot be read (its part {entry.filename!r} cannot be "
                    f"unpacked: {exc}); refused.",
                    code="xlsx_broken",
                ) from None
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)


# Parts of an Office archive that hold XML, by name; others are checked if they start like XML.
_XML_PART_SUFFIXES = (".xml", ".rels", ".vml")
_XML_STARTS = (b"<", b"\x00<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class _PrologEnd(Exception):
    """The root element has started: no DTD can follow."""


def _xml_prolog_check(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Refuse an XML part of the archive that declares a DTD, and so may declare entities.

    Entities can only be declared in a DTD, and a DTD only before the root element, so parsing
    stops there: this reads a part's prolog, never its content. Office Open XML parts never declare
    a DTD. The refusals use defusedxml's names, as :func:`xlsx_read_error` does for openpyxl's.
    """
    if entry.is_dir():
        return
    with archive.open(entry) as part:
        head = part.read(CHUNK_BYTES)
        if not head:
            return  # an empty part declares nothing
        if not entry.filename.lower().endswith(_XML_PART_SUFFIXES) and not head.lstrip(
            b" \t\r\n"
        ).startswith(_XML_STARTS):
            return

        def refused(kind: str, what: str) -> UploadRefused:
            return UploadRefused(
                f"The XLSX workbook cannot be read ({kind}: its part {entry.filename!r} {what}, as "
                "entity-expansion attacks do); refused.",
                code="xlsx_entities",
            )

        def entity_declared(*_args):
            raise refused("EntitiesForbidden", "declares XML entities")

        def doctype_ended():
            raise refused("DTDForbidden", "declares a DTD")

        def root_started(*_args):
            raise _PrologEnd

        parser = expat.ParserCreate()
        parser.EntityDeclHandler = entity_declared
        parser.EndDoctypeDeclHandler = doctype_ended
        parser.StartElementHandler = root_started
        try:
            chunk = head
            while chunk:
                parser.Parse(chunk, False)
                chunk = part.read(CHUNK_BYTES)
            parser.Parse(b"", True)
        except _PrologEnd:
            return
        except (expat.ExpatError, LookupError) as exc:  # LookupError: an unknown encoding
            problem = (
                f"{expat.ErrorString(exc.code)}, line {exc.lineno}"
                if isinstance(exc, expat.ExpatError)
                else str(exc)
            )
            raise UploadRefused(
                f"The XLSX workbook cannot be read (its part {entry.filename!r} is not well-formed "
                f"XML: {problem}); refused.",
                code="xlsx_broken",
            ) from None


def xlsx_read_error(exc: BaseException) -> UploadRefused:
    """A readable refusal for an exception openpyxl raised, naming defusedxml's refusal."""
    from defusedxml import DefusedXmlException

    seen = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return UploadRefused(
                f"The XLSX workbook cannot be read ({type(seen).__name__}: it declares XML "
                "entities or a DTD, as entity-expansion attacks do); refused.",
                code="xlsx_entities",
            )
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if len(text) > 200:
        text = text[:197] + "..."
    return UploadRefused(
        f"The XLSX workbook cannot be read ({type(exc).__name__}: {text}).", code="xlsx_broken"
    )


def xlsx_open_safely(
    fileobj,
    *,
    max_entries: int = XLSX_MAX_ENTRIES,
    max_uncompressed: int = XLSX_MAX_UNCOMPRESSED_BYTES,
    max_ratio: int = XLSX_MAX_RATIO,
):
    """An openpyxl workbook (read-only, cached values instead of formulas), opened only after
    :func:`xlsx_archive_check`. Rows stream from it; the caller closes it.

    Errors while iterating rows (defusedxml refusals surface lazily in read-only mode) should be
    turned into a refusal with :func:`xlsx_read_error`.
    """
    xlsx_archive_check(
        fileobj, max_entries=max_entries, max_uncompressed=max_uncompressed, max_ratio=max_ratio
    )
    import openpyxl

    if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a declared dependency
        raise UploadRefused("XLSX uploads are disabled: defusedxml is not installed.")
    try:
        return openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or hostile workbook
        raise xlsx_read_error(exc) from None


def xlsx_cell_text(value) -> str:
    """A worksheet value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        # Tables of this application hold dates, not times; Excel stores a date as a datetime.
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        # repr gives the shortest text that round-trips, not the binary expansion.
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


# --- PDF ---------------------------------------------------------------------------------------

_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_PDF_TRAILER = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
# Viewers accept a file whose %%EOF marker is within its last 1024 bytes.
PDF_TRAILER_BYTES = 1024


@contextlib.contextmanager
def _binary(fileobj) -> Iterator[IO[bytes]]:
    """A path opened for binary reading, or an open file rewound (and rewound again after)."""
    if isinstance(fileobj, str | os.PathLike):
        with open(fileobj, "rb") as handle:
            yield handle
        return
    fileobj.seek(0)
    try:
        yield fileobj
    finally:
        fileobj.seek(0)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def pdf_structure_check(fileobj) -> None:
    """Refuse a file that begins like a PDF but is not one.

    A PDF opens with its version header and closes with ``startxref``, the byte offset of its
    cross-reference section, then ``%%EOF`` (ISO 32000-1, 7.5.2 and 7.5.5). pypdf must then find
    the document's catalog and at least one page, reading leniently as viewers do (a slightly
    wrong offset is repaired, not refused). An encrypted PDF is judged by its structure alone:
    its page tree cannot be read without the password.
    """
    from pypdf import PdfReader

    with _binary(fileobj) as handle:
        head = handle.read(16)
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - PDF_TRAILER_BYTES))
        trailers = list(_PDF_TRAILER.finditer(handle.read()))
        if not _PDF_HEADER.match(head):
            raise UploadRefused(
                "The file is not a PDF: it does not start with a PDF version header.",
                code="pdf_broken",
            )
        if not trailers or int(trailers[-1].group(1)) >= size:
            raise UploadRefused(
                "The file is not a complete PDF: it does not end with a PDF trailer (startxref and "
                "%%EOF); it may be cut short or another kind of file.",
                code="pdf_broken",
            )
        handle.seek(0)
        try:
            reader = PdfReader(handle, strict=False)
            if reader.is_encrypted:
                return
            pages = len(reader.pages)
        except Exception as exc:  # pypdf raises many kinds for a broken or hostile file
            raise UploadRefused(
                f"The file is not a readable PDF ({type(exc).__name__}: {_short(exc)}).",
                code="pdf_broken",
            ) from None
    if pages < 1:
        raise UploadRefused("The PDF has no page.", code="pdf_broken")


# --- images ------------------------------------------------------------------------------------


_STRICT_DECODING = threading.Lock()


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    """Pillow's tolerance of truncated images, off while an upload is checked.

    WeasyPrint turns it on for the whole process when it is imported (to render what it can of a
    damaged picture); an upload check must still see a cut-off file as broken.
    """
    from PIL import ImageFile

    with _STRICT_DECODING:
        tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def image_decode_check(fileobj, *, max_pixels: int | None = None) -> None:
    """Refuse a PNG or JPEG that Pillow cannot decode, or one larger than its pixel limit.

    A small file can declare a huge canvas (a decompression bomb), so the size is read from the
    header first and refused over ``max_pixels`` (default: Pillow's own limit,
    ``Image.MAX_IMAGE_PIXELS``). Then a PNG's chunks are verified through to its end (checksums
    included) and a JPEG is decoded at an eighth of its size (draft mode): corrupt or truncated
    data is found without ever allocating the full image.
    """
    from PIL import Image

    limit = max_pixels or Image.MAX_IMAGE_PIXELS
    with _binary(fileobj) as handle, _strict_decoding():
        try:
            with Image.open(handle, formats=["PNG", "JPEG"]) as image:
                width, height = image.size
                if width * height > limit:
                    raise UploadRefused(
                        f"The image is {width} by {height} pixels, more than the limit of {limit} "
                        "pixels: a decompression bomb, refused.",
                        code="image_bomb",
                    )
                if image.format in ("JPEG", "MPO"):  # MPO: a phone's JPEG with extra frames
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
                else:
                    image.verify()
        except UploadRefused:
            raise
        except Image.DecompressionBombError as exc:
            raise UploadRefused(
                f"The image is too large to decode ({_short(exc)}): a decompression bomb, refused.",
                code="image_bomb",
            ) from None
        except Exception as exc:  # Pillow raises many kinds for a broken or hostile image
            raise UploadRefused(
                f"The image cannot be decoded ({type(exc).__name__}: {_short(exc)}).",
                code="image_broken",
            ) from None


# --- JSON --------------------------------------------------------------------------------------

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_depth_check(text: str, max_depth: int) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise UploadRefused(
                    f"The JSON is nested more than {max_depth} levels deep; refused.",
                    code="json_depth",
                )
        elif bracket in "]}":
            depth -= 1


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large to represent")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def json_loads_limited(raw: bytes | str, *, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """Parse JSON text from an upload, refusing what a strict parser would and more.

    Refused: invalid UTF-8, UTF-16, nesting deeper than ``max_depth`` (checked before parsing, so
    the parser's recursion is never at risk), ``NaN``/``Infinity``, numbers that overflow a float
    (``1e309``) and integers too long to convert. A leading UTF-8 BOM is accepted.
    """
    if isinstance(raw, bytes):
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise UploadRefused("The JSON is UTF-16 text; save it as UTF-8.", code="encoding")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UploadRefused(
                f"The file is not UTF-8 text ({exc.reason} at byte {exc.start}); JSON must be "
                "UTF-8.",
                code="encoding",
            ) from None
    else:
        text = raw.lstrip("\ufeff")
    if not text.strip():
        raise UploadRefused("The file is empty: a JSON document was expected.", code="empty")
    _json_depth_check(text, max_depth)
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise UploadRefused(
            f"The file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).",
            code="json_invalid",
        ) from None
    except (ValueError, RecursionError) as exc:
        raise UploadRefused(f"The file is not valid JSON ({exc}).", code="json_invalid") from None


# --- export ------------------------------------------------------------------------------------


def csv_safe(value) -> str:
    """A cell value that a spreadsheet will show as text instead of running it as a formula.

    Cells starting with ``= + - @``, a tab or a carriage return are read as formulas by Excel,
    LibreOffice and Google Sheets (OWASP "CSV injection"); a leading single quote makes them
    text. Use this for every value written to a CSV or XLSX that a person may open.
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text
