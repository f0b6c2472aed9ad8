"""Admin of the targets app: targets (created and re-based through services), business metrics,
the engagement target, SBTi statuses and imports, risk rules; plus the engagement dashboard with
its exports, the supplier scorecard and the base-year decision (docs/targets.md).

The views are added to the default admin site's URLs (as the Scope 3 dashboard is):
``admin_view`` keeps the admin login; each view then asks for a permission.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from assurance.admin import ReadOnlyAdminMixin, TrackedHistoryAdmin
from assurance.bundles.svg import bar_chart, trajectory_chart
from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.admin_services import adopt, service_fields
from scope3.models import EmissionEstimate, InventoryRun
from targets import reports, selectors, services
from targets.models import (
    BaseYearRecalculation,
    BusinessMetric,
    BusinessMetricValue,
    RiskTierRule,
    SbtiImport,
    SbtiStatus,
    SupplierEngagementTarget,
    Target,
)

VIEW = "targets.view_target"
CHANGE = "targets.change_target"


class CategoriesField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=EmissionEstimate.Category.choices,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="None ticked: total Scope 3.",
            **kwargs,
        )


class TargetForm(forms.ModelForm):
    categories = CategoriesField()

    class Meta:
        model = Target
        fields = [
            "name",
            "kind",
            "horizon",
            "categories",
            "metric",
            "base_run",
            "target_year",
            "reduction_pct",
            "significance_pct",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "base_run" in self.fields:
            self.fields["base_run"].queryset = InventoryRun.objects.filter(
                status=InventoryRun.Status.COMPLETED
            ).order_by("-reporting_year", "-pk")

    def clean(self):
        # What the service refuses, checked here so the admin shows it on the form.
        data = super().clean()
        run, metric = data.get("base_run"), data.get("metric")
        if self.instance.pk is None and run is not None:
            if data.get("kind") == Target.Kind.INTENSITY:
                if metric is None:
                    self.add_error("metric", "an intensity target needs a business metric")
                elif not BusinessMetricValue.objects.filter(
                    metric=metric, year=run.reporting_year
                ).exists():
                    self.add_error(
                        "metric",
                        f"{metric.name} has no value for {run.reporting_year}; record it first",
                    )
            year = data.get("target_year")
            if year is not None and year <= run.reporting_year:
                self.add_error("target_year", f"must be after the base year {run.reporting_year}")
        return data


class AttentionFilter(admin.SimpleListFilter):
    """The targets the attention dashboard counts (``selectors.AttentionCounts``)."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("off_track", "Off track"),
            ("recalculation_due", "Base-year recalculation due"),
        ]

    def queryset(self, request, queryset):
        if self.value() in {"off_track", "recalculation_due"}:
            return queryset.filter(pk__in=selectors.AttentionCounts().ids(self.value()))
        return queryset


@admin.register(Target)
class TargetAdmin(TrackedHistoryAdmin):
    form = TargetForm
    list_display = [
        "name",
        "horizon",
        "kind",
        "scope_label",
        "base_year",
        "base_tco2e",
        "target_year",
        "reduction_pct",
        "progress_link",
    ]
    list_filter = ["horizon", "kind", AttentionFilter]
    SERVICE_FIELDS = {
        "name",
        "kind",
        "horizon",
        "categories",
        "metric",
        "base_run",
        "target_year",
        "reduction_pct",
        "significance_pct",
        "notes",
    }

    def get_readonly_fields(self, request, obj=None):
        # The base is pinned: it changes only through a base-year decision.
        if obj is None:
            return ["base_year", "base_tco2e", "base_metric_value"]
        return [
            "kind",
            "categories",
            "metric",
            "base_run",
            "base_year",
            "base_tco2e",
            "base_metric_value",
            "target_year",
            "reduction_pct",
        ]

    @admin.display(description="progress")
    def progress_link(self, obj):
        return format_html('<a href="{}">Dashboard</a>', reverse("admin:targets_dashboard"))

    def save_model(self, request, obj, form, change):
        if change:
            with transaction.atomic(), acting_as(request.user, "target edited"):
                obj.save()
                audit_event_record(
                    actor=request.user,
                    verb=AuditEvent.Verb.UPDATED,
                    target=obj,
                    details={"changed": sorted(form.changed_data)},
                )
            return
        adopt(
            obj,
            services.target_create(actor=request.user, **service_fields(form, self.SERVICE_FIELDS)),
        )


class MetricValueInline(admin.TabularInline):
    model = BusinessMetricValue
    extra = 1


@admin.register(BusinessMetric)
class BusinessMetricAdmin(TrackedHistoryAdmin):
    list_display = ["name", "unit"]
    inlines = [MetricValueInline]


class EngagementTargetForm(forms.ModelForm):
    categories = CategoriesField()

    class Meta:
        model = SupplierEngagementTarget
        fields = ["name", "basis", "categories", "target_pct", "base_year", "target_year", "notes"]


@admin.register(SupplierEngagementTarget)
class SupplierEngagementTargetAdmin(TrackedHistoryAdmin):
    form = EngagementTargetForm
    list_display = ["name", "basis", "target_pct", "base_year", "target_year"]

    def save_model(self, request, obj, form, change):
        if change:
            with transaction.atomic(), acting_as(request.user, "engagement target edited"):
                obj.save()
                audit_event_record(
                    actor=request.user,
                    verb=AuditEvent.Verb.UPDATED,
                    target=obj,
                    details={"changed": sorted(form.changed_data)},
                )
            return
        adopt(
            obj,
            services.engagement_target_create(
                actor=request.user,
                **service_fields(
                    form,
                    {
                        "name",
                        "basis",
                        "categories",
                        "target_pct",
                        "base_year",
                        "target_year",
                        "notes",
                    },
                ),
            ),
        )


@admin.register(BaseYearRecalculation)
class BaseYearRecalculationAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    list_display = [
        "target",
        "decision",
        "old_tco2e",
        "new_tco2e",
        "change_pct",
        "threshold_pct",
        "decided_by",
        "decided_at",
    ]


@admin.register(SbtiStatus)
class SbtiStatusAdmin(TrackedHistoryAdmin):
    list_display = [
        "vendor",
        "company_name",
        "near_term_status",
        "classification",
        "target_year",
        "matched_by",
    ]
    list_filter = ["near_term_status", "matched_by"]
    search_fields = ["vendor__name", "company_name", "isin", "lei"]
    autocomplete_fields = ["vendor"]


@admin.register(SbtiImport)
class SbtiImportAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    list_display = [
        "created_at",
        "original_name",
        "status",
        "rows_total",
        "matched",
        "unmatched_count",
    ]
    readonly_fields = ["unmatched", "errors"]

    @admin.display(description="unmatched")
    def unmatched_count(self, obj):
        return len(obj.unmatched or [])


@admin.register(RiskTierRule)
class RiskTierRuleAdmin(TrackedHistoryAdmin):
    list_display = ["tier", "position", "name", "active", "__str__"]
    list_filter = ["tier", "active"]


# --- views ---------------------------------------------------------------------------------------


def _charts(board: reports.Dashboard) -> list:
    charts = []
    for report in board.target_reports:
        points = [
            (float(y.year), float(y.progress.actual), y.progress.on_track)
            for y in report.years
            if y.progress is not None
        ]
        path = report.path
        charts.append(
            trajectory_chart(
                baseline=(float(path.base_year), float(path.base_value)),
                target=(float(path.target_year), float(path.target_value)),
                points=points,
                unit=report.target.unit,
                title=f"{report.target.name}: path and progress",
            )
        )
    primary = board.table("primary_data")
    bars = [(str(row[0]), row[5]) for row in primary.rows if row[2] == "All categories"]
    if bars:
        charts.append(bar_chart(bars, unit="%", title="Primary-data share by year (%)"))
    tiers = board.table("tiers")
    if tiers.rows:
        charts.append(
            bar_chart(
                [(row[0], row[4] or 0) for row in tiers.rows],
                unit="%",
                title="Target coverage by risk tier (%)",
            )
        )
    return charts


def dashboard_view(request):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    board = reports.dashboard()
    context = {
        **admin.site.each_context(request),
        "title": "Targets and supplier engagement",
        "board": board,
        "charts": _charts(board),
        "can_engage": request.user.has_perm("vendors.add_disclosurerequest"),
        "due_default": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    }
    return TemplateResponse(request, "admin/targets/dashboard.html", context)


def dashboard_export_view(request, table_key, fmt):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    if fmt not in {"csv", "xlsx"}:
        raise Http404("Exports are CSV or XLSX.")
    table = reports.dashboard().table(table_key)
    if table is None:
        raise Http404("No such table.")
    body, content_type = reports.table_bytes(table, fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="targets-{table.key}.{fmt}"'
    return response


def engage_view(request):
    """The bulk action of the dashboard: a disclosure/engagement request to each chosen vendor."""
    from vendors.models import Vendor

    if request.method != "POST":
        raise Http404
    if not request.user.has_perm("vendors.add_disclosurerequest"):
        raise PermissionDenied
    ids = [int(v) for v in request.POST.getlist("vendor") if v.isdigit()]
    try:
        due = dt.date.fromisoformat(request.POST.get("due_date", ""))
        year = int(request.POST.get("reporting_year", ""))
    except ValueError:
        messages.error(request, "Give a due date (YYYY-MM-DD) and a reporting year.")
        return HttpResponseRedirect(reverse("admin:targets_dashboard"))
    vendors = list(Vendor.objects.filter(pk__in=ids))
    if not vendors:
        messages.error(request, "Tick at least one vendor.")
        return HttpResponseRedirect(reverse("admin:targets_dashboard"))
    sent, skipped = services.engagement_requests_send(
        actor=request.user,
        vendors=vendors,
        reporting_year=year,
        due_date=due,
        message=request.POST.get("message", ""),
    )
    if sent:
        messages.success(request, f"Sent {len(sent)} engagement request(s).")
    for reason in skipped:
        messages.warning(request, reason)
    return HttpResponseRedirect(reverse("admin:targets_dashboard"))


def scorecard_view(request, vendor_id):
    from vendors.models import Vendor

    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    card = selectors.scorecard(vendor=vendor, peers=selectors.peer_data())
    chart = bar_chart(
        [(str(y.year), y.tco2e) for y in card.years], unit="tCO2e", title="Emissions by year"
    )
    context = {
        **admin.site.each_context(request),
        "title": f"Scorecard: {vendor.name}",
        "card": card,
        "chart": chart,
        "staff": True,
    }
    return TemplateResponse(request, "admin/targets/scorecard.html", context)


class DecisionForm(forms.Form):
    recalculate = forms.TypedChoiceField(
        choices=[("yes", "Recalculate: confirm the new base value"), ("no", "Keep the base")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(widget=forms.Textarea, help_text="Required; kept with both values.")


def recalculation_view(request, target_id):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    target = get_object_or_404(selectors.target_list(), pk=target_id)
    report = selectors.target_report(target=target)
    pending = report.recalculation
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm(CHANGE):
            raise PermissionDenied
        if pending is None:
            raise Http404("No base-year recalculation is due for this target.")
        if form.is_valid():
            try:
                services.base_year_decide(
                    actor=request.user,
                    target=target,
                    run=pending.run,
                    recalculate=form.cleaned_data["recalculate"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Decision recorded.")
                return HttpResponseRedirect(reverse("admin:targets_dashboard"))
    context = {
        **admin.site.each_context(request),
        "title": f"Base-year recalculation: {target.name}",
        "target": target,
        "pending": pending,
        "form": form,
        "decisions": target.recalculations.select_related("decided_by", "restated_run"),
    }
    return TemplateResponse(request, "admin/targets/recalculation.html", context)


def _urls():
    view = admin.site.admin_view
    return [
        path("targets/dashboard/", view(dashboard_view), name="targets_dashboard"),
        path(
            "targets/dashboard/export/<slug:table_key>.<str:fmt>",
            view(dashboard_export_view),
            name="targets_dashboard_export",
        ),
        path("targets/dashboard/engage/", view(engage_view), name="targets_engage"),
        path("targets/scorecard/<int:vendor_id>/", view(scorecard_view), name="targets_scorecard"),
        path(
            "targets/target/<int:target_id>/recalculation/",
            view(recalculation_view),
            name="targets_recalculation",
        ),
    ]


_site_get_urls = admin.site.get_urls


def _get_urls():
    # Ours first: the admin's catch-all view would otherwise answer these paths with a 404.
    return [*_urls(), *_site_get_urls()]


admin.site.get_urls = _get_urls
