"""Builders for the targets tests: completed inventory runs whose estimates a test states
directly (vendor, category, method, kgCO2e, spend), so totals are computed by hand."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from assurance.history import system_user
from scope3.engine.uncertainty import bounds
from scope3.models import EmissionEstimate, InventoryChunk, InventoryRun, SpendLine
from scope3.tests.runs_support import batch

_numbers = itertools.count()

SPEND_BASED = EmissionEstimate.Method.SPEND_BASED
SUPPLIER = EmissionEstimate.Method.SUPPLIER_SPECIFIC
HYBRID = EmissionEstimate.Method.HYBRID


def est(
    vendor, kg, *, category=1, method=SPEND_BASED, amount="1000", currency="USD", dq=4, u="0.5"
):
    return {
        "vendor": vendor,
        "kg": Decimal(str(kg)),
        "category": category,
        "method": method,
        "amount": Decimal(str(amount)),
        "currency": currency,
        "dq": dq,
        "u": Decimal(u),
    }


def completed_run(year: int, estimates: list[dict], *, pins=None) -> InventoryRun:
    """A completed run of ``year`` holding exactly ``estimates`` (see :func:`est`); each line
    is its own shared source, so ranges add in quadrature."""
    run = InventoryRun.objects.create(
        reporting_year=year,
        status=InventoryRun.Status.COMPLETED,
        started_by=system_user(),
        pins=pins or {},
        method_version=2,
    )
    chunk = InventoryChunk.objects.create(
        run=run, index=0, first_line_id=0, last_line_id=0, status="done"
    )
    source = batch()
    lines = []
    for spec in estimates:
        n = next(_numbers)
        lines.append(
            SpendLine(
                batch=source,
                row_number=n + 2,
                external_id=f"T{n:07d}",
                date=dt.date(year, 6, 1),
                vendor=spec["vendor"],
                vendor_match="id" if spec["vendor"] else "unmatched",
                amount=spec["amount"],
                currency=spec["currency"],
                naics="334413",
            )
        )
    SpendLine.objects.bulk_create(lines)
    rows = []
    total = Decimal(0)
    for spec, line in zip(estimates, lines, strict=True):
        low, high = bounds(spec["kg"], spec["u"])
        total += spec["kg"]
        rows.append(
            EmissionEstimate(
                run=run,
                chunk=chunk,
                spend_line=line,
                vendor=spec["vendor"],
                category=spec["category"],
                method=spec["method"],
                kgco2e=spec["kg"],
                low_kgco2e=low,
                high_kgco2e=high,
                relative_uncertainty=spec["u"],
                dq=spec["dq"],
                source_key=f"line:{line.pk}",
            )
        )
    EmissionEstimate.objects.bulk_create(rows)
    run.total_kgco2e = total
    run.save()
    return run
