"""Data quality from the five indicators of the Scope 3 Standard, Table 7.6 and Box 7.2
(scope3/engine/quality.py). No database: worked examples computed by hand in the comments."""

from decimal import Decimal as D

import pytest

from scope3.engine.quality import (
    COMPLETENESS,
    MACRO_REGIONS,
    RELIABILITY,
    TECHNOLOGY,
    DqScores,
    geographical_score,
    line_scores,
    temporal_score,
    weighted_dq,
)

# --- worked examples ------------------------------------------------------------------------------


def test_spend_based_line_from_taiwan_in_2017_on_us_2022_factors_scores_4():
    # Own NAICS code, US EEIO factors describing 2022, Taiwanese supplier, bought in 2017:
    # technological 4 (spend-based), temporal 2 (|2017 - 2022| = 5 years, < 6),
    # geographical 4 (TW is not in North America), completeness 3, reliability 3 (EPA).
    # Mean (4 + 2 + 4 + 3 + 3) / 5 = 16 / 5 = 3.2, rounded up: DQ 4.
    scores = line_scores(
        method="spend_based",
        technology=TECHNOLOGY["spend_based"],
        activity_year=2017,
        data_year=2022,
        activity_country="TW",
        data_region="US",
        completeness=COMPLETENESS["spend_based"],
        reliability=RELIABILITY["published_secondary"],
    )
    assert scores == DqScores(4, 2, 4, 3, 3)
    assert (scores.combined, scores.code()) == (4, "42433")


def test_the_same_line_from_a_us_supplier_in_2022_scores_3():
    # 4 (spend-based), 1 (0 years), 1 (US = US), 3, 3: (4 + 1 + 1 + 3 + 3) / 5 = 12 / 5 = 2.4,
    # rounded up: DQ 3.
    scores = line_scores(
        method="spend_based",
        technology=TECHNOLOGY["spend_based"],
        activity_year=2022,
        data_year=2022,
        activity_country="US",
        data_region="US",
        completeness=COMPLETENESS["spend_based"],
        reliability=RELIABILITY["published_secondary"],
    )
    assert (scores.code(), scores.combined) == ("41133", 3)


def test_vendor_naics_costs_a_technology_point():
    # As the US 2022 line, but the NAICS code is the vendor's default: 5 + 1 + 1 + 3 + 3 = 13,
    # 13 / 5 = 2.6, rounded up: still DQ 3; from Taiwan in 2017: 5 + 2 + 4 + 3 + 3 = 17, 3.4 -> 4.
    us = DqScores(TECHNOLOGY["spend_based_vendor_naics"], 1, 1, 3, 3)
    taiwan = DqScores(TECHNOLOGY["spend_based_vendor_naics"], 2, 4, 3, 3)
    assert (us.combined, taiwan.combined) == (3, 4)


def test_assured_supplier_footprint_for_the_purchase_year_and_country_scores_1():
    # 1, 1 (same year), 1 (same country), 1, 1: mean 1, DQ 1.
    scores = line_scores(
        method="supplier_specific",
        technology=TECHNOLOGY["supplier_specific"],
        activity_year=2024,
        data_year=2024,
        activity_country="DE",
        data_region="DE",
        completeness=COMPLETENESS["supplier_specific"],
        reliability=RELIABILITY["verified_primary"],
    )
    assert (scores.code(), scores.combined) == ("11111", 1)


def test_an_unassured_supplier_footprint_scores_2():
    # 1, 1, 1, 1, 2 (not verified): 6 / 5 = 1.2, rounded up: DQ 2, as docs/method.md section 5 says.
    assert DqScores(1, 1, 1, 1, RELIABILITY["unverified_primary"]).combined == 2


def test_an_average_data_gpu_from_a_global_figure_scores_3():
    # Per-GPU figure (3), published 2023 for a 2024 purchase (1), global (3), 3, 3:
    # 13 / 5 = 2.6, rounded up: DQ 3.
    scores = line_scores(
        method="average_data",
        technology=TECHNOLOGY["average_data"],
        activity_year=2024,
        data_year=2023,
        activity_country="TW",
        data_region="GLO",
        completeness=COMPLETENESS["average_data"],
        reliability=RELIABILITY["published_secondary"],
    )
    assert (scores.code(), scores.combined) == ("31333", 3)


# --- combined -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, combined",
    [
        ("11111", 1),  # 5 / 5 = 1.0
        ("11112", 2),  # 6 / 5 = 1.2 -> 2: one weaker indicator already costs a step
        ("22222", 2),  # 10 / 5 = 2.0
        ("33334", 4),  # 16 / 5 = 3.2 -> 4
        ("44441", 4),  # 17 / 5 = 3.4 -> 4
        ("55554", 5),  # 24 / 5 = 4.8 -> 5
        ("55555", 5),
    ],
)
def test_combined_is_the_mean_rounded_up(code, combined):
    assert DqScores.from_code(code).combined == combined


# --- temporal -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "activity_year, data_year, score",
    [
        (2022, 2022, 1),
        (2024, 2022, 1),  # 2 years: "less than 3 years of difference"
        (2019, 2022, 2),  # 3 years
        (2017, 2022, 2),  # 5 years: "less than 6"
        (2016, 2022, 3),  # 6 years
        (2013, 2022, 3),  # 9 years: "less than 10"
        (2012, 2022, 4),  # 10 years: poor
        (2001, 2022, 4),
        (2022, 2027, 2),  # data newer than the activity counts the same way
        (2022, None, 5),  # the data's year is not known
    ],
)
def test_temporal_score(activity_year, data_year, score):
    assert temporal_score(activity_year, data_year) == score


# --- geographical ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "country, region, score",
    [
        ("US", "US", 1),
        ("us", " US ", 1),  # case and spaces do not matter
        ("GB", "UK (international for air and sea)", 1),  # UK is GB; remarks are ignored
        ("CA", "US", 2),  # North America
        ("MX", "NORTH_AMERICA", 2),
        ("FR", "DE", 2),  # EU-27
        ("NO", "EU", 2),  # EEA country on an EU factor
        ("CH", "GB", 2),  # Switzerland and the UK count as Europe
        ("JP", "CN", 2),  # East Asia
        ("TW", "KR", 2),
        ("VN", "TH", 2),  # South-East Asia
        ("BD", "IN", 2),  # South Asia
        ("BR", "AR", 2),  # Latin America
        ("EG", "SA", 2),  # Middle East & North Africa
        ("KE", "ZA", 2),  # Sub-Saharan Africa
        ("NZ", "AU", 2),  # Oceania
        ("TW", "GLO", 3),  # global average
        ("TW", "global", 3),
        ("TW", "World", 3),
        ("TW", "", 3),  # a dataset without a region is a global average
        ("TW", None, 3),
        ("TW", "US", 4),  # the worked example: a US factor for a Taiwanese purchase
        ("MX", "BR", 4),  # Mexico is North America here, not Latin America
        ("IN", "CN", 4),  # South Asia is not East Asia
        ("TW", "EUROPE", 4),
        ("RU", "DE", 4),  # a country in no macro-region is similar to none
        ("RU", "RU", 1),
        ("", "US", 5),  # the supplier's country is not known
        (None, "GLO", 5),
        ("Taiwan", "US", 5),  # not an ISO 3166-1 alpha-2 code: not known
        ("US", "Atlantis", 5),  # a region label that names no known area
    ],
)
def test_geographical_score(country, region, score):
    assert geographical_score(country, region) == score


def test_no_country_is_in_two_macro_regions():
    seen: dict[str, str] = {}
    for region, countries in MACRO_REGIONS.items():
        for country in countries:
            assert country not in seen, f"{country} in {seen.get(country)} and {region}"
            seen[country] = region
    assert len(MACRO_REGIONS["EUROPE"]) == 27 + 3 + 2  # EU-27, IS/LI/NO, GB and CH


# --- code -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["11111", "42433", "41133", "55555", "12345"])
def test_code_round_trip(code):
    scores = DqScores.from_code(code)
    assert scores.code() == code
    assert DqScores.from_code(scores.code()) == scores


def test_code_keeps_the_order_of_table_7_6():
    scores = DqScores(technological=1, temporal=2, geographical=3, completeness=4, reliability=5)
    assert scores.code() == "12345"


@pytest.mark.parametrize(
    "code",
    ["", None, "4243", "424333", "42403", "42463", "4a433", "\uff14\uff12\uff14\uff13\uff13"],
)
def test_a_code_that_is_not_five_scores_reads_as_none(code):
    assert DqScores.from_code(code) is None


@pytest.mark.parametrize("bad", [0, 6, -1, True, 2.0, "3"])
def test_a_score_outside_1_to_5_is_refused_with_its_indicator(bad):
    with pytest.raises(ValueError, match="completeness data-quality score"):
        DqScores(1, 1, 1, bad, 1)


def test_line_scores_names_the_method_in_its_error():
    with pytest.raises(ValueError, match=r"^hybrid: technological"):
        line_scores(
            method="hybrid",
            technology=0,
            activity_year=2024,
            data_year=2024,
            activity_country="US",
            data_region="US",
            completeness=2,
            reliability=2,
        )


def test_every_constant_is_a_score():
    for table in (TECHNOLOGY, COMPLETENESS, RELIABILITY):
        assert all(1 <= score <= 5 for score in table.values())
    # The method ranking of docs/method.md section 2 holds on technology.
    assert (
        TECHNOLOGY["supplier_specific"]
        < TECHNOLOGY["hybrid"]
        < TECHNOLOGY["average_data"]
        < TECHNOLOGY["spend_based"]
        < TECHNOLOGY["spend_based_vendor_naics"]
    )


# --- emissions-weighted DQ ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pairs, expected",
    [
        # 100 kg at DQ 1 and 300 kg at DQ 4: (100 + 1,200) / 400 = 3.25 -> 3.2 (half-even).
        ([(D("100"), 1), (D("300"), 4)], D("3.2")),
        # 150 kg at 1 and 450 kg at 4: (150 + 1,800) / 600 = 3.25 -> 3.2; 1 kg more at 4:
        # (150 + 1,804) / 601 = 3.2512... -> 3.3.
        ([(D("150"), 1), (D("451"), 4)], D("3.3")),
        # A credit note weighs by its size: |-50| at 5 and 50 at 3: (250 + 150) / 100 = 4.0.
        ([(D("-50"), 5), (D("50"), 3)], D("4.0")),
        # 0.001 kg at 5 next to 999.999 kg at 2: (0.005 + 1,999.998) / 1,000 = 2.000003 -> 2.0.
        ([(D("0.001"), 5), (D("999.999"), 2)], D("2.0")),
        # Unaccounted lines (DQ None) are left out: 10 kg at 3 alone -> 3.0.
        ([(D("10"), 3), (D("0"), None), (D("5"), None)], D("3.0")),
    ],
)
def test_weighted_dq(pairs, expected):
    assert weighted_dq(pairs) == expected


@pytest.mark.parametrize("pairs", [[], [(D("0"), 4)], [(D("0.000"), 1), (D("0"), 5)]])
def test_weighted_dq_without_weight_is_none(pairs):
    assert weighted_dq(pairs) is None


def test_weighted_dq_takes_a_generator():
    lines = [(D("2"), 2), (D("2"), 4)]
    assert weighted_dq(pair for pair in lines) == D("3.0")
