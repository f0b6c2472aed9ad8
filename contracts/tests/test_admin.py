"""The contracts admin: charts, renewal gate and waiver, report review, overdue corrective
actions, and the auditor's read-only view of all of it (the timeline: test_timeline.py)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from contracts import services
from contracts.models import Contract, KpiReport, RenewalDecision
from contracts.tests.factories import AuditFindingFactory, ContractFactory, Iso14001AuditFactory

TODAY = datetime.date(2026, 1, 20)


@pytest.fixture
def accepted(member, officer, clause):
    report = services.kpi_report_submit(
        actor=member,
        period=clause.periods.get(period_end=datetime.date(2025, 3, 31)),
        value="79",
        today=TODAY,
    )
    return services.kpi_report_accept(actor=officer, report=report)


def test_contract_page_shows_the_chart_with_the_accepted_point(client_for, officer, accepted):
    url = reverse("admin:contracts_contract_change", args=[accepted.clause.contract_id])
    text = client_for(officer).get(url).content.decode()
    assert "KPI trajectories and reported values" in text
    assert 'data-point="2025-01-01 to 2025-03-31"' in text
    assert "79 tCO2e per million USD (on track)" in text


def test_auditor_reads_the_timeline_but_cannot_open_the_renewal_gate(client_for, auditor, contract):
    client = client_for(auditor)
    assert (
        client.get(reverse("admin:contracts_contract_timeline", args=[contract.pk])).status_code
        == 200
    )
    renew = reverse("admin:contracts_contract_renew", args=[contract.pk])
    assert client.get(renew).status_code == 403
    assert client.post(renew, {"action": "renew"}).status_code == 403
    assert not RenewalDecision.objects.exists()


def test_renew_page_explains_the_refusal_and_records_it(client_for, officer, contract):
    client = client_for(officer)
    url = reverse("admin:contracts_contract_renew", args=[contract.pk])
    page = client.get(url).content.decode()
    assert "The renewal gate refuses" in page
    assert "The vendor has no ISO 14001 certificate on record." in page
    assert "To satisfy it:" in page
    assert "Renew under a waiver" not in page  # the officer lacks the waiver permission
    client.post(url, {"action": "renew"})
    assert RenewalDecision.objects.get().outcome == "refuse"
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE


def test_waiver_form_requires_permission_and_justification(client_for, officer, contract):
    url = reverse("admin:contracts_contract_renew", args=[contract.pk])
    client = client_for(officer)
    assert client.post(url, {"action": "waiver", "justification": "x"}).status_code == 403
    officer.user_permissions.add(Permission.objects.get(codename="grant_renewal_waiver"))
    response = client.post(url, {"action": "waiver", "justification": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not RenewalDecision.objects.exists()
    response = client.post(url, {"action": "waiver", "justification": "Sole supplier."})
    assert response.status_code == 302
    decision = RenewalDecision.objects.get()
    assert (decision.outcome, decision.justification) == ("waiver", "Sole supplier.")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.RENEWED


def test_status_change_not_allowed_is_a_form_error(client_for, officer, contract):
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    data = {
        "vendor": contract.vendor_id,
        "reference": contract.reference,
        "title": contract.title,
        "status": "draft",
        "start_date": "2024-01-01",
        "end_date": "2025-12-31",
        "renewal_notice_days": 90,
        "value": "4000000",
        "currency": "USD",
        "owner": officer.pk,
        "clauses-TOTAL_FORMS": 0,
        "clauses-INITIAL_FORMS": 0,
    }
    response = client_for(officer).post(url, data)
    assert response.status_code == 200
    assert "cannot move from Active to Draft" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == "active"


def test_officer_accepts_a_report_with_the_admin_action(client_for, officer, member, clause):
    report = services.kpi_report_submit(
        actor=member,
        period=clause.periods.get(period_end=datetime.date(2025, 3, 31)),
        value="82",
        today=TODAY,
    )
    response = client_for(officer).post(
        reverse("admin:contracts_kpireport_changelist"),
        {"action": "accept_reports", "_selected_action": [report.pk], "comment": ""},
        follow=True,
    )
    assert "1 KPI report(s) accepted; 1 off track" in response.content.decode()
    report.refresh_from_db()
    assert (report.status, report.on_track, report.expected_value) == (
        "accepted",
        False,
        Decimal("80"),
    )


def test_auditor_cannot_accept_reports(client_for, auditor, member, clause):
    report = services.kpi_report_submit(
        actor=member,
        period=clause.periods.get(period_end=datetime.date(2025, 3, 31)),
        value="82",
        today=TODAY,
    )
    client_for(auditor).post(
        reverse("admin:contracts_kpireport_changelist"),
        {"action": "accept_reports", "_selected_action": [report.pk]},
    )
    report.refresh_from_db()
    assert report.status == KpiReport.Status.SUBMITTED


def test_overdue_corrective_actions_show_in_lists_and_on_the_vendor(client_for, officer, vendor_a):
    audit = Iso14001AuditFactory(vendor=vendor_a, audit_date=datetime.date(2025, 3, 1))
    AuditFindingFactory(
        audit=audit,
        severity="major",
        clause_ref="8.1",
        corrective_action="Fix the spill procedure",
        due_date=datetime.date(2025, 4, 1),
    )
    AuditFindingFactory(audit=audit, clause_ref="9.9", due_date=datetime.date(2099, 1, 1))
    client = client_for(officer)
    audits = client.get(reverse("admin:contracts_iso14001audit_changelist") + "?overdue=yes")
    assert "1 overdue" in audits.content.decode()
    findings = client.get(reverse("admin:contracts_auditfinding_changelist") + "?overdue=yes")
    text = findings.content.decode()
    assert "8.1" in text and "9.9" not in text
    vendor_page = client.get(reverse("admin:vendors_vendor_change", args=[vendor_a.pk]))
    text = vendor_page.content.decode()
    assert "1 overdue corrective action" in text
    assert "Fix the spill procedure" in text


@pytest.mark.parametrize("size", [1, 5])
def test_admin_lists_make_a_constant_number_of_queries(
    client_for, officer, vendor_a, size, django_assert_max_num_queries
):
    for n in range(size):
        contract = ContractFactory(vendor=vendor_a, created_by=officer, owner=officer)
        audit = Iso14001AuditFactory(vendor=vendor_a, contract=contract, created_by=officer)
        AuditFindingFactory(audit=audit, due_date=datetime.date(2020, 1, n + 1))
    client = client_for(officer)
    for name in (
        "contract",
        "kpiclause",
        "kpireport",
        "iso14001audit",
        "auditfinding",
        "renewaldecision",
    ):
        with django_assert_max_num_queries(12):
            response = client.get(reverse(f"admin:contracts_{name}_changelist"))
            assert response.status_code == 200, name


def test_officer_adds_a_contract_with_a_library_clause(client_for, officer, vendor_a):
    from contracts.models import KpiClauseTemplate

    client = client_for(officer)
    url = reverse("admin:contracts_contract_add")
    assert client.get(url).status_code == 200
    template = KpiClauseTemplate.objects.get(code="renewable-electricity-share")
    response = client.post(
        url,
        {
            "vendor": vendor_a.pk,
            "reference": "ACME-NEW",
            "title": "Cloud GPU capacity",
            "status": "active",
            "start_date": "2026-02-15",
            "end_date": "2028-02-14",
            "renewal_notice_days": 90,
            "value": "750000",
            "currency": "usd",
            "clauses-TOTAL_FORMS": 1,
            "clauses-INITIAL_FORMS": 0,
            "clauses-0-template": template.pk,
            "clauses-0-baseline_value": "40",
            "clauses-0-baseline_year": "2025",
            "clauses-0-target_value": "80",
            "clauses-0-target_year": "2028",
            "clauses-0-status": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    contract = Contract.objects.get(reference="ACME-NEW")
    assert contract.currency == "USD"
    clause = contract.clauses.get()
    assert (clause.metric, clause.unit, clause.frequency) == (
        "Renewable electricity share",
        "%",
        "annual",
    )
    # 2026-02-15..2028-02-14, annual: partial 2026, 2027, partial 2028.
    assert clause.periods.count() == 3
    assert clause.history.get().history_user == officer
    for name in ("kpiclause", "iso14001audit", "kpiclausetemplate"):
        assert client.get(reverse(f"admin:contracts_{name}_add")).status_code == 200, name
