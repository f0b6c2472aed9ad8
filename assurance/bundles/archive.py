"""The ZIP bundle: the PDF, ``manifest.json`` and the attached files under ``files/``.

Entries are written in sorted order with a fixed timestamp, so the ZIP changes only when its
content does. Files are streamed from private storage; nothing is held whole in memory.
"""

from __future__ import annotations

import hashlib
import zipfile

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024


def _info(name: str, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def bundle_zip_write(target, *, pdf_name: str, pdf: bytes, manifest, files_by_id: dict) -> None:
    """Write the ZIP to ``target`` (a binary file), re-hashing each file as it is copied.

    Raises ``ValueError`` naming the file if its bytes changed since the integrity check.
    """
    from assurance.services import evidence_file_open

    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(_info("manifest.json", True), manifest.data)
        archive.writestr(_info(pdf_name, True), pdf)
        for entry in manifest.entries:
            evidence = files_by_id[entry.evidence_id]
            digest = hashlib.sha256()
            with (
                evidence_file_open(evidence) as source,
                archive.open(_info(entry.path, True), "w") as out,
            ):
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry.sha256:
                raise ValueError(
                    f"Attached file “{entry.original_name}” (evidence {entry.evidence_id}) changed "
                    "while the bundle was being written."
                )
