"""Readers of factor files: the EPA supply-chain factors and Tenderleaf's curated tables."""

from __future__ import annotations

from pathlib import Path

from scope3.importers.base import FactorFileError, LocalCopy, file_sha256, is_url
from scope3.importers.common import FactorReader
from scope3.importers.curated import CuratedTableReader
from scope3.importers.epa import EpaSupplyChainReader, version_from_filename

__all__ = [
    "CuratedTableReader",
    "EpaSupplyChainReader",
    "FactorFileError",
    "FactorReader",
    "LocalCopy",
    "file_sha256",
    "is_url",
    "reader_for",
    "version_from_filename",
]


def is_curated_file(path: Path) -> bool:
    """Curated tables open with "# key: value" metadata lines; publishers' files do not."""
    with path.open("rb") as handle:
        start = handle.read(8)
    return start.removeprefix(b"\xef\xbb\xbf").startswith(b"#")


def reader_for(kind: str, path: Path, *, source_name: str = "", version: str = "") -> FactorReader:
    if kind == "useeio" and not is_curated_file(path):
        cls = EpaSupplyChainReader
    else:
        cls = CuratedTableReader
    return cls(path, kind=kind, source_name=source_name, version=version)
