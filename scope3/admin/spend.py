"""Admin of the purchase ledger: spend-file uploads with their error reports, and the lines.

Batches are created only by the import service (the upload form here, the command, the API),
which validates the whole file; batches and lines are records and are never edited here.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache

from assurance.admin import ReadOnlyAdminMixin, TrackedHistoryAdmin
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.progress import progress_html, progress_response
from scope3 import selectors
from scope3.importers.spend import FIELDS
from scope3.models import ImportBatch, SpendLine
from scope3.services.spend import (
    SpendImportRefused,
    import_batch_error_report_open,
    spend_import,
    spend_import_max_bytes,
)
from scope3.services.vocabulary import unknown_terms_describe


class SpendUploadForm(forms.Form):
    file = forms.FileField(
        label="Spend file",
        help_text="CSV (UTF-8) or XLSX with a header row. Columns: " + ", ".join(FIELDS) + ".",
    )
    partial = forms.BooleanField(
        label="Store the valid rows even if some rows have errors",
        required=False,
        help_text="Without this, a file with any error stores nothing and you get its report.",
    )
    column_map = forms.CharField(
        label="Column map (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text='Optional: your headers to our fields, e.g. {"Invoice date": "date"}.',
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = spend_import_max_bytes(ImportBatch.Source.ADMIN)
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size} bytes; the upload limit is {limit} bytes. "
                "Split it or ask an administrator to use manage.py import_spend."
            )
        return upload

    def clean_column_map(self):
        text = self.cleaned_data["column_map"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"This is not valid JSON ({exc}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('Give an object, e.g. {"Invoice date": "date"}.')
        return value


@admin.register(ImportBatch)
class ImportBatchAdmin(TrackedHistoryAdmin):
    list_display = (
        "__str__",
        "status",
        "source",
        "total_rows",
        "accepted_rows",
        "rejected_rows",
        "skipped_existing_rows",
        "unmatched_vendor_rows",
        "created_by",
        "created_at",
        "error_report",
    )
    list_filter = ("status", "source", "partial")
    search_fields = ("original_name", "file_sha256")
    list_select_related = ("created_by",)
    change_form_template = "admin/scope3/importbatch/change_form.html"
    fields = (
        "original_name",
        "status",
        "progress",
        "source",
        "partial",
        "file_sha256",
        "size_bytes",
        "column_map",
        "total_rows",
        "accepted_rows",
        "rejected_rows",
        "skipped_existing_rows",
        "unmatched_vendor_rows",
        "unknown_words",
        "error_summary",
        "error_report",
        "lines_link",
        "created_by",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields

    # Adding is uploading (the add button leads to the upload form); nothing is ever edited.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="progress")
    def progress(self, obj):
        if obj.pk is None:
            return "—"
        return progress_html(
            selectors.import_batch_progress(obj),
            timezone.now(),
            url=reverse("admin:scope3_importbatch_progress", args=[obj.pk]),
            label=f"Rows read of import batch {obj.pk}",
        )

    def progress_view(self, request, object_id):
        """The batch's progress as JSON for static/js/progress.js; 404 for anyone who may not
        view batches, as for a batch that does not exist."""
        if not (request.user.is_active and request.user.is_staff) or not (
            self.has_view_permission(request)
        ):
            raise Http404
        batch = ImportBatch.objects.filter(pk=object_id).first()
        if batch is None:
            raise Http404
        return progress_response(selectors.import_batch_progress(batch), timezone.now())

    @admin.display(description="unknown words")
    def unknown_words(self, obj):
        # Words come from the uploaded file: format_html_join escapes them.
        descriptions = unknown_terms_describe(obj.unknown_terms)
        if not descriptions:
            return "-"
        url = reverse("admin:scope3_vocabularyterm_add")
        return format_html(
            '<ul>{}</ul><a href="{}">Map a word to a factor code or hardware spec</a>',
            format_html_join("", "<li>{}</li>", ((text,) for text in descriptions)),
            url,
        )

    @admin.display(description="error report")
    def error_report(self, obj):
        if not obj.error_report_name:
            return "-"
        url = reverse("admin:scope3_importbatch_error_report", args=[obj.pk])
        return format_html('<a href="{}">Download error report (CSV)</a>', url)

    @admin.display(description="lines")
    def lines_link(self, obj):
        url = reverse("admin:scope3_spendline_changelist")
        return format_html(
            '<a href="{}?batch__id__exact={}">{} lines</a>', url, obj.pk, obj.accepted_rows
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/error-report/",
                self.admin_site.admin_view(self.error_report_view),
                name="scope3_importbatch_error_report",
            ),
            path(
                "<int:object_id>/progress/",
                never_cache(self.progress_view),
                name="scope3_importbatch_progress",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """The upload form: the file goes through the same service as the command and API."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        form = SpendUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = spend_import(
                    actor=request.user,
                    path_or_file=upload,
                    original_name=upload.name,
                    source=ImportBatch.Source.ADMIN,
                    partial=form.cleaned_data["partial"],
                    column_map=form.cleaned_data["column_map"],
                    reason="spend file uploaded in the admin",
                )
            except SpendImportRefused as exc:
                form.add_error(None, exc.message)
            else:
                self._announce(request, batch)
                return HttpResponseRedirect(
                    reverse("admin:scope3_importbatch_change", args=[batch.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a spend file",
            "opts": opts,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
            "max_bytes": spend_import_max_bytes(ImportBatch.Source.ADMIN),
        }
        return TemplateResponse(request, "admin/scope3/importbatch/upload.html", context)

    def _announce(self, request, batch: ImportBatch) -> None:
        counts = (
            f"{batch.accepted_rows} lines stored, {batch.rejected_rows} rejected, "
            f"{batch.skipped_existing_rows} skipped (already imported), "
            f"{batch.unmatched_vendor_rows} with an unmatched vendor."
        )
        if batch.status == ImportBatch.Status.REJECTED:
            self.message_user(
                request,
                f"{batch.original_name} was rejected: nothing was stored. "
                "Download the error report below, fix the rows and upload again.",
                messages.ERROR,
            )
        elif batch.status == ImportBatch.Status.PARTIAL:
            self.message_user(request, f"{batch.original_name}: {counts}", messages.WARNING)
        else:
            self.message_user(
                request, f"{batch.original_name} imported: {counts}", messages.SUCCESS
            )

    def error_report_view(self, request, object_id):
        batch = self.get_object(request, unquote(object_id))
        if batch is None or not self.has_view_permission(request, batch):
            raise Http404
        try:
            handle = import_batch_error_report_open(batch)
        except (FileNotFoundError, OSError):
            raise Http404("This batch has no error report.") from None
        with transaction.atomic():
            audit_event_record(
                actor=request.user,
                verb=AuditEvent.Verb.DOWNLOADED,
                target=batch,
                details={"what": "error report"},
            )
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"spend-import-{batch.pk}-errors.csv",
            content_type="text/csv; charset=utf-8",
        )


@admin.register(SpendLine)
class SpendLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "external_id",
        "date",
        "vendor",
        "vendor_name",
        "vendor_match",
        "amount",
        "currency",
        "naics",
        "description",
        "capital",
        "batch",
    )
    list_filter = ("vendor_match", "capital", "currency", "batch__source")
    search_fields = (
        "external_id",
        "vendor_name",
        "vendor_tax_id",
        "vendor__name",
        "description",
        "gl_account",
        "product_id",
    )
    list_select_related = ("vendor", "batch", "batch__created_by")
    raw_id_fields = ("vendor", "batch")
    # Ledgers run to millions of lines: skip the second COUNT(*) of the unfiltered table.
    show_full_result_count = False
