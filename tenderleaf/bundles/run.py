"""A Scope 3 inventory run: the method, every pinned factor dataset cited (name, version, DOI or
URL, sha256), and the results per vendor and category with data quality and uncertainty."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from assurance.bundles.sections import ScopeContent, section_render
from assurance.bundles.sections.common import evidence_files_for, history_changes, history_records
from assurance.bundles.svg import bar_chart
from config import numbers
from scope3.models import EmissionEstimate, InventoryRun
from scope3.selectors import inventory_run_group_totals, run_uncertainty_label

_T = Decimal(1000)


def _t(kg) -> Decimal:
    """Tonnes for the charts' bars; text goes through :mod:`config.numbers`."""
    return (Decimal(kg or 0) / _T).quantize(Decimal("0.001"))


def load_run(run_id: int) -> ScopeContent:
    """Everything the bundle of one run shows. Results are aggregated in the database (one query
    per grouping), so the query count does not grow with the number of estimates.

    Per group, the range is combined by shared source as the run's total is (linear within one
    factor row, disclosure, footprint or hardware spec; quadrature across; docs/method.md);
    data quality is the emissions-weighted mean of the lines' scores and of each of the five
    indicators.
    """
    run = InventoryRun.objects.select_related("started_by").get(pk=run_id)
    datasets = list(run.datasets.order_by("kind", "name", "version"))
    groups = inventory_run_group_totals(
        run=run, fields=("vendor_id", "category"), extra=("vendor__name",)
    )
    groups.sort(key=lambda g: (g.first["vendor__name"] or "", str(g.key[0] or ""), g.key[1]))
    rows = []
    by_vendor: dict[str, Decimal] = {}
    for g in groups:
        total = g.total
        name = g.first["vendor__name"] or "(unmatched vendor)"
        rows.append(
            {
                "vendor": name,
                "category": EmissionEstimate.Category(g.key[1]).label,
                "lines": total.lines,
                "kgco2e": total.kgco2e,
                "low_kgco2e": total.low_kgco2e,
                "high_kgco2e": total.high_kgco2e,
                "dq": g.dq,
                "dq_range": f"{g.dq_min}-{g.dq_max}" if g.dq_min is not None else "—",
                "indicators": " / ".join(str(v) for v in g.indicators) if g.indicators else "—",
            }
        )
        by_vendor[name] = by_vendor.get(name, Decimal(0)) + total.kgco2e
    methods = list(
        EmissionEstimate.objects.filter(run=run)
        .values("method")
        .annotate(lines=Count("id"), kg=Sum("kgco2e"))
        .order_by("method")
    )
    for m in methods:
        m["label"] = EmissionEstimate.Method(m["method"]).label
    # One unit per table, chosen by its largest figure, so its rows compare at a glance.
    unit = numbers.emissions_unit(*(r["high_kgco2e"] for r in rows), *(m["kg"] for m in methods))
    total_unit = numbers.emissions_unit(run.total_kgco2e, run.high_kgco2e)
    run_history = history_records(InventoryRun, [run.pk])
    files = evidence_files_for(targets=[run])
    top = sorted(by_vendor.items(), key=lambda item: (-item[1], item[0]))[:10]
    figures = [
        ("Reporting year", str(run.reporting_year)),
        ("Status", run.get_status_display()),
        ("Total", numbers.emissions(run.total_kgco2e, total_unit)),
        ("Range (95 %)", numbers.emissions_range(run.low_kgco2e, run.high_kgco2e, total_unit)),
        ("How the range was combined", run_uncertainty_label(run)),
        ("Method version", str(run.method_version)),
        (
            "Data quality, emissions-weighted (1 best to 5)",
            str((run.plan or {}).get("summary", {}).get("dq_weighted") or "—"),
        ),
        ("Spend lines", numbers.quantity(run.lines_total)),
        ("Pinned datasets", str(len(datasets))),
        (
            "Unaccounted spend",
            ", ".join(
                numbers.money(v, k) for k, v in sorted((run.unaccounted_amount or {}).items())
            )
            or "none",
        ),
    ]
    sections = [
        section_render(
            "summary",
            "Summary",
            "summary.html",
            {
                "figures": figures,
                "charts": [
                    (
                        "Emissions by vendor (top 10)",
                        bar_chart(
                            [(name, _t(kg)) for name, kg in top], unit="tCO2e", title="By vendor"
                        ),
                    )
                ],
            },
        ),
        section_render(
            "method",
            "Scope 3 method and factor datasets",
            "scope3_method.html",
            {
                "run": run,
                "datasets": datasets,
                "changes": history_changes(InventoryRun, run_history.get(run.pk, [])),
            },
        ),
        section_render(
            "results",
            "Results by vendor and category",
            "scope3_results.html",
            {
                "rows": rows,
                "methods": methods,
                "unit": unit,
                "run": run,
                "uncertainty": run_uncertainty_label(run),
                "unknown_terms": (run.plan or {}).get("summary", {}).get("unknown_terms", []),
            },
        ),
        _reporting_section(run),
    ]
    return ScopeContent(
        label=f"Scope 3 inventory {run.reporting_year}, run #{run.pk}",
        facts=[
            ("Scope", "Scope 3 inventory run"),
            ("Run", f"#{run.pk}, reporting year {run.reporting_year}"),
            ("Code version", run.code_version or "—"),
        ],
        sections=sections,
        files=files,
        manifest_scope={"kind": "run", "run": run.pk},
    )


def _reporting_section(run):
    """The run's ESRS E1-6-shaped Scope 3 table and, when the run is the one the engagement
    dashboard reads (the latest completed), the CDP-style supplier-engagement summary: the
    targets app's own tables (targets/reports.py), so the PDF and the exports agree."""
    from targets import reports
    from targets import selectors as targets_selectors

    breakdown = targets_selectors.run_breakdown(runs=[run])
    shares = targets_selectors.primary_data_share(runs=[run], breakdown=breakdown)
    tables = [reports.esrs_e1_6_table(run=run, shares=shares, breakdown=breakdown)]
    peers = targets_selectors.peer_data()
    if peers.run is not None and peers.run.pk == run.pk:
        engagement = reports.dashboard(peers=peers).table("cdp_engagement")
        if engagement is not None:
            tables.append(engagement)
    return section_render(
        "reporting", "Reporting tables", "reporting_tables.html", {"tables": tables}
    )
