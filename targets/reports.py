"""The engagement dashboard's tables and the reporting exports (docs/targets.md).

One builder, :func:`dashboard_tables`, makes every table the admin page shows and the CSV/XLSX
exports write, including the ESRS E1-6-shaped Scope 3 table and the CDP Supply Chain-style
engagement summary, so the numbers of a page and of its exports are the same numbers. Values
stay raw (Decimals, ints, text); the page formats them, the exports write them through
``assurance.uploads.csv_safe``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from config import numbers
from scope3 import selectors as scope3_selectors
from scope3.models import EmissionEstimate
from targets import rules, selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOP_WITHOUT_TARGET = 20
_T = Decimal("0.001")
_PCT = Decimal("0.1")


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = ""
    note: str = ""
    vendor_ids: list[int] = field(default_factory=list)  # per row, for the bulk action

    @property
    def shown_rows(self) -> list[list[str]]:
        return [[_shown(value) for value in row] for row in self.rows]


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return numbers.quantity(value)
    return str(value)


@dataclass
class Dashboard:
    tables: list[Table]
    target_reports: list
    engagement_reports: list
    latest_year: int | None

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def _t(kg: Decimal) -> Decimal:
    return (kg / 1000).quantize(_T)


def dashboard(*, peers: selectors.PeerData | None = None) -> Dashboard:
    """Every table of the engagement dashboard, with a constant number of queries whatever the
    number of vendors (one aggregate per year and category set; the vendor tables come from the
    latest run's per-vendor aggregate)."""
    peers = peers or selectors.peer_data()
    latest = peers.latest
    runs = [latest[y] for y in sorted(latest)]
    breakdown = selectors.run_breakdown(runs=runs)
    reports = selectors.target_reports(latest=latest, breakdown=breakdown)
    current = (
        selectors.engagement_year(run=peers.run, vendors=peers.vendor_years) if peers.run else None
    )
    known = {(peers.run.pk, ()): current} if current else {}
    engagement = selectors.engagement_reports(latest=latest, known=known)
    tables = [_targets_table(reports), _engagement_table(engagement)]
    tables.append(_tier_table(peers, current))
    tables.append(_without_target_table(peers, current))
    shares = selectors.primary_data_share(runs=runs, breakdown=breakdown)
    tables.append(_primary_table(shares))
    tables.append(_response_table(peers))
    if peers.run:
        tables.append(esrs_e1_6_table(run=peers.run, shares=shares, breakdown=breakdown))
    tables.append(cdp_engagement_table(peers=peers, current=current, engagement=engagement))
    return Dashboard(tables, reports, engagement, max(latest) if latest else None)


def _targets_table(reports) -> Table:
    table = Table(
        "targets",
        "Target progress (latest completed run of each year)",
        [
            "target",
            "scope",
            "unit",
            "year",
            "value",
            "low",
            "high",
            "path value",
            "on track",
            "gap left %",
            "base-year recalculation due",
        ],
    )
    for report in reports:
        target = report.target
        due = (
            f"{report.recalculation.check.change_pct} % (run #{report.recalculation.run.pk})"
            if report.recalculation
            else ""
        )
        for year in report.years:
            progress = year.progress
            table.rows.append(
                [
                    target.name,
                    target.scope_label,
                    target.unit,
                    year.year,
                    progress.actual.quantize(_T) if progress else None,
                    progress.low.quantize(_T) if progress and progress.low is not None else None,
                    progress.high.quantize(_T) if progress and progress.high is not None else None,
                    progress.path_value if progress else None,
                    progress.on_track if progress else year.missing,
                    progress.gap_left_pct if progress else None,
                    due,
                ]
            )
    return table


def _engagement_table(engagement) -> Table:
    table = Table(
        "engagement",
        "Supplier engagement target progress",
        [
            "target",
            "basis",
            "year",
            "share %",
            "path %",
            "target %",
            "on track",
            "vendors with target",
        ],
    )
    for report in engagement:
        target = report.target
        for year in report.years:
            table.rows.append(
                [
                    target.name,
                    target.get_basis_display(),
                    year.year,
                    year.share_pct(target.basis),
                    report.path_pct(year.year),
                    target.target_pct,
                    report.on_track(year),
                    year.coverage.vendors_covered,
                ]
            )
    return table


def _tier_table(peers, current) -> Table:
    table = Table(
        "tiers",
        "Coverage by risk tier (latest run)",
        ["tier", "vendors", "tCO2e", "tCO2e with target", "coverage %"],
    )
    if current is None:
        return table
    by_tier: dict[str, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for vendor, has, _why in current.vendors:
        tier = peers.tier(vendor.vendor_id).tier
        entry = by_tier[tier]
        entry[0] += 1
        entry[1] += vendor.kgco2e
        if has:
            entry[2] += vendor.kgco2e
    for tier in (rules.HIGH, rules.MEDIUM, rules.LOW):
        count, kg, covered = by_tier.get(tier, [0, Decimal(0), Decimal(0)])
        table.rows.append(
            [tier, count, _t(kg), _t(covered), (covered / kg * 100).quantize(_PCT) if kg else None]
        )
    return table


def _without_target_table(peers, current) -> Table:
    table = Table(
        "without_target",
        f"Top {TOP_WITHOUT_TARGET} suppliers without a science-based target (latest run)",
        ["vendor", "tCO2e", "spend USD", "risk tier", "rule", "why"],
    )
    if current is None:
        return table
    for vendor, has, why in current.vendors:
        if has or vendor.kgco2e <= 0:
            continue
        tier = peers.tier(vendor.vendor_id)
        table.rows.append(
            [vendor.name, _t(vendor.kgco2e), vendor.spend_usd, tier.tier, tier.explanation, why]
        )
        table.vendor_ids.append(vendor.vendor_id)
        if len(table.rows) == TOP_WITHOUT_TARGET:
            break
    return table


def _primary_table(shares) -> Table:
    table = Table(
        "primary_data",
        "Primary-data share (supplier-specific and hybrid ÷ accounted)",
        ["year", "run", "category", "accounted tCO2e", "primary tCO2e", "share %"],
    )
    for share in shares:
        table.rows.append(
            [
                share.year,
                share.run_id,
                share.category_label,
                share.total_tco2e,
                share.primary_tco2e,
                share.share_pct,
            ]
        )
    return table


def _response_table(peers) -> Table:
    table = Table(
        "responses",
        "Disclosure response rate by reporting year",
        ["reporting year", "requests", "on time", "late", "missing", "pending", "response %"],
    )
    by_year: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for requests in peers.requests.values():
        for request in requests:
            by_year[request["reporting_year"]][request["state"]] += 1
    for year in sorted(by_year, reverse=True):
        counts = by_year[year]
        total = sum(counts.values())
        due = total - counts[rules.PENDING]
        answered = counts[rules.ON_TIME] + counts[rules.LATE]
        table.rows.append(
            [
                year,
                total,
                counts[rules.ON_TIME],
                counts[rules.LATE],
                counts[rules.MISSING],
                counts[rules.PENDING],
                (Decimal(answered) / due * 100).quantize(_PCT) if due else None,
            ]
        )
    return table


def esrs_e1_6_table(*, run, shares, breakdown=None) -> Table:
    """Gross Scope 3 by significant category for the run's year, with the methods used, the
    share from primary data and the uncertainty range (ESRS E1-6 paragraph 51 and AR 46)."""
    breakdown = breakdown or selectors.run_breakdown(runs=[run])
    table = Table(
        "esrs_e1_6",
        f"ESRS E1-6 Scope 3 GHG emissions, {run.reporting_year}",
        [
            "category",
            "gross tCO2e",
            "low tCO2e",
            "high tCO2e",
            "methods (share of tCO2e)",
            "primary data %",
        ],
        note=f"Ranges: {scope3_selectors.run_uncertainty_label(run)}.",
    )
    labels = dict(EmissionEstimate.Category.choices)
    method_labels = dict(EmissionEstimate.Method.choices)
    primary = {s.category: s for s in shares if s.run_id == run.pk}
    for category in breakdown.categories(run.pk):
        total = breakdown.total(run.pk, [category])
        kg = total.kgco2e
        mix = breakdown.method_kg(run.pk, category)
        methods = "; ".join(
            f"{method_labels[m]} {(v / kg * 100).quantize(_PCT) if kg else 0} %"
            for m, v in sorted(mix.items(), key=lambda item: -item[1])
        )
        share = primary.get(category)
        table.rows.append(
            [
                labels.get(category, str(category)),
                _t(kg),
                _t(total.low_kgco2e),
                _t(total.high_kgco2e),
                methods,
                share.share_pct if share else None,
            ]
        )
    total = breakdown.total(run.pk)
    overall = primary.get(None)
    table.rows.append(
        [
            "Total gross Scope 3",
            _t(total.kgco2e),
            _t(total.low_kgco2e),
            _t(total.high_kgco2e),
            "",
            overall.share_pct if overall else None,
        ]
    )
    return table


def cdp_engagement_table(*, peers, current, engagement) -> Table:
    """A CDP Supply Chain-style supplier-engagement summary (module "Supplier engagement"):
    how many suppliers were engaged, how much of Scope 3 and of spend they cover, and the
    targets' status."""
    table = Table("cdp_engagement", "Supplier engagement summary (CDP-style)", ["measure", "value"])
    year = current.year if current else None
    requests_this_year = [
        r for rs in peers.requests.values() for r in rs if year and r["reporting_year"] == year
    ]
    engaged = {r["vendor_id"] for r in requests_this_year}
    answered = {
        r["vendor_id"] for r in requests_this_year if r["state"] in (rules.ON_TIME, rules.LATE)
    }
    rows = [
        ["reporting year", year],
        ["suppliers in the inventory", current.coverage.vendors_total if current else 0],
        ["suppliers engaged (disclosure requested)", len(engaged)],
        ["suppliers that responded", len(answered)],
        [
            "suppliers with a science-based target",
            current.coverage.vendors_covered if current else 0,
        ],
        [
            "share of Scope 3 tCO2e from suppliers with targets %",
            current.coverage.emissions_pct if current else None,
        ],
        [
            "share of spend with suppliers with targets %",
            current.coverage.spend_pct if current else None,
        ],
    ]
    for report in engagement:
        latest = report.latest
        rows.append(
            [
                f"engagement target “{report.target.name}”: {report.target.target_pct} % by "
                f"{report.target.target_year}, now %",
                latest.share_pct(report.target.basis) if latest else None,
            ]
        )
    table.rows = rows
    return table


# --- exports -------------------------------------------------------------------------------------


def _cell(value):
    from assurance.uploads import csv_safe

    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    return csv_safe("" if value is None else value)


def table_bytes(table: Table, fmt: str) -> tuple[bytes, str]:
    """The table as CSV or XLSX; numbers stay numbers, every text is formula-safe."""
    from assurance.uploads import csv_safe

    header = [csv_safe(c) for c in table.columns]
    rows = [[_cell(v) for v in row] for row in table.rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.key[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), XLSX
