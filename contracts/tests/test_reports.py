"""KPI reports: submission rules, unit scale, review, off-track notification and breach."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from assurance.models import AuditEvent
from contracts import services
from contracts.models import KpiClause, KpiReport

TODAY = datetime.date(2026, 1, 20)


def period_ending(clause, day):
    return clause.periods.get(period_end=day)


def test_report_for_a_period_that_has_not_ended_is_refused(member, clause):
    q4 = period_ending(clause, datetime.date(2025, 12, 31))
    with pytest.raises(ValidationError) as exc:
        services.kpi_report_submit(
            actor=member, period=q4, value="79", today=datetime.date(2025, 12, 31)
        )
    assert "has not ended yet; it can be reported from 2026-01-01" in str(exc.value)
    assert not KpiReport.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.45", "did you mean 45 %?"),
        ("1", "did you mean 100 %?"),
        ("145", "above 100 %"),
        ("-3", "negative"),
    ],
)
def test_wrong_unit_scale_is_refused(member, percent_clause, value, message):
    period = percent_clause.periods.get(period_end=datetime.date(2024, 12, 31))
    with pytest.raises(ValidationError, match=message):
        services.kpi_report_submit(actor=member, period=period, value=value, today=TODAY)
    assert not KpiReport.objects.exists()


def test_zero_percent_is_a_genuine_value(member, percent_clause):
    period = percent_clause.periods.get(period_end=datetime.date(2024, 12, 31))
    report = services.kpi_report_submit(actor=member, period=period, value="0", today=TODAY)
    assert report.value == 0


def test_vendor_corrects_until_accepted(member, officer, clause):
    q1 = period_ending(clause, datetime.date(2024, 3, 31))
    first = services.kpi_report_submit(actor=member, period=q1, value="95", today=TODAY)
    corrected = services.kpi_report_submit(actor=member, period=q1, value="88.5", today=TODAY)
    assert corrected.pk == first.pk
    assert KpiReport.objects.get().value == Decimal("88.5")
    assert AuditEvent.objects.filter(verb="submitted", target_id=str(first.pk)).count() == 2
    services.kpi_report_accept(actor=officer, report=corrected)
    with pytest.raises(ValidationError, match="was accepted"):
        services.kpi_report_submit(actor=member, period=q1, value="70", today=TODAY)
    assert KpiReport.objects.get().value == Decimal("88.5")


def test_accepted_report_on_track_is_stored_without_email(member, officer, clause):
    q1_2025 = period_ending(clause, datetime.date(2025, 3, 31))
    report = services.kpi_report_submit(actor=member, period=q1_2025, value="79", today=TODAY)
    report = services.kpi_report_accept(actor=officer, report=report)
    # Judged at 2025: 100 - 40 * 2/4 = 80; 79 <= 80 is on track.
    assert report.expected_value == Decimal("80")
    assert report.on_track is True
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(verb="off_track").exists()


def test_off_track_records_an_event_and_emails_the_owner(
    member, officer, clause, django_capture_on_commit_callbacks
):
    q1_2025 = period_ending(clause, datetime.date(2025, 3, 31))
    report = services.kpi_report_submit(actor=member, period=q1_2025, value="82", today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.kpi_report_accept(actor=officer, report=report)
    # 82 > 80 expected in 2025: off track.
    assert report.on_track is False
    event = AuditEvent.objects.get(verb="off_track")
    assert event.details["expected"] == "80.0000" and event.details["value"] == "82.0000"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]
    assert "off track" in mail.outbox[0].subject
    assert "Reported: 82 tCO2e per million USD" in mail.outbox[0].body
    assert "Expected on the trajectory: 80" in mail.outbox[0].body
    clause.refresh_from_db()
    assert clause.status == KpiClause.Status.ACTIVE  # one period is not a breach


def test_two_consecutive_off_track_periods_put_the_clause_in_breach(member, officer, clause):
    for day, value in ((datetime.date(2025, 3, 31), "85"), (datetime.date(2025, 6, 30), "83")):
        report = services.kpi_report_submit(
            actor=member, period=period_ending(clause, day), value=value, today=TODAY
        )
        services.kpi_report_accept(actor=officer, report=report)
    clause.refresh_from_db()
    assert clause.status == KpiClause.Status.IN_BREACH
    event = AuditEvent.objects.get(verb="in_breach")
    assert event.details["remedy"] == "Reduction plan within 60 days."


def test_off_track_periods_that_are_not_consecutive_are_no_breach(member, officer, clause):
    plan = [
        (datetime.date(2025, 3, 31), "85"),  # off (expected 80)
        (datetime.date(2025, 6, 30), "78"),  # on
        (datetime.date(2025, 9, 30), "81"),  # off, but the previous one was on track
    ]
    for day, value in plan:
        report = services.kpi_report_submit(
            actor=member, period=period_ending(clause, day), value=value, today=TODAY
        )
        services.kpi_report_accept(actor=officer, report=report)
    clause.refresh_from_db()
    assert clause.status == KpiClause.Status.ACTIVE


def test_reject_needs_a_comment_and_lets_the_vendor_correct(member, officer, clause):
    q1 = period_ending(clause, datetime.date(2024, 3, 31))
    report = services.kpi_report_submit(actor=member, period=q1, value="95", today=TODAY)
    with pytest.raises(ValidationError, match="Say why"):
        services.kpi_report_reject(actor=officer, report=report, comment="  ")
    services.kpi_report_reject(actor=officer, report=report, comment="Evidence is for 2023.")
    report.refresh_from_db()
    assert report.status == KpiReport.Status.REJECTED
    again = services.kpi_report_submit(actor=member, period=q1, value="94", today=TODAY)
    assert again.status == KpiReport.Status.SUBMITTED
