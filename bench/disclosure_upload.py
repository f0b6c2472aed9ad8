"""Benchmark: a disclosure CSV through ``disclosure_bulk_upload`` against parsing it alone.

    .venv/bin/python bench/disclosure_upload.py [--rows N] [--database-url URL]

A CSV of N rows (default 10,000; one reporting entity per row) is uploaded through the real
service (form checks, plausibility rules, history, audit event, all rows stored as drafts) into a
throwaway database (``bench/_django.py``): an SQLite file in a temporary directory, or, with a
PostgreSQL URL, a fresh database created next to the one named and dropped afterwards.

Baseline, measured in the same run on the same file: ``csv.reader`` plus ``Decimal`` conversion of
every numeric cell and ``date.fromisoformat`` of the dates, nothing else. Both are timed as the
best of several runs (baseline 5, upload 3, each upload by a new vendor into the same database),
so that a busy machine disturbs them alike. ``ratio`` = upload time / baseline time, goal
``ratio <= 3``; the CPU times of both are printed as well (``cpu_ratio``), which a loaded
machine disturbs less than wall-clock times.

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
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from _django import add_database_argument, django_configure, django_environment, maxrss_mb

GOAL_RATIO = 3
MEMORY_GOAL_MB = 200
MEMORY_ROWS = 100_000
UPLOAD_RUNS = 3
BASELINE_RUNS = 5


def generate(path: Path, rows: int) -> None:
    """Rows by column name, so the file follows the upload template whatever its column order."""
    from vendors.disclosure_upload import COLUMNS

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for n in range(rows):
            year = 2020 + n % 5
            upstream = n % 3 != 0
            allocated = n % 4 == 0
            writer.writerow(
                {
                    "reporting_entity": f"Entity {n:06d}",
                    "period_start": f"{year}-01-01",
                    "period_end": f"{year}-12-31",
                    "scope1_tco2e": f"{1000 + n % 977}.{n % 10}",
                    "scope2_location_tco2e": f"{3000 + n % 500}",
                    "scope2_market_tco2e": f"{900 + n % 300}.25",
                    "scope3_upstream_tco2e": f"{15000 + n % 1000}" if upstream else "",
                    "scope3_upstream_categories": "1;2;3;4" if upstream else "",
                    "revenue": f"{100_000_000 + n * 1000}" if n % 2 else "",
                    "revenue_currency": "USD" if n % 2 else "",
                    "allocated_to_us_tco2e": f"{n % 50}.5" if allocated else "",
                    "allocation_boundary": "cradle_to_gate" if allocated else "",
                    "allocation_method": "economic" if allocated else "",
                    "allocation_uncertainty_pct": "15" if allocated else "",
                    "verification": "limited" if n % 5 else "none",
                    "verification_standard": "iso_14064_3" if n % 5 else "",
                    "verifier": "Verifier GmbH" if n % 5 else "",
                    "methodology_notes": "GHG Protocol Corporate Standard",
                }
            )


_DECIMALS = (
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "scope3_upstream_tco2e",
    "revenue",
    "allocated_to_us_tco2e",
    "allocation_uncertainty_pct",
)
_DATES = ("period_start", "period_end")


def baseline(path: Path) -> tuple[float, float]:
    """csv.reader + Decimal (and date) conversion of the same file: the floor of any import.

    Returns (wall seconds, CPU seconds)."""
    cpu = time.process_time()
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        decimals = [header.index(name) for name in _DECIMALS]
        dates = [header.index(name) for name in _DATES]
        for cells in reader:
            for index in decimals:
                if cells[index]:
                    Decimal(cells[index])
            for index in dates:
                datetime.date.fromisoformat(cells[index])
    return time.perf_counter() - started, time.process_time() - cpu


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
    django_configure(database_url, workdir)
    from django.conf import settings

    settings.DISCLOSURE_UPLOAD_MAX_ROWS = MEMORY_ROWS
    result, elapsed = upload(path, "memory")
    print(
        json.dumps(
            {
                "stored": result.created,
                "error": result.file_error or (str(result.errors[0]) if result.errors else ""),
                "seconds": round(elapsed, 2),
                "peak_mb": round(maxrss_mb(), 1),
            }
        )
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    add_database_argument(parser)
    parser.add_argument("--memory-child", nargs=3, metavar=("FILE", "DATABASE_URL", "WORKDIR"))
    args = parser.parse_args()
    if args.memory_child:
        file, url, workdir = args.memory_child
        return memory_child(Path(file), url, Path(workdir))

    with django_environment(args.database_url, prefix="tenderleaf-bench-disclosures-") as bench:
        workdir = bench.workdir
        small = workdir / "disclosures.csv"
        generate(small, args.rows)
        base, base_cpu = min(baseline(small) for _ in range(BASELINE_RUNS))
        runs = [upload(small, f"timed-{n}") for n in range(UPLOAD_RUNS)]
        for result, _elapsed in runs:
            if not result.stored:
                print(f"upload refused: {result.file_error or result.errors[:3]}", file=sys.stderr)
                return 1
        result, upload_s = min(runs, key=lambda run: run[1])
        upload_cpu = min(run[0].cpu_s for run in runs)
        print(
            f"{bench.database}, {args.rows} rows ({small.stat().st_size / 1e6:.1f} MB): upload "
            f"{upload_s:.3f} s (CPU {upload_cpu:.3f} s; runs: "
            f"{', '.join(f'{elapsed:.3f}' for _r, elapsed in runs)} s) "
            f"({result.created} drafts, {result.warning_count} warnings); csv+Decimal "
            f"{base:.3f} s (CPU {base_cpu:.3f} s)"
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
            [
                sys.executable,
                __file__,
                "--memory-child",
                str(big),
                bench.database_url,
                str(workdir),
            ],
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
            "database": bench.database,
            "rows": args.rows,
            "upload_s": round(upload_s, 3),
            "baseline_s": round(base, 3),
            "ratio": round(ratio, 2),
            "cpu_ratio": round(upload_cpu / base_cpu, 2),
            "goal": GOAL_RATIO,
            "peak_mb": memory["peak_mb"],
            "memory_goal_mb": MEMORY_GOAL_MB,
            "pass": ratio <= GOAL_RATIO and memory["peak_mb"] <= MEMORY_GOAL_MB,
        }
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main())
