"""Builders shared by the reconciliation tests: accepted disclosures, ledgers, asset files."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from assurance.history import system_user
from reconciliation.asset_file import COLUMNS
from scope3.tests.runs_support import batch, dataset, line
from vendors.models import EmissionsDisclosure

YEAR = 2025


def factor_pack():
    """Spend-based factors (334413: 0.215 and 334111: 0.058 kgCO2e per USD), FX (1 USD = 0.8 EUR
    in 2025) and hardware classes gpu, server and tpu."""
    return {
        "useeio": dataset(
            "useeio",
            "t1",
            rows=[
                ("334413", "0.215", "kg CO2e/2022 USD"),
                ("334111", "0.058", "kg CO2e/2022 USD"),
            ],
            currency="USD",
            dollar_year=2022,
        ),
        "fx": dataset("fx", "t1", rates=[("EUR", YEAR, "0.8")], currency="USD"),
        "hardware": dataset(
            "hardware",
            "t1",
            rows=[
                ("gpu", "150", "kg CO2e per GPU"),
                ("server", "2500", "kg CO2e per server"),
                ("tpu", "200", "kg CO2e per TPU"),
            ],
        ),
    }


def accepted_disclosure(vendor, *, year=YEAR, status=EmissionsDisclosure.Status.ACCEPTED, **values):
    values = {
        "period_start": dt.date(year, 1, 1),
        "period_end": dt.date(year, 12, 31),
        "scope1_tco2e": Decimal("100"),
        **values,
    }
    return EmissionsDisclosure.objects.create(
        vendor=vendor, status=status, created_by=system_user(), **values
    )


_counter = iter(range(10**6))


def ledger(*specs):
    """Spend lines of 2025: each spec is a dict of SpendLine fields (vendor, amount, ...)."""
    from scope3.models import SpendLine

    source = batch()
    lines = []
    for spec in specs:
        spec = dict(spec)
        n = next(_counter)
        spec.setdefault("date", dt.date(YEAR, 6, 1))
        vendor = spec.pop("vendor", None)
        amount = spec.pop("amount", "100")
        made = line(source, n, vendor=vendor, amount=amount, **spec)
        made.external_id = f"R{n:07d}"
        if vendor is None:
            made.vendor_match = "unmatched"
        lines.append(made)
    SpendLine.objects.bulk_create(lines)
    return source


ASSET = {
    "asset_tag": "DC1-0001",
    "model": "HGX H100",
    "hardware_class": "gpu",
    "quantity": "8",
    "location": "Frankfurt DC1",
    "vendor": "",
    "vendor_tax_id": "",
    "in_service_date": "2025-03-01",
}


def asset(**changes) -> dict:
    return {**ASSET, **changes}


def write_assets(path: Path, rows: list[dict], *, header=COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for values in rows:
            writer.writerow([values.get(column, "") for column in header])
    return path
