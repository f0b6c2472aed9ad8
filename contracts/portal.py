"""Portal pages of contracts: the vendor's contracts, their KPI clauses with the chart, and the
KPI report form for a period.

Every view inherits :class:`~vendors.portal.base.VendorPortalMixin`, so rows are looked up in the
user's vendor only and another vendor's ids answer 404. Draft contracts are not shown: they are
not agreed yet. Any member of the vendor (admin or contributor) may report: it is the
contributors' job.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from config import numbers
from contracts import selectors, services
from contracts.charts import clause_chart_svg
from contracts.models import Contract, KpiClause, KpiReport, KpiReportingPeriod
from vendors.portal.base import VendorPortalMixin


class ContractListView(VendorPortalMixin, ListView):
    model = Contract
    template_name = "portal/contracts/list.html"
    context_object_name = "contracts"

    def get_queryset(self):
        return self.scope(selectors.vendor_contracts(self.vendor))

    def get_context_data(self, **kwargs):
        kwargs["periods_due"] = list(
            self.scope(
                selectors.periods_due(vendor=self.vendor), "clause__contract__vendor"
            ).exclude(clause__contract__status=Contract.Status.DRAFT)
        )
        kwargs["today"] = timezone.localdate()
        return super().get_context_data(**kwargs)


class ContractDetailView(VendorPortalMixin, DetailView):
    model = Contract
    template_name = "portal/contracts/detail.html"
    context_object_name = "contract"

    def get_queryset(self):
        return super().get_queryset().exclude(status=Contract.Status.DRAFT).select_related("owner")

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        clauses = []
        for clause in selectors.contract_clauses(self.object).exclude(
            status=KpiClause.Status.PROPOSED
        ):
            chart = selectors.clause_chart_data(clause, include_unaccepted=True)
            clauses.append(
                {
                    "clause": clause,
                    "chart_svg": clause_chart_svg(chart, chart_id=f"clause-{clause.pk}"),
                    "periods": [
                        {
                            "period": period,
                            "report": getattr(period, "report", None),
                            "reportable": period.period_end < today
                            and getattr(getattr(period, "report", None), "status", None)
                            != KpiReport.Status.ACCEPTED,
                        }
                        for period in clause.periods.all()
                    ],
                }
            )
        kwargs["clauses"] = clauses
        kwargs["today"] = today
        return super().get_context_data(**kwargs)


class KpiReportForm(forms.Form):
    value = forms.DecimalField(label="Value", max_digits=18, decimal_places=4)
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How the value was measured, and anything the reviewer should know.",
    )
    evidence = forms.FileField(
        label="Evidence file",
        required=False,
        help_text="PDF, PNG, JPEG, CSV, JSON, XLSX or plain text.",
    )

    def __init__(self, *args, clause: KpiClause, has_evidence: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].label = f"Value ({clause.unit})"
        baseline = numbers.quantity(clause.baseline_value, clause.unit)
        target = numbers.quantity(clause.target_value, clause.unit)
        self.fields["value"].help_text = (
            f"{clause.get_direction_display()}. Baseline {baseline} in {clause.baseline_year}, "
            f"target {target} in {clause.target_year}."
        )
        self.has_evidence = has_evidence
        if clause.evidence_required:
            self.fields["evidence"].help_text = (
                f"Required: {clause.evidence_required} " + self.fields["evidence"].help_text
            )
        if has_evidence:
            self.fields["evidence"].help_text += " Leave empty to keep the file already attached."

    def clean(self):
        cleaned = super().clean()
        if not self.has_evidence and not cleaned.get("evidence"):
            self.add_error("evidence", "Attach the evidence for this value.")
        return cleaned


class KpiReportSubmitView(VendorPortalMixin, SingleObjectMixin, FormView):
    """Report (or correct, until accepted) the value of one ended period."""

    model = KpiReportingPeriod
    vendor_lookup = "clause__contract__vendor"
    template_name = "portal/contracts/report_form.html"
    context_object_name = "period"
    form_class = KpiReportForm

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .exclude(clause__contract__status=Contract.Status.DRAFT)
            .select_related("clause__contract", "report__evidence")
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    @property
    def report(self) -> KpiReport | None:
        return getattr(self.object, "report", None)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["clause"] = self.object.clause
        kwargs["has_evidence"] = bool(self.report and self.report.evidence_id)
        if self.report is not None and "data" not in kwargs:
            kwargs["initial"] = {"value": self.report.value, "note": self.report.note}
        return kwargs

    def get_context_data(self, **kwargs):
        period = self.object
        today = timezone.localdate()
        kwargs["clause"] = period.clause
        kwargs["contract"] = period.clause.contract
        kwargs["report"] = self.report
        kwargs["not_yet_due"] = period.period_end >= today
        kwargs["accepted"] = bool(self.report and self.report.status == KpiReport.Status.ACCEPTED)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            services.kpi_report_submit(
                actor=self.request.user,
                period=self.object,
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                evidence_file=form.cleaned_data.get("evidence"),
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Your KPI report was submitted. You can correct it until it has been accepted.",
        )
        return redirect("portal:contract_detail", self.object.clause.contract_id)


def _attach_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)
