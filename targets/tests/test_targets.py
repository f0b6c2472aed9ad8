"""Targets pinned to runs, progress per year, and the base-year recalculation workflow."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assurance.models import AuditEvent
from targets import selectors, services
from targets.models import BaseYearRecalculation, BusinessMetric, Target
from targets.tests.support import SUPPLIER, completed_run, est
from vendors.tests.factories import VendorFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def vendors():
    return VendorFactory(name="Alpha"), VendorFactory(name="Beta")


def _base_run(vendors, kg_a=8_000_000, kg_b=4_000_000):
    a, b = vendors
    # 2022: 8,000 t (category 1) + 4,000 t (category 2) = 12,000 t.
    return completed_run(2022, [est(a, kg_a), est(b, kg_b, category=2)])


def test_absolute_target_progress_and_off_track(analyst, vendors):
    base = _base_run(vendors)
    target = services.target_create(
        actor=analyst, name="Scope 3 -42 %", base_run=base, target_year=2030, reduction_pct=D(42)
    )
    assert target.base_tco2e == D("12000.000")
    assert target.base_year == 2022
    a, b = vendors
    # 2025: 7,000 + 3,500 = 10,500 t > path 10,110 t: off track, gap left 70.2 %.
    completed_run(2025, [est(a, 7_000_000), est(b, 3_500_000, category=2)])
    report = selectors.target_report(target=target)
    assert [y.year for y in report.years] == [2022, 2025]
    latest = report.latest
    assert latest.tco2e == D("10500.000")
    assert latest.progress.path_value == D("10110.000")
    assert not latest.progress.on_track
    assert latest.progress.gap_left_pct == D("70.2")
    assert latest.low_tco2e < latest.tco2e < latest.high_tco2e
    assert report.off_track
    assert AuditEvent.objects.filter(verb="created", target_id=str(target.pk)).exists()


def test_category_target_counts_only_its_categories(analyst, vendors):
    base = _base_run(vendors)
    target = services.target_create(
        actor=analyst,
        name="Cat 2",
        base_run=base,
        target_year=2030,
        reduction_pct=D(30),
        categories=[2],
    )
    assert target.base_tco2e == D("4000.000")
    with pytest.raises(ValidationError, match="unknown Scope 3 categories"):
        services.target_create(
            actor=analyst,
            name="x",
            base_run=base,
            target_year=2030,
            reduction_pct=D(1),
            categories=[9],
        )


def test_intensity_target_needs_metric_value(analyst, vendors):
    base = _base_run(vendors)
    metric = BusinessMetric.objects.create(name="Revenue", unit="M EUR")
    with pytest.raises(ValidationError, match="Revenue has no value for 2022"):
        services.target_create(
            actor=analyst,
            name="Intensity",
            base_run=base,
            target_year=2030,
            reduction_pct=D(50),
            kind=Target.Kind.INTENSITY,
            metric=metric,
        )
    services.business_metric_value_set(actor=analyst, metric=metric, year=2022, value=D(400))
    services.business_metric_value_set(actor=analyst, metric=metric, year=2025, value=D(500))
    target = services.target_create(
        actor=analyst,
        name="Intensity",
        base_run=base,
        target_year=2030,
        reduction_pct=D(50),
        kind=Target.Kind.INTENSITY,
        metric=metric,
    )
    # 12,000 t / 400 = 30 per M EUR; 2025 path 24.375; 11,000 t / 500 = 22: on track.
    a, b = vendors
    completed_run(2025, [est(a, 7_000_000), est(b, 4_000_000, category=2)])
    latest = selectors.target_report(target=target).latest
    assert latest.progress.actual == D(22)
    assert latest.progress.path_value == D("24.375")
    assert latest.progress.on_track


@pytest.mark.parametrize(("restated_kg_b", "due"), [(4_720_000, True), (4_360_000, False)])
def test_base_year_restatement_flags_recalculation(analyst, vendors, restated_kg_b, due):
    base = _base_run(vendors)
    target = services.target_create(
        actor=analyst, name="T", base_run=base, target_year=2030, reduction_pct=D(42)
    )
    # Restated 2022: 8,000 + 4,720 = 12,720 t (+6 %: due) or 8,000 + 4,360 = 12,360 t (+3 %).
    restated = _base_run(vendors, kg_b=restated_kg_b)
    pending = selectors.target_report(target=target).recalculation
    assert (pending is not None) is due
    if due:
        assert pending.check.change_pct == D("6.00")
        assert pending.run == restated


def test_confirming_recalculation_keeps_both_values(analyst, vendors):
    base = _base_run(vendors)
    target = services.target_create(
        actor=analyst, name="T", base_run=base, target_year=2030, reduction_pct=D(42)
    )
    restated = _base_run(vendors, kg_b=4_720_000)
    with pytest.raises(ValidationError, match="say why"):
        services.base_year_decide(
            actor=analyst, target=target, run=restated, recalculate=True, reason=" "
        )
    record = services.base_year_decide(
        actor=analyst,
        target=target,
        run=restated,
        recalculate=True,
        reason="acquisition of Beta's parent restated 2022",
    )
    target.refresh_from_db()
    assert (record.old_tco2e, record.new_tco2e) == (D("12000.000"), D("12720.000"))
    assert target.base_tco2e == D("12720.000")
    assert target.base_run == restated
    history = list(target.history.order_by("history_date").values_list("base_tco2e", flat=True))
    assert history == [D("12000.000"), D("12720.000")]
    assert selectors.target_report(target=target).recalculation is None
    assert AuditEvent.objects.filter(verb="accepted", target_id=str(target.pk)).exists()
    with pytest.raises(ValidationError, match="already based on"):
        services.base_year_decide(
            actor=analyst, target=target, run=restated, recalculate=True, reason="again"
        )
    assert BaseYearRecalculation.objects.count() == 1


def test_primary_data_share_by_year_and_category(vendors):
    a, b = vendors
    # 2024: 300 t supplier-specific of 1,000 t: 30 %; category 2 (400 t) all spend-based: 0 %.
    completed_run(
        2024,
        [est(a, 300_000, method=SUPPLIER), est(a, 300_000), est(b, 400_000, category=2)],
    )
    shares = selectors.primary_data_share()
    overall = next(s for s in shares if s.category is None)
    assert (overall.year, overall.total_tco2e, overall.share_pct) == (
        2024,
        D("1000.000"),
        D("30.0"),
    )
    by_category = {s.category: s.share_pct for s in shares if s.category}
    assert by_category == {1: D("50.0"), 2: D("0.0")}


def test_primary_data_share_is_one_query(vendors, django_assert_num_queries):
    a, _ = vendors
    runs = [completed_run(year, [est(a, 1000, method=SUPPLIER)]) for year in (2023, 2024, 2025)]
    with django_assert_num_queries(1):
        shares = selectors.primary_data_share(runs=runs)
    assert len(shares) == 6
