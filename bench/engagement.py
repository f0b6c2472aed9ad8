"""Benchmark: the engagement dashboard and supplier scorecards against one SQL aggregate.

    .venv/bin/python bench/engagement.py [--lines N] [--vendors N] [--scorecards N]
                                         [--database-url URL]

Sets up a throwaway database with ``bench/_django.py`` (a temporary SQLite file by default),
stores a completed inventory run of ``--lines`` estimates over ``--vendors`` vendors (a realistic
mix: mostly spend-based on 45 factor rows, some average-data hardware, some supplier-specific
from per-vendor disclosures; a tenth of the vendors hold an SBTi certificate), a base-year run of
the year before, a target and an engagement target; then times in the same database:

- **dashboard**: ``targets.reports.dashboard()``, every table of the engagement dashboard;
- **scorecards**: ``--scorecards`` vendor scorecards sharing one ``peer_data()``;
- **baseline**: one SQL aggregate over the latest run's estimates joined to their spend lines
  computing the same totals (kgCO2e and spend by vendor, category and method).

``ratio = dashboard_s / baseline_s``; goal ``ratio <= 3``. The issue's full size is
``--lines 1000000 --vendors 5000 --scorecards 1000`` (use PostgreSQL for it); the default is
small enough to finish in under a minute on SQLite. The last line is one JSON object
(see bench/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from decimal import Decimal

from _django import add_database_argument, django_environment

YEAR = 2025


def generate(lines: int, vendors: int, seed: int = 2025):
    """Vendors, a base-year run (2024) of a tenth of ``lines`` estimates and the latest run
    (2025) of ``lines``; returns (base run, latest run, vendors)."""
    from assurance.history import system_user
    from scope3.engine.uncertainty import bounds
    from scope3.models import (
        EmissionEstimate,
        ImportBatch,
        InventoryChunk,
        InventoryRun,
        SpendLine,
    )
    from vendors.models import Certification, Vendor

    rng = random.Random(seed)
    user = system_user()
    made = Vendor.objects.bulk_create(
        Vendor(
            name=f"Bench vendor {n:05d}",
            country="DE",
            naics_code="334413",
            category=rng.choice(["accelerators", "servers", "storage", "networking", "cloud"]),
        )
        for n in range(vendors)
    )
    Certification.objects.bulk_create(
        Certification(vendor=v, kind="sbti", issue_date=dt.date(2023, 1, 1)) for v in made[::10]
    )
    codes = [f"{334100 + i * 7}" for i in range(45)]
    methods = [("spend_based", "0.5")] * 8 + [("average_data", "0.3"), ("supplier_specific", "0.1")]
    multipliers = {u: bounds(Decimal(1000), Decimal(u)) for _, u in methods}

    def run_of(year: int, count: int):
        run = InventoryRun.objects.create(
            reporting_year=year, status="completed", started_by=user, method_version=2
        )
        chunk = InventoryChunk.objects.create(
            run=run, index=0, first_line_id=0, last_line_id=0, status="done"
        )
        batch = ImportBatch.objects.create(
            file_sha256=f"{year}{count}".rjust(64, "0"), status="imported", created_by=user
        )
        total = Decimal(0)
        step = 20_000
        for start in range(0, count, step):
            spend, estimates = [], []
            for n in range(start, min(start + step, count)):
                vendor = made[rng.randrange(vendors)]
                spend.append(
                    SpendLine(
                        batch=batch,
                        row_number=n + 2,
                        date=dt.date(year, 1 + n % 12, 1),
                        vendor=vendor,
                        vendor_match="id",
                        amount=Decimal(rng.randint(100, 100_000)),
                        currency="USD",
                        naics=rng.choice(codes),
                    )
                )
            SpendLine.objects.bulk_create(spend, batch_size=5000)
            for line in spend:
                method, u = rng.choice(methods)
                kg = Decimal(rng.randint(1, 5_000_000)) / 1000
                low_m, high_m = multipliers[u]
                source = (
                    f"disclosure:{line.vendor_id}"
                    if method == "supplier_specific"
                    else f"factor:{line.naics}:{method}"
                )
                total += kg
                estimates.append(
                    EmissionEstimate(
                        run=run,
                        chunk=chunk,
                        spend_line=line,
                        vendor_id=line.vendor_id,
                        category=2 if method == "average_data" else 1,
                        method=method,
                        kgco2e=kg,
                        low_kgco2e=(kg * low_m / 1000).quantize(Decimal("0.001")),
                        high_kgco2e=(kg * high_m / 1000).quantize(Decimal("0.001")),
                        relative_uncertainty=Decimal(u),
                        dq=rng.randint(1, 5),
                        source_key=source,
                    )
                )
            EmissionEstimate.objects.bulk_create(estimates, batch_size=5000)
        run.total_kgco2e = total
        run.save()
        return run

    base = run_of(YEAR - 1, max(lines // 10, 1))
    latest = run_of(YEAR, lines)
    return base, latest, made


def baseline(run) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.vendor_id, e.category, e.method, SUM(e.kgco2e), SUM(l.amount) "
            "FROM scope3_emissionestimate e JOIN scope3_spendline l ON l.id = e.spend_line_id "
            "WHERE e.run_id = %s AND e.method <> 'unaccounted' "
            "GROUP BY e.vendor_id, e.category, e.method",
            [run.pk],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=20_000, help="estimates of the latest run")
    parser.add_argument("--vendors", type=int, default=2_000)
    parser.add_argument("--scorecards", type=int, default=200)
    add_database_argument(parser)
    args = parser.parse_args()

    with django_environment(args.database_url, prefix="tenderleaf-bench-engagement-") as bench:
        t0 = time.perf_counter()
        base, latest, vendors = generate(args.lines, args.vendors)
        print(
            f"database: {bench.database}; stored {args.lines:,} estimates (+{args.lines // 10:,} "
            f"in the base year) over {args.vendors:,} vendors in {time.perf_counter() - t0:.1f} s"
        )
        from django.db import connection, reset_queries

        from assurance.history import system_user
        from targets import reports, selectors, services

        user = system_user()
        services.target_create(
            actor=user,
            name="Bench -42 %",
            base_run=base,
            target_year=2030,
            reduction_pct=Decimal(42),
        )
        services.engagement_target_create(
            actor=user,
            name="Bench 67 %",
            target_pct=Decimal(67),
            base_year=YEAR - 1,
            target_year=2029,
        )
        # Warm: the first aggregate of a table pays for reading it from disk, for both sides.
        baseline(latest)
        baseline_s = min(baseline(latest) for _ in range(3))

        from django.conf import settings

        settings.DEBUG = True  # count queries
        reset_queries()
        started = time.perf_counter()
        board = reports.dashboard()
        dashboard_s = time.perf_counter() - started
        dashboard_queries = len(connection.queries)

        reset_queries()
        started = time.perf_counter()
        peers = selectors.peer_data()
        chosen = sorted(vendors, key=lambda v: v.pk)[: args.scorecards]
        for vendor in chosen:
            selectors.scorecard(vendor=vendor, peers=peers)
        scorecards_s = time.perf_counter() - started
        scorecard_queries = len(connection.queries)
        settings.DEBUG = False

        esrs_total = board.table("esrs_e1_6").rows[-1][1]
        ratio = dashboard_s / baseline_s
        print(f"baseline (one SQL aggregate by vendor, category, method): {baseline_s:.3f} s")
        print(
            f"dashboard: {dashboard_s:.3f} s, {dashboard_queries} queries; ESRS total "
            f"{esrs_total} tCO2e"
        )
        print(
            f"{len(chosen):,} scorecards: {scorecards_s:.2f} s "
            f"({scorecards_s / max(len(chosen), 1) * 1000:.1f} ms each, {scorecard_queries} "
            "queries including the shared peer data)"
        )
        print(f"ratio {ratio:.2f} (dashboard / baseline; goal <= 3)")
        result = {
            "bench": "engagement",
            "lines": args.lines,
            "vendors": args.vendors,
            "database": bench.database,
            "dashboard_s": round(dashboard_s, 3),
            "baseline_s": round(baseline_s, 3),
            "scorecards": len(chosen),
            "scorecards_s": round(scorecards_s, 3),
            "ratio": round(ratio, 2),
            "goal": 3,
            "pass": bool(ratio <= 3),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
