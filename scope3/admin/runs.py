"""Admin for Scope 3 inventory runs: start a run, follow its progress, read results and the
restatement against the previous run of the year.

Runs are written only by ``scope3.services.runs`` (the "Start a run" page calls
``inventory_run_start`` with the signed-in analyst as the actor); runs and estimates are
otherwise read-only here. Starting needs the ``add`` permission on inventory runs, so auditors
(view only) and procurement officers (scope3 read-only) can follow runs but not start them.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache

from assurance.admin import TrackedHistoryAdmin
from config import numbers
from config.progress import admin_progress_response, progress_html
from scope3 import selectors
from scope3.admin.factors import dataset_source
from scope3.models import (
    EmissionEstimate,
    EmissionFactor,
    FactorDataset,
    InventoryRun,
    ReferenceRate,
    SpendLine,
)
from scope3.services import inventory_run_reap, inventory_run_start
from scope3.services.runs import stale_seconds_setting

LATEST = ""


class RunStartForm(forms.Form):
    year = forms.IntegerField(
        label="Reporting year",
        min_value=1900,
        max_value=2100,
        help_text="Spend lines dated in this year are estimated.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = dt.date.today().year - 1
        for kind, label in FactorDataset.Kind.choices:
            versions = list(
                FactorDataset.objects.filter(kind=kind)
                .order_by("-imported_at")
                .values_list("version", flat=True)
            )
            latest = selectors.factor_dataset_latest(kind=kind)
            default = f"Highest version ({latest.version})" if latest else "None imported"
            self.fields[f"pin_{kind}"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[(LATEST, default), *((v, v) for v in versions)],
                help_text=f"Dataset version of kind {kind} the run pins.",
            )

        self.fields["uncertainty"] = forms.ChoiceField(
            label="Uncertainty",
            required=False,
            choices=InventoryRun.Uncertainty.choices,
            initial=InventoryRun.Uncertainty.ANALYTIC,
            help_text="How line ranges combine into the run's totals. Monte Carlo draws one "
            "error per shared source (factor row, disclosure, footprint, hardware spec) with a "
            "fixed seed, so the same run gives the same range.",
        )
        self.fields["seed"] = forms.IntegerField(
            label="Monte Carlo seed",
            required=False,
            min_value=0,
            max_value=2**31 - 1,
            help_text="Only for Monte Carlo; empty: 20261203.",
        )
        self.fields["draws"] = forms.IntegerField(
            label="Monte Carlo draws",
            required=False,
            min_value=100,
            max_value=100_000,
            help_text="Only for Monte Carlo; empty: 10,000.",
        )

    def pins(self) -> dict[str, str]:
        return {
            kind: self.cleaned_data[f"pin_{kind}"]
            for kind in FactorDataset.Kind.values
            if self.cleaned_data.get(f"pin_{kind}")
        }


def _year_initial(value: str | None) -> dict:
    """``?year=`` from an "offer to re-run" link pre-fills the start form (POST still validates)."""
    if value and value.isdigit() and 1900 <= int(value) <= 2100:
        return {"year": int(value)}
    return {}


def rerun_offer(request, years) -> str:
    """HTML naming the inventory years new supplier data affects, with a start link for each.

    Only years that already have a run are "affected" (a year never estimated is simply
    estimated when someone starts it). Users who may not start runs are told who can.
    """
    years = sorted({int(y) for y in years})
    estimated = sorted(
        set(
            InventoryRun.objects.filter(reporting_year__in=years).values_list(
                "reporting_year", flat=True
            )
        )
    )
    if not estimated:
        return ""
    if not request.user.has_perm("scope3.add_inventoryrun"):
        return format_html(
            "It changes the Scope 3 inventory of FY{}: a sustainability analyst can re-run it.",
            ", FY".join(str(y) for y in estimated),
        )
    start = reverse("admin:scope3_inventoryrun_start")
    return format_html_join(
        " ",
        'Re-run the FY{} Scope 3 inventory with it: <a href="{}?year={}">start a run</a>.',
        ((year, start, year) for year in estimated),
    )


def supplier_data_offer(request, *, disclosure=None, footprint=None) -> str:
    """The offer to re-run the inventory years new supplier data affects, for the vendors admin
    (registered with ``vendors.extensions.supplier_data_changed`` by ``Scope3Config``).

    An accepted disclosure feeds the hybrid method of every year its period covers; a product
    footprint prices the lines of the years in which we bought a product it names.
    """
    if disclosure is not None:
        years = range(disclosure.period_start.year, disclosure.period_end.year + 1)
    else:
        years = _footprint_line_years(footprint)
    return rerun_offer(request, years)


def _footprint_line_years(footprint) -> list[int]:
    """Years in which we bought a product this footprint names from its vendor."""
    product_ids = [str(p).strip() for p in footprint.product_ids or [] if str(p).strip()]
    if not product_ids:
        return []
    return [
        day.year
        for day in SpendLine.objects.filter(
            vendor_id=footprint.vendor_id, product_id__in=product_ids
        ).dates("date", "year")
    ]


def _emissions_column(name: str, description: str):
    """A sortable list column showing the stored kgCO2e ``name`` in the unit that reads best."""

    @admin.display(description=description, ordering=name)
    def shown(self, obj):
        return numbers.emissions(getattr(obj, name))

    return shown


def _decimal(value):
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


@admin.register(InventoryRun)
class InventoryRunAdmin(TrackedHistoryAdmin):
    list_display = (
        "__str__",
        "reporting_year",
        "status",
        "progress",
        "total_with_range",
        "started_by",
        "created_at",
    )
    list_filter = ("status", "reporting_year")
    list_select_related = ("started_by",)
    search_fields = ("=reporting_year", "code_version")
    change_list_template = "admin/scope3/inventoryrun/change_list.html"
    change_form_template = "admin/scope3/inventoryrun/change_form.html"
    actions = ("start_same_year",)
    fields = (
        "reporting_year",
        "status",
        "progress",
        "total_with_range",
        "uncertainty",
        "data_quality",
        "unknown_words",
        "unaccounted",
        "pinned",
        "method_version",
        "code_version",
        "started_by",
        "created_at",
        "started_at",
        "finished_at",
        "lines_total",
        "totals_by_category",
        "links",
        "error",
    )
    readonly_fields = fields

    # Runs come from the start page (a service), never from a ModelForm.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:scope3_inventoryrun_start"))

    def get_urls(self):
        urls = [
            path(
                "start/",
                self.admin_site.admin_view(self.start_view),
                name="scope3_inventoryrun_start",
            ),
            path(
                "<int:run_id>/restatement/",
                self.admin_site.admin_view(self.restatement_view),
                name="scope3_inventoryrun_restatement",
            ),
            path(
                "<int:run_id>/progress/",
                never_cache(self.progress_view),
                name="scope3_inventoryrun_progress",
            ),
        ]
        return urls + super().get_urls()

    # --- columns and fields -----------------------------------------------------------------

    @admin.display(description="progress")
    def progress(self, obj):
        # Historical versions (the history pages) do not track chunks_done.
        if getattr(obj, "chunks_done", None) is None:
            return "—"
        return progress_html(
            selectors.inventory_run_progress(obj),
            timezone.now(),
            url=reverse("admin:scope3_inventoryrun_progress", args=[obj.pk]),
            label=f"Chunks done of run {obj.pk}",
            reload_when_done=True,  # the totals show once it is completed
        )

    def progress_view(self, request, run_id):
        return admin_progress_response(self, request, run_id, selectors.inventory_run_progress)

    @admin.display(description="total (low to high)")
    def total_with_range(self, obj):
        if obj.total_kgco2e is None:
            return "—"  # not computed yet
        unit = numbers.emissions_unit(obj.total_kgco2e, obj.high_kgco2e)
        total = numbers.emissions(obj.total_kgco2e, unit)
        return f"{total} ({numbers.emissions_range(obj.low_kgco2e, obj.high_kgco2e, unit)})"

    @admin.display(description="how the range was combined")
    def uncertainty(self, obj):
        if not hasattr(obj, "uncertainty_method"):
            return "—"
        summary = (obj.plan or {}).get("summary", {})
        text = selectors.run_uncertainty_label(obj)
        if summary.get("widest_source"):
            return format_html(
                "{}; {} shared source(s), the widest {} ({} wide)",
                text,
                summary.get("sources", 0),
                summary["widest_source"],
                numbers.emissions(_decimal(summary.get("widest_source_width_kgco2e"))),
            )
        return text

    @admin.display(description="data quality (emissions-weighted, 1 best to 5)")
    def data_quality(self, obj):
        value = (obj.plan or {}).get("summary", {}).get("dq_weighted")
        return value or "—"

    @admin.display(description="ledger words not understood")
    def unknown_words(self, obj):
        terms = (obj.plan or {}).get("summary", {}).get("unknown_terms", [])
        if not terms:
            return "none"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{} line(s): {} unknown</li>", ((t["lines"], t["term"]) for t in terms)
            ),
        )

    @admin.display(description="unaccounted spend")
    def unaccounted(self, obj):
        amounts = obj.unaccounted_amount or {}
        shown = (numbers.money(amount, currency) for currency, amount in amounts.items())
        return ", ".join(shown) or "none"

    @admin.display(description="pinned datasets")
    def pinned(self, obj):
        return ", ".join(f"{kind} {version}" for kind, version in obj.pins.items()) or "—"

    @admin.display(description="totals by category")
    def totals_by_category(self, obj):
        if obj.status != InventoryRun.Status.COMPLETED:
            return "—"
        rows = selectors.inventory_run_totals_by_category(run=obj)
        unit = numbers.emissions_unit(*(r.high_kgco2e for r in rows))
        body = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    r.label,
                    numbers.emissions(r.kgco2e, unit),
                    numbers.emissions(r.low_kgco2e, unit),
                    numbers.emissions(r.high_kgco2e, unit),
                    r.dq if r.dq is not None else "—",
                    r.lines,
                )
                for r in rows
            ),
        )
        return format_html(
            "<table><caption>Emissions by Scope 3 category (ranges: {})</caption><thead><tr>"
            "<th scope='col'>category</th><th scope='col'>emissions</th><th scope='col'>low</th>"
            "<th scope='col'>high</th><th scope='col'>DQ</th><th scope='col'>lines</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            selectors.run_uncertainty_label(obj),
            body,
        )

    @admin.display(description="results")
    def links(self, obj):
        estimates = reverse("admin:scope3_emissionestimate_changelist")
        estimates += f"?run__id__exact={obj.pk}"
        restatement = reverse("admin:scope3_inventoryrun_restatement", args=[obj.pk])
        return format_html(
            '<a href="{}">Estimates of this run</a> · <a href="{}">Restatement</a>',
            estimates,
            restatement,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = selectors.inventory_run_get(run_id=int(object_id)) if object_id.isdigit() else None
        if (
            run is not None
            and run.status == InventoryRun.Status.RUNNING
            and self.has_add_permission(request)
        ):
            # A status check that finds chunks held by a dead worker re-queues them.
            reaped = inventory_run_reap(run_id=run.pk)
            if reaped:
                self.message_user(
                    request,
                    f"{len(reaped)} chunk(s) held by a stopped worker were queued again.",
                    messages.WARNING,
                )
        extra_context = {**(extra_context or {}), "stale_seconds": stale_seconds_setting()}
        return super().change_view(request, object_id, form_url, extra_context)

    # --- actions and pages --------------------------------------------------------------------

    @admin.action(description="Start a new run for the same year", permissions=["add"])
    def start_same_year(self, request, queryset):
        years = sorted(set(queryset.values_list("reporting_year", flat=True)))
        for year in years:
            try:
                run = inventory_run_start(
                    actor=request.user, year=year, reason="started in the admin"
                )
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                return
            self.message_user(request, f"Started {run}.", messages.SUCCESS)

    def start_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RunStartForm(request.POST or None, initial=_year_initial(request.GET.get("year")))
        if request.method == "POST" and form.is_valid():
            try:
                run = inventory_run_start(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    pins=form.pins(),
                    reason="started in the admin",
                    uncertainty=form.cleaned_data.get("uncertainty")
                    or InventoryRun.Uncertainty.ANALYTIC,
                    montecarlo_seed=form.cleaned_data.get("seed"),
                    montecarlo_draws=form.cleaned_data.get("draws"),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    f"Started {run}; it runs on the workers and its progress shows here.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:scope3_inventoryrun_change", args=[run.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Start a Scope 3 inventory run",
            "form": form,
        }
        return TemplateResponse(request, "admin/scope3/inventoryrun/start.html", context)

    def restatement_view(self, request, run_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(InventoryRun, pk=run_id)
        previous = selectors.inventory_run_previous(run=run)
        rows = selectors.inventory_run_restatement(run=run, previous=previous)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Restatement of {run}",
            "run": run,
            "previous": previous,
            "rows": rows,
            # One unit for the totals and one for the table, so that their figures compare.
            "total_unit": numbers.emissions_unit(
                run.high_kgco2e, previous.high_kgco2e if previous else None
            ),
            "unit": numbers.emissions_unit(
                *(kg for r in rows for kg in (r.old_kgco2e, r.new_kgco2e, r.change_kgco2e))
            ),
            "method_changes": selectors.inventory_run_method_changes(run=run, previous=previous),
        }
        return TemplateResponse(request, "admin/scope3/inventoryrun/restatement.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_start": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)


@admin.register(EmissionEstimate)
class EmissionEstimateAdmin(admin.ModelAdmin):
    """Estimates are records of a run: never added, changed or deleted."""

    list_display = (
        "line",
        "run",
        "vendor",
        "category",
        "method",
        "kgco2e_shown",
        "low_kgco2e_shown",
        "high_kgco2e_shown",
        "dq",
        "factor_dataset",
        "factor_row",
    )
    list_filter = ("method", "category", "dq", "run__reporting_year", "run")
    list_select_related = ("spend_line", "run", "vendor", "factor_dataset")
    search_fields = ("=spend_line__external_id", "factor_code", "vendor__name")
    show_full_result_count = False
    readonly_fields = [
        *(f.name for f in EmissionEstimate._meta.fields),
        "data_quality_indicators",
        "factor_row",
        "factor_source",
        "rates_used",
    ]

    kgco2e_shown = _emissions_column("kgco2e", "emissions")
    low_kgco2e_shown = _emissions_column("low_kgco2e", "low")
    high_kgco2e_shown = _emissions_column("high_kgco2e", "high")

    def get_queryset(self, request):
        # The factor row's id in the same query (a correlated subquery), so the list links each
        # line to its exact factor without one query per row.
        factor = EmissionFactor.objects.filter(
            dataset_id=OuterRef("factor_dataset_id"), code=OuterRef("factor_code")
        ).values("pk")[:1]
        return super().get_queryset(request).annotate(factor_row_id=Subquery(factor))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="data quality by indicator (1 best to 5)")
    def data_quality_indicators(self, obj):
        scores = dq_scores_of(obj.dq_indicators)
        if not scores:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}: {}</li>", scores),
        )

    @admin.display(description="spend line", ordering="spend_line__external_id")
    def line(self, obj):
        return obj.spend_line.external_id or f"#{obj.spend_line_id}"

    @admin.display(description="factor", ordering="factor_code")
    def factor_row(self, obj):
        """The exact factor row the estimate multiplied (supplier data has none)."""
        row_id = getattr(obj, "factor_row_id", None)
        if row_id is None:
            return obj.factor_code or "-"
        url = reverse("admin:scope3_emissionfactor_change", args=[row_id])
        return format_html('<a href="{}">{}</a>', url, obj.factor_code)

    @admin.display(description="factor dataset and source")
    def factor_source(self, obj):
        if obj.factor_dataset_id is None:
            return "-"
        url = reverse("admin:scope3_factordataset_change", args=[obj.factor_dataset_id])
        return format_html(
            '<a href="{}">{}</a> ({})', url, obj.factor_dataset, dataset_source(obj.factor_dataset)
        )

    @admin.display(description="FX rates and price index values used")
    def rates_used(self, obj):
        rates = estimate_reference_rates(obj)
        if not rates:
            return "-"
        return format_html_join(
            ", ",
            '<a href="{}">{} {} = {}</a>',
            (
                (reverse("admin:scope3_referencerate_change", args=[r.pk]), r.key, r.year, r.value)
                for r in rates
            ),
        )


DQ_INDICATORS = (
    "technological representativeness",
    "temporal representativeness",
    "geographical representativeness",
    "completeness",
    "reliability",
)


def dq_scores_of(code: str) -> list[tuple[str, int]]:
    """``[(indicator, score)]`` of a stored five-digit data-quality code (empty if none)."""
    if not code or len(code) != len(DQ_INDICATORS) or not code.isdigit():
        return []
    return [(name, int(digit)) for name, digit in zip(DQ_INDICATORS, code, strict=True)]


def estimate_reference_rates(estimate: EmissionEstimate) -> list[ReferenceRate]:
    """The FX rates and price-index values a spend-based estimate was converted with.

    Mirrors ``EstimationContext.spend_multiplier``: the purchase year's rates of the line's
    currency and the factor's currency (the FX base currency is 1 and has no row), then the
    price index at the purchase year and the factor's dollar year, from the datasets the run
    pinned. Empty for other methods, and when no conversion was needed.
    """
    dataset = estimate.factor_dataset
    if estimate.method != EmissionEstimate.Method.SPEND_BASED or dataset is None:
        return []
    line = estimate.spend_line
    year = line.date.year
    target = (dataset.currency or "USD").upper()
    pinned = {d.kind: d for d in estimate.run.datasets.all()}
    rates: list[ReferenceRate] = []
    fx = pinned.get(FactorDataset.Kind.FX)
    currency = line.currency.strip().upper()
    if fx is not None and currency != target:
        base = (fx.currency or "USD").upper()
        keys = {currency, target} - {base}
        rates += ReferenceRate.objects.filter(dataset=fx, key__in=keys, year=year).order_by("key")
    index = pinned.get(FactorDataset.Kind.PRICE_INDEX)
    if index is not None and dataset.dollar_year and year != dataset.dollar_year:
        # The engine reads the dataset's first series (scope3.adapters.load_price_index).
        series = ReferenceRate.objects.filter(dataset=index).order_by("key").values("key")[:1]
        rates += ReferenceRate.objects.filter(
            dataset=index, key__in=Subquery(series), year__in={year, dataset.dollar_year}
        ).order_by("year")
    return rates
