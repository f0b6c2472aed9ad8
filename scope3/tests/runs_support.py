"""Builders shared by the inventory run tests: small factor datasets and spend ledgers.

Datasets are created directly with the ORM (not through ``import_factors``) so each test states
exactly the factors its hand-computed numbers use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from assurance.history import system_user
from scope3.models import (
    EmissionFactor,
    FactorDataset,
    ImportBatch,
    ReferenceRate,
    SpendLine,
)


def dataset(kind, version, *, rows=(), rates=(), currency="", dollar_year=None, name=None):
    """A FactorDataset with EmissionFactor ``rows`` (code, value, unit) or ReferenceRate
    ``rates`` (key, year, value)."""
    ds = FactorDataset.objects.create(
        kind=kind,
        name=name or f"Test {kind}",
        version=version,
        publisher="Tenderleaf tests",
        currency=currency,
        dollar_year=dollar_year,
        sha256=hashlib.sha256(f"{kind}{version}".encode()).hexdigest(),
        imported_by=system_user(),
        row_count=len(rows) or len(rates),
    )
    EmissionFactor.objects.bulk_create(
        EmissionFactor(dataset=ds, code=code, title=code, value=Decimal(value), unit=unit)
        for code, value, unit in rows
    )
    ReferenceRate.objects.bulk_create(
        ReferenceRate(dataset=ds, key=key, year=year, value=Decimal(value))
        for key, year, value in rates
    )
    return ds


def useeio(version="t1", factor_334413="0.215"):
    return dataset(
        "useeio",
        version,
        rows=[
            ("334413", factor_334413, "kg CO2e/2022 USD, purchaser price"),
            ("334111", "0.058", "kg CO2e/2022 USD, purchaser price"),
        ],
        currency="USD",
        dollar_year=2022,
    )


def reference_pack():
    """FX (1 USD = 0.8 EUR in 2024), a USD price index (2022 = 100, 2024 = 125), hardware
    (150 kg per GPU) and freight (air 0.5 kg per tonne-km)."""
    return {
        "fx": dataset("fx", "t1", rates=[("EUR", 2024, "0.8")], currency="USD"),
        "price_index": dataset(
            "price_index",
            "t1",
            rates=[("US_GDP", 2022, "100"), ("US_GDP", 2024, "125")],
            currency="USD",
        ),
        "hardware": dataset("hardware", "t1", rows=[("gpu", "150", "kg CO2e per GPU")]),
        "freight": dataset("freight", "t1", rows=[("air", "0.5", "kg CO2e per tonne-km")]),
    }


def batch():
    return ImportBatch.objects.create(
        file_sha256=hashlib.sha256(str(dt.datetime.now()).encode()).hexdigest(),
        status=ImportBatch.Status.IMPORTED,
        created_by=system_user(),
    )


def line(source, n, *, vendor=None, amount="100", currency="USD", naics="334413", **extra):
    return SpendLine(
        batch=source,
        row_number=n + 1,
        external_id=f"L{n:06d}",
        date=extra.pop("date", dt.date(2024, 3, 1)),
        vendor=vendor,
        vendor_match="id" if vendor else "unmatched",
        amount=Decimal(amount),
        currency=currency,
        naics=naics,
        **extra,
    )


def worked_ledger(vendor):
    """30 lines of 2024 (and one of 2023 that a 2024 run must ignore).

    Hand-computed (spend: amount * FX to USD * I2022/I2024 = * 0.8, * 0.215; lognormal ranges,
    multipliers u = 0.5: 0.5923459 .. 1.5850487, u = 0.3: 0.7335614 .. 1.3320054):
    - L000000 1,000 USD, 334413      -> 800 USD2022 * 0.215 = 172 kg  (101.883 .. 272.628)
    - L000001 1,000 EUR, 334413      -> 1,250 USD * 0.8 = 1,000 * 0.215 = 215 kg
    - L000002 1,000 USD, no NAICS, vendor default 334413 -> 172 kg, technology score 5
    - L000003 16 GPUs (also 400,000 USD at 334413: the better method only)
                                     -> 16 * 150 = 2,400 kg (1,760.547 .. 3,196.813)
    - L000004 air: 2,000 kg over 9,000 km -> 2 t * 9,000 km * 0.5 = 9,000 kg
    - L000005 unmatched vendor, no NAICS, 500 USD -> unaccounted (reason: no NAICS)
    - L000006..L000029 (24 lines) 100 USD at 334413 -> 17.2 kg each = 412.8 kg
    Total = 172 + 215 + 172 + 2,400 + 9,000 + 412.8 = 12,371.8 kg
    Shared sources: the 334413 factor row (971.8 kg at u = 0.5), the GPU factor (2,400 kg at
    u = 0.3), the air factor (9,000 kg at u = 0.3). Below each: 971.8 * 0.4076541 = 396.158,
    2,400 * 0.2664386 = 639.453, 9,000 * 0.2664386 = 2,397.947; above: 971.8 * 0.5850487 =
    568.550, 2,400 * 0.3320054 = 796.813, 9,000 * 0.3320054 = 2,988.049.
    Minus = sqrt(396.158² + 639.453² + 2,397.947²) = sqrt(6,315,994) = 2,513.164 kg;
    plus = sqrt(568.550² + 796.813² + 2,988.049²) = sqrt(9,886,597) = 3,144.296 kg.
    Range 9,858.636 .. 15,516.096 kg.
    """
    source = batch()
    lines = [
        line(source, 0, vendor=vendor, amount="1000"),
        line(source, 1, vendor=vendor, amount="1000", currency="EUR"),
        line(source, 2, vendor=vendor, amount="1000", naics=""),
        line(
            source,
            3,
            vendor=vendor,
            amount="400000",
            quantity=Decimal(16),
            unit="unit",
            hardware_class="gpu",
        ),
        line(
            source,
            4,
            vendor=vendor,
            amount="5000",
            naics="481112",
            weight_kg=Decimal(2000),
            distance_km=Decimal(9000),
            mode="air",
        ),
        line(source, 5, vendor=None, amount="500", naics=""),
        *(line(source, n, vendor=vendor) for n in range(6, 30)),
        line(source, 30, vendor=vendor, amount="99999", date=dt.date(2023, 12, 31)),
    ]
    SpendLine.objects.bulk_create(lines)
    return source


def big_ledger(vendors, count, *, start=0):
    """``count`` spend-based and hardware lines of 2024 spread over ``vendors``."""
    source = batch()
    lines = []
    for n in range(start, start + count):
        vendor = vendors[n % len(vendors)]
        if n % 10 == 0:
            lines.append(
                line(
                    source,
                    n,
                    vendor=vendor,
                    amount="3000",
                    quantity=Decimal(n % 7 + 1),
                    unit="unit",
                    hardware_class="gpu",
                )
            )
        else:
            lines.append(line(source, n, vendor=vendor, amount=f"{100 + n % 997}.25"))
    SpendLine.objects.bulk_create(lines, batch_size=2000)
    return source
