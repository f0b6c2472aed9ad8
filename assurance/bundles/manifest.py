"""The bundle manifest: every attached file with its path in the ZIP, size and sha256.

The same inputs give byte-identical bytes: sorted keys, entries sorted by path, no timestamps,
no generation ids, and paths derived deterministically from the files' original names.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from assurance.storage import original_name_clean

MANIFEST_FORMAT = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._()+ -]+")


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    size: int
    sha256: str
    evidence_id: str
    original_name: str


@dataclass
class Manifest:
    entries: list[ManifestEntry]
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def name_sanitise(original: str) -> str:
    """A file name safe in any archive tool: ASCII letters, digits and ``._()+ -``, no leading
    dot, at most 120 characters, extension kept."""
    name = unicodedata.normalize("NFKD", original_name_clean(original))
    name = name.encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", name).strip(" .") or "file"
    stem, suffix = PurePath(name).stem, PurePath(name).suffix[:12]
    if not stem:
        stem, suffix = name, ""
    return (stem[: 120 - len(suffix)] + suffix).lstrip(".") or "file"


def manifest_build(scope: dict, files) -> Manifest:
    """Entries for ``files`` (EvidenceFile rows), named ``files/<sanitised name>``.

    Files are ordered by (sanitised name, sha256, id) before names are assigned, so a name taken
    twice becomes ``name (2).ext`` for the same file every time.
    """
    ordered = sorted(files, key=lambda f: (name_sanitise(f.original_name), f.sha256, str(f.pk)))
    used: set[str] = set()
    entries = []
    for evidence in ordered:
        name = name_sanitise(evidence.original_name)
        candidate, n = name, 1
        while candidate.lower() in used:
            n += 1
            stem, suffix = PurePath(name).stem, PurePath(name).suffix
            candidate = f"{stem} ({n}){suffix}"
        used.add(candidate.lower())
        entries.append(
            ManifestEntry(
                path=f"files/{candidate}",
                size=evidence.size_bytes,
                sha256=evidence.sha256,
                evidence_id=str(evidence.pk),
                original_name=evidence.original_name,
            )
        )
    entries.sort(key=lambda e: e.path)
    document = {
        "format": MANIFEST_FORMAT,
        "scope": scope,
        "files": [
            {
                "path": e.path,
                "size": e.size,
                "sha256": e.sha256,
                "evidence_id": e.evidence_id,
                "original_name": e.original_name,
            }
            for e in entries
        ],
    }
    data = (
        json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    )
    return Manifest(entries=entries, data=data)
