"""Benchmark: the reminder sweep against rendering the same emails alone
(docs/domain.md, "Reminders").

    .venv/bin/python bench/reminders.py [--requests N] [--certificates M] [--database-url URL]

In a throwaway database (``bench/_django.py``): vendors with one contact each, N open disclosure
requests due in two days (one "due soon" reminder each) and M certificates expiring in five days
(one 7-day reminder each). Email goes to Django's dummy backend, so what is measured is the sweep
itself: selecting, claiming, rendering, handing to the backend and recording each send.

- ``sweep_s``: ``reminder_sweep`` for the disclosure and certificate families, with its query
  count (counted by an execute wrapper, not the debug cursor, so timing is not inflated);
- ``baseline_s``: rendering exactly the same messages (same ``_Due`` objects, same templates,
  subjects and languages), loaded beforehand, with no queries and no claims.

Goal: ``ratio = sweep_s / baseline_s <= 3``, and queries per batch constant in the number of
objects: the sweep is measured first at half the sizes, then (its log cleared) at the full sizes,
and the queries per batch must be equal. The last line printed is the JSON result.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import add_database_argument, django_environment

GOAL_RATIO = 3
FAMILIES = ("disclosure", "certificate")


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(first_vendor: int, requests: int, certificates: int, today: datetime.date) -> None:
    """Vendors, contacts, requests and certificates, bulk-inserted (fixtures, not the workflow)."""
    from django.contrib.auth import get_user_model

    from vendors.models import Certification, DisclosureRequest, Vendor, VendorContact

    officer, _ = get_user_model().objects.get_or_create(username="bench-officer")
    years = 5  # one live request per vendor and year
    vendors_needed = max(math.ceil(requests / years), certificates)
    vendors = Vendor.objects.bulk_create(
        Vendor(name=f"Vendor {first_vendor + i:06d}", country="DE", naics_code="334111")
        for i in range(vendors_needed)
    )
    VendorContact.objects.bulk_create(
        VendorContact(
            vendor=v, name="ESG lead", email=f"esg{v.pk}@vendor.example", receives_reminders=True
        )
        for v in vendors
    )
    DisclosureRequest.objects.bulk_create(
        DisclosureRequest(
            vendor=vendors[i // years],
            reporting_year=2020 + i % years,
            due_date=today + datetime.timedelta(days=2),
            created_by=officer,
            sent_at=None,
        )
        for i in range(requests)
    )
    Certification.objects.bulk_create(
        Certification(
            vendor=vendors[i],
            kind=Certification.Kind.ISO_14001,
            number=f"EMS-{first_vendor + i:06d}",
            certification_body="BSI",
            issue_date=datetime.date(2023, 1, 1),
            expiry_date=today + datetime.timedelta(days=5),
        )
        for i in range(certificates)
    )


def due_reminders(today):
    """The ``_Due`` objects the sweep will send, loaded the way the sweep loads them."""
    from reminders import selectors, services

    due = []
    for batch in services._batches(selectors.disclosure_requests_due(today=today)):
        due += [d for r in batch for d in services._disclosure_reminders(r, today)]
    for batch in services._batches(selectors.certifications_due(today=today)):
        due += [d for c in batch for d in services._certificate_reminders(c, today)]
    return due


def baseline(due) -> float:
    from django.core.mail import get_connection

    from reminders import services

    connection = get_connection()
    started = time.perf_counter()
    for item in due:
        services._messages(item, connection)
    return time.perf_counter() - started


def sweep(today) -> tuple[float, int, int]:
    """(seconds, queries, reminders sent) of one sweep."""
    from django.db import connection

    from reminders.services import reminder_sweep

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = reminder_sweep(today=today, families=FAMILIES)
        elapsed = time.perf_counter() - started
    return elapsed, counter.count, sum(result.sent.values())


def batches(requests: int, certificates: int) -> int:
    from reminders.services import BATCH_SIZE

    return math.ceil(requests / BATCH_SIZE) + math.ceil(certificates / BATCH_SIZE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--certificates", type=int, default=5_000)
    add_database_argument(parser)
    args = parser.parse_args()
    os.environ["EMAIL_URL"] = "dummymail://"

    with django_environment(args.database_url, prefix="tenderleaf-bench-reminders-") as bench:
        from django.utils import timezone

        from assurance.history import system_user
        from reminders.models import ReminderLog

        today = timezone.localdate()
        system_user()
        half_requests, half_certificates = args.requests // 2, args.certificates // 2
        build(0, half_requests, half_certificates, today)
        small_s, small_queries, small_sent = sweep(today)
        small_batches = batches(half_requests, half_certificates)

        # Clear the log so the full-size sweep owes every reminder again.
        ReminderLog.objects.all().delete()
        build(100_000, args.requests - half_requests, args.certificates - half_certificates, today)
        due = due_reminders(today)
        baseline_s = min(baseline(due) for _ in range(2))
        sweep_s, queries, sent = sweep(today)
        full_batches = batches(args.requests, args.certificates)

        expected = args.requests + args.certificates
        assert sent == expected == len(due), (sent, expected, len(due))
        assert small_sent == half_requests + half_certificates
        per_batch_small = small_queries / small_batches
        per_batch_full = queries / full_batches
        ratio = sweep_s / baseline_s
        print(f"database: {bench.database}")
        print(f"reminders: {sent} ({args.requests} requests, {args.certificates} certificates)")
        print(f"sweep: {sweep_s:.2f} s, {sent / sweep_s:.0f} reminders/s, {queries} queries")
        print(f"baseline (render only): {baseline_s:.2f} s, {sent / baseline_s:.0f} reminders/s")
        print(
            f"queries per batch: {per_batch_small:.1f} at {small_sent} reminders "
            f"({small_batches} batches, {small_s:.2f} s), {per_batch_full:.1f} at {sent} "
            f"({full_batches} batches)"
        )
        constant = per_batch_full <= per_batch_small
        result = {
            "ratio": round(ratio, 2),
            "goal": GOAL_RATIO,
            "pass": ratio <= GOAL_RATIO and constant,
            "sweep_s": round(sweep_s, 2),
            "baseline_s": round(baseline_s, 2),
            "reminders_per_s": round(sent / sweep_s),
            "queries": queries,
            "queries_per_batch": [round(per_batch_small, 1), round(per_batch_full, 1)],
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
