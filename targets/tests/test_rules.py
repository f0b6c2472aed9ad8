"""Worked examples of the target, recalculation, coverage, tier and percentile rules, computed
by hand in the comments (no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from targets import rules
from targets.rules import TargetPath, VendorFacts, VendorShare

D = Decimal


def test_absolute_target_42_percent_from_2022_by_2030():
    # Base 2022: 12,000 t; 42 % by 2030 -> target 12,000 x 0.58 = 6,960 t.
    # Yearly step: (12,000 - 6,960) ÷ 8 = 630 t; 2025 is 3 steps in: 12,000 - 1,890 = 10,110 t.
    path = TargetPath(base_year=2022, base_value=D(12000), target_year=2030, reduction_pct=D(42))
    assert path.target_value == D("6960.000")
    assert path.value_in(2025) == D("10110.000")
    assert path.value_in(2022) == D("12000.000")
    assert path.value_in(2030) == D("6960.000")
    assert path.value_in(2034) == D("6960.000")

    # 2025 at 10,500 t is above the path (10,110): off track. Gap left:
    # (10,500 - 6,960) ÷ (12,000 - 6,960) = 3,540 ÷ 5,040 = 70.2 %; reduced so far 12.5 %.
    progress = rules.progress_in(path, year=2025, actual=D(10500), low=D(9000), high=D(12000))
    assert not progress.on_track
    assert progress.path_value == D("10110.000")
    assert progress.gap_left_pct == D("70.2")
    assert progress.reduction_so_far_pct == D("12.5")
    assert progress.range_crosses_path  # 9,000 ≤ 10,110 < 12,000: the range says "maybe"

    # 2025 at 10,000 t is below the path: on track, gap left (10,000 - 6,960) ÷ 5,040 = 60.3 %.
    progress = rules.progress_in(path, year=2025, actual=D(10000))
    assert progress.on_track
    assert progress.gap_left_pct == D("60.3")
    # Below the target value the gap left is 0, never negative.
    assert rules.progress_in(path, year=2029, actual=D(6000)).gap_left_pct == D(0)


def test_intensity_target():
    # Base 2022: 12,000 t over 400 M EUR revenue = 30 t per M EUR; 50 % by 2030 -> 15.
    # Step (30 - 15) ÷ 8 = 1.875 per year; 2025 path: 30 - 3 x 1.875 = 24.375.
    # 2025: 11,000 t over 500 M EUR = 22 t per M EUR ≤ 24.375: on track although the absolute
    # emissions fell only 8.3 %. Gap left (22 - 15) ÷ (30 - 15) = 46.7 %.
    base = rules.intensity(D(12000), D(400))
    assert base == D(30)
    path = TargetPath(base_year=2022, base_value=base, target_year=2030, reduction_pct=D(50))
    assert path.value_in(2025) == D("24.375")
    progress = rules.progress_in(path, year=2025, actual=rules.intensity(D(11000), D(500)))
    assert progress.on_track
    assert progress.gap_left_pct == D("46.7")
    with pytest.raises(ValueError, match="must be positive"):
        rules.intensity(D(1), D(0))


def test_path_refuses_nonsense():
    with pytest.raises(ValueError, match="after the base year"):
        TargetPath(base_year=2030, base_value=D(1), target_year=2030, reduction_pct=D(10))
    with pytest.raises(ValueError, match="above 0 and at most 100"):
        TargetPath(base_year=2022, base_value=D(1), target_year=2030, reduction_pct=D(120))


@pytest.mark.parametrize(
    ("new", "needed", "change"),
    [
        # 12,000 -> 12,720: +720 ÷ 12,000 = 6 % > 5 %: recalculate.
        (D(12720), True, D("6.00")),
        # 12,000 -> 11,640: -360 ÷ 12,000 = 3 % ≤ 5 %: keep.
        (D(11640), False, D("3.00")),
        # Exactly 5 % is not *more than* the threshold.
        (D(12600), False, D("5.00")),
    ],
)
def test_base_year_recalculation_significance(new, needed, change):
    check = rules.recalculation_check(old_value=D(12000), new_value=new)
    assert check.needed is needed
    assert check.change_pct == change
    assert check.threshold_pct == D(5)


def test_recalculation_threshold_is_configurable():
    # 3 % is significant under a 2 % threshold.
    assert rules.recalculation_check(
        old_value=D(12000), new_value=D(11640), threshold=D("0.02")
    ).needed


def test_engagement_coverage_three_vendors():
    # A: valid SBTi certificate, 600 t and 1,000,000 USD spend -> counts.
    # B: expired certificate, not on the list, 300 t and 2,000,000 USD -> does not count.
    # C: "Targets Set" on the imported SBTi list, 100 t and 1,000,000 USD -> counts.
    # By emissions: (600 + 100) ÷ 1,000 = 70 %; by spend: 2,000,000 ÷ 4,000,000 = 50 %.
    a = rules.has_science_based_target(rules.TargetEvidence(certificate_valid=True))
    b = rules.has_science_based_target(rules.TargetEvidence(certificate_valid=False))
    c = rules.has_science_based_target(
        rules.TargetEvidence(certificate_valid=False, sbti_status="Targets Set")
    )
    assert (a[0], b[0], c[0]) == (True, False, True)
    coverage = rules.engagement_coverage(
        [
            VendorShare(vendor_id=1, kgco2e=D(600000), spend=D(1000000), has_target=a[0]),
            VendorShare(vendor_id=2, kgco2e=D(300000), spend=D(2000000), has_target=b[0]),
            VendorShare(vendor_id=3, kgco2e=D(100000), spend=D(1000000), has_target=c[0]),
        ]
    )
    assert coverage.emissions_pct == D("70.0")
    assert coverage.spend_pct == D("50.0")
    assert (coverage.vendors_covered, coverage.vendors_total) == (2, 3)
    # "Committed" is not a target.
    assert not rules.has_science_based_target(
        rules.TargetEvidence(certificate_valid=False, sbti_status="Committed")
    )[0]


def _facts(**changes):
    values = {
        "emissions_rank": 50,
        "years_without_disclosure": 0,
        "has_target": True,
        "dq": D(2),
        "late_requests": 0,
        "open_findings": 0,
    }
    return VendorFacts(**{**values, **changes})


def test_risk_tier_names_the_rule_that_fired():
    silent = rules.risk_tier(_facts(emissions_rank=3, years_without_disclosure=2))
    assert silent.tier == rules.HIGH
    assert silent.explanation == (
        "Silent large emitter: no disclosure for 2+ years and top 20 by emissions"
    )
    # Silent for two years but small: only the medium rule fires.
    small = rules.risk_tier(_facts(emissions_rank=200, years_without_disclosure=2))
    assert (small.tier, small.rule.name) == (rules.MEDIUM, "No recent disclosure")
    assert rules.risk_tier(_facts()).tier == rules.LOW
    assert rules.risk_tier(_facts()).explanation == "no rule fired"
    # Edited rules replace the defaults.
    strict = [rules.RiskRule(tier=rules.HIGH, name="Any late answer", min_late_requests=1)]
    assert rules.risk_tier(_facts(late_requests=1), strict).tier == rules.HIGH


def test_percentile_mid_rank():
    # Intensities 0.1, 0.2, 0.2, 0.4 (lower is better). 0.1 beats 3 of 4 and ties itself:
    # (3 + 0.5) ÷ 4 = 87.5 -> 88. 0.2 beats 1, ties 2: (1 + 1) ÷ 4 = 50. 0.4: 0.5 ÷ 4 -> 12.
    peers = [D("0.1"), D("0.2"), D("0.2"), D("0.4")]
    assert rules.percentile(D("0.1"), peers) == 88
    assert rules.percentile(D("0.2"), peers) == 50
    assert rules.percentile(D("0.4"), peers) == 12
    assert rules.percentile(D(1), [D(1)]) == 50
    # Higher is better for timeliness: 100 % on time beats the others.
    assert rules.percentile(D(100), [D(100), D(50), D(0)], lower_is_better=False) == 83


def test_request_timeliness():
    due = dt.date(2025, 3, 31)
    today = dt.date(2025, 6, 1)
    assert rules.request_timeliness(due_date=due, submitted_on=due, today=today) == rules.ON_TIME
    late = dt.date(2025, 4, 1)
    assert rules.request_timeliness(due_date=due, submitted_on=late, today=today) == rules.LATE
    assert rules.request_timeliness(due_date=due, submitted_on=None, today=today) == rules.MISSING
    assert (
        rules.request_timeliness(due_date=due, submitted_on=None, today=dt.date(2025, 1, 1))
        == rules.PENDING
    )
