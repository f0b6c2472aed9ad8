"""Operations records in the admin: read-only for everyone (they are written by the machinery);
officers may mark a task failure resolved once its cause is fixed."""

from django.contrib import admin, messages
from django.utils import timezone

from assurance.admin import ReadOnlyAdminMixin
from operations.models import OutboxMessage, TaskFailure
from operations.selectors import outbox_stuck_q
from operations.services import task_failures_resolve


class OutboxStuckFilter(admin.SimpleListFilter):
    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return (("yes", "Stuck (failed, or pending too long)"),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(outbox_stuck_q(now=timezone.now()))
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "kind", "status", "attempts", "created_at", "published_at", "done_at")
    list_filter = (OutboxStuckFilter, "status", "kind")
    search_fields = ("key",)
    date_hierarchy = "created_at"
    fields = (
        "key",
        "kind",
        "status",
        "summary",
        "attempts",
        "last_error",
        "created_at",
        "published_at",
        "claimed_at",
        "done_at",
        "payload_shown",
    )
    readonly_fields = fields

    @admin.display(description="payload")
    def payload_shown(self, obj):
        """The stored payload; a message with a one-time link keeps its text out of sight (the
        link would let whoever reads it act as the recipient)."""
        payload = dict(obj.payload or {})
        if payload.get("one_time_link"):
            for name in ("body", "html"):
                if payload.get(name):
                    payload[name] = "(withheld: carries a one-time link)"
        return payload


class TaskFailureStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("open", "Unresolved"), ("resolved", "Resolved"))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(TaskFailure)
class TaskFailureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "task_name",
        "exception_type",
        "message_short",
        "count",
        "retries_exhausted",
        "first_seen",
        "last_seen",
        "resolved_at",
    )
    list_filter = (TaskFailureStateFilter, "retries_exhausted", "task_name", "exception_type")
    list_select_related = ("resolved_by",)
    search_fields = ("task_name", "exception_type", "message", "task_id")
    date_hierarchy = "last_seen"
    actions = ("mark_resolved",)
    fields = (
        "task_name",
        "task_id",
        "exception_type",
        "message",
        "args",
        "traceback",
        "retries_exhausted",
        "count",
        "first_seen",
        "last_seen",
        "resolved_at",
        "resolved_by",
    )
    readonly_fields = fields

    @admin.display(description="message")
    def message_short(self, obj):
        return obj.message if len(obj.message) <= 120 else obj.message[:119] + "…"

    def has_resolve_permission(self, request):
        # The change permission is what "may act on task failures" means; the admin still never
        # edits a failure's recorded fields (has_change_permission is False for everyone).
        return request.user.has_perm("operations.change_taskfailure")

    @admin.action(description="Mark resolved (the cause is fixed)", permissions=["resolve"])
    def mark_resolved(self, request, queryset):
        count = task_failures_resolve(actor=request.user, failures=list(queryset))
        self.message_user(request, f"{count} failure(s) marked resolved.", messages.SUCCESS)
