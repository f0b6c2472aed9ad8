"""The Scope 3 dashboard in the admin (/admin/scope3/dashboard/), with CSV and XLSX exports.

For one completed inventory run (the latest by default): totals by category, top 20 vendors,
method mix, data-quality distribution, primary-data coverage, unaccounted spend and year over
year, each total with its range (combined by shared source, as the run's total: linear within
one factor row, disclosure, footprint or spec, quadrature across; docs/method.md) and its
emissions-weighted data quality.
Every figure comes from aggregate queries, so the page costs the same number of queries
whatever the number of estimates. Totals link to the estimates behind them.

The view is added to the default admin site's URLs rather than to a ModelAdmin because it is
about a run's results, not about one model; ``admin_view`` keeps the admin's login (vendor
users are not staff and are sent to the admin login) and the view then asks for
``scope3.view_inventoryrun`` (analysts, procurement officers and auditors hold it).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from assurance.bundles.svg import bar_chart
from assurance.uploads import csv_safe
from config import numbers
from scope3 import selectors
from scope3.models import EmissionEstimate, InventoryRun

PERMISSION = "scope3.view_inventoryrun"
PRIMARY_METHODS = (EmissionEstimate.Method.SUPPLIER_SPECIFIC, EmissionEstimate.Method.HYBRID)
ACCOUNTED_METHODS = ",".join(
    m for m in EmissionEstimate.Method.values if m != EmissionEstimate.Method.UNACCOUNTED
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Column headers of the page whose cells carry their own unit; the exports keep the kgCO2e ones.
PAGE_HEADERS = {"kgCO2e": "emissions", "low kgCO2e": "low", "high kgCO2e": "high"}


@dataclass
class Table:
    """One dashboard table: the exports write ``rows`` (raw numbers), the page shows the same
    cells formatted by kind: ``kg`` (emissions, one unit for the whole table), ``money`` (with
    the row's ``currency`` cell), ``count``, ``percent``, ``skip`` (exported, not shown: a
    currency the amount already names); any other kind is shown as it is."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    chart: str = ""
    kinds: list[str] = field(default_factory=list)  # per column
    kinds_by_row: list[list[str]] | None = None  # per row instead, for a table of measures

    def _kinds(self, index: int) -> list[str]:
        kinds = self.kinds_by_row[index] if self.kinds_by_row else self.kinds
        return kinds or [""] * len(self.columns)

    @property
    def unit(self) -> str:
        kgs = (
            value
            for index, row in enumerate(self.rows)
            for value, kind in zip(row, self._kinds(index), strict=True)
            if kind == "kg"
        )
        return numbers.emissions_unit(*kgs)

    @property
    def headers(self) -> list[str]:
        return [
            PAGE_HEADERS.get(column, column)
            for column, kind in zip(self.columns, self._kinds(0), strict=True)
            if kind != "skip"
        ]

    def _shown(self, index: int, row: list, unit: str) -> list:
        currency = row[self.columns.index("currency")] if "currency" in self.columns else ""
        shown = []
        for value, kind in zip(row, self._kinds(index), strict=True):
            if kind == "skip":
                continue
            if value is None or kind == "":
                shown.append(value)
            elif kind == "kg":
                shown.append(numbers.emissions(value, unit))
            elif kind == "money":
                shown.append(numbers.money(value, currency))
            elif kind == "percent":
                shown.append(numbers.percent(value))
            else:
                shown.append(numbers.quantity(value))
        return shown

    @property
    def body(self):
        unit = self.unit
        shown = [self._shown(index, row, unit) for index, row in enumerate(self.rows)]
        return list(zip(shown, self.links, strict=True))


def _estimates_url(run: InventoryRun, **filters) -> str:
    query = {"run__id__exact": run.pk, **filters}
    return reverse("admin:scope3_emissionestimate_changelist") + "?" + urlencode(query)


def _total_rows(run, rows, filter_of) -> tuple[list[list], list[str]]:
    cells = [[r.label, r.kgco2e, r.low_kgco2e, r.high_kgco2e, r.dq, r.lines] for r in rows]
    links = [_estimates_url(run, **filter_of(r)) for r in rows]
    return cells, links


TOTAL_COLUMNS = ["kgCO2e", "low kgCO2e", "high kgCO2e", "DQ (weighted, 1 best)", "lines"]
TOTAL_KINDS = ["", "kg", "kg", "kg", "", "count"]


def dashboard_tables(run: InventoryRun) -> list[Table]:
    """Every table of the dashboard for ``run``; a constant number of aggregate queries."""
    accounted = {"method__in": ACCOUNTED_METHODS}
    tables = []

    by_category = selectors.inventory_run_totals_by_category(run=run)
    cells, links = _total_rows(run, by_category, lambda r: {"category__exact": r.key, **accounted})
    tables.append(
        Table(
            "category",
            "Totals by category",
            ["category", *TOTAL_COLUMNS],
            cells,
            links,
            kinds=TOTAL_KINDS,
        )
    )

    vendors = selectors.inventory_run_totals_by_vendor(run=run, limit=20)
    cells, links = _total_rows(
        run,
        vendors,
        lambda r: (
            {"vendor__id__exact": r.key, **accounted}
            if r.key
            else {"vendor__isnull": "True", **accounted}
        ),
    )
    tables.append(
        Table(
            "vendors", "Top 20 vendors", ["vendor", *TOTAL_COLUMNS], cells, links, kinds=TOTAL_KINDS
        )
    )

    by_method = selectors.inventory_run_totals_by_method(run=run)
    cells, links = _total_rows(run, by_method, lambda r: {"method__exact": r.key})
    tables.append(
        Table("methods", "Method mix", ["method", *TOTAL_COLUMNS], cells, links, kinds=TOTAL_KINDS)
    )

    by_dq = selectors.inventory_run_totals_by_dq(run=run)
    cells, links = _total_rows(
        run,
        by_dq,
        lambda r: (
            {"dq__exact": r.key, **accounted} if r.key else {"dq__isnull": "True", **accounted}
        ),
    )
    tables.append(
        Table(
            "quality",
            "Data-quality distribution",
            ["data quality", *TOTAL_COLUMNS],
            cells,
            links,
            kinds=TOTAL_KINDS,
        )
    )

    tables.append(_coverage_table(run, by_method))

    unaccounted = selectors.inventory_run_unaccounted_by_currency(run=run)
    tables.append(
        Table(
            "unaccounted",
            "Unaccounted spend",
            ["currency", "amount", "lines"],
            [[u["currency"], u["amount"], u["lines"]] for u in unaccounted],
            [
                # The estimate admin filters by method, not by a line's currency.
                _estimates_url(run, method__exact=EmissionEstimate.Method.UNACCOUNTED)
                for _ in unaccounted
            ],
            kinds=["skip", "money", "count"],
        )
    )

    yearly = selectors.inventory_runs_latest_per_year()
    tables.append(
        Table(
            "years",
            "Year over year (latest completed run of each year)",
            ["year", "run", *TOTAL_COLUMNS[:3]],
            [[r.reporting_year, r.pk, r.total_kgco2e, r.low_kgco2e, r.high_kgco2e] for r in yearly],
            [_estimates_url(r, method__in=ACCOUNTED_METHODS) for r in yearly],
            kinds=["", "", "kg", "kg", "kg"],  # the year and the run's id stay as they are
        )
    )
    return tables


def _coverage_table(run: InventoryRun, by_method) -> Table:
    """Share of accounted kgCO2e from supplier-specific and hybrid estimates.

    The two methods never share a source (a disclosure is not a footprint), so the range of
    the primary kgCO2e combines their distances below and above in quadrature; the share's
    range divides that range by the accounted total (the total's own spread is shown in the
    other tables).
    """
    total = sum((r.kgco2e for r in by_method), Decimal(0))
    primary = [r for r in by_method if r.key in PRIMARY_METHODS]
    kg = sum((r.kgco2e for r in primary), Decimal(0))
    minus = math.sqrt(sum(float(r.kgco2e - r.low_kgco2e) ** 2 for r in primary))
    plus = math.sqrt(sum(float(r.high_kgco2e - r.kgco2e) ** 2 for r in primary))
    low = max(kg - Decimal(repr(minus)).quantize(Decimal("0.001")), Decimal(0))
    high = kg + Decimal(repr(plus)).quantize(Decimal("0.001"))

    def share(value):
        return (value / total * 100).quantize(Decimal("0.1")) if total else Decimal(0)

    return Table(
        "coverage",
        "Primary-data coverage",
        ["measure", "value", "low", "high"],
        [
            ["kgCO2e from supplier-specific and hybrid", kg, low, high],
            ["share of accounted kgCO2e (%)", share(kg), share(low), share(high)],
        ],
        [_estimates_url(run, method__in=",".join(PRIMARY_METHODS)), None],
        kinds_by_row=[["", "kg", "kg", "kg"], ["", "percent", "percent", "percent"]],
    )


def _charts(tables: list[Table]) -> None:
    unit = "kgCO2e"
    for table in tables:
        if table.key in {"category", "vendors", "methods", "quality"}:
            bars = [(str(row[0]), row[1]) for row in table.rows]
        elif table.key == "years":
            bars = [(str(row[0]), row[2] or 0) for row in table.rows]
        else:
            continue
        table.chart = bar_chart(bars, unit=unit, title=f"{table.title} ({unit})")


def _chosen_run(request) -> tuple[InventoryRun | None, list[InventoryRun]]:
    runs = list(selectors.inventory_runs_completed()[:200])
    wanted = request.GET.get("run", "")
    if wanted:
        run = (
            selectors.inventory_runs_completed().filter(pk=wanted).first()
            if wanted.isdigit()
            else None
        )
        if run is None:
            raise Http404("No completed inventory run has this id.")
        return run, runs
    return (runs[0] if runs else None), runs


def dashboard_view(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    run, runs = _chosen_run(request)
    tables = dashboard_tables(run) if run else []
    _charts(tables)
    context = {
        **admin.site.each_context(request),
        "title": "Scope 3 dashboard",
        "run": run,
        "runs": runs,
        "tables": tables,
        "total_unit": numbers.emissions_unit(run.total_kgco2e, run.high_kgco2e) if run else "",
        "uncertainty": selectors.run_uncertainty_label(run) if run else "",
        "summary": (run.plan or {}).get("summary", {}) if run else {},
    }
    return TemplateResponse(request, "admin/scope3/dashboard.html", context)


def _cell(value):
    # Numbers stay numbers in both exports; every text goes through csv_safe.
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return csv_safe(value)


def dashboard_export_view(request, table_key, fmt):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if fmt not in {"csv", "xlsx"}:
        raise Http404("Exports are CSV or XLSX.")
    run, _ = _chosen_run(request)
    if run is None:
        raise Http404("No completed inventory run.")
    table = next((t for t in dashboard_tables(run) if t.key == table_key), None)
    if table is None:
        raise Http404("No such table.")
    name = f"scope3-run{run.pk}-{table.key}.{fmt}"
    rows = [[_cell(value) for value in row] for row in table.rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([csv_safe(c) for c in table.columns])
        writer.writerows(rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(table.key)
        sheet.append([csv_safe(c) for c in table.columns])
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _urls():
    return [
        path(
            "scope3/dashboard/",
            admin.site.admin_view(dashboard_view),
            name="scope3_dashboard",
        ),
        path(
            "scope3/dashboard/export/<slug:table_key>.<str:fmt>",
            admin.site.admin_view(dashboard_export_view),
            name="scope3_dashboard_export",
        ),
    ]


_site_get_urls = admin.site.get_urls


def _get_urls():
    # Ours first: the admin's catch-all view would otherwise answer these paths with a 404.
    return [*_urls(), *_site_get_urls()]


admin.site.get_urls = _get_urls
