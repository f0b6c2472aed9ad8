"""The reconciliation rules on plain values, without a database: worked examples by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from reconciliation import rules
from vendors.plausibility import DisclosureFacts


def disclosure(pk, *, revenue, currency="USD", fx=None, factor="0.215", naics="334413", **scopes):
    return rules.DisclosureInput(
        disclosure_id=pk,
        vendor_id=pk * 10,
        vendor_name=f"Vendor {pk}",
        label="FY2025",
        facts=DisclosureFacts(
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
            revenue=D(revenue) if revenue is not None else None,
            revenue_currency=currency,
            fx_units_per_usd=D(fx) if fx else None,
            sector_factor_kg_per_usd=D(factor) if factor else None,
            naics_code=naics,
            **{name: D(value) for name, value in scopes.items()},
        ),
    )


def test_intensity_within_and_outside_the_bounds():
    # Factor 0.215 kgCO2e/USD = 215 tCO2e per million USD.
    # #1: (300 + market 200) t on 10 M USD = 50 t/M; 50 / 215 = 0.2326 -> within 0.2 .. 5.
    # #2: (100 + location 50, no market) t on 8 M EUR / 0.8 = 10 M USD = 15 t/M;
    #     15 / 215 = 0.0698 -> below 0.2: flagged.
    # #3: factor 0.058 = 58 t/M; (400 + 100) t on 1 M USD = 500 t/M; 500 / 58 = 8.6207 -> above 5.
    # #4: no revenue: cannot be checked.
    outcome = rules.disclosure_intensity_check(
        [
            disclosure(
                1,
                revenue="10000000",
                scope1_tco2e="300",
                scope2_market_tco2e="200",
                scope2_location_tco2e="900",
            ),
            disclosure(
                2,
                revenue="8000000",
                currency="EUR",
                fx="0.8",
                scope1_tco2e="100",
                scope2_location_tco2e="50",
            ),
            disclosure(
                3,
                revenue="1000000",
                factor="0.058",
                naics="334111",
                scope1_tco2e="400",
                scope2_market_tco2e="100",
            ),
            disclosure(4, revenue=None, scope1_tco2e="10"),
        ],
        low=D("0.2"),
        high=D(5),
    )

    found = {f.key: f for f in outcome.findings}
    assert set(found) == {"disclosure:2", "disclosure:3"}
    assert found["disclosure:2"].figure == D("0.0698")
    assert found["disclosure:2"].details["revenue_usd"] == "10000000.00"
    assert "15 tCO2e per million USD (converted to USD)" in found["disclosure:2"].summary
    assert found["disclosure:3"].figure == D("8.6207")
    assert found["disclosure:3"].target == ("vendors.emissionsdisclosure", 3)
    assert outcome.cleared["disclosure:1"].startswith("back within bounds")
    assert outcome.unchecked == {"disclosure:4"}


def test_spend_above_threshold_without_contract():
    # #1: 60,000 USD + 40,000 EUR / 0.8 = 110,000 USD > 100,000 and no contract: flagged.
    # #2: 150,000 USD but a contract: fine. #3: 120,000 - 30,000 (credit) = 90,000: fine.
    # #4: 150,000 GBP without a rate: 0 USD counted, so whether it is above is not known.
    spend = [
        rules.VendorSpend(1, "One", "USD", D(60000), 3),
        rules.VendorSpend(1, "One", "EUR", D(40000), 1),
        rules.VendorSpend(2, "Two", "USD", D(150000), 1),
        rules.VendorSpend(3, "Three", "USD", D(90000), 2),
        rules.VendorSpend(4, "Four", "GBP", D(150000), 1),
    ]
    rates = {"USD": D(1), "EUR": D("0.8")}

    outcome = rules.spend_without_contract_check(
        spend,
        year=2025,
        threshold_usd=D(100000),
        contracted={2},
        units_per_usd=rates.get,
    )

    assert [f.key for f in outcome.findings] == ["vendor:1:2025"]
    assert outcome.findings[0].figure == D("110000.00")
    assert outcome.findings[0].details["lines"] == 4
    assert "110,000 USD" in outcome.findings[0].summary
    assert "contract" in outcome.cleared["vendor:2:2025"]
    assert "90,000 USD" in outcome.cleared["vendor:3:2025"]
    assert outcome.unchecked == {"vendor:4:2025"}


def test_unmatched_ledger_names_are_grouped_by_normalised_name():
    # "Globex Corporation" and "GLOBEX Corp." are one vendor (2 lines, 1,500 USD);
    # "Initech" 200 EUR = 250 USD; "Acme Accelerators Inc" now matches the master: no flag.
    from scope3.importers.spend import tax_id_normalise, vendor_name_normalise

    spend = [
        rules.UnmatchedSpend("Globex Corporation", "", "USD", D(1000), 1),
        rules.UnmatchedSpend("GLOBEX Corp.", "", "USD", D(500), 1),
        rules.UnmatchedSpend("Initech", "", "EUR", D(200), 1),
        rules.UnmatchedSpend("Acme Accelerators Inc", "", "USD", D(99), 1),
    ]

    outcome = rules.vendor_not_in_master_check(
        spend,
        year=2025,
        normalise_name=vendor_name_normalise,
        normalise_tax_id=tax_id_normalise,
        match_now=lambda name, tax_id: 7 if name.startswith("Acme") else None,
        units_per_usd={"USD": D(1), "EUR": D("0.8")}.get,
    )

    found = {f.key: f for f in outcome.findings}
    assert set(found) == {"ledger-vendor:2025:globex", "ledger-vendor:2025:initech"}
    assert found["ledger-vendor:2025:globex"].details["lines"] == 2
    assert found["ledger-vendor:2025:globex"].figure == D("1500.00")
    assert found["ledger-vendor:2025:initech"].details["spend_usd"] == "250.00"
    assert "vendor #7" in outcome.cleared["ledger-vendor:2025:acme accelerators"]


def Q(code, vendor, units, rows=1):
    return rules.Quantity(code, vendor, f"Vendor {vendor}" if vendor else "", D(units), rows)


@pytest.mark.parametrize(
    ("ledger", "inventory", "expected"),
    [
        # 16 bought, 2 returned = 14; 10 + 4 in service: equal.
        ([Q("gpu", 1, 16), Q("gpu", 1, -2)], [Q("gpu", 1, 10), Q("gpu", 1, 4)], {}),
        # 10 servers bought, 6 in service: 4 > max(0, 5 % of 10 = 0.5).
        ([Q("server", 1, 10)], [Q("server", 1, 6)], {"hardware:server:vendor:1:2025": D(4)}),
        # 100 bought, 96 in service: 4 <= 5 % of 100 = 5.
        ([Q("tpu", 2, 100)], [Q("tpu", 2, 96)], {}),
        # An inventory row without a vendor: compared per class; 8 - 0 = 8.
        ([Q("gpu", 1, 8)], [Q("gpu", None, 0)], {"hardware:gpu:2025": D(8)}),
        # In service but never bought: -3.
        ([], [Q("gpu", 3, 3)], {"hardware:gpu:vendor:3:2025": D(-3)}),
    ],
)
def test_asset_quantities(ledger, inventory, expected):
    outcome = rules.asset_quantity_check(
        ledger, inventory, year=2025, tolerance_units=D(0), tolerance_pct=D(5)
    )

    assert {f.key: f.figure for f in outcome.findings} == expected


def test_asset_quantities_tolerance_in_units():
    outcome = rules.asset_quantity_check(
        [Q("gpu", 1, 10)], [Q("gpu", 1, 7)], year=2025, tolerance_units=D(3), tolerance_pct=D(0)
    )

    assert outcome.findings == []


def test_without_an_inventory_nothing_is_compared():
    outcome = rules.asset_quantity_check(
        [Q("gpu", 1, 8)], None, year=2025, tolerance_units=D(0), tolerance_pct=D(5)
    )

    assert not outcome.ran
    assert outcome.findings == []


@pytest.mark.parametrize(
    ("before", "after", "material"),
    [
        (D(110000), D(112000), False),  # 1.8 %
        (D(110000), D(200000), True),  # 81.8 %
        (D("0.0698"), D("0.0620"), True),  # 11.2 %
        (D(0), D(0), False),
        (None, D(1), True),
    ],
)
def test_material_change_at_ten_percent(before, after, material):
    assert rules.material_change(before, after, pct=D(10)) is material
