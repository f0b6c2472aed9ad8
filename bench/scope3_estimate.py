"""Benchmark: a full Scope 3 inventory run against a bare SQL baseline in the same database.

    .venv/bin/python bench/scope3_estimate.py [--lines N] [--database-url URL]

Sets up a throwaway database with ``bench/_django.py`` (a temporary SQLite file by default;
with a ``postgres://`` URL, a database created next to the one named and dropped at the end),
generates a ledger over 5,000 vendors with a realistic mix of methods (mostly spend-based, some
average-data hardware and transport lines, some unaccounted), then times in the same database:

- **run**: ``inventory_run_start`` + ``inventory_run_execute`` (the ``--sync`` path: the same
  planning, chunk and finishing code the Celery tasks run), storing one EmissionEstimate per line;
- **baseline**: one ``INSERT ... SELECT`` joining spend lines to spend factors (spend-based only)
  into a bare table.

``ratio = run_s / baseline_s``; goal: ``ratio <= 3`` and the run's peak memory (process RSS,
sampled every 20 ms during the run) ``<= 400 MB``. On PostgreSQL the run processes chunks in
``SCOPE3_SYNC_WORKERS`` threads (default 2), as Celery workers would. Supplier-specific and hybrid
lines are not generated: the adapters do not load vendor disclosures and product footprints yet,
and the output says so. The last line is one JSON object (see bench/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import threading
import time
from decimal import Decimal

from _django import add_database_argument, django_environment

VENDORS = 5000
YEAR = 2024


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakRss:
    """Samples the process's resident memory in a thread; ``peak`` is the highest seen."""

    def __init__(self, interval=0.02):
        self.interval = interval
        self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def generate(lines: int, seed: int = 2024):
    """Datasets, 5,000 vendors and ``lines`` spend lines of YEAR; returns the useeio dataset."""
    from assurance.history import system_user
    from scope3.models import EmissionFactor, FactorDataset, ImportBatch, ReferenceRate, SpendLine
    from vendors.models import Vendor

    rng = random.Random(seed)
    user = system_user()

    def dataset(kind, currency="", dollar_year=None):
        return FactorDataset.objects.create(
            kind=kind,
            name=f"Bench {kind}",
            version="1.0",
            currency=currency,
            dollar_year=dollar_year,
            sha256=f"{kind:0>64}"[:64],
            imported_by=user,
            row_count=0,
        )

    codes = [f"{334100 + i * 7}" for i in range(45)]
    useeio = dataset("useeio", "USD", 2022)
    EmissionFactor.objects.bulk_create(
        EmissionFactor(
            dataset=useeio,
            code=code,
            title=code,
            value=Decimal(rng.randint(20, 900)) / 1000,
            unit="kg CO2e/2022 USD, purchaser price",
        )
        for code in codes
    )
    hardware = dataset("hardware")
    EmissionFactor.objects.bulk_create(
        [
            EmissionFactor(dataset=hardware, code="gpu", title="GPU", value=150, unit="kg per GPU"),
            EmissionFactor(
                dataset=hardware, code="server", title="server", value=2500, unit="kg per server"
            ),
        ]
    )
    freight = dataset("freight")
    EmissionFactor.objects.bulk_create(
        EmissionFactor(dataset=freight, code=mode, title=mode, value=value, unit="kg per tonne-km")
        for mode, value in (("air", "1.13"), ("sea", "0.016"), ("road", "0.107"))
    )
    fx = dataset("fx", "USD")
    ReferenceRate.objects.bulk_create(
        ReferenceRate(dataset=fx, key=cur, year=YEAR, value=value)
        for cur, value in (("EUR", "0.924"), ("GBP", "0.783"), ("JPY", "151.4"))
    )
    index = dataset("price_index", "USD")
    ReferenceRate.objects.bulk_create(
        ReferenceRate(dataset=index, key="GDPDEF", year=year, value=value)
        for year, value in ((2022, "100"), (YEAR, "106.2"))
    )
    Vendor.objects.bulk_create(
        (
            Vendor(
                name=f"Vendor {n}",
                country="US",
                naics_code=rng.choice(codes),
                category="servers",
                status="active",
            )
            for n in range(VENDORS)
        ),
        batch_size=1000,
    )
    vendor_ids = list(Vendor.objects.values_list("pk", flat=True))
    batch = ImportBatch.objects.create(file_sha256="0" * 64, status="imported", created_by=user)
    start = dt.date(YEAR, 1, 1)
    mix = {"spend": 0, "hardware": 0, "transport": 0, "unaccounted": 0}
    buffer = []
    for n in range(lines):
        roll = rng.random()
        fields = {
            "batch": batch,
            "row_number": n + 2,
            "external_id": f"B{n:08d}",
            "date": start + dt.timedelta(days=n % 365),
            "vendor_id": rng.choice(vendor_ids),
            "vendor_match": "id",
            "amount": Decimal(rng.randint(1000, 5_000_000)) / 100,
            "currency": "USD" if roll < 0.6 else rng.choice(("EUR", "GBP", "JPY")),
            "naics": rng.choice(codes) if roll < 0.75 else "",
        }
        if roll >= 0.97:  # unaccounted: no vendor match, no NAICS
            fields.update(vendor_id=None, vendor_match="unmatched", naics="")
            mix["unaccounted"] += 1
        elif roll >= 0.92:  # hardware units
            fields.update(quantity=rng.randint(1, 64), unit="unit", hardware_class="gpu")
            mix["hardware"] += 1
        elif roll >= 0.87:  # freight
            fields.update(
                weight_kg=Decimal(rng.randint(10, 20000)),
                distance_km=Decimal(rng.randint(50, 12000)),
                mode=rng.choice(("air", "sea", "road")),
            )
            mix["transport"] += 1
        else:
            mix["spend"] += 1
        buffer.append(SpendLine(**fields))
        if len(buffer) == 10000:
            SpendLine.objects.bulk_create(buffer)
            buffer.clear()
    SpendLine.objects.bulk_create(buffer)
    return useeio, mix


def baseline(useeio) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_baseline")
        cursor.execute("CREATE TABLE bench_baseline (line_id bigint, kgco2e numeric(24, 3))")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (line_id, kgco2e) "
            "SELECT l.id, l.amount * f.value FROM scope3_spendline l "
            "JOIN scope3_emissionfactor f ON f.dataset_id = %s AND f.code = l.naics "
            "WHERE l.date >= %s AND l.date <= %s",
            [useeio.pk, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)],
        )
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lines",
        type=int,
        help="ledger lines (default 1,000,000 on PostgreSQL, 200,000 on SQLite)",
    )
    add_database_argument(parser)
    args = parser.parse_args()

    with django_environment(args.database_url, prefix="tenderleaf-bench-scope3-") as bench:
        label = bench.database
        lines = args.lines or (1_000_000 if label == "postgresql" else 200_000)
        t0 = time.perf_counter()
        useeio, mix = generate(lines)
        print(
            f"database: {label}; generated {lines:,} lines over {VENDORS:,} vendors in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        print("mix: " + ", ".join(f"{k} {v:,}" for k, v in mix.items()))
        print(
            "supplier-specific and hybrid lines: none (the engine has them, but the adapters "
            "do not load vendor disclosures and product footprints yet)"
        )

        baseline_s = baseline(useeio)

        from assurance.history import system_user
        from scope3.models import EmissionEstimate
        from scope3.services import inventory_run_execute, inventory_run_start

        rss_before = _rss_mb()
        with PeakRss() as peak:
            started = time.perf_counter()
            run = inventory_run_start(actor=system_user(), year=YEAR, queue=False)
            run = inventory_run_execute(run=run)
            run_s = time.perf_counter() - started
        stored = EmissionEstimate.objects.filter(run=run).count()
        assert run.status == "completed" and stored == lines, (run.status, stored)
        ratio = run_s / baseline_s
        print(
            f"baseline INSERT ... SELECT: {baseline_s:.2f} s ({lines / baseline_s:,.0f} "
            "lines/s, spend-based only)"
        )
        print(
            f"inventory run: {run_s:.2f} s ({lines / run_s:,.0f} lines/s, {run.chunks_total} "
            f"chunks); total {run.total_kgco2e} kgCO2e ({run.low_kgco2e} .. {run.high_kgco2e})"
        )
        print(
            f"ratio {ratio:.2f} (goal <= 3); peak RSS during the run {peak.peak:.0f} MB "
            f"(+{peak.peak - rss_before:.0f} MB over the {rss_before:.0f} MB before it; "
            "goal <= 400 MB)"
        )
        result = {
            "bench": "scope3_estimate",
            "lines": lines,
            "database": label,
            "run_s": round(run_s, 3),
            "baseline_s": round(baseline_s, 3),
            "ratio": round(ratio, 2),
            "goal": 3,
            "peak_mb": round(peak.peak, 1),
            "memory_goal_mb": 400,
            "pass": bool(ratio <= 3 and peak.peak <= 400),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
