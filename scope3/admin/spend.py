"""Admin of the purchase ledger: spend-file uploads with their error reports, and the lines.

Batches are created only by the import service (the upload form here, the command, the API),
which validates the whole file; batches and lines are records and are never edited here.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache

from assurance.admin import ReadOnlyAdminMixin, TrackedHistoryAdmin
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config import numbers
from config.admin_uploads import UploadAdminMixin
from config.progress import admin_progress_response, progress_html
from scope3 import selectors
from scope3.importers.spend import FIELDS
from scope3.models import ImportBatch, SpendLine
from scope3.services.spend import (
    SpendImportRefused,
    import_batch_error_report_open,
    spend_import_max_bytes,
    spend_upload_queue,
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
class ImportBatchAdmin(UploadAdminMixin, TrackedHistoryAdmin):
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
        "outcome",
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
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    # Adding is uploading (config.admin_uploads); batches are records and never edited.
    upload_form_class = SpendUploadForm
    upload_template = "admin/scope3/importbatch/upload.html"
    upload_title = "Upload a spend file"
    upload_refused = (SpendImportRefused,)

    @admin.display(description="progress")
    def progress(self, obj):
        if obj.pk is None:
            return "—"
        return progress_html(
            selectors.import_batch_progress(obj),
            timezone.now(),
            url=reverse("admin:scope3_importbatch_progress", args=[obj.pk]),
            label=f"Progress of import batch {obj.pk}",
            # A running import's counts, lines and report appear once it ends.
            reload_when_done=obj.status in (ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING),
        )

    def progress_view(self, request, object_id):
        return admin_progress_response(self, request, object_id, selectors.import_batch_progress)

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

    def upload_store(self, request, form):
        """The file is stored and imported by the workers with the same code as the command and
        API; its page follows the import with a live progress bar."""
        upload = form.cleaned_data["file"]
        return spend_upload_queue(
            actor=request.user,
            uploaded_file=upload,
            original_name=upload.name,
            source=ImportBatch.Source.ADMIN,
            partial=form.cleaned_data["partial"],
            column_map=form.cleaned_data["column_map"],
            reason="spend file uploaded in the admin",
        )

    def upload_announce(self, request, record) -> None:
        self.message_user(
            request,
            f"{record.original_name} was uploaded; the workers are importing it. Its "
            "progress shows below, and its counts when it is done.",
            messages.INFO,
        )

    def upload_context(self, request) -> dict:
        return {"max_bytes": spend_import_max_bytes(ImportBatch.Source.ADMIN)}

    @admin.display(description="outcome")
    def outcome(self, obj):
        """What came of the import, in a sentence, once it has ended."""
        if obj.pk is None or obj.status in (ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING):
            return "Not finished yet: the progress above says how far it has got."
        counts = (
            f"{numbers.grouped(obj.accepted_rows, 0)} lines stored, "
            f"{numbers.grouped(obj.rejected_rows, 0)} rejected, "
            f"{numbers.grouped(obj.skipped_existing_rows, 0)} skipped (already imported), "
            f"{numbers.grouped(obj.unmatched_vendor_rows, 0)} with an unmatched vendor."
        )
        if obj.status == ImportBatch.Status.REJECTED:
            return f"{obj.original_name} was rejected: nothing was stored. " + (
                "Download the error report below, fix the rows and upload again."
                if obj.error_report_name
                else obj.error_summary
            )
        if obj.status == ImportBatch.Status.PARTIAL:
            return f"{obj.original_name} was partly imported: {counts}"
        return f"{obj.original_name} imported: {counts}"

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
