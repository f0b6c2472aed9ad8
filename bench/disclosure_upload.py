"""Benchmark: a disclosure CSV through ``disclosure_bulk_upload`` against parsing it alone.

    .venv/bin/python bench/disclosure_upload.py [--rows N] [--database-url URL]

A CSV of N rows (default 10,000; one reporting entity per row) is uploaded through the real
service (form checks, plausibility rules, history, audit event, all rows stored as drafts) into a
throwaway database: an SQLite file in a temporary directory, or, with a PostgreSQL URL, a fresh
database created next to the one named and dropped afterwards. Django is set up and migrated here.

Baseline, measured in the same run on the same file: ``csv.reader`` plus ``Decimal`` conversion of
every numeric cell and ``date.fromisoformat`` of the dates, nothing else. ``ratio`` = upload time /
baseline time, goal ``ratio <= 3``.

Memory: a 100,000-row file is uploaded in a child process (with DISCLOSURE_UPLOAD_MAX_ROWS raised
so that it is processed, not refused) and its peak resident memory (ru_maxrss, Django included)
is reported, goal ``<= 200`` MB. The time the default configuration takes to refuse the same file
(row cap) is printed too. The last line printed is the JSON result.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 3
MEMORY_GOAL_MB = 200
MEMORY_ROWS = 100_000


def _maxrss_mb() -> float:
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value / 1024 / (1024 if sys.platform == "darwin" else 1)


def generate(path: Path, rows: int) -> None:
    from vendors.disclosure_upload import COLUMNS

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for n in range(rows):
            year = 2020 + n % 5
            writer.writerow(
                [
                    f"Entity {n:06d}",
                    f"{year}-01-01",
                    f"{year}-12-31",
                    f"{1000 + n % 977}.{n % 10}",
                    f"{3000 + n % 500}",
                    f"{900 + n % 300}.25",
                    f"{15000 + n % 1000}" if n % 3 else "",
                    f"{100_000_000 + n * 1000}" if n % 2 else "",
                    "USD" if n % 2 else "",
                    f"{n % 50}.5" if n % 4 == 0 else "",
                    "economic" if n % 4 == 0 else "",
                    "15" if n % 4 == 0 else "",
                    "limited" if n % 5 else "none",
                    "iso_14064_3" if n % 5 else "",
                    "Verifier GmbH" if n % 5 else "",
                    "GHG Protocol Corporate Standard",
                ]
            )


_DECIMALS = (3, 4, 5, 6, 7, 9, 11)
_DATES = (1, 2)


def baseline(path: Path) -> float:
    """csv.reader + Decimal (and date) conversion of the same file: the floor of any import."""
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            for index in _DECIMALS:
                if cells[index]:
                    Decimal(cells[index])
            for index in _DATES:
                datetime.date.fromisoformat(cells[index])
    return time.perf_counter() - started


def setup_database(url: str | None, workdir: Path):
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(url)
    name = f"tenderleaf_bench_{secrets.token_hex(4)}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def django_setup(database_url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["TENDERLEAF_VAR_DIR"] = str(workdir / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def actor_and_vendor(tag: str):
    from django.contrib.auth import get_user_model

    from vendors.models import Vendor, VendorMembership

    vendor = Vendor.objects.create(
        name=f"Bench vendor {tag}", country="US", naics_code="334413", category="accelerators"
    )
    user = get_user_model().objects.create(username=f"bench-{tag}")
    VendorMembership.objects.create(user=user, vendor=vendor, role="admin")
    return user, vendor


def upload(path: Path, tag: str):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from vendors.services import disclosure_bulk_upload

    user, vendor = actor_and_vendor(tag)
    size = path.stat().st_size
    uploaded = TemporaryUploadedFile(path.name, "text/csv", size, "utf-8")
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            uploaded.write(chunk)
    uploaded.seek(0)
    cpu = time.process_time()
    started = time.perf_counter()
    result = disclosure_bulk_upload(actor=user, vendor=vendor, uploaded_file=uploaded)
    elapsed = time.perf_counter() - started
    result.cpu_s = time.process_time() - cpu
    uploaded.close()
    return result, elapsed


def memory_child(path: Path, database_url: str, workdir: Path) -> int:
    """Run in a fresh process: upload the big file with the row cap raised, report ru_maxrss."""
    django_setup(database_url, workdir)
    from django.conf import settings

    settings.DISCLOSURE_UPLOAD_MAX_ROWS = MEMORY_ROWS
    result, elapsed = upload(path, "memory")
    print(
        json.dumps(
            {
                "stored": result.created,
                "error": result.file_error or (str(result.errors[0]) if result.errors else ""),
                "seconds": round(elapsed, 2),
                "peak_mb": round(_maxrss_mb(), 1),
            }
        )
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--memory-child", nargs=3, metavar=("FILE", "DATABASE_URL", "WORKDIR"))
    args = parser.parse_args()
    if args.memory_child:
        file, url, workdir = args.memory_child
        return memory_child(Path(file), url, Path(workdir))

    workdir = Path(tempfile.mkdtemp(prefix="tenderleaf-bench-disclosures-"))
    database_url, cleanup = setup_database(args.database_url, workdir)
    try:
        django_setup(database_url, workdir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        small = workdir / "disclosures.csv"
        generate(small, args.rows)
        base = min(baseline(small) for _ in range(5))
        result, upload_s = upload(small, "timed")
        if not result.stored:
            print(f"upload refused: {result.file_error or result.errors[:3]}", file=sys.stderr)
            return 1
        print(
            f"{args.rows} rows ({small.stat().st_size / 1e6:.1f} MB): upload {upload_s:.2f} s "
            f"(CPU {result.cpu_s:.2f} s) "
            f"({result.created} drafts, {result.warning_count} warnings), csv+Decimal "
            f"{base:.3f} s"
        )

        big = workdir / "disclosures-100k.csv"
        generate(big, MEMORY_ROWS)
        refused, refuse_s = upload(big, "capped")
        print(
            f"{MEMORY_ROWS} rows with the default row cap: {refuse_s:.2f} s, “{refused.file_error}”"
        )
        from django.db import connections

        connections.close_all()
        child = subprocess.run(  # noqa: S603 - this script, with arguments it made itself
            [sys.executable, __file__, "--memory-child", str(big), database_url, str(workdir)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        memory = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{MEMORY_ROWS} rows processed in a child process: {memory['seconds']} s, "
            f"{memory['stored']} drafts, peak RSS {memory['peak_mb']} MB"
        )
        ratio = upload_s / base
        outcome = {
            "bench": "disclosure_upload",
            "rows": args.rows,
            "upload_s": round(upload_s, 3),
            "baseline_s": round(base, 3),
            "ratio": round(ratio, 2),
            "goal": GOAL_RATIO,
            "peak_mb": memory["peak_mb"],
            "memory_goal_mb": MEMORY_GOAL_MB,
            "pass": ratio <= GOAL_RATIO and memory["peak_mb"] <= MEMORY_GOAL_MB,
        }
        print(json.dumps(outcome))
        return 0
    finally:
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
