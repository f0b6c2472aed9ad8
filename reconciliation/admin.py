"""Admin of reconciliation: the flags with their review actions, and the IT asset inventory with its
CSV upload.

Flags are raised and updated by the nightly reconciliation only; people change their status
through the review actions (acknowledge, resolve, dismiss, reopen), each asking for its note on a
confirmation page and going through the services, which keep history and audit events. Auditors
read everything and change nothing (they hold view permissions only).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache

from assurance.admin import ReadOnlyAdminMixin, TrackedHistoryAdmin
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from assurance.uploads import csv_safe
from config.admin_uploads import UploadAdminMixin
from config.progress import admin_progress_response, duration, progress_html
from reconciliation import selectors, services
from reconciliation.asset_file import COLUMNS
from reconciliation.models import Asset, AssetImport, ReconciliationFlag, ReconciliationRun

Kind = ReconciliationFlag.Kind

# --- flags -------------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, decision: str, **kwargs):
        super().__init__(*args, **kwargs)
        label, required, help_text = DECISIONS[decision][1:4]
        self.fields["note"].label = label
        self.fields["note"].required = required
        self.fields["note"].help_text = help_text


# decision: (service, note label, note required, help, button, past tense)
DECISIONS = {
    "acknowledge": (
        services.flag_acknowledge,
        "Note",
        False,
        "Optional: who is looking into it, or what is being checked.",
        "Acknowledge",
        "acknowledged",
    ),
    "resolve": (
        services.flag_resolve,
        "How it was resolved",
        True,
        "Required: what was corrected or confirmed (kept with the flag's history).",
        "Resolve",
        "resolved",
    ),
    "dismiss": (
        services.flag_dismiss,
        "Reason for dismissing",
        True,
        "Required: why this is not a discrepancy. Reconciliation keeps the flag dismissed unless "
        "its figures change materially.",
        "Dismiss",
        "dismissed",
    ),
    "reopen": (
        services.flag_reopen,
        "Note",
        False,
        "Optional: why the flag needs attention again.",
        "Reopen",
        "reopened",
    ),
}


def _decide(modeladmin, request, queryset, decision: str):
    """Confirmation page with the note (GET-like first post), then the decision for each flag."""
    service, _label, _required, _help, button, done = DECISIONS[decision]
    flags = list(queryset.select_related("vendor").order_by("pk"))
    form = DecisionForm(request.POST if "apply" in request.POST else None, decision=decision)
    if "apply" in request.POST and form.is_valid():
        note = form.cleaned_data["note"]
        applied, refused = 0, []
        for flag in flags:
            try:
                if decision == "dismiss":
                    service(actor=request.user, flag=flag, reason=note)
                else:
                    service(actor=request.user, flag=flag, note=note)
                applied += 1
            except services.FlagTransitionRefused as exc:
                refused.append(exc.messages[0])
        if applied:
            modeladmin.message_user(request, f"{applied} flag(s) {done}.", messages.SUCCESS)
        for message in refused:
            modeladmin.message_user(request, message, messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{button} reconciliation flags",
        "opts": modeladmin.model._meta,
        "flags": flags,
        "form": form,
        "decision": decision,
        "button": button,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/reconciliation/reconciliationflag/decide.html", context)


@admin.action(description="Acknowledge the selected flags", permissions=["review"])
def acknowledge_flags(modeladmin, request, queryset):
    return _decide(modeladmin, request, queryset, "acknowledge")


@admin.action(description="Resolve the selected flags (with a note)", permissions=["review"])
def resolve_flags(modeladmin, request, queryset):
    return _decide(modeladmin, request, queryset, "resolve")


@admin.action(description="Dismiss the selected flags (with a reason)", permissions=["review"])
def dismiss_flags(modeladmin, request, queryset):
    return _decide(modeladmin, request, queryset, "dismiss")


@admin.action(description="Reopen the selected flags", permissions=["review"])
def reopen_flags(modeladmin, request, queryset):
    return _decide(modeladmin, request, queryset, "reopen")


@admin.register(ReconciliationFlag)
class ReconciliationFlagAdmin(TrackedHistoryAdmin):
    list_display = (
        "summary",
        "kind",
        "status",
        "vendor",
        "reporting_year",
        "concerns",
        "last_seen_at",
        "created_at",
    )
    list_filter = (
        "kind",
        "status",
        "reporting_year",
        ("vendor", admin.RelatedOnlyFieldListFilter),
    )
    # "=key" finds the flags of one object exactly ("disclosure:42"), as the links from a
    # disclosure's page do.
    search_fields = ("summary", "=key", "vendor__name", "note")
    list_select_related = ("vendor", "target_type", "decided_by")
    actions = (acknowledge_flags, resolve_flags, dismiss_flags, reopen_flags)
    fields = (
        "kind",
        "status",
        "summary",
        "vendor",
        "reporting_year",
        "concerns",
        "figures",
        "note",
        "decided_by",
        "key",
        "created_at",
        "last_seen_at",
    )
    readonly_fields = fields
    change_form_template = "admin/reconciliation/reconciliationflag/change_form.html"

    def get_queryset(self, request):
        return selectors.flag_list()

    # Flags come from reconciliation and change through the review actions only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.display(description="concerns")
    def concerns(self, obj):
        return _concerns_link(obj)

    @admin.display(description="figures")
    def figures(self, obj):
        if not obj.details:
            return "—"
        return format_html(
            "<dl>{}</dl>",
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((name.replace("_", " "), _shown(value)) for name, value in obj.details.items()),
            ),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="reconciliation_reconciliationflag_decide",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        user = request.user
        extra_context = {
            **(extra_context or {}),
            "can_run_checks": user.has_perm("reconciliation.add_reconciliationrun"),
            "can_view_runs": user.has_perm("reconciliation.view_reconciliationrun"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_review": self.has_review_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, object_id, decision: str):
        """One flag's decision from its change page: the same confirmation as the actions."""
        if decision not in DECISIONS:
            raise Http404
        if not self.has_review_permission(request):
            raise PermissionDenied
        flag = self.get_object(request, unquote(object_id))
        if flag is None:
            raise Http404
        response = _decide(self, request, self.get_queryset(request).filter(pk=flag.pk), decision)
        if response is not None:
            return response
        return HttpResponseRedirect(
            reverse("admin:reconciliation_reconciliationflag_change", args=[flag.pk])
        )


def _shown(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _admin_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _concerns_link(flag: ReconciliationFlag):
    """A link to what the flag is about, built from the flag alone (no query per row)."""
    details = flag.details or {}
    if flag.kind == Kind.ASSET_QUANTITY_MISMATCH and details.get("hardware_class"):
        url = reverse("admin:reconciliation_asset_changelist")
        query = {"hardware_class__exact": details["hardware_class"]}
        if flag.reporting_year:
            query["in_service_date__year"] = flag.reporting_year
        if flag.vendor_id:
            query["vendor__id__exact"] = flag.vendor_id
        query = urlencode(query)
        return format_html('<a href="{}?{}">assets of this class</a>', url, query)
    if flag.target_type_id and flag.target_id:
        ct = flag.target_type
        url = _admin_url(f"admin:{ct.app_label}_{ct.model}_change", flag.target_id)
        label = f"{ct.name} #{flag.target_id}"
        return format_html('<a href="{}">{}</a>', url, label) if url else label
    if flag.kind == Kind.VENDOR_NOT_IN_MASTER and details.get("names"):
        url = reverse("admin:scope3_spendline_changelist")
        query = urlencode({"vendor_match__exact": "unmatched", "q": details["names"][0]})
        return format_html('<a href="{}?{}">ledger lines</a>', url, query)
    return "—"


# --- the asset inventory -----------------------------------------------------------------------


class AssetUploadForm(forms.Form):
    file = forms.FileField(
        label="Asset inventory (CSV)",
        help_text="UTF-8 CSV with a header row. Columns: " + ", ".join(COLUMNS) + ".",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = services.asset_import_max_bytes()
        # Refused on its declared size before a byte is read; the service checks again.
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size} bytes; the limit for asset files is {limit} bytes."
            )
        return upload


@admin.register(AssetImport)
class AssetImportAdmin(UploadAdminMixin, TrackedHistoryAdmin):
    list_display = (
        "__str__",
        "status",
        "source",
        "total_rows",
        "accepted_rows",
        "unmatched_vendor_rows",
        "error_count",
        "created_by",
        "created_at",
    )
    list_filter = ("status", "source")
    search_fields = ("original_name", "file_sha256")
    list_select_related = ("created_by",)
    fields = (
        "original_name",
        "status",
        "source",
        "file_sha256",
        "size_bytes",
        "total_rows",
        "accepted_rows",
        "unmatched_vendor_rows",
        "error_count",
        "error_list",
        "error_report",
        "assets_link",
        "created_by",
        "created_at",
    )
    readonly_fields = fields

    # Adding is uploading (config.admin_uploads); imports are records and never edited.
    upload_form_class = AssetUploadForm
    upload_template = "admin/reconciliation/assetimport/upload.html"
    upload_title = "Upload an asset inventory"
    upload_refused = (services.AssetImportRefused,)

    def get_queryset(self, request):
        return selectors.asset_import_list()

    @admin.display(description="errors")
    def error_list(self, obj):
        if not obj.errors:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e["row"] or "file", e["column"], e["value"], e["rule"]) for e in obj.errors[:100]),
        )
        more = obj.error_count - min(len(obj.errors), 100)
        tail = format_html("<p>… and {} more (see the error report)</p>", more) if more else ""
        return format_html(
            "<table><thead><tr><th>row</th><th>column</th><th>value</th><th>rule</th></tr>"
            "</thead><tbody>{}</tbody></table>{}",
            rows,
            tail,
        )

    @admin.display(description="error report")
    def error_report(self, obj):
        if not obj.errors:
            return "—"
        url = reverse("admin:reconciliation_assetimport_error_report", args=[obj.pk])
        return format_html('<a href="{}">Download the errors (CSV)</a>', url)

    @admin.display(description="assets")
    def assets_link(self, obj):
        url = reverse("admin:reconciliation_asset_changelist")
        return format_html(
            '<a href="{}?asset_import__id__exact={}">{} assets</a>', url, obj.pk, obj.accepted_rows
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/error-report/",
                self.admin_site.admin_view(self.error_report_view),
                name="reconciliation_assetimport_error_report",
            ),
            *super().get_urls(),
        ]

    def upload_store(self, request, form):
        """The file goes through the same service as ``import_assets``."""
        upload = form.cleaned_data["file"]
        return services.asset_import(
            actor=request.user,
            path_or_file=upload,
            original_name=upload.name,
            source=AssetImport.Source.ADMIN,
            reason="asset inventory uploaded in the admin",
        )

    def upload_announce(self, request, record) -> None:
        if record.status == AssetImport.Status.REJECTED:
            self.message_user(
                request,
                f"{record.original_name} was rejected: nothing was stored. The errors "
                "are listed below; fix the rows and upload again.",
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                f"{record.original_name} imported: {record.accepted_rows} assets, "
                f"{record.unmatched_vendor_rows} with a vendor not in the vendor master.",
                messages.SUCCESS,
            )

    def upload_context(self, request) -> dict:
        return {"max_bytes": services.asset_import_max_bytes(), "columns": COLUMNS}

    def error_report_view(self, request, object_id):
        record = self.get_object(request, unquote(object_id))
        if record is None or not self.has_view_permission(request, record):
            raise Http404
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["row", "column", "value", "rule"])
        for error in record.errors:
            # Values are the file's own cells: escaped so a spreadsheet shows, not runs, them.
            writer.writerow(
                [error["row"], csv_safe(error["column"]), csv_safe(error["value"]), error["rule"]]
            )
        if record.error_count > len(record.errors):
            writer.writerow(["", "", "", f"... and {record.error_count - len(record.errors)} more"])
        with transaction.atomic():
            audit_event_record(
                actor=request.user,
                verb=AuditEvent.Verb.DOWNLOADED,
                target=record,
                details={"what": "error report"},
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="asset-import-{record.pk}-errors.csv"'
        )
        return response


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    list_display = (
        "asset_tag",
        "product_model",
        "hardware_class",
        "quantity",
        "location",
        "vendor",
        "vendor_name",
        "vendor_match",
        "in_service_date",
        "asset_import",
    )
    list_filter = ("hardware_class", "vendor_match", "asset_import", "in_service_date")
    search_fields = ("asset_tag", "product_model", "location", "vendor_name", "vendor__name")
    list_select_related = ("vendor", "asset_import")
    raw_id_fields = ("vendor", "asset_import")
    date_hierarchy = "in_service_date"


# --- runs --------------------------------------------------------------------------------------


class RunRequestForm(forms.Form):
    year = forms.IntegerField(
        label="Reporting year",
        min_value=2000,
        help_text="The checks compare this year's ledger, disclosures and asset inventory.",
    )


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    """The log of reconciliation runs, nightly or asked for here; asking for one is "adding" it,
    and its page follows it with a live progress bar."""

    list_display = (
        "__str__",
        "reporting_year",
        "status",
        "requested_by",
        "requested_at",
        "took",
        "changes",
    )
    list_filter = ("status", "reporting_year")
    list_select_related = ("requested_by",)
    fields = (
        "reporting_year",
        "status",
        "progress",
        "changes",
        "check_notes",
        "flags_link",
        "error",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields
    change_form_template = "admin/reconciliation/reconciliationrun/change_form.html"

    def get_queryset(self, request):
        return selectors.reconciliation_run_list()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="progress")
    def progress(self, obj):
        return progress_html(
            selectors.reconciliation_run_progress(obj),
            timezone.now(),
            url=reverse("admin:reconciliation_reconciliationrun_progress", args=[obj.pk]),
            label=f"Progress of reconciliation run {obj.pk}",
            reload_when_done=obj.status in services.RUNS_UNDER_WAY,
        )

    @admin.display(description="took")
    def took(self, obj):
        if obj.started_at is None or obj.finished_at is None:
            return "—"
        return duration((obj.finished_at - obj.started_at).total_seconds())

    @admin.display(description="flags changed")
    def changes(self, obj):
        summary = obj.summary or {}
        if not summary:
            return "—"
        return ", ".join(
            f"{summary.get(key, 0)} {label}"
            for key, label in (
                ("created", "raised"),
                ("updated", "updated"),
                ("reopened", "reopened"),
                ("resolved", "resolved"),
                ("unchanged", "unchanged"),
            )
        )

    @admin.display(description="notes of the checks")
    def check_notes(self, obj):
        notes = (obj.summary or {}).get("notes") or []
        if not notes:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((n,) for n in notes))
        )

    @admin.display(description="flags")
    def flags_link(self, obj):
        url = reverse("admin:reconciliation_reconciliationflag_changelist")
        return format_html(
            '<a href="{}?reporting_year={}">Flags of {}</a>',
            url,
            obj.reporting_year,
            obj.reporting_year,
        )

    def get_urls(self):
        return [
            path(
                "<int:run_id>/progress/",
                never_cache(self.progress_view),
                name="reconciliation_reconciliationrun_progress",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request, run_id):
        return admin_progress_response(self, request, run_id, selectors.reconciliation_run_progress)

    def add_view(self, request, form_url="", extra_context=None):
        """Ask the workers to run the checks of a year now."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"year": timezone.localdate().year - 1}
        form = RunRequestForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.reconciliation_run_request(
                    actor=request.user, year=form.cleaned_data["year"]
                )
            except services.RunRefused as exc:
                # A refusal about the year goes to its field, any other above the form.
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    f"The checks of {run.reporting_year} were asked for; the workers run them and "
                    "their progress shows below.",
                    messages.INFO,
                )
                return HttpResponseRedirect(
                    reverse("admin:reconciliation_reconciliationrun_change", args=[run.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Run the reconciliation checks",
            "opts": self.model._meta,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
            "steps": services.RUN_STEPS,
        }
        return TemplateResponse(
            request, "admin/reconciliation/reconciliationrun/request.html", context
        )
