"""Contracts, KPI clauses and reports, ISO 14001 audits and renewals in the Django admin.

Every save goes through ``contracts.services`` so history names the acting user with a reason
and an audit event is recorded. The added views (timeline, renewal gate) and actions (accept,
reject) check the permission they need themselves, so a read-only auditor gets 403 on every write
and can still read the timeline.
"""

from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from assurance.admin import ReadOnlyAdminMixin, TrackedHistoryAdmin
from config.admin_services import adopt, inline_formset_save, service_fields, stored
from config.timezones import user_timezone
from contracts import selectors, services, timeline
from contracts.charts import clause_chart_svg
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiClauseTemplate,
    KpiReport,
    KpiReportingPeriod,
    RenewalDecision,
)

# --- contracts --------------------------------------------------------------------------------


class ContractAdminForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = sorted(services.CONTRACT_FIELDS)

    def clean_status(self):
        status = self.cleaned_data.get("status")
        if self.instance.pk is None:
            if status not in (Contract.Status.DRAFT, Contract.Status.ACTIVE):
                raise ValidationError("A new contract starts as Draft or Active.")
            return status
        current = stored(self.instance).status
        if status != current:
            if status == Contract.Status.RENEWED:
                raise ValidationError(
                    "A contract is renewed with the Renew button, which runs the renewal gate."
                )
            try:
                services.contract_transition_check(current, status)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return status


class KpiClauseInlineForm(forms.ModelForm):
    class Meta:
        model = KpiClause
        fields = (
            "template",
            "metric",
            "unit",
            "direction",
            "frequency",
            "baseline_value",
            "baseline_year",
            "target_value",
            "target_year",
            "status",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("metric", "unit", "direction", "frequency"):
            self.fields[name].required = False
        self.fields["template"].help_text = "From the clause library: fills what you leave empty."

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template")
        for name in ("metric", "unit", "direction", "frequency"):
            if not cleaned.get(name):
                if template is not None:
                    cleaned[name] = getattr(template, name)
                else:
                    self.add_error(name, "Fill this in or choose a clause from the library.")
        return cleaned


class KpiClauseInline(admin.TabularInline):
    model = KpiClause
    form = KpiClauseInlineForm
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Contract)
class ContractAdmin(TrackedHistoryAdmin):
    form = ContractAdminForm
    change_form_template = "admin/contracts/contract/change_form.html"
    list_display = (
        "reference",
        "title",
        "vendor",
        "status",
        "start_date",
        "end_date",
        "owner",
        "clause_count",
        "breach_count",
    )
    list_filter = ("status", ("vendor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reference", "title", "vendor__name")
    date_hierarchy = "end_date"
    inlines = (KpiClauseInline,)
    fieldsets = (
        (None, {"fields": ("vendor", "reference", "title", "status", "owner", "source_rfp")}),
        ("Term", {"fields": ("start_date", "end_date", "renewal_notice_days")}),
        ("Value", {"fields": ("value", "currency")}),
    )

    def get_queryset(self, request):
        return selectors.contract_list()

    @admin.display(description="KPI clauses", ordering="clause_count")
    def clause_count(self, obj):
        return obj.clause_count

    @admin.display(description="in breach", ordering="breach_count")
    def breach_count(self, obj):
        return obj.breach_count or "—"

    def save_model(self, request, obj, form, change):
        fields = service_fields(form, services.CONTRACT_FIELDS)
        if not change:
            saved = services.contract_create(
                actor=request.user, reason="contract added in the admin", **fields
            )
        else:
            status = fields.pop("status")
            current = stored(obj)
            saved = services.contract_update(
                actor=request.user,
                contract=current,
                reason="contract changed in the admin",
                **fields,
            )
            if status != saved.status:
                saved = services.contract_status_change(
                    actor=request.user,
                    contract=saved,
                    status=status,
                    reason="status changed in the admin",
                )
        adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        contract = form.instance
        actor = request.user
        inline_formset_save(
            formset,
            create=lambda f: services.kpi_clause_create(
                actor=actor,
                contract=contract,
                template=f.cleaned_data.get("template"),
                status=f.cleaned_data.get("status") or KpiClause.Status.ACTIVE,
                reason="KPI clause added in the admin",
                **service_fields(f, services.CLAUSE_FIELDS - {"status"}),
            ),
            update=lambda clause, f: services.kpi_clause_update(
                actor=actor,
                clause=clause,
                reason="KPI clause changed in the admin",
                **service_fields(f, services.CLAUSE_FIELDS),
            ),
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/timeline/",
                self.admin_site.admin_view(self.timeline_view),
                name="{}_{}_timeline".format(*info),
            ),
            path(
                "<path:object_id>/renew/",
                self.admin_site.admin_view(self.renew_view),
                name="{}_{}_renew".format(*info),
            ),
            *super().get_urls(),
        ]

    def _contract_or_404(self, request, object_id) -> Contract:
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            raise Http404("No contract with this id.")
        return contract

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        contract = self.get_object(request, unquote(object_id))
        if contract is not None:
            extra_context["kpi_charts"] = _kpi_charts(contract)
            extra_context["can_renew"] = self.has_change_permission(
                request, contract
            ) and contract.status in (Contract.Status.ACTIVE, Contract.Status.RENEWAL_DUE)
            extra_context["decisions"] = contract.renewal_decisions.select_related("decided_by")
        return super().change_view(request, object_id, form_url, extra_context)

    def timeline_view(self, request, object_id):
        """The contract's story: its KPI charts, then one line per business event by day, newest
        first, in the reader's time zone; a GET form filters by kind (no script needed)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        contract = self._contract_or_404(request, object_id)
        tz = user_timezone(request)
        events = selectors.contract_timeline(contract, tz=tz)
        form = TimelineFilterForm(request.GET or None)
        kinds = set(form.cleaned_data["kind"]) if form.is_bound and form.is_valid() else set()
        shown = [e for e in events if not kinds or e.kind in kinds]
        counts = Counter(e.kind for e in events)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": contract,
            "title": f"Timeline of {contract.reference}",
            "kpi_charts": _kpi_charts(contract),
            "kind_choices": [
                (kind, label, counts.get(kind, 0), kind in kinds)
                for kind, label in timeline.KINDS.items()
            ],
            "filtered": bool(kinds),
            "days": timeline.days_group(shown, tz),
            "event_count": len(events),
            "shown_count": len(shown),
            "user_tz": tz,
        }
        return TemplateResponse(request, "admin/contracts/contract/timeline.html", context)

    def renew_view(self, request, object_id):
        """The renewal gate: GET shows its result; POST renews, or records a refusal or waiver."""
        contract = self._contract_or_404(request, object_id)
        if not self.has_change_permission(request, contract):
            raise PermissionDenied
        may_waive = request.user.has_perm("contracts.grant_renewal_waiver")
        waiver_form = WaiverForm(request.POST or None) if may_waive else None
        result = services.renewal_gate_check(contract)
        if request.method == "POST":
            action = request.POST.get("action")
            justification = None
            if action == "waiver":
                if not may_waive:
                    raise PermissionDenied
                if not waiver_form.is_valid():
                    return self._renew_render(request, contract, result, waiver_form, status=400)
                justification = waiver_form.cleaned_data["justification"]
            try:
                decision, successor = services.contract_renew(
                    actor=request.user, contract=contract, waiver_justification=justification
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(request.path)
            if successor is None:
                messages.warning(
                    request,
                    f"Renewal refused by the gate; the refusal was recorded. {result.summary}",
                )
                return HttpResponseRedirect(request.path)
            messages.success(
                request,
                f"{contract.reference} renewed ({decision.get_outcome_display().lower()}). "
                f"The new term is the draft contract {successor.reference}; review and activate "
                "it.",
            )
            return HttpResponseRedirect(
                reverse("admin:contracts_contract_change", args=[successor.pk])
            )
        return self._renew_render(request, contract, result, waiver_form)

    def _renew_render(self, request, contract, result, waiver_form, status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": contract,
            "title": f"Renewal gate for {contract.reference}",
            "result": result,
            "waiver_form": waiver_form,
            "renewable": contract.status in (Contract.Status.ACTIVE, Contract.Status.RENEWAL_DUE),
            "today": timezone.localdate(),
        }
        return TemplateResponse(
            request, "admin/contracts/contract/renew.html", context, status=status
        )


def _kpi_charts(contract: Contract) -> list[dict]:
    """Each clause of the contract with its SVG chart (trajectory and accepted values) and its
    reports; two queries whatever the number of clauses and periods."""
    return [
        {
            "clause": clause,
            "svg": clause_chart_svg(
                selectors.clause_chart_data(clause), chart_id=f"clause-{clause.pk}"
            ),
            "reports": [p.report for p in clause.periods.all() if getattr(p, "report", None)],
        }
        for clause in selectors.contract_clauses(contract)
    ]


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label="Show",
        choices=list(timeline.KINDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class WaiverForm(forms.Form):
    justification = forms.CharField(
        label="Written justification",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why the contract is renewed although the gate refuses (kept in the audit "
        "trail).",
    )

    def clean_justification(self):
        text = self.cleaned_data["justification"].strip()
        if not text:
            raise ValidationError("A waiver needs a written justification.")
        return text


# --- KPI clauses and reports -----------------------------------------------------------------


@admin.register(KpiClauseTemplate)
class KpiClauseTemplateAdmin(TrackedHistoryAdmin):
    list_display = ("metric", "unit", "direction", "frequency", "code")
    search_fields = ("metric", "code")


class KpiReportingPeriodInline(admin.TabularInline):
    model = KpiReportingPeriod
    fields = ("period_start", "period_end", "due_date", "report_status")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report")

    @admin.display(description="report")
    def report_status(self, obj):
        report = getattr(obj, "report", None)
        if report is None:
            return "—"
        verdict = ""
        if report.on_track is not None:
            verdict = ", on track" if report.on_track else ", off track"
        return f"{report.value.normalize():f} ({report.get_status_display()}{verdict})"


class KpiClauseAdminForm(forms.ModelForm):
    class Meta:
        model = KpiClause
        fields = ("contract", "template", *sorted(services.CLAUSE_FIELDS))


@admin.register(KpiClause)
class KpiClauseAdmin(TrackedHistoryAdmin):
    form = KpiClauseAdminForm
    list_display = ("metric", "contract", "vendor", "unit", "direction", "frequency", "status")
    list_filter = ("status", "direction", "frequency")
    search_fields = ("metric", "contract__reference", "contract__vendor__name")
    list_select_related = ("contract__vendor",)
    inlines = (KpiReportingPeriodInline,)

    def get_readonly_fields(self, request, obj=None):
        return ("contract",) if obj is not None else ()

    @admin.display(description="vendor", ordering="contract__vendor__name")
    def vendor(self, obj):
        return obj.contract.vendor

    def save_model(self, request, obj, form, change):
        fields = service_fields(form, services.CLAUSE_FIELDS)
        if change:
            saved = services.kpi_clause_update(
                actor=request.user,
                clause=stored(obj),
                reason="KPI clause changed in the admin",
                **fields,
            )
        else:
            status = fields.pop("status")
            saved = services.kpi_clause_create(
                actor=request.user,
                contract=form.cleaned_data["contract"],
                template=form.cleaned_data.get("template"),
                status=status,
                reason="KPI clause added in the admin",
                **fields,
            )
        adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        # The periods inline is read-only; periods are generated by the services.
        return None


class ReviewActionForm(ActionForm):
    comment = forms.CharField(
        label="Review comment (required to reject)", required=False, max_length=2000
    )


class OnTrackFilter(admin.SimpleListFilter):
    title = "trajectory"
    parameter_name = "on_track"

    def lookups(self, request, model_admin):
        return (("yes", "On track"), ("no", "Off track"), ("pending", "Not judged yet"))

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(on_track=True)
        if value == "no":
            return queryset.filter(on_track=False)
        if value == "pending":
            return queryset.filter(on_track__isnull=True)
        return queryset


@admin.register(KpiReport)
class KpiReportAdmin(TrackedHistoryAdmin):
    action_form = ReviewActionForm
    actions = ("accept_reports", "reject_reports")
    list_display = (
        "clause_metric",
        "contract",
        "vendor",
        "period_span",
        "value_with_unit",
        "status",
        "expected_value",
        "on_track_display",
        "submitted_at",
    )
    list_filter = ("status", OnTrackFilter)
    search_fields = (
        "clause__metric",
        "clause__contract__reference",
        "clause__contract__vendor__name",
    )
    fields = (
        "clause",
        "period",
        "value",
        "note",
        "evidence_link",
        "status",
        "expected_value",
        "on_track",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.kpi_report_list()

    def has_add_permission(self, request):
        # Vendors submit reports through the portal or API, with their evidence.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="KPI", ordering="clause__metric")
    def clause_metric(self, obj):
        return obj.clause.metric

    @admin.display(description="contract", ordering="clause__contract__reference")
    def contract(self, obj):
        return obj.clause.contract.reference

    @admin.display(description="vendor", ordering="clause__contract__vendor__name")
    def vendor(self, obj):
        return obj.clause.contract.vendor

    @admin.display(description="period", ordering="period__period_start")
    def period_span(self, obj):
        return f"{obj.period.period_start:%Y-%m-%d} to {obj.period.period_end:%Y-%m-%d}"

    @admin.display(description="value", ordering="value")
    def value_with_unit(self, obj):
        return f"{obj.value.normalize():f} {obj.clause.unit}"

    @admin.display(description="on track", ordering="on_track")
    def on_track_display(self, obj):
        if obj.on_track is None:
            return "—"
        return "on track" if obj.on_track else "OFF TRACK"

    @admin.display(description="evidence")
    def evidence_link(self, obj):
        if obj.evidence is None:
            return "—"
        url = reverse("assurance:evidence_download", args=[obj.evidence.pk])
        return format_html('<a href="{}">{}</a>', url, obj.evidence.original_name)

    @admin.action(description="Accept selected KPI reports", permissions=["change"])
    def accept_reports(self, request, queryset):
        comment = request.POST.get("comment", "")
        accepted = off_track = 0
        for report in queryset:
            try:
                report = services.kpi_report_accept(
                    actor=request.user, report=report, comment=comment
                )
            except ValidationError as exc:
                self.message_user(request, f"{report}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            accepted += 1
            off_track += report.on_track is False
        if accepted:
            self.message_user(
                request,
                f"{accepted} KPI report(s) accepted; {off_track} off track "
                "(the contract owner was emailed).",
                messages.SUCCESS,
            )

    @admin.action(description="Reject selected KPI reports (with comment)", permissions=["change"])
    def reject_reports(self, request, queryset):
        comment = request.POST.get("comment", "").strip()
        if not comment:
            self.message_user(
                request,
                "Write a review comment to say why the reports are rejected.",
                messages.ERROR,
            )
            return
        rejected = 0
        for report in queryset:
            try:
                services.kpi_report_reject(actor=request.user, report=report, comment=comment)
            except ValidationError as exc:
                self.message_user(request, f"{report}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            rejected += 1
        if rejected:
            self.message_user(request, f"{rejected} KPI report(s) sent back.", messages.SUCCESS)


# --- ISO 14001 audits -------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = "corrective actions"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", "Overdue"), ("no", "None overdue"))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        prefix = "" if queryset.model is AuditFinding else "findings__"
        q = selectors.overdue_findings_q(today, prefix)
        if self.value() == "yes":
            return queryset.filter(q).distinct()
        if self.value() == "no":
            if prefix:
                return queryset.exclude(
                    pk__in=AuditFinding.objects.filter(selectors.overdue_findings_q(today)).values(
                        "audit_id"
                    )
                )
            return queryset.exclude(q)
        return queryset


class AuditFindingInline(admin.TabularInline):
    model = AuditFinding
    fields = (
        "severity",
        "clause_ref",
        "description",
        "corrective_action",
        "due_date",
        "closed_date",
        "overdue",
    )
    readonly_fields = ("overdue",)
    extra = 0
    can_delete = False

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj):
        return _is_overdue(obj)


def _is_overdue(finding: AuditFinding) -> bool:
    return bool(
        finding.pk
        and finding.closed_date is None
        and finding.due_date
        and finding.due_date < timezone.localdate()
    )


class Iso14001AuditAdminForm(forms.ModelForm):
    class Meta:
        model = Iso14001Audit
        fields = sorted(services.AUDIT_FIELDS)


@admin.register(Iso14001Audit)
class Iso14001AuditAdmin(TrackedHistoryAdmin):
    form = Iso14001AuditAdminForm
    list_display = (
        "audit_date",
        "vendor",
        "audit_type",
        "result",
        "contract",
        "finding_count",
        "open_major_count",
        "overdue_count",
    )
    list_filter = ("audit_type", "result", OverdueFilter)
    search_fields = ("vendor__name", "auditor", "contract__reference")
    date_hierarchy = "audit_date"
    inlines = (AuditFindingInline,)
    fields = (
        "vendor",
        "contract",
        "audit_type",
        "audit_date",
        "auditor",
        "scope",
        "sites",
        "result",
        "notes",
    )

    def get_queryset(self, request):
        return selectors.audit_list()

    @admin.display(description="findings", ordering="finding_count")
    def finding_count(self, obj):
        return obj.finding_count

    @admin.display(description="open majors", ordering="open_major_count")
    def open_major_count(self, obj):
        return obj.open_major_count or "—"

    @admin.display(description="overdue corrective actions", ordering="overdue_count")
    def overdue_count(self, obj):
        if not obj.overdue_count:
            return "—"
        return format_html('<strong class="errornote">{} overdue</strong>', obj.overdue_count)

    def save_model(self, request, obj, form, change):
        fields = service_fields(form, services.AUDIT_FIELDS)
        if change:
            saved = services.iso14001_audit_update(
                actor=request.user, audit=stored(obj), reason="audit changed in the admin", **fields
            )
        else:
            saved = services.iso14001_audit_create(
                actor=request.user, reason="audit recorded in the admin", **fields
            )
        adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        audit = form.instance
        actor = request.user
        inline_formset_save(
            formset,
            create=lambda f: services.audit_finding_create(
                actor=actor,
                audit=audit,
                reason="finding added in the admin",
                **service_fields(f, services.FINDING_FIELDS),
            ),
            update=lambda finding, f: services.audit_finding_update(
                actor=actor,
                finding=finding,
                reason="finding changed in the admin",
                **service_fields(f, services.FINDING_FIELDS),
            ),
        )


@admin.register(AuditFinding)
class AuditFindingAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    """The list of findings across audits, to chase corrective actions; edited on the audit."""

    list_display = (
        "clause_ref",
        "severity",
        "vendor",
        "audit_date",
        "corrective_action",
        "due_date",
        "closed_date",
        "overdue",
    )
    list_filter = ("severity", OverdueFilter)
    search_fields = ("clause_ref", "description", "audit__vendor__name")
    list_select_related = ("audit__vendor",)
    fields = (
        "audit",
        "severity",
        "clause_ref",
        "description",
        "corrective_action",
        "due_date",
        "closed_date",
    )
    readonly_fields = fields

    @admin.display(description="vendor", ordering="audit__vendor__name")
    def vendor(self, obj):
        return obj.audit.vendor

    @admin.display(description="audit date", ordering="audit__audit_date")
    def audit_date(self, obj):
        return obj.audit.audit_date

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj):
        return _is_overdue(obj)


@admin.register(RenewalDecision)
class RenewalDecisionAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    """Decisions are recorded by the renewal gate only; here they are read."""

    list_display = ("contract", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    search_fields = ("contract__reference", "justification")
    list_select_related = ("contract", "decided_by")
    fields = ("contract", "outcome", "reasons", "justification", "decided_by", "decided_at")
    readonly_fields = fields
