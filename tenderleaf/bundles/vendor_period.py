"""A vendor and a reporting period (one or more years): the vendor master, its certificates and
ISO 14001 audits, every disclosure of the period with its full change history, product
footprints and the evidence files behind them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from assurance.bundles.sections import ScopeContent, section_render
from assurance.bundles.sections.common import (
    evidence_files_for,
    history_changes,
    history_records,
)
from assurance.bundles.svg import bar_chart
from assurance.models import AuditEvent
from config import numbers
from contracts.models import Iso14001Audit
from targets import selectors as targets_selectors
from vendors.boundary import CRADLE_TO_GATE_TEXT
from vendors.models import Certification, EmissionsDisclosure, ProductFootprint, Vendor


def load_vendor_period(vendor_id: int, year: int, year_to: int) -> ScopeContent:
    """Everything the bundle of one vendor and years ``year``..``year_to`` shows.

    Query count is constant: one query per table (vendor, certificates, audits and findings,
    disclosures, footprints, each history table, evidence files, audit events).
    """
    start = dt.date(year, 1, 1)
    end = dt.date(year_to, 12, 31)
    vendor = Vendor.objects.select_related("relationship_owner").get(pk=vendor_id)
    certificates = list(
        Certification.objects.filter(vendor=vendor, issue_date__lte=end)
        .exclude(expiry_date__lt=start)
        .select_related("evidence", "verified_by")
        .order_by("kind", "issue_date", "id")
    )
    audits = list(
        Iso14001Audit.objects.filter(vendor=vendor, audit_date__range=(start, end))
        .select_related("contract")
        .prefetch_related("findings")
        .order_by("audit_date", "id")
    )
    disclosures = list(
        EmissionsDisclosure.objects.filter(
            vendor=vendor, period_start__lte=end, period_end__gte=start
        )
        .select_related("created_by", "submitted_by", "reviewed_by", "request", "superseded_by")
        .order_by("period_start", "period_end", "id")
    )
    footprints = list(
        ProductFootprint.objects.filter(
            vendor=vendor,
            reference_period_start__date__lte=end,
            reference_period_end__date__gte=start,
        )
        .select_related("created_by")
        .order_by("product_name", "pact_id", "pact_version")
    )
    disclosure_history = history_records(EmissionsDisclosure, [d.pk for d in disclosures])
    certificate_history = history_records(Certification, [c.pk for c in certificates])
    events = list(
        AuditEvent.objects.filter(vendor=vendor, occurred_at__date__range=(start, end))
        .exclude(verb=AuditEvent.Verb.DOWNLOADED)
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    files = evidence_files_for(
        ids=[c.evidence_id for c in certificates],
        targets=[vendor, *disclosures, *footprints],
        vendor=vendor,
    )

    period = f"FY{year}" if year == year_to else f"FY{year}-FY{year_to}"
    accepted = [d for d in disclosures if d.status == EmissionsDisclosure.Status.ACCEPTED]
    figures = [
        ("Disclosures in the period", str(len(disclosures))),
        ("Accepted disclosures", str(len(accepted))),
        (
            "Accepted disclosures with cradle-to-gate upstream Scope 3 (categories "
            f"{CRADLE_TO_GATE_TEXT})",
            str(sum(1 for d in accepted if d.upstream_complete)),
        ),
        (
            "Scope 1 + 2 (market-based), accepted",
            numbers.tco2e(
                sum((d.scope1_tco2e + (d.scope2_market_tco2e or 0) for d in accepted), Decimal(0))
            ),
        ),
        ("Certificates covering the period", str(len(certificates))),
        ("ISO 14001 audits", str(len(audits))),
        ("Product footprints", str(len(footprints))),
        ("Evidence files attached", str(len(files))),
        ("Change-history records", str(sum(len(r) for r in disclosure_history.values()))),
    ]
    chart = bar_chart(
        [
            (f"{d.period_end:%Y} #{d.pk}", d.scope1_tco2e + (d.scope2_market_tco2e or 0))
            for d in disclosures
        ],
        unit="tCO2e (Scope 1 + 2 market-based)",
        title="Scope 1 and 2 emissions by disclosure",
    )
    sections = [
        section_render(
            "summary",
            "Summary",
            "summary.html",
            {"figures": figures, "charts": [("Scope 1 + 2 by disclosure", chart)]},
        ),
        section_render("vendor", "Vendor master data", "vendor.html", {"vendor": vendor}),
        section_render(
            "certificates",
            "Certificates and ISO 14001 audits",
            "certificates.html",
            {
                "certificates": certificates,
                "audits": audits,
                "history": {
                    c.pk: history_changes(Certification, certificate_history.get(c.pk, []))
                    for c in certificates
                },
            },
        ),
    ]
    for disclosure in disclosures:
        sections.append(
            section_render(
                f"disclosure-{disclosure.pk}",
                f"Disclosure #{disclosure.pk}: "
                f"{disclosure.period_start} to {disclosure.period_end}",
                "disclosure.html",
                {
                    "d": disclosure,
                    "changes": history_changes(
                        EmissionsDisclosure, disclosure_history.get(disclosure.pk, [])
                    ),
                },
            )
        )
    sections.append(
        section_render(
            "footprints", "Product footprints (PACT)", "footprints.html", {"footprints": footprints}
        )
    )
    sections.append(_scorecard_section(vendor))
    sections.append(section_render("events", "Audit events", "events.html", {"events": events}))
    return ScopeContent(
        label=f"{vendor.name}, {period}",
        facts=[
            ("Scope", "Vendor and reporting period"),
            ("Vendor", f"{vendor.name} (#{vendor.pk})"),
            ("Period", f"{start} to {end}"),
        ],
        sections=sections,
        files=files,
        manifest_scope={"kind": "vendor_period", "vendor": vendor.pk, "years": [year, year_to]},
    )


def _scorecard_section(vendor):
    """The vendor's supplier scorecard (targets app) as it stands today: a constant number of
    queries whatever the number of vendors (``targets.selectors.peer_data``)."""
    card = targets_selectors.scorecard(vendor=vendor, peers=targets_selectors.peer_data())
    chart = bar_chart(
        [(str(y.year), y.tco2e) for y in card.years], unit="tCO2e", title="Emissions by year"
    )
    return section_render(
        "scorecard",
        "Supplier scorecard",
        "scorecard.html",
        {"card": card, "chart": chart, "as_of": timezone.localdate()},
    )
