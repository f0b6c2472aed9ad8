"""Backup and restore (docs/backup-restore.md): a full round trip into a fresh, empty instance, and
the refusals.

The restore runs as ``manage.py restore_instance`` in a separate process pointed at a new database
and a new evidence folder, exactly as an operator would run it; the backup is taken in-process
from the test database, so the tests need committed data (``transactional_db``).
"""

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from assurance.backup import BackupError, RestoreRefused, backup_create, restore_instance
from assurance.chain import audit_chain_extend
from assurance.demo import demo_pdf
from assurance.models import AuditEvent
from assurance.services import evidence_file_upload
from vendors.models import Vendor
from vendors.tests.factories import UserFactory, VendorFactory

ROOT = Path(__file__).resolve().parent.parent
PDF_BYTES = demo_pdf("Certificate")
CSV_BYTES = b"site,kwh\nFrankfurt,120000\nDublin,95000\n"


@pytest.fixture
def live_instance(transactional_db, settings, tmp_path):
    """Two vendors' evidence files, their audit events and a linked audit trail, all committed."""
    # An earlier transactional test may have flushed the content types that migrate wrote, while
    # the content-type cache still holds their ids: recreate them and forget the cache.
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
    settings.EVIDENCE_ROOT = tmp_path / "evidence-live"
    uploader = UserFactory(username="uploader")
    acme, zenith = VendorFactory(name="Acme Accelerators"), VendorFactory(name="Zenith Compute")
    files = [
        evidence_file_upload(
            actor=uploader,
            uploaded_file=SimpleUploadedFile("ISO 14001 certificate.pdf", PDF_BYTES),
            vendor=acme,
        ),
        evidence_file_upload(
            actor=uploader,
            uploaded_file=SimpleUploadedFile("energy 2025.csv", CSV_BYTES),
            vendor=zenith,
        ),
    ]
    assert audit_chain_extend() > 0
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.UPLOADED).count() == 2
    return files


def _database_url(name: str) -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}{port}/{name}"


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of a new, empty database of the same kind as the test database; dropped after."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"tenderleaf_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(name)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restore(backup_dir: Path, database_url: str, evidence_root: Path, var_dir: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "EVIDENCE_ROOT": str(evidence_root),
        "TENDERLEAF_VAR_DIR": str(var_dir),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "restore_instance", str(backup_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _round_trip(live_instance, fresh_database, tmp_path):
    backup_dir = tmp_path / "backup"
    result = backup_create(backup_dir)
    assert result.problems == []
    manifest = result.manifest
    assert manifest["row_counts"]["assurance_evidencefile"] == 2
    assert manifest["evidence"]["count"] == 2
    assert manifest["audit_chain"]["seq"] > 0
    assert manifest["versions"]["django"]

    restored_root = tmp_path / "evidence-restored"
    done = _restore(backup_dir, fresh_database, restored_root, tmp_path / "var-restore")

    assert done.returncode == 0, done.stderr
    assert "Restore verified" in done.stdout
    assert f"head #{manifest['audit_chain']['seq']}" in done.stdout
    for evidence in live_instance:
        restored = restored_root / evidence.stored_name
        assert hashlib.sha256(restored.read_bytes()).hexdigest() == evidence.sha256


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in {"postgres", "postgresql", "pgsql"},
    reason="the PostgreSQL round trip (pg_dump/pg_restore) needs DATABASE_URL=postgres://...; "
    "CI runs it in its PostgreSQL pass",
)
def test_round_trip_postgresql(live_instance, fresh_database, tmp_path):
    assert connection.vendor == "postgresql"
    _round_trip(live_instance, fresh_database, tmp_path)


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "sqlite").split(":")[0] != "sqlite",
    reason="the SQLite round trip needs the SQLite test database (no DATABASE_URL)",
)
def test_round_trip_sqlite(live_instance, fresh_database, tmp_path):
    assert connection.vendor == "sqlite"
    _round_trip(live_instance, fresh_database, tmp_path)


def test_tampered_evidence_file_fails_restore_naming_it(live_instance, fresh_database, tmp_path):
    backup_dir = tmp_path / "backup"
    backup_create(backup_dir)
    certificate = live_instance[0]
    copied = backup_dir / "evidence" / certificate.stored_name
    copied.write_bytes(PDF_BYTES.replace(b"Catalog", b"Catalo9"))

    done = _restore(backup_dir, fresh_database, tmp_path / "evidence-restored", tmp_path / "var")

    assert done.returncode == 1
    assert "RESTORE DOES NOT VERIFY" in done.stderr
    assert certificate.stored_name in done.stderr
    assert "ISO 14001 certificate.pdf" in done.stderr
    # Only the changed file is named; the untouched one verified.
    assert live_instance[1].stored_name not in done.stderr


def test_restore_refuses_a_database_that_has_tables(db, tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence-live"
    backup_dir = tmp_path / "backup"
    backup_create(backup_dir)
    settings.EVIDENCE_ROOT = tmp_path / "evidence-empty"
    vendors_before = VendorFactory(name="Kept Vendor").pk

    with pytest.raises(RestoreRefused, match=r"already has .* table"):
        restore_instance(backup_dir)

    assert Vendor.objects.filter(pk=vendors_before).exists()
    assert not settings.EVIDENCE_ROOT.exists()


def test_restore_refuses_an_incomplete_backup(tmp_path):
    (tmp_path / "backup").mkdir()
    with pytest.raises(RestoreRefused, match="interrupted"):
        restore_instance(tmp_path / "backup")


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    target = tmp_path / "backup"
    target.mkdir()
    (target / "something.txt").write_text("keep me")
    with pytest.raises(BackupError, match="not empty"):
        backup_create(target)
    assert (target / "something.txt").read_text() == "keep me"


def test_backup_command_names_evidence_damaged_on_the_live_instance(live_instance, tmp_path):
    certificate = live_instance[0]
    (Path(settings.EVIDENCE_ROOT) / certificate.stored_name).write_bytes(b"%PDF-1.7 altered")

    with pytest.raises(SystemExit) as exited:
        call_command("backup_instance", str(tmp_path / "backup"))

    assert exited.value.code == 1
    assert (tmp_path / "backup" / "manifest.json").exists()
