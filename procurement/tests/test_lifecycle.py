"""The life-cycle cost and carbon method (procurement/lifecycle.py, docs/method.md "Life-cycle
cost of bids"), without a database: a worked example computed by hand, then the edge cases."""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from procurement import lifecycle as lc
from procurement.lifecycle import q2, q3

PARAMS = lc.Parameters(
    horizon_years=5,
    discount_rate=D("0.03"),
    hours_per_year=D(8760),
    utilisation=D("0.7"),
    pue=D("1.3"),
    electricity_prices=(D("0.20"),),
    currency="EUR",
    grid_kgco2e_per_kwh=D("0.35"),
    grid_source="National grid mix 2024, location-based",
    carbon_price_per_tco2e=D(55),
    carbon_price_source="BEHG fixed price 2025",
    social_carbon_price_per_tco2e=D(250),
    social_carbon_price_source="UBA Methodenkonvention 3.1",
    eol_kgco2e_per_kg=D("0.5"),
    embodied_model_kgco2e_per_accelerator=D(400),
    embodied_model_source="buyer's GPU server model v1",
)
# Two offers of 10 eight-GPU servers.
BID_A = lc.Offer(
    bid_id=1,
    label="A",
    unit_price=D(250000),
    quantity=10,
    accelerators_per_unit=8,
    idle_w=D(2000),
    full_load_w=D(10000),
    maintenance_per_unit_year=D(10000),
    eol_cost_per_unit=D(500),
    residual_value_per_unit=D(20000),
    embodied_kgco2e_per_unit=D(3000),
    mass_kg_per_unit=D(100),
    currency="EUR",
)
BID_B = replace(
    BID_A,
    bid_id=2,
    label="B",
    unit_price=D(240000),
    idle_w=D(2500),
    full_load_w=D(11500),
    maintenance_per_unit_year=D(9000),
    residual_value_per_unit=D(15000),
    embodied_kgco2e_per_unit=D(3500),
)


def test_worked_example_bid_a_every_term_to_the_cent_and_gram():
    # Discount factors at r = 3 %: 1/1.03 = 0.970873786, 1/1.03^2 = 0.942595909,
    # 1/1.03^3 = 0.915141659, 1/1.03^4 = 0.888487048, 1/1.03^5 = 0.862608784;
    # their sum (the annuity factor) = 4.579707187.
    r = lc.compute(PARAMS, BID_A)
    # Average power per unit = 2,000 + 0.7 x (10,000 - 2,000) = 7,600 W; x 10 units = 76,000 W.
    # Energy/yr = 76,000 x 8,760 / 1,000 x 1.3 = 665,760 x 1.3 = 865,488 kWh.
    assert r.energy_kwh_per_year == D("865488")
    # Price = 10 x 250,000 = 2,500,000.00
    assert q2(r.price) == D("2500000.00")
    # Electricity/yr = 865,488 x 0.20 = 173,097.60; PV = 173,097.60 x 4.579707187 = 792,736.32
    assert q2(r.years[0].energy_cost) == D("173097.60")
    assert q2(r.energy) == D("792736.32")
    # Maintenance/yr = 10 x 10,000 = 100,000; PV = 100,000 x 4.579707187 = 457,970.72
    assert q2(r.maintenance) == D("457970.72")
    # End of life = 10 x 500 x 0.862608784 = 4,313.04; residual = 10 x 20,000 x 0.862608784
    # = 172,521.76 (subtracted)
    assert q2(r.end_of_life) == D("4313.04")
    assert q2(r.residual) == D("172521.76")
    # LCC = 2,500,000 + 792,736.32 + 457,970.72 + 4,313.04 - 172,521.76 = 3,582,498.33
    # (the sum of the unrounded terms is 3,582,498.3286)
    assert q2(r.lcc) == D("3582498.33")
    # Operational = 865,488 x 0.35 = 302,920.8 kg/yr x 5 = 1,514,604.000 kg
    # Embodied = 10 x 3,000 = 30,000.000 kg; end of life = 10 x 100 kg x 0.5 = 500.000 kg
    # Life cycle = 1,514,604 + 30,000 + 500 = 1,545,104.000 kg = 1,545.104 t
    assert q3(r.operational_kgco2e) == D("1514604.000")
    assert q3(r.embodied_kgco2e) == D("30000.000")
    assert q3(r.eol_kgco2e) == D("500.000")
    assert q3(r.life_cycle_kgco2e) == D("1545104.000")
    # Externality = 55 x 1,545.104 t = 84,980.72; LCC with it = 3,667,479.05
    assert q2(r.externality) == D("84980.72")
    assert q2(r.lcc_with_externality) == D("3667479.05")
    # GPU-hours = 10 x 8 x 8,760 x 0.7 x 5 = 2,452,800
    # LCC per GPU-hour = 3,582,498.3286 / 2,452,800 = 1.4606 -> EUR 1.46
    # kgCO2e per GPU-hour = 1,545,104 / 2,452,800 = 0.629935 kg -> 630 g
    assert r.functional_units == D("2452800")
    assert q2(r.lcc_per_fu) == D("1.46")
    assert r.lcc_per_fu.quantize(D("0.0001")) == D("1.4606")
    assert q2(r.lcc_with_externality_per_fu) == D("1.50")
    assert q3(r.kgco2e_per_fu) == D("0.630")


def test_worked_example_bid_b_cheaper_price_but_higher_life_cycle_cost():
    r = lc.compute(PARAMS, BID_B)
    # Average power per unit = 2,500 + 0.7 x 9,000 = 8,800 W; x 10 = 88,000 W
    # Energy/yr = 88,000 x 8,760 / 1,000 x 1.3 = 770,880 x 1.3 = 1,002,144 kWh
    assert r.energy_kwh_per_year == D("1002144")
    # Price = 10 x 240,000 = 2,400,000.00
    assert q2(r.price) == D("2400000.00")
    # Electricity/yr = 1,002,144 x 0.20 = 200,428.80; PV x 4.579707187 = 917,905.22
    assert q2(r.energy) == D("917905.22")
    # Maintenance/yr = 90,000; PV = 90,000 x 4.579707187 = 412,173.65
    assert q2(r.maintenance) == D("412173.65")
    # End of life = 5,000 x 0.862608784 = 4,313.04; residual 150,000 x 0.862608784 = 129,391.32
    assert q2(r.end_of_life) == D("4313.04")
    assert q2(r.residual) == D("129391.32")
    # LCC = 2,400,000 + 917,905.22 + 412,173.65 + 4,313.04 - 129,391.32 = 3,605,000.59
    assert q2(r.lcc) == D("3605000.59")
    # Operational = 1,002,144 x 0.35 = 350,750.4 kg/yr x 5 = 1,753,752 kg; embodied 35,000;
    # end of life 500; life cycle = 1,789,252.000 kg
    assert q3(r.operational_kgco2e) == D("1753752.000")
    assert q3(r.life_cycle_kgco2e) == D("1789252.000")
    # Externality = 55 x 1,789.252 t = 98,408.86; LCC with it = 3,703,409.45
    assert q2(r.externality) == D("98408.86")
    assert q2(r.lcc_with_externality) == D("3703409.45")
    # Per GPU-hour: 3,605,000.589 / 2,452,800 = 1.4697 -> EUR 1.47;
    # 1,789,252 / 2,452,800 = 0.729473 kg -> 729 g
    assert q2(r.lcc_per_fu) == D("1.47")
    assert q3(r.kgco2e_per_fu) == D("0.729")
    # B's price is 100,000 lower, yet A has the lower life-cycle cost.
    a = lc.compute(PARAMS, BID_A)
    assert r.price < a.price and a.lcc < r.lcc


def test_zero_discount_rate_sums_undiscounted():
    r = lc.compute(replace(PARAMS, discount_rate=D(0)), BID_A)
    # 5 x 173,097.60 = 865,488.00; 5 x 100,000 = 500,000; EoL 5,000; residual 200,000
    assert q2(r.energy) == D("865488.00")
    assert q2(r.maintenance) == D("500000.00")
    assert r.end_of_life == D(5000) and r.residual == D(200000)
    # LCC = 2,500,000 + 865,488 + 500,000 + 5,000 - 200,000
    assert q2(r.lcc) == D("3670488.00")


def test_price_path_longer_than_horizon_uses_only_the_horizon_years():
    p = replace(PARAMS, horizon_years=2, electricity_prices=(D("0.20"), D("0.30"), D("9.99")))
    r = lc.compute(p, BID_A)
    # 865,488 x 0.20 / 1.03 + 865,488 x 0.30 / 1.03^2 = 173,097.60 / 1.03 + 259,646.40 / 1.0609
    # = 168,055.92 + 244,741.64 = 412,797.56; the 9.99 of year 3 is never used
    assert [y.electricity_price for y in r.years] == [D("0.20"), D("0.30")]
    assert q2(r.energy) == D("412797.56")
    assert not any("path ends" in note for note in r.notes)


def test_price_path_shorter_than_horizon_carries_its_last_price_and_says_so():
    p = replace(PARAMS, electricity_prices=(D("0.20"), D("0.25")))
    r = lc.compute(p, BID_A)
    assert [y.electricity_price for y in r.years] == [D("0.20")] + [D("0.25")] * 4
    assert any("ends in year 2" in note for note in r.notes)


def test_missing_embodied_uses_the_buyers_model_and_names_it():
    r = lc.compute(PARAMS, replace(BID_A, embodied_kgco2e_per_unit=None))
    # 400 kg per accelerator x 8 per unit x 10 units = 32,000 kg
    assert q3(r.embodied_kgco2e) == D("32000.000")
    assert r.embodied_source == lc.EMBODIED_BUYER_MODEL
    assert r.low_data_quality
    assert "buyer's GPU server model v1" in r.embodied_note
    assert any("lower data quality" in note for note in r.notes)


def test_missing_embodied_without_a_buyer_model_is_an_error_naming_the_field():
    p = replace(PARAMS, embodied_model_kgco2e_per_accelerator=None)
    with pytest.raises(lc.LifeCycleError) as exc:
        lc.compute(p, replace(BID_A, embodied_kgco2e_per_unit=None))
    assert "embodied_kgco2e_per_unit" in exc.value.problems


def test_a_bid_in_another_currency_is_converted_at_the_given_rate():
    # The same offer priced in USD, at 0.9 EUR per USD: every money term is 0.9 x the USD one.
    usd = replace(
        BID_A,
        unit_price=D(250000) / D("0.9"),
        maintenance_per_unit_year=D(10000) / D("0.9"),
        eol_cost_per_unit=D(500) / D("0.9"),
        residual_value_per_unit=D(20000) / D("0.9"),
        currency="USD",
        fx_rate=D("0.9"),
        fx_source="FX 2025",
    )
    r = lc.compute(PARAMS, usd)
    assert q2(r.price) == D("2500000.00")
    assert q2(r.lcc) == D("3582498.33")
    # Energy and the externality are priced by the RFP in its own currency: unchanged.
    assert q2(r.energy) == D("792736.32")
    assert any("USD" in note and "FX 2025" in note for note in r.notes)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"idle_w": D(12000)}, "idle_w"),
        ({"full_load_w": D(20000)}, "full_load_w"),
        ({"quantity": 0}, "quantity"),
        ({"residual_value_per_unit": D(-1)}, "residual_value_per_unit"),
        ({"unit_price": D(0)}, "unit_price"),
    ],
)
def test_implausible_offers_are_errors_naming_the_field(changes, field):
    p = replace(PARAMS, max_power_w_per_unit=D(15000))
    with pytest.raises(lc.LifeCycleError) as exc:
        lc.compute(p, replace(BID_A, **changes))
    assert field in exc.value.problems


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"horizon_years": -1}, "horizon_years"),
        ({"horizon_years": 0}, "horizon_years"),
        ({"pue": D("0.9")}, "pue"),
        ({"utilisation": D("1.2")}, "utilisation"),
        ({"grid_source": ""}, "grid_source"),
        ({"carbon_price_source": ""}, "carbon_price_source"),
    ],
)
def test_parameter_problems_name_the_field(changes, field):
    assert field in lc.parameter_problems(replace(PARAMS, **changes))
    assert lc.parameter_problems(PARAMS) == {}


def test_per_server_hour_and_per_performance_figure():
    p = replace(PARAMS, functional_unit=lc.SERVER_HOUR)
    # 10 x 8,760 x 0.7 x 5 = 306,600 server-hours
    assert lc.compute(p, BID_A).functional_units == D("306600")
    p = replace(
        PARAMS,
        functional_unit=lc.PERFORMANCE,
        performance_name="Training throughput",
        performance_unit="tokens/s",
    )
    r = lc.compute(p, replace(BID_A, performance=D(400000)))
    # 1,545,104 kg / 400,000 tokens/s = 3.863 kg per token/s
    assert q3(r.kgco2e_per_fu) == D("3.863")
    with pytest.raises(lc.LifeCycleError) as exc:
        lc.compute(p, BID_A)
    assert "performance" in exc.value.problems


def test_sensitivity_scenarios_and_a_flip_of_the_lowest_lcc():
    outcomes = lc.sensitivity(PARAMS, [BID_A, BID_B])
    labels = [(o.scenario.group, o.scenario.label) for o in outcomes]
    assert labels == [
        ("Base", "As published"),
        ("Electricity price", "-25 %"),
        ("Electricity price", "+25 %"),
        ("PUE", "-0.1 (1.2)"),
        ("PUE", "+0.1 (1.4)"),
        ("Utilisation", "40 %"),
        ("Utilisation", "70 %"),
        ("Utilisation", "90 %"),
        ("Carbon price", "None"),
        ("Carbon price", "Policy 55"),
        ("Carbon price", "Social cost 250"),
    ]
    by_label = {o.scenario.label: o for o in outcomes}
    base = outcomes[0]
    assert base.winner == 1
    # At 40 % utilisation B draws 2,500 + 0.4 x 9,000 = 6,100 W against A's 2,000 + 0.4 x 8,000
    # = 5,200 W: 10 x 900 W x 8.76 x 1.3 = 102,492 kWh/yr more, x 0.20 = 20,498.40/yr, PV
    # 93,876.67. B saves 100,000 on price and 10,000/yr on maintenance (PV 45,797.07) and loses
    # 50,000 x 0.862609 = 43,130.44 of residual: B - A = -100,000 + 93,876.67 - 45,797.07
    # + 43,130.44 = -8,789.96, so B has the lower LCC.
    assert by_label["40 %"].winner == 2
    assert by_label["40 %"].flips(base)
    assert by_label["+25 %"].winner == 1
    # The social cost of carbon widens A's lead on the LCC including the externality.
    social = by_label["Social cost 250"].results
    assert social[2].externality - social[1].externality == D(250) * D("244.148")


def test_sensitivity_gap_at_40_percent_utilisation_by_hand():
    low = lc.sensitivity(PARAMS, [BID_A, BID_B])[5]
    assert low.scenario.label == "40 %"
    assert q2(low.results[2].lcc - low.results[1].lcc) == D("-8789.96")
