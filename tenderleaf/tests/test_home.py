"""The admin home: each person's work first, the model list grouped by the work, and the
Tenderleaf navigation on every admin page (docs/admin-home.md)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from assurance.models import EvidenceBundle
from assurance.roles import ROLE_NAMES
from config import numbers
from contracts.models import Contract, KpiReport, KpiReportingPeriod
from contracts.tests.factories import ContractFactory, Iso14001AuditFactory, KpiClauseFactory
from procurement.models import ConflictDeclaration, Rfp, Score
from procurement.tests.factories import BidFactory, RfpCriterionFactory, RfpFactory
from reconciliation.models import ReconciliationFlag
from scope3.models import InventoryRun
from tenderleaf import home
from tests.test_security_headers import assert_secure_page
from vendors.models import EmissionsDisclosure
from vendors.tests.factories import UserFactory, VendorFactory

ADMIN = "/admin/"
GROUP_ORDER = [
    "Vendors and disclosures",
    "Sourcing",
    "Contracts",
    "Scope 3",
    "Assurance",
    "Operations",
]


# --- reading the page ---------------------------------------------------------------------------


def _section(html: str, name: str) -> str:
    """The HTML of one role section, or "" when the page has none."""
    match = re.search(
        rf'<section [^>]*data-home-section="{name}">(.*?)</section>', html, flags=re.S
    )
    return match.group(1) if match else ""


def _roles_html(html: str) -> str:
    match = re.search(r'data-home="roles">(.*?)<div class="home-models"', html, flags=re.S)
    return match.group(1) if match else ""


def _links(html: str) -> dict[str, str]:
    """Link text (tags and spaces collapsed) to its URL."""
    return {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip(): unescape(url)
        for url, text in re.findall(r'<a\b[^>]*\bhref="([^"]+)"[^>]*>(.*?)</a>', html, flags=re.S)
    }


def _group_headings(html: str) -> list[str]:
    models = html.split('data-home="models"', 1)[1]
    return [unescape(c).strip() for c in re.findall(r"<caption>(.*?)</caption>", models, re.S)]


def _nav(html: str) -> dict[str, str]:
    match = re.search(
        r'<nav class="tenderleaf-nav" aria-label="Tenderleaf">(.*?)</nav>', html, re.S
    )
    return _links(match.group(1)) if match else {}


# --- building the data --------------------------------------------------------------------------


def _past(days: int = 2) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _rfp_to_score(evaluator, *, title: str, bidders: list[str]) -> Rfp:
    """A closed RFP with ``evaluator`` on its panel, one manual criterion and submitted bids."""
    rfp = RfpFactory(title=title, status=Rfp.Status.CLOSED, deadline=_past())
    rfp.panel.add(evaluator)
    RfpCriterionFactory(rfp=rfp, name="Repairability plan", rule="manual_scale")
    for name in bidders:
        BidFactory(rfp=rfp, vendor=VendorFactory(name=name))
    return rfp


def _run(year: int, *, total_kg: str, low_kg: str, high_kg: str, user, **fields) -> InventoryRun:
    return InventoryRun.objects.create(
        reporting_year=year,
        started_by=user,
        status=fields.pop("status", InventoryRun.Status.COMPLETED),
        total_kgco2e=Decimal(total_kg),
        low_kgco2e=Decimal(low_kg),
        high_kgco2e=Decimal(high_kg),
        **fields,
    )


def _world(n: int, *, evaluator, tag: str = "") -> None:
    """``n`` rows of everything a role section lists, for the query-count tests."""
    today = timezone.localdate()
    staff = UserFactory(is_staff=True)
    for i in range(n):
        vendor = VendorFactory(name=f"World vendor {tag}{i}")
        for status in (Rfp.Status.DRAFT, Rfp.Status.PUBLISHED, Rfp.Status.EVALUATED):
            RfpFactory(status=status)
        _rfp_to_score(evaluator, title=f"World tender {tag}{i}", bidders=[f"Bidder {tag}{i}"])
        contract = ContractFactory(
            vendor=vendor,
            start_date=today - datetime.timedelta(days=700),
            end_date=today + datetime.timedelta(days=60),
        )
        Iso14001AuditFactory(vendor=vendor, audit_date=today - datetime.timedelta(days=30))
        clause = KpiClauseFactory(contract=contract)
        period = KpiReportingPeriod.objects.create(
            clause=clause,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            due_date=datetime.date(2026, 1, 30),
        )
        KpiReport.objects.create(
            period=period, clause=clause, value=90, submitted_by=staff, submitted_at=_past()
        )
        EmissionsDisclosure.objects.create(
            vendor=vendor,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            scope1_tco2e=Decimal("120"),
            status=EmissionsDisclosure.Status.SUBMITTED,
            submitted_at=_past(),
            created_by=staff,
        )
        _run(
            2015 + i,
            total_kg="1000",
            low_kg="900",
            high_kg="1200",
            user=staff,
            plan={"summary": {"unknown_terms": [{"term": f"gizmo{i}", "lines": 2}]}},
        )
        ReconciliationFlag.objects.create(
            kind=ReconciliationFlag.Kind.VENDOR_NOT_IN_MASTER,
            key=f"ledger-vendor:{tag}{i}",
            status=ReconciliationFlag.Status.OPEN,
            summary="not in the master",
            last_seen_at=timezone.now(),
        )
        EvidenceBundle.objects.create(
            scope=EvidenceBundle.Scope.CONTRACT, contract=contract, requested_by=staff
        )


# --- officers -----------------------------------------------------------------------------------


def test_officers_see_open_rfps_by_stage_contracts_needing_action_and_disclosures_to_review(
    client_for, officer
):
    today = timezone.localdate()
    for status in (Rfp.Status.DRAFT, Rfp.Status.DRAFT, Rfp.Status.CLOSED, Rfp.Status.AWARDED):
        RfpFactory(status=status)
    no_certificate = ContractFactory(
        reference="C-RENEW-1",
        vendor=VendorFactory(name="Nimbus Colocation"),
        start_date=today - datetime.timedelta(days=700),
        end_date=today + datetime.timedelta(days=60),  # notice (90 days) has started
        status=Contract.Status.RENEWAL_DUE,
    )
    ContractFactory(
        reference="C-FAR-AWAY",
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=400),
    )
    clause = KpiClauseFactory(contract=no_certificate)
    period = KpiReportingPeriod.objects.create(
        clause=clause,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        due_date=datetime.date(2026, 1, 30),
    )
    KpiReport.objects.create(
        period=period, clause=clause, value=90, submitted_by=officer, submitted_at=_past()
    )
    submitted = EmissionsDisclosure.objects.create(
        vendor=VendorFactory(name="Helios Compute"),
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        scope1_tco2e=Decimal("1200"),
        status=EmissionsDisclosure.Status.SUBMITTED,
        submitted_at=_past(),
        created_by=officer,
    )
    EmissionsDisclosure.objects.create(
        vendor=VendorFactory(name="Quiet Draft Vendor"),
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        scope1_tco2e=Decimal("5"),
        created_by=officer,
    )
    client = client_for(officer)

    html = client.get(ADMIN).content.decode()

    section = _section(html, "officer")
    links = _links(section)
    for stage, count in (("Draft", 2), ("Published", 0), ("Closed", 1), ("Evaluated", 0)):
        assert re.search(rf">{stage}</a> <span class=\"home-count\">{count}</span>", section)
        changelist = client.get(links[stage])
        assert changelist.context["cl"].result_count == count, stage
    assert "Awarded" not in section
    # The renewal: its notice period started, and with no ISO 14001 certificate nor audit
    # the gate fails today.
    assert "C-RENEW-1" in section and "Nimbus Colocation" in section
    assert "fails" in section and "no ISO 14001 certificate" in section
    assert "C-FAR-AWAY" not in section
    contract_page = links["C-RENEW-1"]
    assert contract_page == reverse("admin:contracts_contract_change", args=[no_certificate.pk])
    assert client.get(contract_page).status_code == 200
    reports = client.get(links["KPI reports to review"])
    assert reports.context["cl"].result_count == 1
    # Disclosures to review: the submitted one, linked; never the vendor's draft.
    disclosure_page = links["Helios Compute, 2025-01 to 2025-12"]
    assert disclosure_page == reverse(
        "admin:vendors_emissionsdisclosure_change", args=[submitted.pk]
    )
    assert client.get(disclosure_page).status_code == 200
    assert client.get(links["Submitted disclosures"]).context["cl"].result_count == 1
    assert "Quiet Draft Vendor" not in section
    # Officers have no role section of another role.
    for other in ("evaluator", "analyst", "auditor"):
        assert not _section(html, other)


# --- evaluators ---------------------------------------------------------------------------------


def test_evaluators_see_bids_waiting_for_their_scores_only_on_their_panels(client_for, evaluator):
    mine = _rfp_to_score(
        evaluator,
        title="Panel tender for inference racks",
        bidders=["Waiting Vendor", "Scored Vendor", "Conflicted Vendor"],
    )
    criterion = mine.criteria.get()
    scored = mine.bids.get(vendor__name="Scored Vendor")
    Score.objects.create(bid=scored, criterion=criterion, evaluator=evaluator, score=3)
    # Another evaluator's score does not take a bid off this evaluator's list.
    waiting = mine.bids.get(vendor__name="Waiting Vendor")
    Score.objects.create(bid=waiting, criterion=criterion, evaluator=UserFactory(), score=4)
    conflicted = mine.bids.get(vendor__name="Conflicted Vendor")
    ConflictDeclaration.objects.create(
        rfp=mine, evaluator=evaluator, vendor=conflicted.vendor, reason="Former employer"
    )
    # Not on this panel: nothing of it may show.
    other = RfpFactory(
        title="Sealed tender of another panel", status=Rfp.Status.CLOSED, deadline=_past()
    )
    RfpCriterionFactory(rfp=other, rule="manual_scale")
    BidFactory(rfp=other, vendor=VendorFactory(name="Secret Other Bidder"))
    # On the panel but before the deadline: the bids are sealed.
    sealed = RfpFactory(title="Still sealed tender", status=Rfp.Status.PUBLISHED)
    sealed.panel.add(evaluator)
    RfpCriterionFactory(rfp=sealed, rule="manual_scale")
    BidFactory(rfp=sealed, vendor=VendorFactory(name="Sealed Bidder"))
    client = client_for(evaluator)

    html = client.get(ADMIN).content.decode()

    section = _section(html, "evaluator")
    assert "Panel tender for inference racks" in section
    assert "Waiting Vendor" in section
    assert "Scored Vendor" not in section
    assert "Conflicted Vendor" not in section
    for secret in (
        "Sealed tender of another panel",
        "Secret Other Bidder",
        "Still sealed tender",
        "Sealed Bidder",
    ):
        assert secret not in html, secret
    score_page = _links(section)["Panel tender for inference racks"]
    assert score_page == reverse("admin:procurement_rfp_score", args=[mine.pk])
    assert client.get(score_page).status_code == 200
    assert not _section(html, "officer") and not _section(html, "analyst")


# --- analysts -----------------------------------------------------------------------------------


def test_analysts_see_the_latest_run_of_each_year_with_its_range(client_for, analyst):
    _run(2025, total_kg="1000000", low_kg="900000", high_kg="1100000", user=analyst)
    latest = _run(
        2025,
        total_kg="2500500",
        low_kg="2000000",
        high_kg="3100000",
        user=analyst,
        unaccounted_amount={"USD": "1234.5000"},
        plan={
            "summary": {
                "unknown_terms": [
                    {"term": "flux capacitor", "lines": 3},
                    {"term": "quantum sprocket", "lines": 1},
                ]
            }
        },
    )
    _run(
        2025,
        total_kg="1",
        low_kg="1",
        high_kg="1",
        user=analyst,
        status=InventoryRun.Status.FAILED,
    )
    previous_year = _run(
        2024,
        total_kg="800000",
        low_kg="700000",
        high_kg="950000",
        user=analyst,
        uncertainty_method=InventoryRun.Uncertainty.MONTECARLO,
        plan={"montecarlo_seed": 7, "montecarlo_draws": 5000},
    )
    ReconciliationFlag.objects.create(
        kind=ReconciliationFlag.Kind.SPEND_WITHOUT_CONTRACT,
        key="spend:1",
        status=ReconciliationFlag.Status.OPEN,
        summary="spend without a contract",
        last_seen_at=timezone.now(),
    )
    ReconciliationFlag.objects.create(
        kind=ReconciliationFlag.Kind.VENDOR_NOT_IN_MASTER,
        key="ledger-vendor:9",
        status=ReconciliationFlag.Status.DISMISSED,
        summary="dismissed",
        last_seen_at=timezone.now(),
    )
    client = client_for(analyst)

    html = client.get(ADMIN).content.decode()

    section = _section(html, "analyst")
    rows = re.findall(r'<tr data-run="(\d+)">(.*?)</tr>', section, re.S)
    assert [int(pk) for pk, _ in rows] == [latest.pk, previous_year.pk]
    row = unescape(rows[0][1])
    # 2,500,500 kg is 2,500.5 t; the range 2,000,000 to 3,100,000 kg.
    assert numbers.emissions(Decimal("2500500"), "t") in row
    assert "tCO2e" in row
    assert numbers.emissions_range(Decimal("2000000"), Decimal("3100000"), "t") in row
    assert "linear within a shared source, quadrature across sources" in row
    assert numbers.money(Decimal("1234.5000"), "USD") in row
    assert "flux capacitor (3 lines)" in row and "quantum sprocket (1 line)" in row
    assert "Monte Carlo" in unescape(rows[1][1]) and "seed 7" in unescape(rows[1][1])
    links = _links(section)
    assert links["Start a run"] == reverse("admin:scope3_inventoryrun_start")
    assert client.get(links["Start a run"]).status_code == 200
    dashboard = client.get(_links(rows[0][1])["Scope 3 dashboard"])
    assert dashboard.status_code == 200 and dashboard.context["run"] == latest
    assert "Spend without a contract" in section
    assert client.get(links["All open flags"]).context["cl"].result_count == 1


def test_no_start_button_without_the_permission_to_start_a_run(client_for, officer):
    """Officers read Scope 3 but do not start runs; an officer who is also an analyst by group
    but lacks the permission (a custom set-up) sees the runs without the button."""
    officer.groups.add(Group.objects.get(name="sustainability"))
    group = Group.objects.get(name="sustainability")
    group.permissions.remove(group.permissions.get(codename="add_inventoryrun"))
    _run(2025, total_kg="1000", low_kg="900", high_kg="1100", user=officer)

    html = client_for(officer).get(ADMIN).content.decode()

    section = _section(html, "analyst")
    assert 'data-run="' in section
    assert "Start a run" not in section


# --- auditors -----------------------------------------------------------------------------------


def test_auditors_see_bundles_and_the_audit_trail_with_no_write_buttons(
    client_for, auditor, officer
):
    vendor = VendorFactory(name="Audited Accelerators")
    bundle = EvidenceBundle.objects.create(
        scope=EvidenceBundle.Scope.VENDOR_PERIOD, vendor=vendor, year=2025, requested_by=officer
    )
    _run(2025, total_kg="1000", low_kg="900", high_kg="1100", user=officer)
    client = client_for(auditor)

    html = client.get(ADMIN).content.decode()

    section = _section(html, "auditor")
    links = _links(section)
    assert "Audited Accelerators FY2025" in section
    assert links[f"#{bundle.pk}"] == reverse("assurance:bundle_detail", args=[bundle.pk])
    assert client.get(links[f"#{bundle.pk}"]).status_code == 200
    assert links["check the audit trail"] == "/assurance/audit-trail/"
    assert client.get(links["check the audit trail"]).status_code == 200
    assert links["All evidence bundles"] == "/assurance/"
    assert "The result of a check is not stored" in section
    roles = _roles_html(html)
    assert "Start a run" not in roles
    assert "<form" not in roles and 'class="button' not in roles
    assert "addlink" not in roles and "/add/" not in roles
    # Auditors hold view permissions only: no add link anywhere on the home.
    assert "addlink" not in html
    assert not _section(html, "analyst")


# --- several roles, every page --------------------------------------------------------------------


def test_a_person_with_several_roles_sees_each_section(client_for, officer):
    officer.groups.add(Group.objects.get(name="sustainability"))

    html = client_for(officer).get(ADMIN).content.decode()

    assert _section(html, "officer") and _section(html, "analyst")
    assert html.index('data-home-section="officer"') < html.index('data-home-section="analyst"')
    assert '<h2 id="attention-heading">Needs attention</h2>' in html


def test_the_role_names_are_the_groups_of_the_roles():
    assert set(home.ROLE_ORDER) <= set(ROLE_NAMES)


def _superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


PERSONAS = {
    "officer": lambda request: request.getfixturevalue("officer"),
    "evaluator": lambda request: request.getfixturevalue("evaluator"),
    "analyst": lambda request: request.getfixturevalue("analyst"),
    "auditor": lambda request: request.getfixturevalue("auditor"),
    "superuser": lambda request: _superuser(),
}
# Queries of the whole home page (session, user, permissions, the attention box, the admin's
# model list and recent actions included), measured and rounded up a little.
QUERY_BUDGET = {"officer": 26, "evaluator": 14, "analyst": 16, "auditor": 19, "superuser": 28}


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_the_home_costs_the_same_queries_whatever_the_number_of_rows(
    request, client_for, evaluator, django_assert_max_num_queries, persona
):
    user = PERSONAS[persona](request)
    client = client_for(user)
    _world(1, evaluator=evaluator, tag="a")
    client.get(ADMIN)  # warm the caches (content types, permissions)

    with django_assert_max_num_queries(QUERY_BUDGET[persona]) as small:
        assert client.get(ADMIN).status_code == 200
    _world(5, evaluator=evaluator, tag="b")
    with django_assert_max_num_queries(QUERY_BUDGET[persona]) as large:
        response = client.get(ADMIN)

    assert len(small.captured_queries) == len(large.captured_queries)
    html = response.content.decode()
    # Every kind of row is on the page at the larger size, so every query ran.
    expected = {
        "officer": ["officer"],
        "evaluator": ["evaluator"],
        "analyst": ["analyst"],
        "auditor": ["auditor"],
        "superuser": ["officer", "analyst", "auditor"],
    }[persona]
    for name in expected:
        assert "<tr data-" in _section(html, name), name
    if persona == "evaluator":
        assert html.count("<tr data-rfp=") == 6


def test_the_home_works_under_the_content_security_policy(client_for, evaluator):
    _world(1, evaluator=evaluator)
    user = _superuser()
    user.groups.add(Group.objects.get(name="evaluators"))

    response = client_for(user).get(ADMIN)

    assert_secure_page(response)
    html = response.content.decode()
    assert "css/home.css" in html
    for name in ("officer", "evaluator", "analyst", "auditor"):
        assert _section(html, name), name


# --- the model list -----------------------------------------------------------------------------


def test_the_model_list_is_grouped_by_the_work_with_proper_names(client_for, officer):
    html = client_for(officer).get(ADMIN).content.decode()

    assert _group_headings(html) == GROUP_ORDER
    models = html.split('data-home="models"', 1)[1]
    assert ">KPI clause templates</a>" in models
    assert ">KPI reports</a>" in models and ">RFPs</a>" in models
    assert "Kpi " not in html


def test_admins_also_get_accounts_and_authentication(db, client_for):
    html = client_for(_superuser()).get(ADMIN).content.decode()

    assert _group_headings(html) == [*GROUP_ORDER, "Accounts and authentication"]
    assert ">Clocked schedules</a>" in html
    assert "Other" not in _group_headings(html)


def test_every_registered_model_belongs_to_a_work_group():
    unplaced = [
        model._meta.label_lower
        for model in admin.site._registry
        if home.model_group_of(model._meta.label_lower)[0] is home.OTHER_GROUP
    ]
    assert unplaced == []


def test_an_app_index_page_still_lists_the_apps_models(client_for, analyst):
    html = client_for(analyst).get("/admin/scope3/").content.decode()

    assert "Inventory runs" in html
    assert 'data-home="roles"' not in html and 'data-home="models"' not in html


# --- the navigation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "officer",
            ["Scope 3 dashboard", "Vendor consolidation", "Needs attention", "Assurance"],
        ),
        ("evaluator", ["Vendor consolidation", "Needs attention"]),
        ("analyst", ["Scope 3 dashboard", "Needs attention", "Assurance"]),
        (
            "auditor",
            ["Scope 3 dashboard", "Vendor consolidation", "Needs attention", "Assurance"],
        ),
    ],
)
def test_the_navigation_offers_the_pages_each_person_may_open(
    request, client_for, persona, expected
):
    client = client_for(request.getfixturevalue(persona))

    # On any admin page, not only the home.
    nav = _nav(client.get(reverse("admin:password_change")).content.decode())

    assert list(nav) == expected
    for label, url in nav.items():
        assert client.get(url).status_code == 200, label


def test_the_navigation_marks_the_current_page(client_for, analyst):
    html = client_for(analyst).get(reverse("admin:scope3_dashboard")).content.decode()

    assert re.search(r'href="/admin/scope3/dashboard/" aria-current="page"', html)


def test_the_sign_in_page_has_no_navigation(client):
    html = client.get(reverse("admin:login")).content.decode()

    assert "tenderleaf-nav" not in html
