"""Benchmark: a spend ledger CSV through ``import_spend`` against a bare bulk load of the same file.

    .venv/bin/python bench/spend_import.py [--lines N] [--database-url URL]

Default 1,000,000 lines on PostgreSQL, 200,000 on SQLite (the default database is a throwaway
SQLite file). With a PostgreSQL URL a fresh database is created next to the one named and dropped
afterwards, so the development database is never touched.

Baseline, measured in the same run and database: PostgreSQL ``COPY`` of the same CSV into a bare
table of text columns (psycopg ``cursor.copy``); on SQLite, ``csv.reader`` + ``executemany`` into a
bare table. ``ratio`` = import time / baseline time, goal ``ratio <= 3``; ``peak_mb`` is the peak
resident memory of the process during the import (ru_maxrss; it includes Django itself), goal
``<= 300``. tracemalloc is not used for the timed run because it slows Python code severalfold.
The last line printed is the JSON result.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from io import StringIO
from pathlib import Path

from _django import add_database_argument, django_environment, maxrss_mb

VENDORS = 5000
GOAL_RATIO = 3
MEMORY_GOAL_MB = 300


def generate(path: Path, lines: int) -> None:
    """A ledger across 5,000 vendors: names in several spellings, tax ids, some unmatched."""
    rng = random.Random(42)
    header = [
        "external_id", "date", "vendor", "vendor_tax_id", "amount", "currency", "naics",
        "description", "gl_account", "quantity", "unit", "hardware_class", "product_id",
        "weight_kg", "distance_km", "mode", "waste_treatment", "capital",
    ]  # fmt: skip
    naics = ["334413", "334111", "334112", "518210", "541512", "484121", "562111"]
    currencies = ["USD"] * 6 + ["EUR", "GBP", "JPY", "TWD"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in range(lines):
            v = rng.randrange(VENDORS)
            style = rng.random()
            if style < 0.5:
                vendor, tax = f"Vendor {v:05d}", ""
            elif style < 0.7:
                vendor, tax = f"VENDOR {v:05d}, Inc.", ""
            elif style < 0.9:
                vendor, tax = "", f"TX-{v:08d}"
            else:
                vendor, tax = f"Unknown supplier {rng.randrange(2000)}", ""
            kind = rng.random()
            hardware = kind < 0.2
            freight = 0.2 <= kind < 0.3
            writer.writerow(
                [
                    f"L{n:09d}",
                    f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    vendor,
                    tax,
                    f"{rng.uniform(-500, 250000):.2f}",
                    rng.choice(currencies),
                    rng.choice(naics),
                    "Purchase of goods and services for the AI cluster",
                    f"6{rng.randrange(100, 999)}",
                    str(rng.randrange(1, 64)) if hardware else "",
                    "each" if hardware else "",
                    rng.choice(["gpu", "server", "storage"]) if hardware else "",
                    f"P-{rng.randrange(100)}" if hardware else "",
                    f"{rng.uniform(1, 5000):.1f}" if freight else "",
                    str(rng.randrange(100, 12000)) if freight else "",
                    rng.choice(["air", "sea", "rail", "road"]) if freight else "",
                    "",
                    "yes" if hardware and rng.random() < 0.3 else "",
                ]
            )


def create_vendors() -> None:
    from vendors.models import Vendor

    Vendor.objects.bulk_create(
        [
            Vendor(
                name=f"Vendor {v:05d}",
                country="US",
                category="services",
                tax_id=f"TX-{v:08d}",
            )
            for v in range(VENDORS)
        ],
        batch_size=1000,
    )


def baseline(path: Path) -> float:
    from django.db import connection, transaction

    with path.open(encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    ddl = ", ".join(f'"{c}" text' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_bare ({ddl})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                cursor.cursor.copy(
                    "COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy,
                path.open("rb") as raw,
            ):
                while chunk := raw.read(1024 * 1024):
                    copy.write(chunk)
        else:
            marks = ", ".join(["%s"] * len(columns))
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                next(reader)
                batch = []
                for cells in reader:
                    batch.append(cells)
                    if len(batch) >= 2000:
                        cursor.executemany(f"INSERT INTO bench_bare VALUES ({marks})", batch)  # noqa: S608
                        batch = []
                if batch:
                    cursor.executemany(f"INSERT INTO bench_bare VALUES ({marks})", batch)  # noqa: S608
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_bare")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=None)
    add_database_argument(parser)
    args = parser.parse_args()

    with django_environment(args.database_url, prefix="tenderleaf-bench-spend-") as bench:
        from django.core.management import call_command

        from scope3.models import SpendLine

        lines = args.lines or (1_000_000 if bench.database == "postgresql" else 200_000)
        create_vendors()
        ledger = bench.workdir / "ledger.csv"
        started = time.perf_counter()
        generate(ledger, lines)
        size_mb = ledger.stat().st_size / 1e6
        print(
            f"generated {lines} lines ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )

        rss_before = maxrss_mb()
        out = StringIO()
        started = time.perf_counter()
        call_command("import_spend", str(ledger), stdout=out)
        import_s = time.perf_counter() - started
        peak_mb = maxrss_mb()
        stored = SpendLine.objects.count()
        print(out.getvalue().strip())
        assert stored == lines, f"stored {stored} of {lines} lines"

        baseline_s = baseline(ledger)
        ratio = import_s / baseline_s
        database = bench.database
        print(
            f"{database}: import_spend {import_s:.2f} s ({lines / import_s:,.0f} lines/s); "
            f"baseline ({'COPY' if database == 'postgresql' else 'csv.reader + executemany'}) "
            f"{baseline_s:.2f} s; ratio {ratio:.2f} (goal <= {GOAL_RATIO})"
        )
        print(
            f"peak RSS {peak_mb:.0f} MB (was {rss_before:.0f} MB before the import; "
            f"goal <= {MEMORY_GOAL_MB} MB)"
        )
        result = {
            "bench": "spend_import",
            "lines": lines,
            "database": database,
            "import_s": round(import_s, 3),
            "baseline_s": round(baseline_s, 3),
            "ratio": round(ratio, 3),
            "goal": GOAL_RATIO,
            "peak_mb": round(peak_mb, 1),
            "memory_goal_mb": MEMORY_GOAL_MB,
            "pass": ratio <= GOAL_RATIO and peak_mb <= MEMORY_GOAL_MB,
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
