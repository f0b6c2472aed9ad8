"""Reads of the targets app: totals of runs by chosen categories, target progress, the
engagement coverage, primary-data share and the supplier scorecards (docs/targets.md).

Every loader reads with a constant number of aggregate queries, whatever the number of vendors
or estimates; the pure rules in ``targets.rules`` then compute.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import Abs
from django.utils import timezone

from scope3 import selectors as scope3_selectors
from scope3.engine import GroupSums, total_from_sums
from scope3.models import EmissionEstimate, InventoryRun, ReferenceRate
from targets import rules
from targets.models import (
    BaseYearRecalculation,
    BusinessMetricValue,
    RiskTierRule,
    SbtiStatus,
    SupplierEngagementTarget,
    Target,
)

Method = EmissionEstimate.Method
PRIMARY_METHODS = (Method.SUPPLIER_SPECIFIC, Method.HYBRID)
KG_PER_T = Decimal(1000)
_T = Decimal("0.001")
_PCT = Decimal("0.1")
_GRAM = Decimal("0.001")


def _grams(value) -> Decimal:
    # SQLite sums decimals as floats: back to the column's grams before adding up.
    return Decimal(str(value or 0)).quantize(_GRAM)


def _t(kg: Decimal) -> Decimal:
    return (kg / KG_PER_T).quantize(_T)


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(_PCT) if whole else Decimal(0)


# --- run totals over chosen categories -----------------------------------------------------------


def _estimates(run_ids, categories):
    rows = EmissionEstimate.objects.filter(run_id__in=list(run_ids))
    if categories:
        rows = rows.filter(category__in=list(categories))
    return rows


@dataclass(frozen=True, slots=True)
class _Part:
    category: int
    method: str
    source_key: str
    relative: Decimal
    kg: Decimal
    lines: int
    squares: Decimal  # Σ half-width² of lines without a recorded source


class Breakdown:
    """The accounted estimates of some runs summed per (category, method, shared source,
    relative uncertainty), from one aggregate query. Every total the targets pages show comes
    from it: a run's total over any set of categories (ranges combined by shared source with
    ``scope3.engine.total_from_sums``: sums of one source across categories add up within the
    source, so the combination is the run's own), the totals by category, the method mix and
    the primary-data share."""

    def __init__(self, runs: list[InventoryRun]):
        self.runs = {run.pk: run for run in runs}
        self.parts: dict[int, list[_Part]] = {pk: [] for pk in self.runs}
        if not runs:
            return
        rows = (
            EmissionEstimate.objects.filter(run_id__in=list(self.runs))
            .exclude(method=Method.UNACCOUNTED)
            .values("run_id", "category", "method", "source_key", "relative_uncertainty")
            .annotate(
                kg=Sum("kgco2e"),
                lines=Count("id"),
                half_squares=scope3_selectors._half_width_squares(),
            )
            .order_by()
        )
        for row in rows:
            squares = (
                Decimal(0) if row["source_key"] else Decimal(str(row["half_squares"] or 0)) / 4
            )
            self.parts[row["run_id"]].append(
                _Part(
                    row["category"],
                    row["method"],
                    row["source_key"],
                    row["relative_uncertainty"] or Decimal(0),
                    _grams(row["kg"]),
                    row["lines"],
                    squares,
                )
            )

    def total(self, run_id: int, categories=()):
        """The engine ``Total`` (kg) of the run's accounted estimates in ``categories``."""
        sums = GroupSums()
        chosen = set(categories or ())
        for part in self.parts[run_id]:
            if chosen and part.category not in chosen:
                continue
            if part.source_key:
                sums.add_sum(part.source_key, part.relative, part.kg, lines=part.lines)
            else:
                sums.add_independent(part.kg, part.squares, part.lines)
        return total_from_sums(sums, **scope3_selectors.run_uncertainty_options(self.runs[run_id]))

    def categories(self, run_id: int) -> list[int]:
        return sorted({part.category for part in self.parts[run_id]})

    def method_kg(self, run_id: int, category: int | None = None) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for part in self.parts[run_id]:
            if category is None or part.category == category:
                out[part.method] += part.kg
        return dict(out)


def run_breakdown(*, runs: list[InventoryRun]) -> Breakdown:
    return Breakdown(runs)


def runs_totals(
    *, runs: list[InventoryRun], categories=(), breakdown: Breakdown | None = None
) -> dict[int, object]:
    """``{run id: engine Total}`` of the accounted estimates in ``categories`` (all when empty),
    from one aggregate query for all the runs (or the ``breakdown`` already read)."""
    breakdown = breakdown or Breakdown(runs)
    return {run.pk: breakdown.total(run.pk, categories) for run in runs}


def run_total_t(*, run: InventoryRun, categories=()) -> Decimal:
    """The run's accounted tCO2e in ``categories``."""
    return _t(runs_totals(runs=[run], categories=categories)[run.pk].kgco2e)


def latest_runs_by_year() -> dict[int, InventoryRun]:
    return {run.reporting_year: run for run in scope3_selectors.inventory_runs_latest_per_year()}


# --- organisation targets ------------------------------------------------------------------------


@dataclass
class YearProgress:
    year: int
    run: InventoryRun
    tco2e: Decimal
    low_tco2e: Decimal
    high_tco2e: Decimal
    metric_value: Decimal | None
    progress: rules.Progress | None  # None: an intensity year without a metric value
    missing: str = ""


@dataclass
class TargetReport:
    target: Target
    path: rules.TargetPath
    years: list[YearProgress]
    uncertainty: str
    recalculation: PendingRecalculation | None = None

    @property
    def latest(self) -> YearProgress | None:
        assessed = [y for y in self.years if y.progress is not None]
        return assessed[-1] if assessed else None

    @property
    def off_track(self) -> bool:
        latest = self.latest
        return latest is not None and not latest.progress.on_track


@dataclass
class PendingRecalculation:
    """A restated base year not yet decided on: the run, both values and the check."""

    run: InventoryRun
    previous_run: InventoryRun
    new_tco2e: Decimal
    check: rules.Recalculation


def target_list():
    return Target.objects.select_related("metric", "base_run", "created_by").order_by(
        "target_year", "name", "pk"
    )


def target_reports(
    *,
    targets=None,
    latest: dict[int, InventoryRun] | None = None,
    breakdown: Breakdown | None = None,
) -> list[TargetReport]:
    """Progress of every target per year from the latest completed run of each year since its
    base year, with ranges, on/off track and the share of the gap left; and any base-year
    recalculation due. Queries: the runs, the metric values, the decisions, and one aggregate
    over the runs (unless the caller's ``breakdown`` already holds it)."""
    targets = list(target_list() if targets is None else targets)
    latest = latest_runs_by_year() if latest is None else latest
    metric_values = {
        (v.metric_id, v.year): v.value
        for v in BusinessMetricValue.objects.filter(
            metric_id__in={t.metric_id for t in targets if t.metric_id}
        )
    }
    decided = set(
        BaseYearRecalculation.objects.filter(target__in=targets).values_list(
            "target_id", "restated_run_id"
        )
    )
    runs = list(latest.values())
    if breakdown is None and targets:
        breakdown = Breakdown(runs)
    totals_by_categories: dict[tuple, dict] = {}
    for target in targets:
        key = tuple(sorted(target.categories or ()))
        if key not in totals_by_categories:
            totals_by_categories[key] = runs_totals(runs=runs, categories=key, breakdown=breakdown)
    reports = []
    for target in targets:
        totals = totals_by_categories[tuple(sorted(target.categories or ()))]
        path = target.path()
        years = []
        for year, run in sorted(latest.items()):
            if year < target.base_year:
                continue
            total = totals[run.pk]
            t, low, high = _t(total.kgco2e), _t(total.low_kgco2e), _t(total.high_kgco2e)
            metric = metric_values.get((target.metric_id, year)) if target.metric_id else None
            if target.kind == Target.Kind.INTENSITY:
                if not metric:
                    years.append(
                        YearProgress(year, run, t, low, high, None, None, "no metric value")
                    )
                    continue
                actual, lo, hi = (rules.intensity(v, metric) for v in (t, low, high))
            else:
                actual, lo, hi = t, low, high
            progress = rules.progress_in(path, year=year, actual=actual, low=lo, high=hi)
            years.append(YearProgress(year, run, t, low, high, metric, progress))
        pending = None
        base_run = latest.get(target.base_year)
        if (
            base_run is not None
            and base_run.pk != target.base_run_id
            and (target.pk, base_run.pk) not in decided
            and base_run.pk in totals
        ):
            new_t = _t(totals[base_run.pk].kgco2e)
            check = rules.recalculation_check(
                old_value=target.base_tco2e,
                new_value=new_t,
                threshold=target.significance_pct / 100,
            )
            if check.needed:
                pending = PendingRecalculation(base_run, target.base_run, new_t, check)
        reports.append(
            TargetReport(
                target=target,
                path=path,
                years=years,
                uncertainty=scope3_selectors.run_uncertainty_label(years[-1].run) if years else "",
                recalculation=pending,
            )
        )
    return reports


def target_report(*, target: Target) -> TargetReport:
    return target_reports(targets=[target])[0]


# --- primary-data share --------------------------------------------------------------------------


@dataclass
class PrimaryShare:
    year: int
    run_id: int
    category: int | None  # None: all categories
    total_tco2e: Decimal
    primary_tco2e: Decimal

    @property
    def share_pct(self) -> Decimal:
        return _pct(self.primary_tco2e, self.total_tco2e)

    @property
    def category_label(self) -> str:
        if self.category is None:
            return "All categories"
        return dict(EmissionEstimate.Category.choices).get(self.category, str(self.category))


def primary_data_share(
    *, runs: list[InventoryRun] | None = None, breakdown: Breakdown | None = None
) -> list[PrimaryShare]:
    """Emissions from supplier-specific and hybrid estimates ÷ accounted emissions (ESRS E1
    AR 46(g)), per run (the latest completed run of each year by default), overall and by
    category: one aggregate query for all runs (or the ``breakdown`` already read)."""
    runs = scope3_selectors.inventory_runs_latest_per_year() if runs is None else runs
    breakdown = breakdown or Breakdown(runs)
    out = []
    for run in runs:
        for category in (None, *breakdown.categories(run.pk)):
            by_method = breakdown.method_kg(run.pk, category)
            kg = sum(by_method.values(), Decimal(0))
            primary = sum((by_method.get(m, Decimal(0)) for m in PRIMARY_METHODS), Decimal(0))
            out.append(PrimaryShare(run.reporting_year, run.pk, category, _t(kg), _t(primary)))
    out.sort(key=lambda s: (s.year, s.category is not None, s.category or 0))
    return out


# --- vendors: emissions, spend, target evidence --------------------------------------------------


def _fx_rates(run: InventoryRun) -> dict[str, Decimal]:
    """Units of each currency per USD in the run's year, from the FX dataset the run pinned."""
    version = (run.pins or {}).get("fx")
    if not version:
        return {"USD": Decimal(1)}
    rates = dict(
        ReferenceRate.objects.filter(
            dataset__kind="fx", dataset__version=version, year=run.reporting_year
        ).values_list("key", "value")
    )
    rates["USD"] = Decimal(1)
    return rates


@dataclass
class VendorYear:
    """One vendor in one run: accounted kgCO2e, spend in USD, lines and weighted DQ."""

    vendor_id: int
    name: str
    category: str
    kgco2e: Decimal = Decimal(0)
    spend_usd: Decimal = Decimal(0)
    spend_unconverted: dict = field(default_factory=dict)
    dq_weight: Decimal = Decimal(0)
    dq_sum: Decimal = Decimal(0)
    methods: dict = field(default_factory=dict)

    @property
    def dq(self) -> Decimal | None:
        return (self.dq_sum / self.dq_weight).quantize(_PCT) if self.dq_weight else None

    @property
    def intensity_kg_per_usd(self) -> Decimal | None:
        return (
            (self.kgco2e / self.spend_usd).quantize(Decimal("0.0001")) if self.spend_usd else None
        )


def run_vendor_years(*, run: InventoryRun, categories=()) -> dict[int, VendorYear]:
    """Every vendor of ``run`` with its kgCO2e, USD spend (converted with the run's pinned FX
    rates), method mix and emissions-weighted DQ: one aggregate query (grouped by vendor,
    method and currency; the DQ weights are summed in it), the vendors' names and the FX rates."""
    from vendors.models import Vendor

    rates = _fx_rates(run)
    scored = Q(dq__isnull=False)
    rows = (
        _estimates([run.pk], categories)
        .filter(vendor__isnull=False)
        .values("vendor_id", "method", "spend_line__currency")
        .annotate(
            kg=Sum("kgco2e"),
            dq_weight=Sum(Abs("kgco2e"), filter=scored),
            dq_sum=Sum(
                ExpressionWrapper(
                    Abs("kgco2e") * F("dq"),
                    output_field=DecimalField(max_digits=30, decimal_places=3),
                ),
                filter=scored,
            ),
            amount=Sum("spend_line__amount"),
        )
        .order_by()
    )
    out: dict[int, VendorYear] = {}
    for row in rows:
        entry = out.get(row["vendor_id"])
        if entry is None:
            entry = out[row["vendor_id"]] = VendorYear(row["vendor_id"], "", "")
        amount = Decimal(str(row["amount"] or 0))
        currency = row["spend_line__currency"]
        rate = rates.get(currency)
        if rate:
            entry.spend_usd += (amount / rate).quantize(Decimal("0.01"))
        else:
            entry.spend_unconverted[currency] = entry.spend_unconverted.get(currency, 0) + amount
        if row["method"] == Method.UNACCOUNTED:
            continue
        kg = _grams(row["kg"])
        entry.kgco2e += kg
        entry.methods[row["method"]] = entry.methods.get(row["method"], Decimal(0)) + kg
        if row["dq_weight"]:
            entry.dq_weight += _grams(row["dq_weight"])
            entry.dq_sum += Decimal(str(row["dq_sum"] or 0))
    for pk, name, category in Vendor.objects.filter(pk__in=list(out)).values_list(
        "pk", "name", "category"
    ):
        out[pk].name, out[pk].category = name, category
    return out


def vendor_target_evidence(*, on: dt.date, vendor_ids=None) -> dict[int, tuple[bool, str]]:
    """``{vendor id: (has a science-based target, why)}`` on ``on``, for vendors with any
    SBTi evidence: a valid "SBTi validated target" certificate or an imported SBTi status.
    Two queries whatever the number of vendors."""
    from vendors.models import Certification

    certificates = Certification.objects.filter(kind=Certification.Kind.SBTI)
    statuses = SbtiStatus.objects.all()
    if vendor_ids is not None:
        certificates = certificates.filter(vendor_id__in=vendor_ids)
        statuses = statuses.filter(vendor_id__in=vendor_ids)
    valid: dict[int, bool] = {}
    for cert in certificates.only("vendor_id", "status", "expiry_date", "issue_date"):
        in_force = cert.issue_date <= on and cert.status_on(on) == Certification.Status.VALID
        valid[cert.vendor_id] = valid.get(cert.vendor_id, False) or in_force
    listed = dict(statuses.values_list("vendor_id", "near_term_status"))
    out = {}
    for vendor_id in set(valid) | set(listed):
        out[vendor_id] = rules.has_science_based_target(
            rules.TargetEvidence(
                certificate_valid=valid.get(vendor_id, False),
                sbti_status=listed.get(vendor_id, ""),
            )
        )
    return out


def _reference_date(year: int) -> dt.date:
    """The day a year's coverage is judged on: its last day, or today for the current year."""
    return min(dt.date(year, 12, 31), timezone.localdate())


@dataclass
class EngagementYear:
    year: int
    run: InventoryRun
    coverage: rules.Coverage
    vendors: list[tuple[VendorYear, bool, str]]

    def share_pct(self, basis: str) -> Decimal:
        if basis == SupplierEngagementTarget.Basis.SPEND:
            return self.coverage.spend_pct
        return self.coverage.emissions_pct


def engagement_year(
    *, run: InventoryRun, categories=(), vendors: dict[int, VendorYear] | None = None
) -> EngagementYear:
    """Coverage of one run: which vendors have a science-based target on the year's reference
    date, and their share of emissions and of spend (USD). ``vendors``: the run's
    ``run_vendor_years`` over the same categories, when the caller already read them."""
    if vendors is None:
        vendors = run_vendor_years(run=run, categories=categories)
    evidence = vendor_target_evidence(on=_reference_date(run.reporting_year))
    listed = []
    shares = []
    for vendor in vendors.values():
        has, why = evidence.get(vendor.vendor_id, (False, "no SBTi certificate or listing"))
        listed.append((vendor, has, why))
        shares.append(
            rules.VendorShare(
                vendor_id=vendor.vendor_id,
                kgco2e=vendor.kgco2e,
                spend=vendor.spend_usd,
                has_target=has,
                reason=why,
            )
        )
    listed.sort(key=lambda item: (-item[0].kgco2e, item[0].name))
    return EngagementYear(run.reporting_year, run, rules.engagement_coverage(shares), listed)


@dataclass
class EngagementReport:
    target: SupplierEngagementTarget
    years: list[EngagementYear]

    @property
    def latest(self) -> EngagementYear | None:
        return self.years[-1] if self.years else None

    def path_pct(self, year: int) -> Decimal:
        """A linear path from the base year's share to the target share."""
        base = next((y for y in self.years if y.year == self.target.base_year), None)
        start = base.share_pct(self.target.basis) if base else Decimal(0)
        if start >= self.target.target_pct:
            return self.target.target_pct
        path = rules.TargetPath(
            base_year=self.target.base_year,
            base_value=self.target.target_pct - start,
            target_year=self.target.target_year,
            reduction_pct=Decimal(100),
        )
        return (self.target.target_pct - path.value_in(year)).quantize(_PCT)

    def on_track(self, year_entry: EngagementYear) -> bool:
        return year_entry.share_pct(self.target.basis) >= self.path_pct(year_entry.year)


def engagement_reports(
    *,
    latest: dict[int, InventoryRun] | None = None,
    known: dict[tuple, EngagementYear] | None = None,
) -> list[EngagementReport]:
    """Each engagement target's coverage per year; ``known`` holds years already computed,
    keyed by (run id, categories)."""
    latest = latest_runs_by_year() if latest is None else latest
    cache: dict[tuple, EngagementYear] = dict(known or {})
    reports = []
    for target in SupplierEngagementTarget.objects.order_by("target_year", "name", "pk"):
        key_categories = tuple(sorted(target.categories or ()))
        years = []
        for year, run in sorted(latest.items()):
            if year < target.base_year:
                continue
            key = (run.pk, key_categories)
            if key not in cache:
                cache[key] = engagement_year(run=run, categories=key_categories)
            years.append(cache[key])
        reports.append(EngagementReport(target, years))
    return reports


# --- risk rules ----------------------------------------------------------------------------------


def risk_rules() -> list[rules.RiskRule]:
    """The stated rules, or the defaults while none are stored."""
    stored = [rule.as_rule() for rule in RiskTierRule.objects.filter(active=True)]
    return stored or list(rules.DEFAULT_RULES)


# --- supplier scorecards -------------------------------------------------------------------------


@dataclass
class Benchmark:
    """The vendor's own percentile among vendors of its category (100 best); never the
    others' names or values."""

    measure: str
    percentile: int | None
    peers: int
    better: str


@dataclass
class PeerData:
    """Everything the scorecards compare vendors on, loaded once for all vendors."""

    today: dt.date
    latest: dict[int, InventoryRun]
    run: InventoryRun | None
    vendor_years: dict[int, VendorYear]
    ranks: dict[int, int]
    timeliness: dict[int, rules.Timeliness]
    requests: dict[int, list[dict]]
    last_disclosed_year: dict[int, int]
    open_findings: dict[int, int]
    evidence: dict[int, tuple[bool, str]]
    rules: list[rules.RiskRule]
    categories: dict[int, str]

    def years_without_disclosure(self, vendor_id: int) -> int:
        if not self.latest:
            return 0
        latest_year = max(self.latest)
        last = self.last_disclosed_year.get(vendor_id)
        if last is None:
            return latest_year - min(self.latest) + 1
        return max(latest_year - last, 0)

    def facts(self, vendor_id: int) -> rules.VendorFacts:
        timeliness = self.timeliness.get(vendor_id, rules.Timeliness())
        year = self.vendor_years.get(vendor_id)
        return rules.VendorFacts(
            emissions_rank=self.ranks.get(vendor_id),
            years_without_disclosure=self.years_without_disclosure(vendor_id),
            has_target=self.evidence.get(vendor_id, (False, ""))[0],
            dq=year.dq if year else None,
            late_requests=timeliness.late + timeliness.missing,
            open_findings=self.open_findings.get(vendor_id, 0),
        )

    def tier(self, vendor_id: int) -> rules.TierResult:
        cache = self.__dict__.setdefault("_tiers", {})
        if vendor_id not in cache:
            cache[vendor_id] = rules.risk_tier(self.facts(vendor_id), self.rules)
        return cache[vendor_id]

    MEASURES = (
        ("Intensity (kgCO2e per USD spent)", "lower is better", True),
        ("Data quality (emissions-weighted)", "lower score is better", True),
        ("Disclosures on time", "higher is better", False),
    )

    def _values(self, vendor_id: int) -> tuple:
        year = self.vendor_years.get(vendor_id)
        timeliness = self.timeliness.get(vendor_id)
        return (
            year.intensity_kg_per_usd if year else None,
            year.dq if year else None,
            timeliness.on_time_pct if timeliness else None,
        )

    def _sorted_by_category(self) -> dict[str, list[list[Decimal]]]:
        cache = self.__dict__.get("_by_category")
        if cache is None:
            cache = defaultdict(lambda: [[] for _ in self.MEASURES])
            for vendor_id, category in self.categories.items():
                for index, value in enumerate(self._values(vendor_id)):
                    if value is not None:
                        cache[category][index].append(value)
            for lists in cache.values():
                for values in lists:
                    values.sort()
            self.__dict__["_by_category"] = cache
        return cache

    def benchmarks(self, vendor_id: int) -> list[Benchmark]:
        """The vendor's percentile per measure among vendors of its category."""
        peers = self._sorted_by_category()[self.categories.get(vendor_id)]
        out = []
        for index, (own, (measure, better, lower)) in enumerate(
            zip(self._values(vendor_id), self.MEASURES, strict=True)
        ):
            ordered = peers[index]
            pct = (
                rules.percentile_sorted(own, ordered, lower_is_better=lower)
                if own is not None
                else None
            )
            out.append(Benchmark(measure, pct, len(ordered), better))
        return out


def peer_data(*, today: dt.date | None = None) -> PeerData:
    """The comparison base of every scorecard, in a constant number of queries: the latest
    run's per-vendor totals, disclosure timeliness, last accepted disclosure, open audit
    findings, SBTi evidence, the risk rules and the vendors' categories."""
    from contracts.models import AuditFinding
    from vendors.models import DisclosureRequest, EmissionsDisclosure, Vendor

    today = today or timezone.localdate()
    latest = latest_runs_by_year()
    run = latest[max(latest)] if latest else None
    vendor_years = run_vendor_years(run=run) if run else {}
    ordered = sorted(vendor_years.values(), key=lambda v: (-v.kgco2e, v.vendor_id))
    ranks = {v.vendor_id: index for index, v in enumerate(ordered, start=1) if v.kgco2e > 0}

    counts: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    requests: dict[int, list[dict]] = defaultdict(list)
    request_rows = (
        DisclosureRequest.objects.exclude(status=DisclosureRequest.Status.CLOSED)
        .values("pk", "vendor_id", "reporting_year", "due_date")
        .annotate(submitted=Min("disclosures__submitted_at"))
        .order_by("vendor_id", "-reporting_year")
    )
    for row in request_rows:
        submitted = timezone.localtime(row["submitted"]).date() if row["submitted"] else None
        state = rules.request_timeliness(
            due_date=row["due_date"], submitted_on=submitted, today=today
        )
        counts[row["vendor_id"]][state] += 1
        requests[row["vendor_id"]].append({**row, "submitted_on": submitted, "state": state})
    timeliness = {
        vendor_id: rules.Timeliness(
            on_time=c[rules.ON_TIME],
            late=c[rules.LATE],
            missing=c[rules.MISSING],
            pending=c[rules.PENDING],
        )
        for vendor_id, c in counts.items()
    }
    last_disclosed = {
        row["vendor_id"]: row["last"].year
        for row in EmissionsDisclosure.objects.filter(status=EmissionsDisclosure.Status.ACCEPTED)
        .values("vendor_id")
        .annotate(last=Max("period_end"))
        .order_by()
    }
    findings = dict(
        AuditFinding.objects.filter(closed_date__isnull=True)
        .values("audit__vendor_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("audit__vendor_id", "n")
    )
    categories = dict(Vendor.objects.values_list("pk", "category"))
    return PeerData(
        today=today,
        latest=latest,
        run=run,
        vendor_years=vendor_years,
        ranks=ranks,
        timeliness=timeliness,
        requests=dict(requests),
        last_disclosed_year=last_disclosed,
        open_findings=findings,
        evidence=vendor_target_evidence(on=today),
        rules=risk_rules(),
        categories=categories,
    )


@dataclass
class ScorecardYear:
    year: int
    run_id: int
    tco2e: Decimal
    low_tco2e: Decimal
    high_tco2e: Decimal
    dq: Decimal | None
    method_mix: list[tuple[str, Decimal]]  # (method label, share %)


@dataclass
class Scorecard:
    vendor: object
    years: list[ScorecardYear]
    intensity_kg_per_usd: Decimal | None
    sector_factor_kg_per_usd: Decimal | None
    sector_code: str
    dq: Decimal | None
    timeliness: rules.Timeliness
    requests: list[dict]
    certificates: list
    kpi_clauses: dict[str, int]
    open_findings: int
    sbti: tuple[bool, str]
    sbti_status: SbtiStatus | None
    benchmarks: list[Benchmark]
    tier: rules.TierResult
    emissions_rank: int | None
    uncertainty: str

    @property
    def intensity_ratio(self) -> Decimal | None:
        """The vendor's intensity over its sector's spend factor (the reconciliation check)."""
        if self.intensity_kg_per_usd is None or not self.sector_factor_kg_per_usd:
            return None
        return (self.intensity_kg_per_usd / self.sector_factor_kg_per_usd).quantize(Decimal("0.01"))


def _vendor_years(vendor_id: int, runs: list[InventoryRun]) -> list[ScorecardYear]:
    """The vendor's accounted tCO2e per run with range (combined by shared source), DQ and
    method mix: one aggregate query over all the runs."""
    sums = {run.pk: GroupSums() for run in runs}
    methods: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
    dq: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rows = (
        EmissionEstimate.objects.filter(run_id__in=list(sums), vendor_id=vendor_id)
        .exclude(method=Method.UNACCOUNTED)
        .values("run_id", "method", "dq", "source_key", "relative_uncertainty")
        .annotate(
            kg=Sum("kgco2e"),
            abs_kg=Sum(Abs("kgco2e")),
            lines=Count("id"),
            half_squares=scope3_selectors._half_width_squares(),
        )
        .order_by()
    )
    for row in rows:
        kg = _grams(row["kg"])
        if row["source_key"]:
            sums[row["run_id"]].add_sum(
                row["source_key"], row["relative_uncertainty"] or Decimal(0), kg, lines=row["lines"]
            )
        else:
            squares = Decimal(str(row["half_squares"] or 0)) / 4
            sums[row["run_id"]].add_independent(kg, squares, row["lines"])
        methods[row["run_id"]][row["method"]] += kg
        if row["dq"] is not None:
            weight = _grams(row["abs_kg"])
            dq[row["run_id"]][0] += weight
            dq[row["run_id"]][1] += weight * row["dq"]
    labels = dict(Method.choices)
    out = []
    for run in runs:
        if not sums[run.pk].lines:
            continue
        total = total_from_sums(sums[run.pk], **scope3_selectors.run_uncertainty_options(run))
        kg = total.kgco2e
        mix = sorted(
            ((labels[m], _pct(v, kg)) for m, v in methods[run.pk].items()),
            key=lambda item: -item[1],
        )
        weight, weighted = dq[run.pk]
        out.append(
            ScorecardYear(
                run.reporting_year,
                run.pk,
                _t(kg),
                _t(total.low_kgco2e),
                _t(total.high_kgco2e),
                (weighted / weight).quantize(_PCT) if weight else None,
                mix,
            )
        )
    return out


def _sector_factor(vendor, run: InventoryRun | None) -> Decimal | None:
    """The spend-based factor of the vendor's NAICS code in the dataset the run pinned."""
    from scope3.models import EmissionFactor

    version = (run.pins or {}).get("useeio") if run else None
    if not version or not vendor.naics_code:
        return None
    factor = (
        EmissionFactor.objects.filter(
            dataset__kind="useeio", dataset__version=version, code=vendor.naics_code
        )
        .values_list("value", flat=True)
        .first()
    )
    return factor


def scorecard(*, vendor, peers: PeerData) -> Scorecard:
    """One vendor's scorecard (docs/targets.md, "Scorecard"); five queries of its own on top of
    the shared ``peers``, whatever the number of vendors."""
    from contracts.models import KpiClause
    from vendors.models import Certification

    runs = [peers.latest[year] for year in sorted(peers.latest)]
    years = _vendor_years(vendor.pk, runs)
    current = peers.vendor_years.get(vendor.pk)
    certificates = [
        (cert, cert.status_on(peers.today))
        for cert in Certification.objects.filter(vendor=vendor).order_by("kind", "-issue_date")
    ]
    clauses = dict(
        KpiClause.objects.filter(contract__vendor=vendor)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return Scorecard(
        vendor=vendor,
        years=years,
        intensity_kg_per_usd=current.intensity_kg_per_usd if current else None,
        sector_factor_kg_per_usd=_sector_factor(vendor, peers.run),
        sector_code=vendor.naics_code,
        dq=current.dq if current else None,
        timeliness=peers.timeliness.get(vendor.pk, rules.Timeliness()),
        requests=peers.requests.get(vendor.pk, []),
        certificates=certificates,
        kpi_clauses=clauses,
        open_findings=peers.open_findings.get(vendor.pk, 0),
        sbti=peers.evidence.get(vendor.pk, (False, "no SBTi certificate or listing")),
        sbti_status=SbtiStatus.objects.filter(vendor=vendor).first(),
        benchmarks=peers.benchmarks(vendor.pk),
        tier=peers.tier(vendor.pk),
        emissions_rank=peers.ranks.get(vendor.pk),
        uncertainty=scope3_selectors.run_uncertainty_label(peers.run) if peers.run else "",
    )


# --- attention -----------------------------------------------------------------------------------


class AttentionCounts:
    """Targets off track and base-year recalculations due, for the attention dashboard.

    Computed once, on the first ``count`` (the dashboard asks each line for ``count()``), from
    central values only: a total Scope 3 target reads the runs' stored totals, a target of chosen
    categories one aggregate by run and category over just the runs it needs. Off track means
    the latest assessed year is above the path (the same rule as the dashboard's)."""

    def __init__(self):
        self._counts: dict[str, list[int]] | None = None

    def _compute(self) -> dict[str, list[int]]:
        targets = list(Target.objects.all())
        if not targets:
            return {"off_track": [], "recalculation_due": []}
        latest = latest_runs_by_year()
        decided = set(BaseYearRecalculation.objects.values_list("target_id", "restated_run_id"))
        needed = set()
        for target in targets:
            if target.categories:
                needed.update(run.pk for year, run in latest.items() if year >= target.base_year)
        by_category: dict[int, dict[int, Decimal]] = defaultdict(dict)
        if needed:
            for row in (
                EmissionEstimate.objects.filter(run_id__in=needed)
                .exclude(method=Method.UNACCOUNTED)
                .values("run_id", "category")
                .annotate(kg=Sum("kgco2e"))
                .order_by()
            ):
                by_category[row["run_id"]][row["category"]] = _grams(row["kg"])
        metric_ids = {t.metric_id for t in targets if t.kind == Target.Kind.INTENSITY}
        metric_values = (
            {
                (v.metric_id, v.year): v.value
                for v in BusinessMetricValue.objects.filter(metric_id__in=metric_ids)
            }
            if metric_ids
            else {}
        )

        def tco2e(target, run) -> Decimal:
            if not target.categories:
                return _t(run.total_kgco2e or Decimal(0))
            sums = by_category[run.pk]
            return _t(sum((sums.get(c, Decimal(0)) for c in target.categories), Decimal(0)))

        off_track, due = [], []
        for target in targets:
            years = [y for y in sorted(latest) if y >= target.base_year]
            assessed = None
            for year in reversed(years):
                value = tco2e(target, latest[year])
                if target.kind == Target.Kind.INTENSITY:
                    metric = metric_values.get((target.metric_id, year))
                    if not metric:
                        continue
                    value = rules.intensity(value, metric)
                assessed = (year, value)
                break
            if (
                assessed
                and not rules.progress_in(
                    target.path(), year=assessed[0], actual=assessed[1]
                ).on_track
            ):
                off_track.append(target.pk)
            base_run = latest.get(target.base_year)
            if (
                base_run is not None
                and base_run.pk != target.base_run_id
                and (target.pk, base_run.pk) not in decided
                and rules.recalculation_check(
                    old_value=target.base_tco2e,
                    new_value=tco2e(target, base_run),
                    threshold=target.significance_pct / 100,
                ).needed
            ):
                due.append(target.pk)
        return {"off_track": off_track, "recalculation_due": due}

    def ids(self, key: str) -> list[int]:
        """The ids of the targets counted under ``key`` ("off_track", "recalculation_due")."""
        if self._counts is None:
            self._counts = self._compute()
        return self._counts[key]

    def counter(self, key: str):
        counts = self

        class _Count:
            def count(self) -> int:
                return len(counts.ids(key))

        return _Count()
