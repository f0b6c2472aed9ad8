"""Fast, valid seed data for the load test: bulk inserts and PostgreSQL COPY, not the services.

The per-object services write history and audit events for every row, which is right for real
use and far too slow for two million rows. Everything here satisfies the models' constraints and
choices; what is skipped is the history of rows that "existed before" the run (the load test's own
writes go through the normal services and are tracked).

Called by ``run.py`` inside a migrated throwaway database; returns the credentials the locust file
needs (written to a JSON file by the caller).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from decimal import Decimal

PASSWORD = "load-test-Passw0rd-2026"  # noqa: S105 - throwaway database, dropped after the run
CATEGORIES = ["accelerators", "servers", "storage", "networking", "cloud", "colocation"]
COUNTRIES = ["US", "DE", "FR", "IE", "NL", "TW", "JP", "SG", "GB", "SE"]


def _say(message: str, started: float) -> None:
    print(f"  seed: {message} ({time.perf_counter() - started:.1f} s)", flush=True)


def seed(*, vendors: int, disclosures: int, rfps: int, spend_lines: int, users: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from procurement.models import Bid, BidAnswer, Rfp, RfpCriterion
    from scope3.models import ImportBatch
    from vendors.models import EmissionsDisclosure, Vendor, VendorMembership

    rng = random.Random(9)
    started = time.perf_counter()
    user_model = get_user_model()
    now = timezone.now()
    # One hash for every load-test account: hashing tens of passwords at the production work
    # factor would only slow the seed.
    password_hash = make_password(PASSWORD)

    with transaction.atomic():
        vendor_rows = Vendor.objects.bulk_create(
            [
                Vendor(
                    name=f"Load Vendor {i:05d}",
                    legal_name=f"Load Vendor {i:05d} GmbH",
                    country=COUNTRIES[i % len(COUNTRIES)],
                    naics_code="334413",
                    category=CATEGORIES[i % len(CATEGORIES)],
                    status=Vendor.Status.ACTIVE,
                    tax_id=f"LT-{i:08d}",
                )
                for i in range(vendors)
            ],
            batch_size=2000,
        )
        _say(f"{len(vendor_rows)} vendors", started)

        procurement = Group.objects.get(name="procurement")
        officers = user_model.objects.bulk_create(
            [
                user_model(
                    username=f"load-officer-{i}",
                    email=f"load-officer-{i}@buyer.invalid",
                    password=password_hash,
                    is_staff=True,
                )
                for i in range(users)
            ]
        )
        procurement.user_set.add(*officers)
        devices = TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(
                    user=officer,
                    name="Authenticator app",
                    confirmed=True,
                    key=secrets.token_hex(20),
                )
                for officer in officers
            ]
        )
        vendor_users = user_model.objects.bulk_create(
            [
                user_model(
                    username=f"load-vendor-{i}",
                    email=f"load-vendor-{i}@vendor.invalid",
                    password=password_hash,
                )
                for i in range(users)
            ]
        )
        VendorMembership.objects.bulk_create(
            [
                VendorMembership(user=user, vendor=vendor_rows[i % len(vendor_rows)], role="admin")
                for i, user in enumerate(vendor_users)
            ]
        )
        _say(f"{users} officers with authenticators, {users} vendor users", started)

        per_vendor = max(1, disclosures // max(1, vendors))
        rows = []
        for n in range(disclosures):
            vendor = vendor_rows[n % len(vendor_rows)]
            year = 2025 - (n // len(vendor_rows)) % per_vendor
            scope1 = Decimal(rng.randrange(50, 90000))
            # One accepted disclosure per vendor and year (a constraint); any remainder rows that
            # wrap around to a year already taken stay submitted.
            accepted = year < 2025 and n < len(vendor_rows) * per_vendor
            rows.append(
                EmissionsDisclosure(
                    vendor=vendor,
                    reporting_entity=f"{vendor.name} group",
                    period_start=dt.date(year, 1, 1),
                    period_end=dt.date(year, 12, 31),
                    scope1_tco2e=scope1,
                    scope2_location_tco2e=scope1 * Decimal("1.4"),
                    scope2_market_tco2e=scope1 * Decimal("0.9"),
                    revenue=Decimal(rng.randrange(5, 5000)) * Decimal(1_000_000),
                    revenue_currency="USD",
                    verification="limited" if n % 3 == 0 else "none",
                    verification_standard="iso_14064_3" if n % 3 == 0 else "",
                    verifier="Assurance Partners" if n % 3 == 0 else "",
                    status=(
                        EmissionsDisclosure.Status.ACCEPTED
                        if accepted
                        else EmissionsDisclosure.Status.SUBMITTED
                    ),
                    created_by=officers[0],
                    submitted_at=now,
                    reviewed_by=officers[0] if accepted else None,
                    reviewed_at=now if accepted else None,
                )
            )
        EmissionsDisclosure.objects.bulk_create(rows, batch_size=2000)
        _say(f"{len(rows)} disclosures", started)

        rfp_rows = Rfp.objects.bulk_create(
            [
                Rfp(
                    title=f"Load RFP {r:04d}: {CATEGORIES[r % len(CATEGORIES)]} capacity",
                    category=CATEGORIES[r % len(CATEGORIES)],
                    description="GPU servers for the training cluster, delivered in three waves.",
                    deadline=now - dt.timedelta(days=1 + r % 30),
                    status=Rfp.Status.CLOSED,
                    created_by=officers[0],
                    published_at=now - dt.timedelta(days=40),
                )
                for r in range(rfps)
            ]
        )
        criteria = []
        for rfp in rfp_rows:
            criteria += [
                RfpCriterion(
                    rfp=rfp, name="Price", rule="numeric_lower", weight=50, order=1, unit="USD"
                ),
                RfpCriterion(
                    rfp=rfp,
                    name="Energy efficiency",
                    rule="numeric_higher",
                    weight=30,
                    order=2,
                    is_sustainability=True,
                    unit="TFLOPS/W",
                ),
                RfpCriterion(
                    rfp=rfp,
                    name="ISO 14001 certified",
                    rule="yes_no",
                    weight=20,
                    order=3,
                    is_sustainability=True,
                ),
            ]
        RfpCriterion.objects.bulk_create(criteria)
        through = Rfp.invited_vendors.through
        invitations, bids = [], []
        for r, rfp in enumerate(rfp_rows):
            invited = {(r * 7 + k) % len(vendor_rows) for k in range(10)} | {r % max(1, users)}
            for v in sorted(invited):
                invitations.append(through(rfp_id=rfp.pk, vendor_id=vendor_rows[v].pk))
            for v in sorted(invited)[:8]:
                bids.append(
                    Bid(
                        rfp=rfp,
                        vendor=vendor_rows[v],
                        status=Bid.Status.SUBMITTED,
                        price=Decimal(rng.randrange(200_000, 5_000_000)),
                        created_by=officers[0],
                        submitted_at=now - dt.timedelta(days=2 + r % 30),
                    )
                )
        through.objects.bulk_create(invitations)
        Bid.objects.bulk_create(bids, batch_size=2000)
        by_rfp: dict[int, list[RfpCriterion]] = {}
        for criterion in criteria:
            by_rfp.setdefault(criterion.rfp_id, []).append(criterion)
        answers = []
        for bid in bids:
            price, efficiency, iso = by_rfp[bid.rfp_id]
            answers += [
                BidAnswer(bid=bid, criterion=price, value_number=bid.price),
                BidAnswer(
                    bid=bid,
                    criterion=efficiency,
                    value_number=Decimal(rng.randrange(20, 90)) / 10,
                ),
                BidAnswer(bid=bid, criterion=iso, value_bool=rng.random() < 0.6),
            ]  # fmt: skip
        BidAnswer.objects.bulk_create(answers, batch_size=5000)
        _say(f"{len(rfp_rows)} RFPs, {len(invitations)} invitations, {len(bids)} bids", started)

    _spend_copy(spend_lines, vendor_rows, officers[0], rng, ImportBatch)
    _say(f"{spend_lines} spend lines", started)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    _say("VACUUM ANALYZE", started)
    return {
        "password": PASSWORD,
        "officers": [
            {"username": o.username, "key": d.key} for o, d in zip(officers, devices, strict=True)
        ],
        "vendors": [u.username for u in vendor_users],
        "rfps": [rfp.pk for rfp in rfp_rows],
    }


def _spend_copy(lines: int, vendor_rows, creator, rng, import_batch_model) -> None:
    """Spend ledgers of 100,000 lines each, loaded with COPY (executemany on SQLite)."""
    from django.db import connection, transaction

    columns = [
        "batch_id", "row_number", "external_id", "date", "vendor_id", "vendor_match",
        "vendor_name", "vendor_tax_id", "amount", "currency", "naics", "description",
        "gl_account", "quantity", "unit", "hardware_class", "product_id", "weight_kg",
        "distance_km", "mode", "waste_treatment", "capital",
    ]  # fmt: skip
    per_batch = 100_000
    done = 0
    while done < lines:
        size = min(per_batch, lines - done)
        batch = import_batch_model.objects.create(
            file_sha256=secrets.token_hex(32),
            original_name=f"ledger-{done // per_batch + 1:02d}.csv",
            size_bytes=size * 140,
            status="imported",
            total_rows=size,
            accepted_rows=size,
            created_by=creator,
        )

        def rows(batch=batch, start=done, size=size):
            for n in range(start, start + size):
                v = rng.randrange(len(vendor_rows))
                matched = rng.random() < 0.85
                hardware = rng.random() < 0.2
                yield (
                    batch.pk, n - start + 2, f"L{n:09d}",
                    dt.date(2025, rng.randrange(1, 13), rng.randrange(1, 29)),
                    vendor_rows[v].pk if matched else None, "tax_id" if matched else "unmatched",
                    vendor_rows[v].name if matched else f"Unknown supplier {v}",
                    vendor_rows[v].tax_id if matched else "",
                    Decimal(rng.randrange(-50_000, 25_000_000)) / 100, "USD",
                    rng.choice(["334413", "334111", "518210", "541512"]),
                    "Purchase of goods and services for the AI cluster",
                    f"6{rng.randrange(100, 999)}",
                    rng.randrange(1, 64) if hardware else None, "each" if hardware else "",
                    "gpu" if hardware else "", "", None, None, "", "", False,
                )  # fmt: skip

        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = f"COPY scope3_spendline ({', '.join(columns)}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows():
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO scope3_spendline ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                    list(rows()),
                )
        done += size
