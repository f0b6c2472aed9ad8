"""Properties of the engine over random valid ledgers (hypothesis, no database)."""

import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from scope3.engine import (
    AverageFactor,
    AverageKind,
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
    combine_totals,
    estimate_lines,
)

FACTORS = FactorSet(
    spend=DatasetRef(key="useeio", version="v1.3.0"),
    hardware=DatasetRef(key="hw", version="1"),
    freight=DatasetRef(key="fr", version="1"),
    waste=DatasetRef(key="wa", version="1", relative_uncertainty=D("0.4")),
)


def build_context():
    return EstimationContext(
        factor_set=FACTORS,
        spend_factors=[
            SpendFactor(
                dataset_key="useeio",
                code=code,
                kgco2e_per_unit=D(v),
                currency="USD",
                dollar_year=2022,
            )
            for code, v in (("334413", "0.215"), ("484110", "0.9"), ("562920", "0.988"))
        ],
        average_factors=[
            AverageFactor(
                dataset_key="hw",
                kind=AverageKind.HARDWARE,
                code="gpu",
                kgco2e_per_unit=D("150"),
                unit="unit",
            ),
            AverageFactor(
                dataset_key="fr",
                kind=AverageKind.FREIGHT,
                code="air",
                kgco2e_per_unit=D("1.128"),
                unit="tkm",
            ),
            AverageFactor(
                dataset_key="wa",
                kind=AverageKind.WASTE,
                code="landfill",
                kgco2e_per_unit=D("467"),
                unit="t",
            ),
        ],
        product_footprints=[
            ProductFootprintInput(
                footprint_id="PF", vendor_id=1, product_id="P1", kgco2e_per_declared_unit=D("12.5")
            )
        ],
        disclosures=[
            DisclosureInput(
                disclosure_id="D1",
                vendor_id=2,
                period_start=dt.date(2022, 1, 1),
                period_end=dt.date(2023, 12, 31),
                scope1_t=D("10"),
                scope2_market_t=D("5"),
                scope3_upstream_t=D("20"),
                upstream_categories=frozenset({1, 2, 3, 4, 6}),
                revenue=D("1000000"),
                currency="EUR",
            ),
            DisclosureInput(
                disclosure_id="D2",
                vendor_id=3,
                period_start=dt.date(2024, 1, 1),
                period_end=dt.date(2024, 12, 31),
                scope1_t=None,
                scope2_market_t=None,
                currency="USD",
                allocated_to_us_t=D("3"),
                allocation_boundary="cradle_to_gate",
            ),
            DisclosureInput(
                disclosure_id="D3",
                vendor_id=4,
                period_start=dt.date(2022, 7, 1),
                period_end=dt.date(2023, 6, 30),
                scope1_t=D("10"),
                scope2_market_t=D("5"),
                revenue=D("1000000"),
                currency="USD",
                allocated_to_us_t=D("2"),
                allocation_boundary="cradle_to_gate",
                allocation_uncertainty_pct=D("250"),
            ),
        ],
        fx=FxTable(rates={("EUR", y): D("0.9") for y in (2022, 2023, 2024)}),
        price_index=PriceIndex(
            values={2021: D("95"), 2022: D("100"), 2023: D("104"), 2024: D("107")}
        ),
    )


CONTEXT = build_context()

money = st.decimals(min_value=D("-1e9"), max_value=D("1e9"), places=2, allow_nan=False)
positive = st.decimals(min_value=D("0"), max_value=D("1e6"), places=3, allow_nan=False)
maybe = lambda strategy: st.none() | strategy  # noqa: E731

lines = st.builds(
    SpendLineInput,
    line_id=st.integers(1, 10**9),
    external_id=st.text(max_size=5),
    vendor_id=st.sampled_from([None, 1, 2, 3, 4]),
    date=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2025, 12, 31)),
    amount=money,
    currency=st.sampled_from(["USD", "EUR", "JPY", "usd"]),
    naics=st.sampled_from([None, "", "334413", "484110", "562920", "999999"]),
    vendor_naics=st.sampled_from([None, "334413", "541512"]),
    quantity=maybe(st.decimals(min_value=D("-100"), max_value=D("1e4"), places=2, allow_nan=False)),
    unit=st.sampled_from(["", "unit", "kg", "pcs"]),
    hardware_class=st.sampled_from(["", "gpu", "GPU ", "tpu"]),
    product_id=st.sampled_from(["", "P1", "P2"]),
    weight_kg=maybe(positive),
    distance_km=maybe(positive),
    mode=st.sampled_from(["", "air", "sea"]),
    waste_treatment=st.sampled_from(["", "landfill", "incineration"]),
    waste_tonnes=maybe(positive),
    capital=st.booleans(),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(lines, max_size=20))
def test_engine_never_raises_and_ranges_hold(ledger):
    results = estimate_lines(CONTEXT, ledger)

    assert [r.line_id for r in results] == [line.line_id for line in ledger]
    for result in results:
        assert result.low_kgco2e <= result.kgco2e <= result.high_kgco2e
        assert result.kgco2e == result.kgco2e.quantize(D("0.001"))
        if result.method is Method.UNACCOUNTED:
            assert result.reason and result.dq is None and result.kgco2e == 0
        else:
            assert result.dq in (1, 2, 3, 4, 5)
    total = combine_totals(results)
    assert total.low_kgco2e <= total.kgco2e <= total.high_kgco2e
    # The run total is the sum of its lines, to the gram.
    assert total.kgco2e == sum((r.kgco2e for r in results), D("0.000"))
    # No range is narrower than the widest single shared source in it (quadrature of
    # non-negative terms is at least the largest term; rounding to grams allows 2 g).
    assert total.high_kgco2e - total.low_kgco2e >= total.widest_source_width_kgco2e - D("0.002")
    for result in results:
        if result.kgco2e > 0:
            assert result.low_kgco2e >= 0
    monte = combine_totals(results, method="montecarlo", seed=3, draws=200)
    assert monte.low_kgco2e <= monte.kgco2e == total.kgco2e <= monte.high_kgco2e
    # Reproducible to the digit, including with a freshly built context.
    assert estimate_lines(build_context(), ledger) == results
