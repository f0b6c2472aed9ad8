"""Writes of KPI reports: a vendor's submission and the owner's review against the trajectory."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from contracts.models import KpiClause, KpiReport, KpiReportingPeriod
from contracts.trajectory import expected_value, is_on_track
from operations.services import outbox_email_enqueue


class ReportRefused(ValidationError):
    """A KPI report that cannot be stored or reviewed; the message names the field and rule."""


# --- KPI reports -----------------------------------------------------------------------------


def _is_percent(unit: str) -> bool:
    return unit.strip() in {"%", "percent", "per cent"}


def kpi_report_value_check(*, clause: KpiClause, value: Decimal, exclude_period=None) -> None:
    """Refuse a value whose scale does not fit the clause's unit.

    Rule for percentage units: a value must lie within 0..100. A value above 0 and at most 1 when
    the baseline and every earlier report of the clause are above 1 is taken for a fraction typed
    in place of a percentage (0.45 for 45 %) and refused with a "did you mean" hint; a genuine
    value of 1 % or less can still be reported once the clause's history is on that scale, and 0
    is always accepted (a take-back programme may really have taken nothing back). Every unit:
    a KPI value is never negative (intensities, shares and ratios are not).
    """
    if value < 0:
        raise ReportRefused(
            {"value": f"{value} is negative; a {clause.metric} value cannot be below 0."}
        )
    if not _is_percent(clause.unit):
        return
    if value > 100:
        raise ReportRefused(
            {"value": f"{value} % is above 100 %; the unit of {clause.metric} is a percentage."}
        )
    if 0 < value <= 1:
        earlier = list(
            clause.reports.exclude(period=exclude_period).values_list("value", flat=True)
            if exclude_period is not None
            else clause.reports.values_list("value", flat=True)
        )
        if all(v > 1 for v in [clause.baseline_value, *earlier]):
            suggestion = (value * 100).normalize()
            raise ReportRefused(
                {
                    "value": (
                        f"{value} looks like a fraction, but {clause.metric} is reported in %: "
                        f"did you mean {suggestion:f} %? The baseline is "
                        f"{clause.baseline_value.normalize():f} %."
                    )
                },
                code="unit_scale",
            )


def kpi_report_submit(
    *,
    actor,
    period: KpiReportingPeriod,
    value,
    note: str = "",
    evidence_file=None,
    evidence=None,
    today: date | None = None,
    now: datetime | None = None,
) -> KpiReport:
    """A vendor reports a value for a period, or corrects its report until it is accepted.

    A period can be reported once it has ended (``today`` after the period end, in the site's time
    zone); a future or running period is refused. An accepted report is final. ``evidence_file``
    is an uploaded file stored through the evidence service; ``evidence`` an existing
    EvidenceFile of the same vendor. ``now`` is when the vendor reported (default: this moment),
    for reports brought in after the fact; the history keeps when it was recorded.
    """
    from assurance.services import evidence_file_upload

    today = today or timezone.localdate()
    clause = period.clause
    contract = clause.contract
    try:
        value = Decimal(str(value)).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError) as exc:
        raise ReportRefused({"value": f"{value!r} is not a number."}) from exc
    if clause.status not in (KpiClause.Status.ACTIVE, KpiClause.Status.IN_BREACH):
        raise ReportRefused(
            f"The clause {clause.metric} is {clause.get_status_display()}; it takes no reports."
        )
    if period.period_end >= today:
        raise ReportRefused(
            {
                "period": (
                    f"The period {period.period_start}..{period.period_end} has not ended yet; "
                    f"it can be reported from {period.period_end + timedelta(days=1)}."
                )
            },
            code="period_not_due",
        )
    existing = KpiReport.objects.filter(period=period).first()
    if existing is not None and existing.status == KpiReport.Status.ACCEPTED:
        raise ReportRefused(
            "The report for this period was accepted; ask the contract owner to reopen it.",
            code="already_accepted",
        )
    kpi_report_value_check(clause=clause, value=value, exclude_period=period)
    if evidence is not None and evidence.vendor_id != contract.vendor_id:
        raise ReportRefused({"evidence": "The evidence file belongs to another vendor."})

    with transaction.atomic(), acting_as(actor, "KPI report submitted"):
        report = existing or KpiReport(period=period, clause=clause)
        corrected = existing is not None
        report.value = value
        report.note = (note or "").strip()
        report.status = KpiReport.Status.SUBMITTED
        report.expected_value = None
        report.on_track = None
        report.submitted_by = actor
        report.submitted_at = now or timezone.now()
        report.reviewed_by = None
        report.reviewed_at = None
        if evidence is not None:
            report.evidence = evidence
        report.save()
        if evidence_file is not None:
            report.evidence = evidence_file_upload(
                actor=actor, uploaded_file=evidence_file, vendor=contract.vendor, target=report
            )
            report.save(update_fields=["evidence"])
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.SUBMITTED,
            target=report,
            vendor=contract.vendor,
            details={
                "value": str(value),
                "unit": clause.unit,
                "period_start": str(period.period_start),
                "period_end": str(period.period_end),
                "corrected": corrected,
            },
        )
    return report


def kpi_report_accept(
    *, actor, report: KpiReport, comment: str = "", now: datetime | None = None
) -> KpiReport:
    """Accept a submitted report: judge it against the trajectory and store the verdict.

    ``now`` is when it was reviewed (default: this moment), as for :func:`kpi_report_submit`.

    Off track records an audit event and emails the contract owner. Two consecutive accepted
    off-track periods (this one and the clause's previous period) put the clause in breach, which
    shows its remedy to both sides.
    """
    with transaction.atomic():
        report = (
            KpiReport.objects.select_for_update(of=("self",))
            .select_related("clause__contract__vendor", "clause__contract__owner", "period")
            .get(pk=report.pk)
        )
        if report.status != KpiReport.Status.SUBMITTED:
            raise ReportRefused(
                f"Only a submitted report can be accepted; "
                f"this one is {report.get_status_display()}."
            )
        clause = report.clause
        contract = clause.contract
        expected = expected_value(
            baseline_value=clause.baseline_value,
            baseline_year=clause.baseline_year,
            target_value=clause.target_value,
            target_year=clause.target_year,
            year=report.period.period_end.year,
        )
        on_track = is_on_track(value=report.value, expected=expected, direction=clause.direction)
        report.status = KpiReport.Status.ACCEPTED
        report.expected_value = expected
        report.on_track = on_track
        report.reviewed_by = actor
        report.reviewed_at = now or timezone.now()
        report.review_comment = (comment or "").strip()
        with acting_as(actor, "KPI report accepted"):
            report.save()
            details = {
                "value": str(report.value),
                "expected": str(expected),
                "unit": clause.unit,
                "direction": clause.direction,
                "on_track": on_track,
                "period_end": str(report.period.period_end),
            }
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.ACCEPTED,
                target=report,
                vendor=contract.vendor,
                details=details,
            )
            if not on_track:
                off_track = audit_event_record(
                    actor=actor,
                    verb=AuditEvent.Verb.OFF_TRACK,
                    target=clause,
                    vendor=contract.vendor,
                    reason="KPI report off track",
                    details=details,
                )
                _off_track_notify(report, expected, key=f"kpi-off-track:{off_track.pk}")
                breach = _previous_period_off_track(report)
                if breach and clause.status != KpiClause.Status.IN_BREACH:
                    clause.status = KpiClause.Status.IN_BREACH
                    clause.save(update_fields=["status"])
                    audit_event_record(
                        actor=actor,
                        verb=AuditEvent.Verb.IN_BREACH,
                        target=clause,
                        vendor=contract.vendor,
                        reason="two consecutive periods off track",
                        details={"remedy": clause.remedy, **details},
                    )
    return report


def _previous_period_off_track(report: KpiReport) -> bool:
    previous = (
        KpiReportingPeriod.objects.filter(
            clause_id=report.clause_id, period_start__lt=report.period.period_start
        )
        .order_by("-period_start")
        .select_related("report")
        .first()
    )
    if previous is None:
        return False
    prev_report = getattr(previous, "report", None)
    return (
        prev_report is not None
        and prev_report.status == KpiReport.Status.ACCEPTED
        and prev_report.on_track is False
    )


def _off_track_notify(report: KpiReport, expected: Decimal, *, key: str) -> None:
    clause = report.clause
    contract = clause.contract
    owner = contract.owner
    if owner is None or not owner.email:
        return
    subject = f"[Tenderleaf] {contract.reference}: {clause.metric} off track"
    body = (
        f"The accepted KPI report of {contract.vendor} for {clause.metric} "
        f"({report.period.period_start} to {report.period.period_end}) is off track.\n\n"
        f"Reported: {report.value.normalize():f} {clause.unit}\n"
        f"Expected on the trajectory: {expected.normalize():f} {clause.unit} "
        f"({clause.get_direction_display().lower()})\n\n"
        f"Contract: {contract.reference} {contract.title}\n"
    )
    outbox_email_enqueue(key=key, subject=subject, to=[owner.email], body=body)


def kpi_report_reject(*, actor, report: KpiReport, comment: str) -> KpiReport:
    """Send a submitted report back to the vendor with a comment; the vendor corrects it."""
    comment = (comment or "").strip()
    if not comment:
        raise ReportRefused({"review_comment": "Say why the report is rejected."})
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().get(pk=report.pk)
        if report.status != KpiReport.Status.SUBMITTED:
            raise ReportRefused(
                f"Only a submitted report can be rejected; "
                f"this one is {report.get_status_display()}."
            )
        report.status = KpiReport.Status.REJECTED
        report.reviewed_by = actor
        report.reviewed_at = timezone.now()
        report.review_comment = comment
        with acting_as(actor, "KPI report rejected"):
            report.save()
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.REJECTED,
                target=report,
                vendor=report.clause.contract.vendor,
                reason=comment[:255],
                details={"comment": comment},
            )
    return report
