"""Demo targets for ``seed_demo``: business metric, organisation targets over the demo's runs,
an engagement target, the SBTi list imported, and the default risk rules stored for editing.

- "Scope 3 -42 % by 2030" (near-term, absolute, total Scope 3, base 2024) and "Net-zero
  pathway -90 % by 2050" (long-term);
- "Scope 3 per GPU-hour -50 % by 2030" (intensity, on the GPU-hours served the analyst records);
- "Purchased goods -30 % by 2030" based on the *first* 2025 run: the restatement of 2025
  shows on the dashboard (recalculation due when it moved category 1 by more than 5 %);
- "67 % of Scope 3 from suppliers with science-based targets by 2029";
- an SBTi companies-taking-action list (written from the demo's own vendor names, with two
  companies that are not vendors) imported through the real command path.

Idempotent: each object is looked up by name first; the SBTi list is imported once.
"""

from __future__ import annotations

import csv
import tempfile
from decimal import Decimal
from pathlib import Path

from scope3.models import InventoryRun
from targets import rules, services
from targets.models import (
    BusinessMetric,
    RiskTierRule,
    SbtiImport,
    SupplierEngagementTarget,
    Target,
)

GPU_HOURS = {2024: Decimal("41200000"), 2025: Decimal("58900000")}
SBTI_LIST = [
    ("Fjordlight Silicon AS", "Targets Set", "1.5°C", "2030"),
    ("Nordlys Cloud", "Targets Set", "1.5°C", "2030"),
    ("Meridian Fabric Networks LLC", "Committed", "", ""),
    ("Tidewater Data Centres B.V.", "Targets Set", "Well-below 2°C", "2032"),
    ("Halvard Optics Oy", "Targets Set", "1.5°C", "2030"),  # not a vendor: listed as unmatched
    ("Sable Peak Robotics", "Committed", "", ""),  # not a vendor
]


def _completed(year: int, *, first: bool = False) -> InventoryRun | None:
    runs = InventoryRun.objects.filter(
        reporting_year=year, status=InventoryRun.Status.COMPLETED
    ).order_by("pk" if first else "-pk")
    return runs.first()


def targets_seed(*, analyst, tally) -> None:
    metric, created = BusinessMetric.objects.get_or_create(
        name="GPU-hours served", defaults={"unit": "GPU-hour"}
    )
    tally.add("business metrics", created=created)
    for year, value in GPU_HOURS.items():
        if not metric.values.filter(year=year).exists():
            services.business_metric_value_set(
                actor=analyst,
                metric=metric,
                year=year,
                value=value,
                source="Fleet telemetry, annual total",
            )
    base_2024, first_2025 = _completed(2024), _completed(2025, first=True)
    specs = []
    if base_2024 is not None:
        specs += [
            {
                "name": "Scope 3 -42 % by 2030",
                "base_run": base_2024,
                "target_year": 2030,
                "reduction_pct": Decimal(42),
            },
            {
                "name": "Net-zero pathway -90 % by 2050",
                "base_run": base_2024,
                "target_year": 2050,
                "reduction_pct": Decimal(90),
                "horizon": Target.Horizon.LONG_TERM,
            },
            {
                "name": "Scope 3 per GPU-hour -50 % by 2030",
                "base_run": base_2024,
                "target_year": 2030,
                "reduction_pct": Decimal(50),
                "kind": Target.Kind.INTENSITY,
                "metric": metric,
            },
        ]
    if first_2025 is not None:
        specs.append(
            {
                "name": "Purchased goods -30 % by 2030",
                "base_run": first_2025,
                "target_year": 2030,
                "reduction_pct": Decimal(30),
                "categories": [1],
            }
        )
    for spec in specs:
        if not Target.objects.filter(name=spec["name"]).exists():
            services.target_create(actor=analyst, **spec)
            tally.add("targets", created=True)
    name = "67 % of Scope 3 from suppliers with science-based targets by 2029"
    if not SupplierEngagementTarget.objects.filter(name=name).exists():
        services.engagement_target_create(
            actor=analyst, name=name, target_pct=Decimal(67), base_year=2024, target_year=2029
        )
        tally.add("engagement targets", created=True)
    if not RiskTierRule.objects.exists():
        for rule in rules.DEFAULT_RULES:
            RiskTierRule.objects.create(
                tier=rule.tier,
                name=rule.name,
                position=rule.position,
                min_years_without_disclosure=rule.min_years_without_disclosure,
                top_n_by_emissions=rule.top_n_by_emissions,
                without_target=bool(rule.without_target),
                min_dq=rule.min_dq,
                min_late_requests=rule.min_late_requests,
                min_open_findings=rule.min_open_findings,
            )
            tally.add("risk rules", created=True)
    if not SbtiImport.objects.filter(status=SbtiImport.Status.IMPORTED).exists():
        with tempfile.TemporaryDirectory(prefix="tenderleaf-sbti-") as folder:
            path = Path(folder) / "companies-taking-action.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(
                    [
                        "Company Name",
                        "ISIN",
                        "LEI",
                        "Near term - Target Status",
                        "Near term - Target Classification",
                        "Near term - Target Year",
                        "Date",
                    ]
                )
                for company, status, classification, year in SBTI_LIST:
                    writer.writerow([company, "", "", status, classification, year, "2024-11-15"])
            services.sbti_import(actor=analyst, path=path)
        tally.add("SBTi list imports", created=True)
