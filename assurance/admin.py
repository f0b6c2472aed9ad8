from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from assurance.models import AuditEvent, EvidenceBundle, EvidenceFile


class TrackedHistoryAdmin(SimpleHistoryAdmin):
    """``SimpleHistoryAdmin`` that cannot be used to write by someone who may only view.

    django-simple-history (3.13) lets anyone allowed to *view* history POST the "revert" form of
    a past version, which saves the object. Auditors may view everything, so every admin of a
    model with history must use this class instead.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in {"GET", "HEAD"} and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes these rows through the admin; they are records."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "actor", "verb", "target_repr", "vendor", "request_id"]
    list_filter = ["verb", "occurred_at", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["target_repr", "request_id"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor", "vendor", "target_type"]
    fields = [
        "occurred_at",
        "actor",
        "verb",
        "target_type",
        "target_id",
        "target_repr",
        "vendor",
        "request_id",
        "reason",
        "details",
    ]
    readonly_fields = fields


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    # Uploads go through evidence_file_upload (portal, API, services), which sniffs and hashes;
    # the admin only lists and links to the authorising download view.
    list_display = [
        "original_name",
        "vendor",
        "content_type",
        "size",
        "sha256_short",
        "uploaded_by",
        "uploaded_at",
        "download",
    ]
    list_filter = ["content_type", "uploaded_at", ("vendor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["original_name", "sha256", "vendor__name"]
    list_select_related = ["vendor", "uploaded_by"]
    fields = [
        "original_name",
        "download",
        "vendor",
        "target_type",
        "target_id",
        "content_type",
        "size_bytes",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    @admin.display(description="size", ordering="size_bytes")
    def size(self, obj):
        return filesizeformat(obj.size_bytes)

    @admin.display(description="sha256")
    def sha256_short(self, obj):
        return format_html('<code title="{}">{}…</code>', obj.sha256, obj.sha256[:12])

    @admin.display(description="file")
    def download(self, obj):
        url = reverse("assurance:evidence_download", args=[obj.pk])
        return format_html(
            '<a href="{}" aria-label="Download {}">Download</a>', url, obj.original_name
        )


@admin.register(EvidenceBundle)
class EvidenceBundleAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    """Bundles are made by the generator, never edited; the action asks for a fresh one."""

    list_display = [
        "id",
        "scope_label",
        "status",
        "progress",
        "requested_by",
        "requested_at",
        "open",
    ]
    list_filter = ["scope", "status", "requested_at"]
    list_select_related = ["vendor", "contract", "run", "requested_by"]
    search_fields = ["vendor__name", "contract__reference", "pdf_sha256", "zip_sha256"]
    actions = ["bundle_request_again"]
    fields = [
        "scope",
        "vendor",
        "year",
        "year_to",
        "contract",
        "run",
        "status",
        "progress",
        "progress_note",
        "error",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "page_count",
        "chain_seq",
        "chain_head",
        "pdf_sha256",
        "pdf_size",
        "zip_sha256",
        "zip_size",
        "manifest_sha256",
        "manifest_size",
        "open",
    ]
    readonly_fields = fields

    @admin.display(description="scope")
    def scope_label(self, obj):
        return obj.scope_label

    @admin.display(description="page")
    def open(self, obj):
        url = reverse("assurance:bundle_detail", args=[obj.pk])
        return format_html('<a href="{}">Open bundle #{}</a>', url, obj.pk)

    @admin.action(description="Request a new bundle with the same scope")
    def bundle_request_again(self, request, queryset):
        from assurance.bundles.services import evidence_bundle_request

        if not request.user.has_perm("assurance.view_evidencebundle"):
            raise PermissionDenied
        made = []
        for bundle in queryset.select_related("vendor", "contract", "run"):
            new = evidence_bundle_request(
                actor=request.user,
                scope=bundle.scope,
                vendor=bundle.vendor,
                year=bundle.year,
                year_to=bundle.year_to,
                contract=bundle.contract,
                run=bundle.run,
            )
            made.append(f"#{new.pk}")
        self.message_user(request, f"Requested bundle(s) {', '.join(made)}.")
