"""Benchmark: the admin scoring matrix of an RFP with 50 bids x 30 criteria x 5 evaluators.

    .venv/bin/python bench/scoring_matrix.py [--bids 50] [--criteria 30] [--evaluators 5]

Runs against a throwaway SQLite database in a temporary folder (migrated, filled, removed).
Measured in the same run, best of five:

- ``page_ms``: GET /admin/procurement/rfp/<id>/matrix/ through the test client as an officer
  (middleware, queries, scoring, sensitivity and template rendering), with its query count;
- ``baseline_ms``: rendering the same template from numbers computed beforehand (no queries, no
  scoring): the cost of the table itself;
- ``sensitivity_ms``: ``scoring.sensitivity`` alone on the loaded data.

Goal: ``ratio = page_ms / baseline_ms <= 2``. The last line printed is the JSON result.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2


def best_of(n, func):
    times = []
    result = None
    for _ in range(n):
        started = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), result


def build(n_bids: int, n_criteria: int, n_evaluators: int):
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from procurement.models import Bid, BidAnswer, ModeratedScore, Rfp, RfpCriterion, Score
    from vendors.models import Vendor

    rng = random.Random(7)
    User = get_user_model()
    officer = User.objects.create(username="bench-officer", is_staff=True)
    officer.groups.add(Group.objects.get(name="procurement"))
    evaluators = [
        User.objects.create(username=f"bench-evaluator-{i}", is_staff=True)
        for i in range(n_evaluators)
    ]
    rfp = Rfp.objects.create(
        title="Bench RFP",
        category="servers",
        deadline=timezone.now() - datetime.timedelta(days=1),
        status="closed",
        created_by=officer,
    )
    rfp.panel.set(evaluators)
    rules = ["numeric_lower", "numeric_higher", "manual_scale", "yes_no", "derived"]
    weights = [Decimal(100) // n_criteria] * n_criteria
    weights[0] += Decimal(100) - sum(weights)
    criteria = RfpCriterion.objects.bulk_create(
        RfpCriterion(
            rfp=rfp,
            name=f"Criterion {i:02d}",
            rule=rules[i % len(rules)],
            weight=weights[i],
            is_sustainability=i % 3 == 0,
            order=i,
        )
        for i in range(n_criteria)
    )
    vendors = Vendor.objects.bulk_create(
        Vendor(name=f"Bench vendor {i:03d}", country="US", naics_code="334111", category="servers")
        for i in range(n_bids)
    )
    bids = Bid.objects.bulk_create(
        Bid(
            rfp=rfp,
            vendor=v,
            status="submitted",
            price=Decimal(rng.randrange(100000, 900000)),
            created_by=officer,
            submitted_at=timezone.now() - datetime.timedelta(days=2, minutes=i),
        )
        for i, v in enumerate(vendors)
    )
    answers, scores, moderated = [], [], []
    for bid in bids:
        for c in criteria:
            if c.rule.startswith("numeric"):
                answers.append(
                    BidAnswer(bid=bid, criterion=c, value_number=Decimal(rng.randrange(1, 100)))
                )
            elif c.rule == "yes_no":
                answers.append(BidAnswer(bid=bid, criterion=c, value_bool=rng.random() < 0.5))
            elif c.rule == "manual_scale":
                answers.append(BidAnswer(bid=bid, criterion=c, value_text="Our offer."))
            if c.rule == "manual_scale":
                points = [Decimal(rng.randrange(0, 6)) for _ in evaluators]
                scores += [
                    Score(bid=bid, criterion=c, evaluator=e, score=p, rationale="Bench.")
                    for e, p in zip(evaluators, points, strict=True)
                ]
                moderated.append(
                    ModeratedScore(
                        bid=bid, criterion=c, score=sum(points) / len(points), method="mean"
                    )
                )
            else:
                fraction = Decimal(rng.randrange(0, 10001)) / 10000
                scores.append(Score(bid=bid, criterion=c, score=fraction, is_automatic=True))
                moderated.append(
                    ModeratedScore(bid=bid, criterion=c, score=fraction, method="automatic")
                )
    BidAnswer.objects.bulk_create(answers)
    Score.objects.bulk_create(scores)
    ModeratedScore.objects.bulk_create(moderated)
    return rfp, officer


def run(args) -> dict:
    from django.contrib import admin
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.testing import otp_verified_login
    from procurement import scoring, selectors
    from procurement.models import Rfp

    rfp, officer = build(args.bids, args.criteria, args.evaluators)
    client = Client()
    otp_verified_login(client, officer)
    url = reverse("admin:procurement_rfp_matrix", args=[rfp.pk])
    client.get(url)  # warm template and URL caches

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    queries = len(ctx.captured_queries)
    page_ms, _ = best_of(5, lambda: client.get(url))

    # The same template and context, from numbers computed beforehand.
    request = RequestFactory().get(url)
    request.user = officer
    model_admin = admin.site._registry[Rfp]
    matrix = selectors.rfp_matrix(rfp, with_sensitivity=True)
    context = model_admin._context(
        request,
        rfp,
        f"Scoring matrix: {rfp.title}",
        matrix=matrix,
        formulas=scoring.LINEAR_FORMULA,
        computed_ms=0,
    )
    baseline_ms, html = best_of(
        5, lambda: render_to_string("admin/procurement/rfp/matrix.html", context, request)
    )
    assert "Bench vendor" in html

    fractions = {
        row.bid.id: {cell.criterion.id: cell.fraction for cell in row.cells} for row in matrix.rows
    }
    facts = [row.bid for row in matrix.rows]
    sensitivity_ms, _ = best_of(5, lambda: scoring.sensitivity(matrix.criteria, facts, fractions))
    ratio = round(page_ms / baseline_ms, 2)
    return {
        "bench": "scoring_matrix",
        "bids": args.bids,
        "criteria": args.criteria,
        "evaluators": args.evaluators,
        "queries": queries,
        "page_ms": round(page_ms, 1),
        "baseline_ms": round(baseline_ms, 1),
        "sensitivity_ms": round(sensitivity_ms, 1),
        "ratio": ratio,
        "goal": GOAL,
        "pass": ratio <= GOAL,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=50)
    parser.add_argument("--criteria", type=int, default=30)
    parser.add_argument("--evaluators", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tenderleaf-bench-matrix-"))
    os.environ["TENDERLEAF_VAR_DIR"] = str(workdir / "var")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        result = run(args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"matrix page: {result['page_ms']} ms, {result['queries']} queries; "
        f"same table from precomputed numbers: {result['baseline_ms']} ms; "
        f"sensitivity: {result['sensitivity_ms']} ms"
    )
    print(json.dumps(result))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
