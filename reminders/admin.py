from django.contrib import admin

from reminders.models import ReminderLog


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    """Read-only for everyone: the log is written by the sweep alone and is evidence of what went
    out. Filter by target with ``?target_type__id__exact=<ct>&target_id=<pk>``."""

    list_display = ["kind", "window", "target_type", "target_id", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status", "target_type"]
    search_fields = ["=target_id", "recipients"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "target_type",
        "target_id",
        "kind",
        "window",
        "recipients",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
