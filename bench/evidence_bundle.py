"""Benchmark: an evidence bundle rendered as parallel sections against one single WeasyPrint call.

    .venv/bin/python bench/evidence_bundle.py [--years 5] [--history 200] [--attachments 50]

Sets up a throwaway SQLite database in a temporary ``TENDERLEAF_VAR_DIR``, migrates it, and
creates a vendor with ``--years`` yearly disclosures, each edited until it has ``--history``
history records (the methodology notes and Scope 1 change on every edit), certificates, and
``--attachments`` evidence files. Then, in the same run:

- **bundle**: the bundle's render job (the same HTML the product renders) rendered the product's
  way: a memory-capped subprocess, sections in parallel processes (one per core), contents and
  page frame added, merged with pypdf;
- **baseline**: the same content as one complete HTML document rendered by one WeasyPrint call,
  in the same kind of memory-capped subprocess.

``ratio = bundle_s / baseline_s``; goal ``ratio <= 0.7`` (on 2 or more cores) and peak memory per
process (``ru_maxrss`` of the render process and of its largest worker) ``<= 1024 MB``. The data
loading's query count is measured for a vendor with a tenth of the history records and for the
full one: it must not grow. Also times the full ``evidence_bundle_generate`` (integrity checks,
ZIP, storage). The last line is one JSON object (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(var_dir: str) -> None:
    for name in ("DATABASE_URL", "MEDIA_ROOT", "EVIDENCE_ROOT", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ["TENDERLEAF_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


NOTES = (
    "Scope 1 from fuel invoices and refrigerant logs; Scope 2 location-based from grid factors "
    "(IEA 2024), market-based from supplier-specific factors and unbundled EACs retired for the "
    "period. Revision {i}: restated the {site} site after the metering correction."
)


def build_vendor(*, name, officer, years, history, attachments):
    import datetime as dt
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from assurance.demo import demo_pdf
    from assurance.history import acting_as
    from assurance.services import evidence_file_upload
    from vendors.models import Certification, EmissionsDisclosure, Vendor

    first_year = 2025 - years
    with acting_as(officer, "benchmark data"):
        vendor = Vendor.objects.create(
            name=name, country="US", naics_code="334413", category="accelerators"
        )
        disclosures = []
        for year in range(first_year, first_year + years):
            disclosure = EmissionsDisclosure.objects.create(
                vendor=vendor,
                period_start=dt.date(year, 1, 1),
                period_end=dt.date(year, 12, 31),
                scope1_tco2e=Decimal("1000.000"),
                scope2_market_tco2e=Decimal("400.000"),
                revenue=Decimal("1000000000.00"),
                revenue_currency="USD",
                created_by=officer,
            )
            for i in range(history - 1):
                disclosure.scope1_tco2e += Decimal("0.125")
                disclosure.methodology_notes = NOTES.format(i=i, site=("Austin", "Hsinchu")[i % 2])
                disclosure.save()
            disclosures.append(disclosure)
        for kind in ("iso_14001", "iso_50001"):
            Certification.objects.create(
                vendor=vendor,
                kind=kind,
                number=f"{kind}-1",
                certification_body="BSI",
                issue_date=dt.date(first_year, 1, 1),
                expiry_date=dt.date(2026, 12, 31),
            )
    for i in range(attachments):
        evidence_file_upload(
            actor=officer,
            uploaded_file=SimpleUploadedFile(
                # A valid PDF (evidence uploads check the structure), distinct content each time.
                f"evidence-{i % 7}.pdf",
                demo_pdf(os.urandom(1024).hex()),
            ),
            vendor=vendor,
            target=disclosures[i % len(disclosures)],
        )
    return vendor, first_year


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--attachments", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tenderleaf-bench-bundle-") as var_dir:
        started = time.perf_counter()
        setup_django(var_dir)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from assurance.bundles.manifest import manifest_build
        from assurance.bundles.render import render_isolated
        from assurance.bundles.services import (
            bundle_job_build,
            evidence_bundle_generate,
            evidence_bundle_request,
        )
        from assurance.chain import audit_chain_extend, chain_head
        from assurance.history import acting_as_system
        from assurance.models import EvidenceBundle
        from tenderleaf.bundles.vendor_period import load_vendor_period

        with acting_as_system("benchmark") as officer:
            small, _ = build_vendor(
                name="Small history vendor",
                officer=officer,
                years=args.years,
                history=max(2, args.history // 10),
                attachments=args.attachments,
            )
            vendor, first_year = build_vendor(
                name="Bench Accelerators",
                officer=officer,
                years=args.years,
                history=args.history,
                attachments=args.attachments,
            )
        audit_chain_extend()
        print(f"data built in {time.perf_counter() - started:.1f} s")
        last_year = first_year + args.years - 1

        load_vendor_period(small.pk, first_year, last_year)  # warm the content-type cache
        query_counts = []
        for v in (small, vendor):
            with CaptureQueriesContext(connection) as queries:
                content = load_vendor_period(v.pk, first_year, last_year)
            query_counts.append(len(queries))
        print(
            f"data loading queries: {query_counts[0]} (history {max(2, args.history // 10)}) vs "
            f"{query_counts[1]} (history {args.history})"
        )

        bundle = evidence_bundle_request(
            actor=officer,
            scope=EvidenceBundle.Scope.VENDOR_PERIOD,
            vendor=vendor,
            year=first_year,
            year_to=last_year,
            queue=False,
        )
        manifest = manifest_build(content.manifest_scope, content.files)
        job = bundle_job_build(
            bundle=bundle, content=content, manifest=manifest, head=chain_head(), at=timezone.now()
        )
        cores = os.cpu_count() or 1

        t0 = time.perf_counter()
        parallel = render_isolated(job, workers=cores)
        bundle_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        single = render_isolated(job, single=True)
        baseline_s = time.perf_counter() - t0

        peak_parallel = max(parallel.stats["maxrss_self_mb"], parallel.stats["maxrss_children_mb"])
        peak_single = single.stats["maxrss_self_mb"]
        print(
            f"bundle (parallel sections, {cores} cores, {len(job.sections)} sections): "
            f"{bundle_s:.2f} s for {parallel.pages} pages "
            f"(sections {parallel.stats['sections_s']} s, in-process total "
            f"{parallel.stats['total_s']} s); peak RSS: render process "
            f"{parallel.stats['maxrss_self_mb']} MB, largest section worker "
            f"{parallel.stats['maxrss_children_mb']} MB; address-space cap "
            f"{parallel.stats['rlimit_as_mb']} MB"
        )
        print(
            f"baseline (one WeasyPrint call, one process): {baseline_s:.2f} s for "
            f"{single.pages} pages; peak RSS {peak_single} MB"
        )
        t0 = time.perf_counter()
        generated = evidence_bundle_generate(bundle_id=bundle.pk, actor=officer)
        generate_s = time.perf_counter() - t0
        if generated.status == EvidenceBundle.Status.DONE:
            print(
                f"full evidence_bundle_generate (integrity checks, render, ZIP, storage): "
                f"{generate_s:.2f} s, {generated.page_count} pages, "
                f"ZIP {generated.zip_size / 2**20:.1f} MB"
            )
        else:
            print(f"full evidence_bundle_generate failed: {generated.error}")
        ratio = bundle_s / baseline_s
        result = {
            "bench": "evidence_bundle",
            "pages": parallel.pages,
            "bundle_s": round(bundle_s, 2),
            "baseline_s": round(baseline_s, 2),
            "ratio": round(ratio, 3),
            "goal": 0.7,
            "peak_mb_per_process": peak_parallel,
            "baseline_peak_mb": peak_single,
            "memory_goal_mb": 1024,
            "queries_small": query_counts[0],
            "queries_large": query_counts[1],
            "cores": cores,
            "pass": ratio <= 0.7 and peak_parallel <= 1024 and query_counts[0] == query_counts[1],
        }
        print(json.dumps(result))
        return 0


if __name__ == "__main__":
    sys.exit(main())
