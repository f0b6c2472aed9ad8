"""Shared pieces of the factor file readers: value rules, error collection, hashing, downloads.

Readers never touch the database. A reader walks a file once to validate it (collecting every
error with its line, column, value and rule) and can walk it again to yield model field values;
the service decides what to store, inside one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from scope3.models import VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS

MAX_REPORTED_ERRORS = 100
DOWNLOAD_MAX_BYTES = 50 * 1024 * 1024  # the EPA file is ~150 kB; 50 MB leaves room for growth
DOWNLOAD_TIMEOUT_SECONDS = 60
HASH_CHUNK_BYTES = 1024 * 1024
# A plain decimal literal. Decimal() alone would also accept "1_000", "NaN", "Infinity" and
# "sNaN", none of which belongs in a factor table.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER_DIGITS = VALUE_MAX_DIGITS - VALUE_DECIMAL_PLACES


class FactorFileError(Exception):
    """The file cannot be imported; ``errors`` says why, one user-actionable message each."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class ErrorCollector:
    """Collects validation errors, keeping the report readable for a badly broken file."""

    def __init__(self, limit: int = MAX_REPORTED_ERRORS):
        self.limit = limit
        self.messages: list[str] = []
        self.count = 0

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.messages) < self.limit:
            self.messages.append(message)

    def cell(self, line: int, column: str, value: str, rule: str) -> None:
        shown = value if len(value) <= 60 else value[:57] + "..."
        self.add(f"line {line}, column {column!r}, value {shown!r}: {rule}")

    def __bool__(self) -> bool:
        return self.count > 0

    def report(self) -> list[str]:
        if self.count > len(self.messages):
            return [*self.messages, f"... and {self.count - len(self.messages)} more errors"]
        return list(self.messages)


def parse_decimal(raw: str, *, positive: bool = False) -> Decimal:
    """Parse a factor value, raising ``ValueError`` whose text is the rule it broke."""
    text = raw.strip()
    if not text:
        raise ValueError("a value is required")
    if not _NUMBER.fullmatch(text):
        raise ValueError("is not a number (plain decimal notation expected)")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid literals
        raise ValueError("is not a number") from None
    if not value.is_finite():  # pragma: no cover - likewise
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError("must not be negative")
    if positive and value == 0:
        raise ValueError("must be greater than zero")
    if value != 0 and value.adjusted() >= _INTEGER_DIGITS:
        raise ValueError(
            f"is too large (at most {_INTEGER_DIGITS} digits before the decimal point)"
        )
    if value != 0 and value.normalize().as_tuple().exponent < -VALUE_DECIMAL_PLACES:
        raise ValueError(f"has more than {VALUE_DECIMAL_PLACES} decimal places")
    return value


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


class HashingReader(io.RawIOBase):
    """Binary reader that hashes what passes through, so the insert pass can prove that the
    file it stored is the file whose sha256 was checked."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


@dataclass
class TextSource:
    """An opened file as text lines, with the hashing wrapper that fed it."""

    hasher: HashingReader
    text: io.TextIOWrapper

    def drain_hash(self) -> str:
        # Read what csv did not need (e.g. after the last row) so the digest covers the file.
        while self.hasher.read(HASH_CHUNK_BYTES):
            pass
        return self.hasher.digest.hexdigest()


def open_text(path: Path) -> TextSource:
    hasher = HashingReader(path.open("rb"))
    # utf-8-sig: spreadsheets and the EPA site often save a byte-order mark.
    text = io.TextIOWrapper(io.BufferedReader(hasher), encoding="utf-8-sig", newline="")
    return TextSource(hasher=hasher, text=text)


def csv_rows(lines, errors: ErrorCollector, *, first_line: int = 1) -> Iterator[tuple[int, list]]:
    """Yield ``(line number, cells)`` pairs, turning decoding and csv errors into messages."""
    reader = csv.reader(lines, strict=True)
    try:
        for cells in reader:
            yield first_line - 1 + reader.line_num, cells
    except UnicodeDecodeError as exc:
        errors.add(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
    except csv.Error as exc:
        errors.add(f"line {first_line - 1 + reader.line_num}: malformed CSV ({exc})")


def check_header(found: list[str], expected: list[str], errors: ErrorCollector) -> bool:
    found = [column.strip() for column in found]
    if found == expected:
        return True
    missing = [column for column in expected if column not in found]
    unexpected = [column for column in found if column not in expected]
    parts = []
    if missing:
        parts.append("missing columns: " + ", ".join(repr(column) for column in missing))
    if unexpected:
        parts.append("unexpected columns: " + ", ".join(repr(column) for column in unexpected))
    if not parts:
        parts.append("the columns are in another order or repeated")
    errors.add(
        "line 1: the header does not match the expected columns ("
        + "; ".join(parts)
        + "). Expected exactly: "
        + ", ".join(expected)
    )
    return False


@dataclass
class ParsedTable:
    """What a validation pass learnt about a file."""

    metadata: dict[str, Any] = field(default_factory=dict)
    row_count: int = 0


def is_url(source: str) -> bool:
    return urllib.parse.urlsplit(str(source)).scheme in {"http", "https"}


def download(url: str, directory: Path) -> Path:
    """Fetch ``url`` into ``directory`` with a size limit and a timeout.

    The file keeps the last segment of the URL path as its name, because the version of an
    EPA release is read from its file name.
    """
    name = Path(urllib.parse.urlsplit(url).path).name or "download.csv"
    target = directory / name
    request = urllib.request.Request(url, headers={"User-Agent": "tenderleaf-import-factors"})  # noqa: S310 - scheme checked by is_url
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > DOWNLOAD_MAX_BYTES:
                raise FactorFileError(
                    [
                        f"{url}: the file is {int(declared)} bytes, over the limit of "
                        f"{DOWNLOAD_MAX_BYTES} bytes"
                    ]
                )
            received = 0
            with target.open("wb") as out:
                while chunk := response.read(HASH_CHUNK_BYTES):
                    received += len(chunk)
                    if received > DOWNLOAD_MAX_BYTES:
                        raise FactorFileError(
                            [f"{url}: download stopped at the limit of {DOWNLOAD_MAX_BYTES} bytes"]
                        )
                    out.write(chunk)
    except OSError as exc:  # URLError, timeouts and HTTP errors are all OSErrors
        raise FactorFileError([f"{url}: download failed ({exc})"]) from exc
    return target


class LocalCopy:
    """Context manager giving a local path for a path or an http(s) URL."""

    def __init__(self, source: str | Path):
        self.source = str(source)
        self._tempdir: str | None = None

    def __enter__(self) -> Path:
        if is_url(self.source):
            self._tempdir = tempfile.mkdtemp(prefix="tenderleaf-factors-")
            return download(self.source, Path(self._tempdir))
        path = Path(self.source)
        if not path.is_file():
            raise FactorFileError([f"{self.source}: no such file"])
        return path

    def __exit__(self, *exc_info) -> None:
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
