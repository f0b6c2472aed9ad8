"""Worked examples of the Scope 3 engine, one per method, computed by hand in the comments.

Ranges are lognormal (scope3/engine/uncertainty.py, docs/method.md "Uncertainty"): for a
relative uncertainty u, s² = ln(1 + (u/1.96)²), bounds = kg · exp(-s²/2 ∓ 1.96 s). The
multipliers used below, to six places: u = 0.10 -> 0.903721 .. 1.103664; u = 0.15 -> 0.858386
.. 1.158193; u = 0.20 -> 0.814923 .. 1.214464; u = 0.30 -> 0.733561 .. 1.332005; u = 0.50 ->
0.592346 .. 1.585049 (e.g. u = 0.5: (0.5/1.96)² = 0.065077, s² = ln 1.065077 = 0.063046,
s = 0.251089, exp(-0.031523 - 0.492125) = 0.592346).

No database: the engine is pure Python over dataclasses. Factor values here are test inputs
stated next to each example (the curated values ship in another module's tables).
"""

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D
from decimal import localcontext

import pytest

from scope3.engine import (
    AverageFactor,
    AverageKind,
    Category,
    DatasetRef,
    DisclosureInput,
    EstimationContext,
    FactorSet,
    FxTable,
    Method,
    PriceIndex,
    ProductFootprintInput,
    SpendFactor,
    SpendLineInput,
    allocation_bases,
    estimate_line,
    estimate_lines,
)

FACTORS = FactorSet(
    spend=DatasetRef(key="useeio", version="v1.3.0", region="US", reference_year=2022),
    hardware=DatasetRef(key="tl-hardware", version="2025.1", region="GLO", reference_year=2025),
    freight=DatasetRef(key="tl-freight", version="2025.1", region="GB", reference_year=2025),
    waste=DatasetRef(key="tl-waste", version="2025.1", region="GB", reference_year=2025),
)

SPEND_FACTORS = [
    # EPA v1.3.0, 334413 Semiconductor and related devices: 0.188 + 0.028 margins = 0.215.
    SpendFactor(
        dataset_key="useeio",
        code="334413",
        kgco2e_per_unit=D("0.215"),
        kgco2e_per_unit_without_margins=D("0.188"),
        margins_kgco2e_per_unit=D("0.028"),
        currency="USD",
        dollar_year=2022,
    ),
    SpendFactor(
        dataset_key="useeio",
        code="484110",
        kgco2e_per_unit=D("0.9"),
        currency="USD",
        dollar_year=2022,
    ),
    SpendFactor(
        dataset_key="useeio",
        code="562920",
        kgco2e_per_unit=D("0.988"),
        currency="USD",
        dollar_year=2022,
    ),
    SpendFactor(
        dataset_key="useeio",
        code="541512",
        kgco2e_per_unit=D("0.1"),
        currency="USD",
        dollar_year=2022,
    ),
]

AVERAGE_FACTORS = [
    AverageFactor(
        dataset_key="tl-hardware",
        kind=AverageKind.HARDWARE,
        code="gpu",
        kgco2e_per_unit=D("150"),
        unit="unit",
        source="BLOOM paper, 150 kgCO2e per GPU",
    ),
    AverageFactor(
        dataset_key="tl-freight",
        kind=AverageKind.FREIGHT,
        code="air",
        kgco2e_per_unit=D("1.128"),
        unit="tonne-km",
        source="test value",
    ),
    AverageFactor(
        dataset_key="tl-waste",
        kind=AverageKind.WASTE,
        code="weee-recycling",
        kgco2e_per_unit=D("21.28"),
        unit="tonne",
        source="test value",
    ),
]

# 1 USD = 0.8 EUR in 2024 (and 2023), 1.25 USD = 1 EUR: round numbers keep hand arithmetic exact.
FX = FxTable(rates={("EUR", 2024): D("0.8"), ("EUR", 2023): D("0.8")})
# US price index: 2022 = 100, 2023 = 105, 2024 = 110; 2025 deliberately absent.
PRICES = PriceIndex(values={2022: D("100"), 2023: D("105"), 2024: D("110")}, currency="USD")

ACME = 7  # a vendor id


def make_context(**overrides):
    kwargs = {
        "factor_set": FACTORS,
        "spend_factors": SPEND_FACTORS,
        "average_factors": AVERAGE_FACTORS,
        "fx": FX,
        "price_index": PRICES,
    }
    kwargs.update(overrides)
    return EstimationContext(**kwargs)


def line(**fields):
    defaults = {
        "line_id": 1,
        "external_id": "INV-1",
        "vendor_id": ACME,
        "date": dt.date(2022, 6, 1),
        "amount": D("10000"),
        "currency": "USD",
        "country": "US",
    }
    defaults.update(fields)
    return SpendLineInput(**defaults)


def disclosure(**fields):
    defaults = {
        "disclosure_id": "D-1",
        "vendor_id": ACME,
        "period_start": dt.date(2024, 1, 1),
        "period_end": dt.date(2024, 12, 31),
        "scope1_t": D("1000"),
        "scope2_market_t": D("4000"),
        "scope3_upstream_t": D("5000"),
        "upstream_categories": frozenset({1, 2, 3, 4}),
        "revenue": D("500000000"),
        "currency": "USD",
    }
    defaults.update(fields)
    return DisclosureInput(**defaults)


# Spend-based ------------------------------------------------------------------------------


def test_spend_based_in_the_datasets_own_dollar_year():
    # 10,000 USD spent in 2022, the dataset's dollar year: no FX, no deflation.
    # 10,000 * 0.215 kg/USD = 2,150 kg; u = 0.5: 2,150 * 0.592346 = 1,273.544 ..
    # 2,150 * 1.585049 = 3,407.855 kg. DQ: technology 4 (sector average, the line's NAICS),
    # temporal 1 (2022 data for 2022), geography 1 (US factor, US supplier), completeness 3,
    # reliability 3 (published secondary data): mean 2.4, rounded up to 3.
    result = estimate_line(make_context(), line(naics="334413"))

    assert result.method is Method.SPEND_BASED
    assert result.category is Category.PURCHASED_GOODS_AND_SERVICES
    assert result.kgco2e == D("2150.000")
    assert (result.low_kgco2e, result.high_kgco2e) == (D("1273.544"), D("3407.855"))
    assert (result.dq, result.dq_indicators) == (3, "41133")
    assert result.source_key == "factor:useeio:v1.3.0:334413"
    assert (result.factor_dataset, result.factor_version, result.factor_code) == (
        "useeio",
        "v1.3.0",
        "334413",
    )
    assert result.factor_kgco2e_per_unit == D("0.215")  # with margins, margins not added again
    assert (result.activity_value, result.activity_unit) == (D("10000.000"), "USD 2022")


def test_spend_based_converts_at_the_purchase_year_then_deflates():
    # 10,000 EUR on 2024-06-01; 1 USD = 0.8 EUR in 2024 -> 10,000 / 0.8 = 12,500 USD (2024).
    # Deflate to 2022 dollars: 12,500 * I2022 / I2024 = 12,500 * 100 / 110 = 11,363.6363... USD.
    # 11,363.6363... * 0.215 = 2,443.1818... kg -> 2,443.182 kg (half-even to the gram).
    # u = 0.5: 2,443.182 * 0.592346 = 1,447.209 and * 1.585049 = 3,872.563.
    result = estimate_line(
        make_context(),
        line(date=dt.date(2024, 6, 1), amount=D("10000"), currency="EUR", naics="334413"),
    )

    assert result.method is Method.SPEND_BASED
    assert result.activity_value == D("11363.636")
    assert result.activity_unit == "USD 2022"
    assert result.kgco2e == D("2443.182")
    assert (result.low_kgco2e, result.high_kgco2e) == (D("1447.209"), D("3872.563"))


@pytest.mark.parametrize(
    ("fields", "expected_reason"),
    [
        # No FX rate for JPY at all: never assume one.
        ({"currency": "JPY", "date": dt.date(2024, 3, 1)}, "no FX rate for JPY in 2024"),
        # EUR has rates for 2023 and 2024 only.
        ({"currency": "EUR", "date": dt.date(2021, 3, 1)}, "no FX rate for EUR in 2021"),
        # USD needs no rate, but 2025 prices cannot be deflated without the 2025 index value.
        ({"currency": "USD", "date": dt.date(2025, 3, 1)}, "no USD price index for 2025"),
    ],
)
def test_missing_rate_or_index_leaves_the_line_unaccounted_naming_it(fields, expected_reason):
    result = estimate_line(make_context(), line(naics="334413", **fields))

    assert result.method is Method.UNACCOUNTED
    assert expected_reason in result.reason
    assert result.kgco2e == D("0.000")
    assert result.dq is None


def test_vendor_default_naics_scores_technology_5():
    # Same 2,150 kg as the line's own code, but the code is a proxy: technology 5 instead of 4.
    result = estimate_line(make_context(), line(naics=None, vendor_naics="334413"))

    assert result.method is Method.SPEND_BASED
    assert result.kgco2e == D("2150.000")
    assert result.dq_indicators == "51133"
    assert "vendor's default" in result.reason


def test_line_naics_without_a_factor_falls_back_to_the_vendor_default():
    result = estimate_line(make_context(), line(naics="999999", vendor_naics="334413"))

    assert result.kgco2e == D("2150.000")
    assert result.dq_indicators[0] == "5"
    assert "no spend factor for NAICS 999999 in useeio v1.3.0" in result.notes


def test_credit_note_gives_negative_emissions_with_ordered_bounds():
    # -10,000 USD in 2022 * 0.215 = -2,150 kg; bounds -2,150 * 1.585049 = -3,407.855 ..
    # -2,150 * 0.592346 = -1,273.544.
    result = estimate_line(make_context(), line(amount=D("-10000"), naics="334413"))

    assert result.kgco2e == D("-2150.000")
    assert (result.low_kgco2e, result.high_kgco2e) == (D("-3407.855"), D("-1273.544"))


# Categories -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "category"),
    [
        ({"naics": "334413"}, Category.PURCHASED_GOODS_AND_SERVICES),
        ({"naics": "334413", "capital": True}, Category.CAPITAL_GOODS),
        ({"naics": "484110"}, Category.UPSTREAM_TRANSPORTATION),  # general freight trucking
        ({"vendor_naics": "484110"}, Category.UPSTREAM_TRANSPORTATION),
        ({"naics": "562920"}, Category.WASTE_GENERATED_IN_OPERATIONS),  # materials recovery
        ({"naics": "334413", "mode": "air"}, Category.UPSTREAM_TRANSPORTATION),
        (
            {"naics": "334413", "waste_treatment": "landfill"},
            Category.WASTE_GENERATED_IN_OPERATIONS,
        ),
    ],
)
def test_category_of_a_line(fields, category):
    assert estimate_line(make_context(), line(**fields)).category is category


def test_capital_flag_gives_category_2_with_the_same_number():
    result = estimate_line(make_context(), line(naics="334413", capital=True))

    assert result.category is Category.CAPITAL_GOODS
    assert result.kgco2e == D("2150.000")


# Hybrid -----------------------------------------------------------------------------------


def test_hybrid_from_a_cradle_to_gate_disclosure():
    # Vendor: Scope 1 = 1,000 t, Scope 2 market-based = 4,000 t, upstream Scope 3 (categories
    # 1-4) = 5,000 t, revenue 500,000,000 USD.
    # Intensity = 10,000 t / 500 M USD = 0.00002 t/USD = 0.02 kg/USD.
    # Our spend 2,000,000 USD -> 2,000,000 * 0.02 = 40,000 kg; u = 0.2 -> 40,000 * 0.81492295 =
    # 32,596.918 .. 40,000 * 1.21446403 = 48,578.561 (multipliers to eight places).
    # DQ: technology 2 (the supplier's business, not the product), temporal 1, geography 1,
    # completeness 2, reliability 2 (not verified): mean 1.6 -> 2.
    ctx = make_context(disclosures=[disclosure()])
    result = estimate_line(ctx, line(date=dt.date(2024, 5, 1), amount=D("2000000"), naics="334413"))

    assert result.method is Method.HYBRID
    assert result.kgco2e == D("40000.000")
    assert (result.low_kgco2e, result.high_kgco2e) == (D("32596.918"), D("48578.561"))
    assert (result.dq, result.dq_indicators) == (2, "21122")
    assert result.disclosure_id == "D-1"
    assert result.source_key == "disclosure:D-1"
    assert result.factor_kgco2e_per_unit == D("0.02")
    assert "upstream Scope 3 categories 1, 2, 3, 4" in result.reason


def test_scope_1_and_2_only_disclosure_never_outranks_a_complete_estimate():
    # The review's example: 250,000 USD of NAICS 334413 in 2022 from a vendor with Scope 1 =
    # 5,000 t, Scope 2 market = 15,000 t, revenue 4 B USD and no upstream Scope 3. The old
    # hybrid gave 250,000 * 20,000 t / 4 B USD = 1.25 t = 1,250 kg at DQ 2: tier 1 only.
    # Now the line falls to spend-based: 250,000 * 0.215 = 53,750 kg, and the notes say why.
    tier1 = disclosure(
        period_start=dt.date(2022, 1, 1),
        period_end=dt.date(2022, 12, 31),
        scope1_t=D("5000"),
        scope2_market_t=D("15000"),
        scope3_upstream_t=None,
        upstream_categories=frozenset(),
        revenue=D("4000000000"),
        verified=True,
    )
    result = estimate_line(
        make_context(disclosures=[tier1]), line(amount=D("250000"), naics="334413")
    )

    assert result.method is Method.SPEND_BASED
    assert result.kgco2e == D("53750.000")
    assert any("reports Scope 1 and 2 only: no upstream Scope 3" in n for n in result.notes)


def test_partial_upstream_coverage_names_the_missing_categories():
    partial = disclosure(upstream_categories=frozenset({1, 4}))
    result = estimate_line(
        make_context(disclosures=[partial]),
        line(date=dt.date(2024, 5, 1), amount=D("2000000"), naics="334413"),
    )

    assert result.method is Method.SPEND_BASED
    assert any("categories 1, 4 only; categories 2, 3 are missing" in note for note in result.notes)


@pytest.mark.parametrize(
    ("fields", "amount", "currency", "kg", "reliability"),
    [
        # Verified: same 40,000 kg, reliability 1.
        ({"verified": True}, "2000000", "USD", "40000.000", "1"),
        # Spend in EUR, disclosure in USD: 1,600,000 EUR / 0.8 = 2,000,000 USD -> 40,000 kg.
        ({}, "1600000", "EUR", "40000.000", "2"),
        # Disclosure in EUR with revenue 400 M EUR, spend 2,000,000 USD * 0.8 = 1,600,000 EUR:
        # 10,000 t / 400 M EUR * 1.6 M EUR = 40 t.
        ({"currency": "EUR", "revenue": D("400000000")}, "2000000", "USD", "40000.000", "2"),
        # Credit note of 500,000 USD: -500,000 * 0.02 = -10,000 kg.
        ({}, "-500000", "USD", "-10000.000", "2"),
    ],
)
def test_hybrid_variants(fields, amount, currency, kg, reliability):
    ctx = make_context(disclosures=[disclosure(**fields)])
    result = estimate_line(
        ctx, line(date=dt.date(2024, 5, 1), amount=D(amount), currency=currency, naics="334413")
    )

    assert result.method is Method.HYBRID
    assert result.kgco2e == D(kg)
    assert result.dq_indicators[4] == reliability


def test_hybrid_from_the_vendors_allocation_spread_pro_rata_by_spend():
    # The vendor allocated 30 t (cradle-to-gate) to us for 2024, ±15 %. Our 2024 lines from it:
    # 3,000,000 USD and 1,000,000 USD -> base 4,000,000 USD. Shares: 30,000 kg * 3/4 = 22,500
    # kg and * 1/4 = 7,500. Bounds of the first (u = 0.15): 22,500 * 0.858386 = 19,313.691 ..
    # 22,500 * 1.158193 = 26,059.342.
    ctx = make_context(
        disclosures=[
            disclosure(
                allocated_to_us_t=D("30"),
                allocation_boundary="cradle_to_gate",
                allocation_uncertainty_pct=D("15"),
                verified=True,
            )
        ]
    )
    lines = [
        line(line_id=1, date=dt.date(2024, 2, 1), amount=D("3000000"), naics="334413"),
        line(line_id=2, date=dt.date(2024, 9, 1), amount=D("1000000"), naics="334413"),
    ]

    first, second = estimate_lines(ctx, lines)

    assert [first.method, second.method] == [Method.HYBRID, Method.HYBRID]
    assert (first.kgco2e, second.kgco2e) == (D("22500.000"), D("7500.000"))
    assert (first.low_kgco2e, first.high_kgco2e) == (D("19313.691"), D("26059.342"))
    assert first.dq == 2
    assert "allocation" in first.reason

    # A chunked run pins the bases over all lines first; a chunk with only the second line
    # then still gets its 7,500 kg share, not the whole 30 t.
    bases = allocation_bases(ctx, iter(lines))
    assert {key: base.total for key, base in bases.items()} == {"D-1": D("4000000")}
    pinned = ctx.with_allocation_bases(bases)
    (alone,) = estimate_lines(pinned, [lines[1]])
    assert alone.kgco2e == D("7500.000")


def test_allocation_across_calendar_years_is_split_never_counted_twice():
    # The review's example: a disclosure for 2022-10-01..2023-09-30 allocates 60 t to us. Our
    # lines from the vendor: 300,000 USD in Nov 2022 and 100,000 USD in Mar 2023. The base is
    # all the vendor's lines in the period, whatever their year: 400,000 USD.
    # 2022 run: 60 t * 300,000 / 400,000 = 45 t; 2023 run: 60 t * 100,000 / 400,000 = 15 t.
    # 45 + 15 = 60 t: the allocation once, not 60 t in each year (120 t) as before.
    fiscal = disclosure(
        period_start=dt.date(2022, 10, 1),
        period_end=dt.date(2023, 9, 30),
        allocated_to_us_t=D("60"),
        allocation_boundary="cradle_to_gate",
    )
    ctx = make_context(disclosures=[fiscal])
    november = line(line_id=1, date=dt.date(2022, 11, 15), amount=D("300000"), naics="334413")
    march = line(line_id=2, date=dt.date(2023, 3, 15), amount=D("100000"), naics="334413")
    pinned = ctx.with_allocation_bases(allocation_bases(ctx, [november, march]))

    (run_2022,) = estimate_lines(pinned, [november])
    (run_2023,) = estimate_lines(pinned, [march])

    assert run_2022.kgco2e == D("45000.000")
    assert run_2023.kgco2e == D("15000.000")
    assert "300,000.00 USD of them in 2022 (75.0 %, 45.000 t)" in run_2022.reason
    assert "100,000.00 USD of them in 2023 (25.0 %, 15.000 t)" in run_2023.reason
    assert "400,000.00 USD of lines with the vendor in its period" in run_2023.reason


def test_allocation_covering_scope_1_and_2_only_is_not_cradle_to_gate():
    # Same vendor, but its allocation says it covers Scope 1 and 2 only, and the disclosure has
    # no upstream Scope 3 either: no hybrid figure; the line is estimated spend-based.
    s12 = disclosure(
        allocated_to_us_t=D("30"),
        allocation_boundary="scope12",
        scope3_upstream_t=None,
        upstream_categories=frozenset(),
    )
    result = estimate_line(
        make_context(disclosures=[s12]),
        line(date=dt.date(2024, 5, 1), amount=D("2000000"), naics="334413"),
    )

    assert result.method is Method.SPEND_BASED
    assert any("covers Scope 1 and 2 only" in note for note in result.notes)


def test_disclosure_not_covering_the_date_falls_back_with_a_note():
    ctx = make_context(disclosures=[disclosure()])
    result = estimate_line(ctx, line(date=dt.date(2023, 5, 1), naics="334413"))

    assert result.method is Method.SPEND_BASED
    assert "no accepted disclosure from the vendor covers 2023-05-01" in result.notes


# Average-data -----------------------------------------------------------------------------


def test_average_data_hardware():
    # 16 GPUs * 150 kgCO2e per GPU = 2,400 kg; u = 0.3 -> 2,400 * 0.733561 = 1,760.547 ..
    # 2,400 * 1.332005 = 3,196.813. DQ: technology 3 (average of the class), temporal 2 (2025
    # data for 2022: 3 years), geography 3 (global average for a US purchase), completeness 3,
    # reliability 3: mean 2.8 -> 3.
    result = estimate_line(
        make_context(), line(quantity=D("16"), unit="units", hardware_class="GPU")
    )

    assert result.method is Method.AVERAGE_DATA
    assert result.kgco2e == D("2400.000")
    assert (result.low_kgco2e, result.high_kgco2e) == (D("1760.547"), D("3196.813"))
    assert (result.dq, result.dq_indicators) == (3, "32333")
    assert (result.factor_dataset, result.factor_code) == ("tl-hardware", "gpu")
    assert result.factor_source == "BLOOM paper, 150 kgCO2e per GPU"
    assert (result.activity_value, result.activity_unit) == (D("16.000"), "unit")


def test_transport_weight_distance_mode():
    # 2,000 kg = 2 t over 9,000 km by air: 2 * 9,000 = 18,000 tonne-km.
    # At the test's air factor of 1.128 kgCO2e per tonne-km: 18,000 * 1.128 = 20,304 kg.
    # u = 0.3 -> 20,304 * 0.733561 = 14,894.230 .. 20,304 * 1.332005 = 27,045.038.
    result = estimate_line(
        make_context(),
        line(weight_kg=D("2000"), distance_km=D("9000"), mode="Air", naics="484110"),
    )

    assert result.category is Category.UPSTREAM_TRANSPORTATION
    assert result.method is Method.AVERAGE_DATA
    assert (result.activity_value, result.activity_unit) == (D("18000.000"), "tonne-km")
    assert result.kgco2e == D("20304.000")
    assert (result.low_kgco2e, result.high_kgco2e) == (D("14894.230"), D("27045.038"))


@pytest.mark.parametrize(
    "fields",
    [
        {"waste_tonnes": D("0.5")},
        {"weight_kg": D("500")},  # no tonnage column: 500 kg = 0.5 t
    ],
)
def test_waste_tonnes_times_treatment(fields):
    # 0.5 t of WEEE recycled at the test's 21.28 kgCO2e per tonne: 0.5 * 21.28 = 10.64 kg.
    result = estimate_line(make_context(), line(waste_treatment="WEEE-recycling", **fields))

    assert result.category is Category.WASTE_GENERATED_IN_OPERATIONS
    assert result.method is Method.AVERAGE_DATA
    assert result.kgco2e == D("10.640")
    # Technology 3, temporal 2 (2025 data, 2022 purchase), geography 4 (GB factor, US
    # purchase), completeness 3, reliability 3: mean 3.0 -> 3.
    assert (result.dq, result.dq_indicators) == (3, "32433")


# Supplier-specific ------------------------------------------------------------------------


@pytest.mark.parametrize(("assured", "dq"), [(True, 1), (False, 2)])
def test_supplier_specific_product_footprint(assured, dq):
    # 4 HGX boards * 1,312 kgCO2e per board = 5,248 kg; u = 0.1 -> 5,248 * 0.903721 =
    # 4,742.728 .. 5,248 * 1.103664 = 5,792.029 (to six places; the engine keeps all digits:
    # 4,742.726 .. 5,792.026). DQ all 1 when assured; reliability 2 otherwise (mean 1.2 -> 2).
    footprint = ProductFootprintInput(
        footprint_id="PF-9",
        vendor_id=ACME,
        product_id="HGX-H100-8",
        kgco2e_per_declared_unit=D("1312"),
        declared_unit="unit",
        assured=assured,
    )
    result = estimate_line(
        make_context(product_footprints=[footprint]),
        line(product_id="HGX-H100-8", quantity=D("4"), naics="334413"),
    )

    assert result.method is Method.SUPPLIER_SPECIFIC
    assert result.kgco2e == D("5248.000")
    assert (result.low_kgco2e, result.high_kgco2e) == (D("4742.726"), D("5792.026"))
    assert result.dq == dq
    assert result.product_footprint_id == "PF-9"


def test_line_eligible_for_several_methods_uses_the_best_only():
    # The line could be estimated four ways: footprint 16 * 100 = 1,600 kg; hybrid
    # 10,000 USD * 0.02 = 200 kg; average 16 * 150 = 2,400 kg; spend 10,000 * 0.215 = 2,150 kg.
    # Only the supplier-specific 1,600 kg is counted: one result, not a sum.
    footprint = ProductFootprintInput(
        footprint_id="PF-1",
        vendor_id=ACME,
        product_id="GPU-X",
        kgco2e_per_declared_unit=D("100"),
    )
    ctx = make_context(product_footprints=[footprint], disclosures=[disclosure()])
    both = line(
        date=dt.date(2024, 5, 1),
        naics="334413",
        product_id="GPU-X",
        quantity=D("16"),
        hardware_class="gpu",
    )

    results = estimate_lines(ctx, [both])

    assert len(results) == 1
    assert results[0].method is Method.SUPPLIER_SPECIFIC
    assert results[0].kgco2e == D("1600.000")

    # Without the product id the hybrid disclosure wins over average-data and spend-based.
    (hybrid,) = estimate_lines(ctx, [replace(both, product_id="")])
    assert hybrid.method is Method.HYBRID
    assert hybrid.kgco2e == D("200.000")


# Unaccounted ------------------------------------------------------------------------------


def test_unmatched_line_without_naics_is_unaccounted_with_its_reason():
    result = estimate_line(make_context(), line(vendor_id=None, naics=None, vendor_naics=None))

    assert result.method is Method.UNACCOUNTED
    assert result.kgco2e == result.low_kgco2e == result.high_kgco2e == D("0")
    assert result.dq is None
    assert "no NAICS code on the line or its vendor" in result.reason
    assert "no matched vendor for supplier data" in result.reason


def test_results_do_not_depend_on_the_callers_decimal_context():
    lines = [line(date=dt.date(2024, 6, 1), currency="EUR", naics="334413")]
    expected = estimate_lines(make_context(), lines)
    with localcontext() as ctx:
        ctx.prec = 4
        assert estimate_lines(make_context(), lines) == expected
    assert expected[0].kgco2e == D("2443.182")


# Context validation ------------------------------------------------------------------------


def test_context_refuses_factors_of_a_dataset_the_run_did_not_pin():
    stray = replace(SPEND_FACTORS[0], dataset_key="useeio-old")
    with pytest.raises(ValueError, match="does not pin"):
        make_context(spend_factors=[stray])


def test_context_refuses_a_freight_factor_not_per_tonne_km():
    per_kg_km = replace(AVERAGE_FACTORS[1], unit="kg-km")
    with pytest.raises(ValueError, match="tonne-km"):
        make_context(average_factors=[per_kg_km])


def test_context_refuses_duplicate_codes():
    with pytest.raises(ValueError, match="duplicate"):
        make_context(spend_factors=[SPEND_FACTORS[0], SPEND_FACTORS[0]])
