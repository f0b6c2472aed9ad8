"""A Scope 3 inventory run: the method, every pinned factor dataset cited (name, version, DOI or
URL, sha256), and the results per vendor and category with data quality and uncertainty."""

from __future__ import annotations

import math
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, Sum

from assurance.bundles.sections import ScopeContent, section_render
from assurance.bundles.sections.common import evidence_files_for, history_changes, history_records
from assurance.bundles.svg import bar_chart

_T = Decimal(1000)


def _t(kg) -> Decimal:
    return (Decimal(kg or 0) / _T).quantize(Decimal("0.001"))


def load_run(run_id: int) -> ScopeContent:
    """Everything the bundle of one run shows. Results are aggregated in the database (one query
    per grouping), so the query count does not grow with the number of estimates.

    Per group, the range combines the lines' half-widths in quadrature (independent errors,
    PRODUCT.md section 5); data quality is the emissions-weighted mean of the lines' scores.
    """
    from scope3.models import EmissionEstimate, InventoryRun

    run = InventoryRun.objects.select_related("started_by").get(pk=run_id)
    datasets = list(run.datasets.order_by("kind", "name", "version"))
    half = (F("high_kgco2e") - F("low_kgco2e")) / 2
    groups = (
        EmissionEstimate.objects.filter(run=run)
        .values("vendor_id", "vendor__name", "category")
        .annotate(
            lines=Count("id"),
            kg=Sum("kgco2e"),
            half_sq=Sum(half * half),
            dq_weighted=Sum(F("dq") * F("kgco2e")),
            dq_kg=Sum("kgco2e", filter=Q(dq__isnull=False)),
            dq_min=Min("dq"),
            dq_max=Max("dq"),
        )
        .order_by("vendor__name", "vendor_id", "category")
    )
    rows = []
    by_vendor: dict[str, Decimal] = {}
    for g in groups:
        kg = Decimal(g["kg"] or 0)
        spread = Decimal(math.sqrt(float(g["half_sq"] or 0)))
        dq = (
            (Decimal(g["dq_weighted"]) / Decimal(g["dq_kg"])).quantize(Decimal("0.1"))
            if g["dq_weighted"] is not None and g["dq_kg"]
            else None
        )
        name = g["vendor__name"] or "(unmatched vendor)"
        rows.append(
            {
                "vendor": name,
                "category": EmissionEstimate.Category(g["category"]).label,
                "lines": g["lines"],
                "t": _t(kg),
                "low_t": _t(kg - spread),
                "high_t": _t(kg + spread),
                "dq": dq,
                "dq_range": f"{g['dq_min']}-{g['dq_max']}" if g["dq_min"] is not None else "—",
            }
        )
        by_vendor[name] = by_vendor.get(name, Decimal(0)) + kg
    methods = list(
        EmissionEstimate.objects.filter(run=run)
        .values("method")
        .annotate(lines=Count("id"), kg=Sum("kgco2e"))
        .order_by("method")
    )
    for m in methods:
        m["label"] = EmissionEstimate.Method(m["method"]).label
        m["t"] = _t(m["kg"])
    run_history = history_records(InventoryRun, [run.pk])
    files = evidence_files_for(targets=[run])
    top = sorted(by_vendor.items(), key=lambda item: (-item[1], item[0]))[:10]
    figures = [
        ("Reporting year", str(run.reporting_year)),
        ("Status", run.get_status_display()),
        ("Total, tCO2e", str(_t(run.total_kgco2e))),
        ("Range, tCO2e", f"{_t(run.low_kgco2e)} to {_t(run.high_kgco2e)}"),
        ("Spend lines", str(run.lines_total)),
        ("Pinned datasets", str(len(datasets))),
        (
            "Unaccounted spend",
            ", ".join(f"{v} {k}" for k, v in sorted((run.unaccounted_amount or {}).items()))
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
            {"rows": rows, "methods": methods, "run": run},
        ),
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
