"""Where evidence files live, and what they are.

Evidence sits under ``settings.EVIDENCE_ROOT``, outside ``MEDIA_ROOT`` and ``STATIC_ROOT``, and no
URL serves it: :class:`EvidenceStorage` refuses to build one. The only way out is the authorising
download view. Files are stored under random names (never a name the uploader chose), and their
type is taken from their content, not from the name or the browser's Content-Type header.
"""

from __future__ import annotations

import codecs
import json
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.storage import FileSystemStorage

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"
HTML = "text/html"

# Sniffed type -> the extensions a file of that type may be named with.
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    PDF: frozenset({".pdf"}),
    PNG: frozenset({".png"}),
    JPEG: frozenset({".jpg", ".jpeg"}),
    CSV: frozenset({".csv"}),
    JSON: frozenset({".json"}),
    XLSX: frozenset({".xlsx"}),
    TEXT: frozenset({".txt"}),
}
TYPE_LABELS = {
    PDF: "PDF",
    PNG: "PNG image",
    JPEG: "JPEG image",
    CSV: "CSV text",
    JSON: "JSON",
    XLSX: "Excel workbook (XLSX)",
    TEXT: "plain text",
    HTML: "HTML or XML markup",
}
ALLOWED_EXTENSIONS = frozenset().union(*ALLOWED_TYPES.values())
# filetype reads at most this many leading bytes.
SNIFF_BYTES = 8192
_MARKUP_STARTS = ("<!doctype", "<html", "<?xml", "<svg", "<script", "<head", "<body", "<iframe")
_ZIP_LIKE = frozenset({"application/zip", XLSX})


class EvidenceStorage(FileSystemStorage):
    """Private file storage: files can be opened by code but are never given a URL."""

    def __init__(self, location=None):
        super().__init__(
            location=location if location is not None else settings.EVIDENCE_ROOT,
            base_url=None,
            file_permissions_mode=0o600,
            directory_permissions_mode=0o700,
        )

    def url(self, name):
        raise ValueError("Evidence files are not served by URL; use the download view.")


def evidence_storage() -> EvidenceStorage:
    # Built on each call so that a changed EVIDENCE_ROOT (tests, per-process settings) is honoured.
    return EvidenceStorage()


def stored_name_new() -> str:
    """A fresh random stored name, sharded by its first two hex digits to keep directories small."""
    token = secrets.token_hex(32)
    return f"{token[:2]}/{token}"


def original_name_clean(name: str | None) -> str:
    """The uploader's file name as safe metadata: no directories, no control characters.

    The result is only ever displayed (escaped) and put in Content-Disposition; it is never used
    to build a path. Markup in it is kept as the literal text it is.
    """
    name = str(name or "")
    # Browsers on Windows may send a full path; either separator counts.
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"})
    name = name.strip()
    if name in {"", ".", ".."}:
        return "unnamed"
    if len(name) > 255:
        suffix = PurePath(name).suffix[:16]
        name = name[: 255 - len(suffix)] + suffix
    return name


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower()


@dataclass
class TextProbe:
    """Tracks, chunk by chunk, whether a file is UTF-8 text without binary control characters."""

    is_text: bool = True

    def __post_init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if not self.is_text:
            return
        try:
            text = self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.is_text = False
            return
        # Tab, newline and carriage return are the only control characters text data needs.
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
            self.is_text = False


def type_sniff(*, head: bytes, is_text: bool, path, extension: str) -> str | None:
    """The content type of a stored file, judged from its bytes.

    Binary formats are recognised by their signature (``filetype``); a ZIP counts as XLSX only if
    it holds a workbook (``xl/`` entries). Text is told apart as markup (refused), JSON (must
    parse), CSV or plain text; the declared extension decides only between CSV and plain text,
    which are indistinguishable by content. Returns ``None`` when nothing is recognised.
    """
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in _ZIP_LIKE or kind.extension in {"zip", "docx", "pptx", "xlsx"}:
            return XLSX if _zip_is_workbook(path) else kind.mime
        return kind.mime
    if not is_text:
        return None
    start = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if start.startswith(_MARKUP_STARTS) or "<script" in start or "<html" in start:
        return HTML
    # A .txt that happens to hold JSON is still the plain text its name says.
    if extension in {".json", ""} and start[:1] in {"{", "[", '"'} and _json_parses(path):
        return JSON
    if extension == ".csv":
        return CSV
    return TEXT


def _zip_is_workbook(path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


def _json_parses(path) -> bool:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            json.load(handle)
    except (ValueError, OSError):
        return False
    return True
