"""The contract timeline: one line per business event in plain words, by day in the reader's time
zone, filterable by kind, with the field changes folded under each line and the KPI charts on
top; a constant number of queries whatever the number of events."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import services, timeline
from contracts.models import Contract

TODAY = datetime.date(2026, 1, 20)
UTC = datetime.UTC


def at(day: int, hour: int = 9, month: int = 1):
    """Travel to a moment of January 2026 (UTC), with the clock running."""
    return time_machine.travel(datetime.datetime(2026, month, day, hour, tzinfo=UTC), tick=True)


def period(clause, end):
    return clause.periods.get(period_end=end)


def submit(member, clause, end, value):
    return services.kpi_report_submit(
        actor=member, period=period(clause, end), value=value, today=TODAY
    )


def url(contract, query=""):
    return reverse("admin:contracts_contract_timeline", args=[contract.pk]) + query


@pytest.fixture
def contract(officer, vendor_a):
    """The shared fixture's contract (2024-2025, active), made on 5 January 2026."""
    with at(5):
        return services.contract_create(
            actor=officer,
            vendor=vendor_a,
            reference="ACME-2024-01",
            title="Accelerator cluster",
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2025, 12, 31),
            value=Decimal("4000000"),
            currency="USD",
            owner=officer,
            status="active",
        )


@pytest.fixture
def clause(officer, contract):
    """Quarterly, lower is better: 100 in 2023 to 60 in 2027 (90 expected in 2024)."""
    with at(5, 10):
        return services.kpi_clause_create(
            actor=officer,
            contract=contract,
            metric="Scope 1+2 emissions intensity per revenue",
            unit="tCO2e per million USD",
            direction="lower",
            baseline_value=Decimal("100"),
            baseline_year=2023,
            target_value=Decimal("60"),
            target_year=2027,
            frequency="quarterly",
            remedy="Reduction plan within 60 days.",
        )


@pytest.fixture
def story(officer, member, vendor_a, contract, clause):
    """Q1 2024 sent back, corrected and accepted; a refused renewal; Q2 and Q3 accepted off track
    (breach); an audit with two minor findings, one closed later; a renewal under a waiver."""
    with at(10, 9):
        report = submit(member, clause, datetime.date(2024, 3, 31), "95")
    with at(10, 23):  # 11 January in Tokyo
        services.kpi_report_reject(actor=officer, report=report, comment="Evidence missing.")
    with at(12):
        report = submit(member, clause, datetime.date(2024, 3, 31), "88.5")
        services.kpi_report_accept(actor=officer, report=report, comment="Checked.")
    with at(13):  # no certificate or audit yet: refused
        services.contract_renew(actor=officer, contract=contract, on=TODAY)
    with at(14):
        for end, value in ((datetime.date(2024, 6, 30), "93"), (datetime.date(2024, 9, 30), "94")):
            services.kpi_report_accept(actor=officer, report=submit(member, clause, end, value))
    with at(15):
        audit = services.iso14001_audit_create(
            actor=officer,
            vendor=vendor_a,
            contract=contract,
            audit_type="surveillance",
            audit_date=datetime.date(2025, 11, 3),
            auditor="R. Novak, Example Assurance",
            result="findings",
        )
        for ref in ("6.1.2", "9.1.1"):
            services.audit_finding_create(
                actor=officer,
                audit=audit,
                severity="minor",
                clause_ref=ref,
                description="Register not updated.",
                due_date=datetime.date(2026, 3, 1),
            )
    with at(16):
        finding = audit.findings.get(clause_ref="9.1.1")
        services.audit_finding_update(
            actor=officer, finding=finding, closed_date=datetime.date(2026, 1, 16)
        )
    officer.user_permissions.add(Permission.objects.get(codename="grant_renewal_waiver"))
    officer = get_user_model().objects.get(pk=officer.pk)
    with at(19):
        services.contract_renew(
            actor=officer,
            contract=contract,
            waiver_justification="Sole supplier of the cooling retrofit.",
            on=TODAY,
        )
    return contract


def test_each_business_event_is_one_line_in_plain_words(client_for, officer, story):
    page = client_for(officer).get(url(story))
    assert page.status_code == 200
    text = page.content.decode()
    for line in (
        "Acme Accelerators submitted the Q1 2024 Scope 1+2 emissions intensity per revenue "
        "report: 95 tCO2e per million USD, off track",
        "Officer sent the Q1 2024 Scope 1+2 emissions intensity per revenue report back: "
        "“Evidence missing.”",
        "Acme Accelerators corrected the Q1 2024 Scope 1+2 emissions intensity per revenue "
        "report: 88.5 tCO2e per million USD, on track",
        "Officer accepted the Q1 2024 Scope 1+2 emissions intensity per revenue report: 88.5 "
        "tCO2e per million USD, on track (expected at most 90 tCO2e per million USD). "
        "Comment: “Checked.”",
        "Officer accepted the Q3 2024 Scope 1+2 emissions intensity per revenue report: 94 "
        "tCO2e per million USD, off track (expected at most 90 tCO2e per million USD)",
        "Scope 1+2 emissions intensity per revenue is in breach: two consecutive periods off "
        "track. Remedy: Reduction plan within 60 days.",
        "Officer recorded the ISO 14001 surveillance audit of 2025-11-03 by R. Novak, Example "
        "Assurance: conforming with findings, 2 minor findings",
        "Officer closed the corrective action of finding 9.1.1 on 2026-01-16",
        "Officer asked to renew the contract; the renewal gate refused it. The vendor has no "
        "ISO 14001 certificate on record.",
        "Contract renewed to 2027-12-31 under a waiver by officer; new term: draft contract "
        "ACME-2024-01-R1. Justification: “Sole supplier of the cooling retrofit.”",
        "Officer created the contract ACME-2024-01 (Active, 2024-01-01 to 2025-12-31, "
        "USD 4,000,000.00)",
        "Officer added the KPI clause Scope 1+2 emissions intensity per revenue: 100 tCO2e per "
        "million USD in 2023 to 60 tCO2e per million USD in 2027, lower is better, reported "
        "quarterly (active)",
    ):
        assert line in text, line
    # An accepted report's off-track notice and the gate's decision are not lines of their own;
    # the raw log's wording is gone.
    assert "is off track," not in text
    assert "the renewal gate passed" not in text
    assert "on_track:" not in text and "None →" not in text


def test_lines_are_grouped_by_day_newest_first_in_the_readers_time_zone(client_for, officer, story):
    client = client_for(officer)
    client.cookies["tz"] = "Asia/Tokyo"
    text = client.get(url(story)).content.decode()
    assert "Times in Asia/Tokyo" in text
    days = ["Monday 19 January 2026", "Tuesday 13 January 2026", "Sunday 11 January 2026"]
    days += ["Saturday 10 January 2026"]
    positions = [text.index(f">{day}</time></h3>") for day in days]
    assert positions == sorted(positions)
    # The rejection at 23:00 UTC on the 10th is on the 11th at 08:00 in Tokyo.
    eleventh = text[positions[2] : positions[3]]
    assert "report back" in eleventh and "2026-01-11T08:00" in eleventh
    assert "submitted the Q1 2024" in text[positions[3] :]

    client.cookies["tz"] = "Not/AZone"
    assert "Times in UTC" in client.get(url(story)).content.decode()


def test_reports_brought_in_after_the_fact_sit_on_the_day_they_happened(
    client_for, officer, member, contract, clause
):
    """A report entered on 15 January with the moments it was really submitted (14 April 2024)
    and accepted (17 April) sits on those days, says when it was recorded, and carries its
    off-track and breach notices along; the record itself keeps the real moment."""
    submitted = datetime.datetime(2024, 4, 14, 9, 30, tzinfo=UTC)
    with at(15):
        for end, value, day in (
            (datetime.date(2024, 3, 31), "95", 14),
            (datetime.date(2024, 6, 30), "96", 20),
        ):
            month = 4 if end.month == 3 else 7
            when = datetime.datetime(2024, month, day, 9, 30, tzinfo=UTC)
            report = services.kpi_report_submit(
                actor=member, period=period(clause, end), value=value, today=TODAY, now=when
            )
            services.kpi_report_accept(
                actor=officer, report=report, now=when + datetime.timedelta(days=3)
            )
    text = client_for(officer).get(url(contract)).content.decode()

    april_14 = text.index(">Sunday 14 April 2024</time></h3>")
    april_17 = text.index(">Wednesday 17 April 2024</time></h3>")
    july_23 = text.index(">Tuesday 23 July 2024</time></h3>")
    assert july_23 < april_17 < april_14  # newest day first
    assert "submitted the Q1 2024" in text[april_14:]
    assert "accepted the Q1 2024" in text[april_17:april_14]
    # The breach of Q2 (second period off track) is on the day Q2 was accepted, not 15 January.
    assert "is in breach" in text[july_23:april_17]
    assert "recorded <time" in text and ">15 Jan 2026</time>" in text
    assert submitted.isoformat()[:16] in text[april_14:]
    # The contract's own lines stay on the day they were recorded, without a note.
    created = text.index("Officer created the contract")
    assert "recorded <time" not in text[created : text.index("</li>", created)]


def test_field_changes_are_folded_under_each_line_in_readable_words(client_for, officer, story):
    text = client_for(officer).get(url(story)).content.decode()
    accepted = text.index("Officer accepted the Q1 2024")
    changes = text[accepted : text.index("</details>", accepted)]
    assert "<summary>Changes</summary>" in changes
    for row in (
        '<th scope="row">Status</th><td>Submitted</td><td>Accepted</td>',
        '<th scope="row">Expected value</th><td>not set</td><td>90</td>',
        '<th scope="row">On track</th><td>not set</td><td>yes</td>',
        '<th scope="row">Review comment</th><td>Evidence missing.</td><td>Checked.</td>',
    ):
        assert row in changes, row
    # The gate's decision and the status moves of the renewal are under the renewal's line.
    renewal = text.index("Contract renewed to 2027-12-31")
    changes = text[renewal : text.index("</details>", renewal)]
    assert "<td>Waived</td>" in changes and "<td>Renewed</td>" in changes
    assert "Sole supplier of the cooling retrofit." in changes


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("?kind=reviews", ["sent the Q1 2024", "is in breach"], ["submitted the", "audit of"]),
        ("?kind=audits&kind=waivers", ["2 minor findings", "under a waiver"], ["accepted"]),
        ("?kind=renewals", ["the renewal gate refused it"], ["under a waiver", "accepted"]),
        ("?kind=reports", ["submitted the Q3 2024"], ["accepted", "created the contract"]),
        ("?kind=changes", ["created the contract", "added the KPI clause"], ["submitted"]),
    ],
)
def test_the_get_form_filters_by_kind(client_for, officer, story, query, present, absent):
    text = client_for(officer).get(url(story, query)).content.decode()
    body = text[text.index('id="timeline-title"') :]
    for words in present:
        assert words in body, words
    for words in absent:
        assert words not in body, words
    assert 'type="checkbox" name="kind" value="' in text
    assert "Show everything" in text


def test_an_unknown_kind_shows_everything(client_for, officer, story):
    text = client_for(officer).get(url(story, "?kind=nonsense")).content.decode()
    assert "submitted the Q3 2024" in text and "2 minor findings" in text


def test_kpi_charts_are_on_top(client_for, officer, story):
    text = client_for(officer).get(url(story)).content.decode()
    chart = text.index('role="img"')
    assert chart < text.index('id="timeline-title"')
    assert 'data-point="2024-01-01 to 2024-03-31"' in text
    assert "script" not in text.split('id="timeline-charts-title"')[1].split("</section>")[0]


def test_times_are_static_files_under_the_content_security_policy(client_for, officer, story):
    response = client_for(officer).get(url(story))
    text = response.content.decode()
    assert "/static/js/tz.js" in text
    assert "<script>" not in text and "style=" not in text


def test_the_renewed_term_tells_where_it_came_from(client_for, officer, story):
    successor = Contract.objects.get(renewed_from=story)
    text = client_for(officer).get(url(successor)).content.decode()
    assert "Officer created the contract ACME-2024-01-R1 as the renewal of ACME-2024-01" in text


def test_auditor_reads_the_timeline_and_a_vendor_user_does_not(client_for, auditor, member, story):
    assert client_for(auditor).get(url(story)).status_code == 200
    response = client_for(member).get(url(story))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_queries_do_not_grow_with_the_number_of_events(
    client_for, officer, member, vendor_a, contract, clause
):
    periods = list(clause.periods.order_by("period_start"))
    client = client_for(officer)

    def add_events(first, last):
        # Per step: a report submitted and accepted, an audit with a finding.
        for n in range(first, last):
            report = submit(member, clause, periods[n].period_end, "50")
            services.kpi_report_accept(actor=officer, report=report)
            audit = services.iso14001_audit_create(
                actor=officer,
                vendor=vendor_a,
                contract=contract,
                audit_type="desk_review",
                audit_date=datetime.date(2025, 1, n + 1),
                auditor="A. Auditor",
                result="conforming",
            )
            services.audit_finding_create(
                actor=officer,
                audit=audit,
                severity="observation",
                clause_ref="7.2",
                description="x",
            )

    def queries(expected_lines):
        with CaptureQueriesContext(connection) as captured:
            text = client.get(url(contract)).content.decode()
        assert text.count("accepted the") == expected_lines
        return len(captured)

    add_events(0, 1)
    client.get(url(contract))  # content types and the session are cached from here on
    small = queries(1)
    add_events(1, 6)
    assert queries(6) == small
    assert small <= 30


# --- the wording, without a database -------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ((2026, 7, 1), (2026, 9, 30), "Q3 2026"),
        ((2025, 1, 1), (2025, 6, 30), "H1 2025"),
        ((2025, 7, 1), (2025, 12, 31), "H2 2025"),
        ((2026, 3, 1), (2026, 3, 31), "March 2026"),
        ((2024, 1, 1), (2024, 12, 31), "2024"),
        # Clipped by the contract's start: its dates.
        ((2024, 2, 15), (2024, 3, 31), "2024-02-15 to 2024-03-31"),
    ],
)
def test_period_labels(start, end, label):
    assert timeline.period_label(datetime.date(*start), datetime.date(*end)) == label


@pytest.mark.parametrize(
    ("severities", "summary"),
    [
        ([], "no findings"),
        (["minor", "minor"], "2 minor findings"),
        (["major"], "1 major finding"),
        (["observation"], "1 observation"),
        (
            ["minor", "major", "observation", "minor"],
            "4 findings (1 major, 2 minor, 1 observation)",
        ),
    ],
)
def test_findings_summary(severities, summary):
    assert timeline.findings_summary(severities) == summary


def test_numbers_drop_trailing_zeros():
    assert timeline.quantity(Decimal("21.8400"), "%") == "21.84%"
    assert timeline.quantity(Decimal("88.5000"), "tCO2e") == "88.5 tCO2e"
    assert timeline.quantity(Decimal("4000000.00")) == "4,000,000"


def test_days_group_by_the_readers_day_newest_first():
    def event(hour, text):
        moment = datetime.datetime(2026, 1, 10, hour, tzinfo=UTC)
        return timeline.TimelineEvent(at=moment, kind="changes", text=text)

    events = [event(9, "a"), event(23, "b"), event(23, "c"), event(10, "d")]
    tokyo = timeline.days_group(events, ZoneInfo("Asia/Tokyo"))
    assert [(d.day.day, [e.text for e in d.events]) for d in tokyo] == [
        (11, ["c", "b"]),
        (10, ["d", "a"]),
    ]
    utc = timeline.days_group(events, UTC)
    assert [[e.text for e in d.events] for d in utc] == [["c", "b", "d", "a"]]


def test_a_clause_carried_from_a_bid_shows_the_declared_value_beside_the_reported_one(
    client_for, officer, member, contract
):
    """The award makes a bid's declared full-load power a clause (procurement.services_lcc); its
    reports read against the declaration and the tolerance, on the page a reader sees."""
    declared = {"value": "640", "unit": "W", "tolerance_percent": "5", "in": "bid 7 of RFP 3"}
    with at(6):
        power = services.kpi_clause_create(
            actor=officer,
            contract=contract,
            metric="Measured average full-load power per unit",
            unit="W",
            direction="lower",
            baseline_value=Decimal("640"),
            baseline_year=2024,
            target_value=Decimal("672"),
            target_year=2025,
            frequency="annual",
            declared=declared,
        )
    with at(7):
        report = submit(member, power, datetime.date(2024, 12, 31), "655")
        services.kpi_report_accept(actor=officer, report=report)
    with at(8):
        submit(member, power, datetime.date(2025, 12, 31), "700")
    text = client_for(officer).get(url(contract)).content.decode()
    assert (
        "submitted the 2024 Measured average full-load power per unit report: 655 W, "
        "declared 640 W (+2.3%), within the 5% tolerance"
    ) in text
    assert "accepted the 2024 Measured average full-load power per unit report: 655 W, " in text
    assert "report: 700 W, declared 640 W (+9.4%), beyond the 5% tolerance" in text


def test_declared_comparison_words():
    def words(value, declared, tolerance):
        return timeline.declared_comparison(
            value=value,
            declared={"value": declared, "unit": "kgCO2e/unit", "tolerance_percent": tolerance},
        )

    assert words("2900", "3000", "0") == (
        "declared 3,000 kgCO2e/unit (-3.3%), not above the declared figure"
    )
    assert (
        words("3000", "3000", "0")
        == "declared 3,000 kgCO2e/unit (0%), not above the declared figure"
    )
    assert words("3150", "3000", "5") == "declared 3,000 kgCO2e/unit (+5%), within the 5% tolerance"
    assert words("1", "0", "5") == "declared 0 kgCO2e/unit"
    assert timeline.declared_comparison(value="1", declared={"unit": "W"}) == ""
