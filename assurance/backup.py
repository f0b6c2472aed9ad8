"""Backing up a Tenderleaf instance and restoring it into an empty one, with proof
(docs/backup-restore.md).

A backup is a folder:

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite,
  written with SQLite's online backup API, so a running instance is copied consistently);
- ``evidence/``: every file under ``EVIDENCE_ROOT``, same relative paths;
- ``manifest.json``, written last (a folder without it is an interrupted backup): the versions,
  the time, the row count of every table, the audit-trail head, the sha256 of the database file
  and of every evidence file.

On PostgreSQL the dump, the row counts, the chain head and the list of evidence rows all come from
one exported snapshot (``pg_export_snapshot`` + ``pg_dump --snapshot``), so the manifest describes
exactly the dumped data even while users keep working. Evidence files are write-once under random
names, so copying them after the snapshot cannot miss a file the snapshot references.

A restore refuses a target database that has any table and an ``EVIDENCE_ROOT`` that holds files,
then loads the database, copies the evidence, and proves nothing was lost: every evidence file's
sha256 equals the manifest's and the ``EvidenceFile.sha256`` recorded in the restored database,
the row counts equal the manifest's, and the audit trail verifies up to the head the manifest
names. Every difference is named; :class:`RestoreFailed` carries them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections

FORMAT = "tenderleaf-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
EVIDENCE_DIR = "evidence"
_CHUNK = 1024 * 1024

Say = Callable[[str], None]


class BackupError(Exception):
    """The backup could not be written; the message says why and what to do."""


class RestoreRefused(Exception):
    """The restore did not start: the target is not empty, or the backup is unusable."""


class RestoreFailed(Exception):
    """The data was restored but does not match the backup; ``problems`` names each difference."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} difference(s) between the backup and the restored instance:\n"
            + "\n".join(f"- {p}" for p in problems)
        )


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    problems: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict
    evidence_files: int
    tables: int
    chain_summary: str


def _quiet(_message: str) -> None:
    pass


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_hashing(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (which must not exist) and return the sha256 of the bytes."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, open(target, "xb") as dst:
        for chunk in iter(lambda: src.read(_CHUNK), b""):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    os.chmod(target, 0o600)
    return digest.hexdigest(), size


def _files_under(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore: no password on the command line."""
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    for key, value in pairs.items():
        if value:
            env[key] = str(value)
    return env


def _pg_connect(settings_dict: dict):
    import psycopg

    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v})


def _tool(name: str) -> str:
    """The absolute path of a PostgreSQL client tool found on PATH."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is needed for a PostgreSQL backup or restore but is not on PATH. Install "
            "the PostgreSQL client tools of the server's major version (or a newer one)."
        )
    return path


def _tool_version(name: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603 - a fixed tool, no shell
            [_tool(name), "--version"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BackupError(f"{name} --version failed: {exc}") from exc
    return out.stdout.strip()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _snapshot_facts(cursor, tables: list[str]) -> dict:
    """Row counts, chain head, applied migrations and evidence rows, read through ``cursor``."""
    from assurance.models import ChainLink, EvidenceFile

    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - quoted identifier
        counts[table] = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT seq, chain_hash FROM {_quote(ChainLink._meta.db_table)} "  # noqa: S608
        "ORDER BY seq DESC LIMIT 1"
    )
    head = cursor.fetchone()
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations: dict[str, str] = {}
    for app, name in cursor.fetchall():
        migrations[app] = name
    cursor.execute(
        f"SELECT stored_name, sha256 FROM {_quote(EvidenceFile._meta.db_table)}"  # noqa: S608
    )
    evidence_rows = dict(cursor.fetchall())
    return {
        "row_counts": counts,
        "audit_chain": {"seq": head[0] if head else 0, "head": head[1] if head else "0" * 64},
        "migrations": migrations,
        "evidence_rows": evidence_rows,
    }


def _dump_postgresql(settings_dict: dict, target: Path, say: Say) -> tuple[dict, dict]:
    import psycopg

    versions = {"pg_dump": _tool_version("pg_dump")}
    conn = _pg_connect(settings_dict)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), version()")
            snapshot, server = cursor.fetchone()
            versions["database"] = server
            say(f"Dumping PostgreSQL database {settings_dict['NAME']} (snapshot {snapshot})")
            result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    "--no-password",
                ],
                env=_pg_env(settings_dict),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
            tables = [row[0] for row in cursor.fetchall()]
            facts = _snapshot_facts(cursor, tables)
        conn.rollback()
    finally:
        conn.close()
    return facts, versions


def _dump_sqlite(settings_dict: dict, target: Path, say: Say) -> tuple[dict, dict]:
    source_path = settings_dict["NAME"]
    say(f"Copying SQLite database {source_path} with the online backup API")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # Everything below is read from the copy, so it describes exactly what was saved.
        cursor = copy.cursor()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        tables = [row[0] for row in cursor.fetchall()]
        facts = _snapshot_facts(cursor, tables)
        # A single self-contained file: no -wal next to it.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    return facts, {"database": f"SQLite {sqlite3.sqlite_version}"}


def _base_versions() -> dict:
    import django

    return {
        "tenderleaf": importlib.metadata.version("tenderleaf"),
        "django": django.get_version(),
        "python": platform.python_version(),
    }


def backup_create(output_dir, *, say: Say = _quiet) -> BackupResult:
    """Write a backup of the default database and of ``EVIDENCE_ROOT`` into ``output_dir``.

    ``output_dir`` must be new or empty. Evidence files whose bytes no longer match the sha256
    recorded for them, or that are missing, are listed in ``problems`` (the backup is still
    written: it is the best copy there is, and the manifest says what is wrong with it).
    """
    out = Path(output_dir)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; give a new or empty folder for the backup.")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings_dict = connections["default"].settings_dict
    vendor = connections["default"].vendor
    created_at = dt.datetime.now(dt.UTC)
    if vendor == "postgresql":
        db_file = out / PG_DUMP_FILE
        facts, db_versions = _dump_postgresql(settings_dict, db_file, say)
    elif vendor == "sqlite":
        db_file = out / SQLITE_FILE
        facts, db_versions = _dump_sqlite(settings_dict, db_file, say)
    else:
        raise BackupError(f"Backing up a {vendor} database is not supported.")
    db_sha, db_size = _sha256_file(db_file)

    root = Path(settings.EVIDENCE_ROOT)
    files = _files_under(root)
    say(f"Copying {len(files)} evidence file(s) from {root}")
    manifest_files = {}
    for path in files:
        relative = path.relative_to(root).as_posix()
        sha, size = _copy_hashing(path, out / EVIDENCE_DIR / relative)
        manifest_files[relative] = {"sha256": sha, "size_bytes": size}

    problems = []
    for stored_name, recorded in sorted(facts.pop("evidence_rows").items()):
        copied = manifest_files.get(stored_name)
        if copied is None:
            problems.append(f"evidence file {stored_name} is recorded but missing from {root}")
        elif copied["sha256"] != recorded:
            problems.append(
                f"evidence file {stored_name} on disk has sha256 {copied['sha256']}, "
                f"but {recorded} was recorded at upload"
            )

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "versions": {**_base_versions(), **db_versions},
        "database": {
            "vendor": vendor,
            "file": db_file.name,
            "sha256": db_sha,
            "size_bytes": db_size,
        },
        **facts,
        "evidence": {
            "files": manifest_files,
            "count": len(manifest_files),
            "total_bytes": sum(f["size_bytes"] for f in manifest_files.values()),
        },
        "problems": problems,
    }
    # Written last and renamed into place: a folder with a manifest is a complete backup.
    partial = out / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(out / MANIFEST)
    say(
        f"Backup written to {out}: {sum(facts['row_counts'].values())} rows in "
        f"{len(facts['row_counts'])} tables, {len(manifest_files)} evidence file(s), "
        f"audit trail head #{facts['audit_chain']['seq']}."
    )
    return BackupResult(path=out, manifest=manifest, problems=problems)


def manifest_read(backup_dir) -> dict:
    path = Path(backup_dir) / MANIFEST
    if not path.exists():
        raise RestoreRefused(
            f"{path} does not exist: {backup_dir} is not a Tenderleaf backup, or the backup was "
            "interrupted before it finished."
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise RestoreRefused(
            f"{path} is not a Tenderleaf backup manifest of format version {FORMAT_VERSION}."
        )
    return manifest


def _target_tables() -> list[str]:
    connection = connections["default"]
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def restore_instance(backup_dir, *, say: Say = _quiet) -> RestoreResult:
    """Restore ``backup_dir`` into the empty default database and the empty ``EVIDENCE_ROOT``.

    Raises :class:`RestoreRefused` before touching anything when the target is not empty or the
    backup is incomplete or damaged, and :class:`RestoreFailed` when the restored instance does
    not match the backup.
    """
    backup = Path(backup_dir)
    manifest = manifest_read(backup)
    connection = connections["default"]
    vendor = connection.vendor
    if manifest["database"]["vendor"] != vendor:
        raise RestoreRefused(
            f"The backup holds a {manifest['database']['vendor']} database; the target "
            f"database is {vendor}. Restore into a database of the same kind."
        )
    db_file = backup / manifest["database"]["file"]
    if not db_file.exists():
        raise RestoreRefused(f"The database file {db_file} named by the manifest is missing.")
    db_sha, _size = _sha256_file(db_file)
    if db_sha != manifest["database"]["sha256"]:
        raise RestoreRefused(
            f"The database file {db_file} has sha256 {db_sha}, but the manifest recorded "
            f"{manifest['database']['sha256']}: the backup is damaged."
        )
    existing = _target_tables()
    if existing:
        shown = ", ".join(sorted(existing)[:5])
        raise RestoreRefused(
            f"The target database {connection.settings_dict['NAME']} already has "
            f"{len(existing)} table(s) ({shown}...). Restore only into an empty database: "
            "create a new one and point DATABASE_URL at it."
        )
    root = Path(settings.EVIDENCE_ROOT)
    if _files_under(root):
        raise RestoreRefused(
            f"EVIDENCE_ROOT {root} already holds files. Restore only into an empty evidence "
            "folder: point EVIDENCE_ROOT at a new one."
        )
    if manifest["versions"].get("tenderleaf") != _base_versions()["tenderleaf"]:
        say(
            f"Note: the backup was made by Tenderleaf {manifest['versions'].get('tenderleaf')}, "
            f"this is {_base_versions()['tenderleaf']}. Run `manage.py migrate` after the restore."
        )

    connection.close()
    if vendor == "postgresql":
        _tool_version("pg_restore")
        say(f"Restoring {db_file} into PostgreSQL database {connection.settings_dict['NAME']}")
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                f"--dbname={connection.settings_dict['NAME']}",
                str(db_file),
            ],
            env=_pg_env(connection.settings_dict),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RestoreRefused(f"pg_restore failed: {result.stderr.strip()}")
    else:
        say(f"Restoring {db_file} into SQLite database {connection.settings_dict['NAME']}")
        source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    connection.close()

    files = manifest["evidence"]["files"]
    say(f"Copying {len(files)} evidence file(s) into {root}")
    problems: list[str] = []
    restored: dict[str, str] = {}
    for relative in sorted(files):
        source_path = backup / EVIDENCE_DIR / relative
        if not source_path.is_file():
            problems.append(f"evidence file {relative} is in the manifest but not in the backup")
            continue
        restored[relative], _ = _copy_hashing(source_path, root / relative)
    return RestoreResult(
        manifest=manifest,
        evidence_files=len(restored),
        tables=len(manifest["row_counts"]),
        chain_summary=_restore_verify(manifest, restored, problems, say=say),
    )


def _restore_verify(manifest, restored, problems, *, say) -> str:
    """Compare the restored instance with the manifest; raise RestoreFailed naming differences."""
    from assurance.chain import audit_chain_verify
    from assurance.models import EvidenceFile

    root = Path(settings.EVIDENCE_ROOT)
    say("Verifying evidence files against the manifest and the restored database")
    # The restored copies are hashed again as they now lie under EVIDENCE_ROOT.
    for relative in restored:
        sha, _size = _sha256_file(root / relative)
        expected = manifest["evidence"]["files"][relative]["sha256"]
        if sha != expected:
            problems.append(
                f"evidence file {relative} has sha256 {sha}, the manifest recorded {expected}"
            )
        restored[relative] = sha
    rows = EvidenceFile.objects.values_list("stored_name", "sha256", "original_name")
    for stored_name, recorded, original_name in rows.iterator():
        sha = restored.get(stored_name)
        if sha is None:
            problems.append(
                f"evidence file {stored_name} ({original_name}) is recorded in the database "
                "but missing from the backup"
            )
        elif sha != recorded:
            problems.append(
                f"evidence file {stored_name} ({original_name}) has sha256 {sha}, the database "
                f"recorded {recorded} at upload"
            )

    say("Comparing row counts with the manifest")
    connection = connections["default"]
    with connection.cursor() as cursor:
        for table, expected in sorted(manifest["row_counts"].items()):
            try:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            except Exception:
                problems.append(f"table {table} is missing from the restored database")
                continue
            actual = cursor.fetchone()[0]
            if actual != expected:
                problems.append(
                    f"table {table} has {actual} rows, the manifest recorded {expected}"
                )

    say("Verifying the audit trail")
    verification = audit_chain_verify()
    if not verification.ok:
        problems.append(verification.summary)
    else:
        expected_head = manifest["audit_chain"]
        if (verification.head.seq, verification.head.chain_hash) != (
            expected_head["seq"],
            expected_head["head"],
        ):
            problems.append(
                f"audit trail head is #{verification.head.seq} {verification.head.chain_hash}, "
                f"the manifest recorded #{expected_head['seq']} {expected_head['head']}"
            )
    if problems:
        raise RestoreFailed(problems)
    return verification.summary
