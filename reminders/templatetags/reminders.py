from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from reminders.models import ReminderLog
from reminders.selectors import reminder_logs_for

register = template.Library()


@register.inclusion_tag("reminders/_sent.html")
def reminders_sent(obj, vendor=None):
    """The reminders a vendor was sent about ``obj`` (escalations to our staff are left out).

    On an RFP, pass the portal's vendor: the RFP's reminders go to every invited vendor and each
    sees only its own.
    """
    logs = reminder_logs_for(obj, include_internal=False, vendor=vendor).filter(status="sent")
    return {"reminder_logs": list(logs.order_by("-sent_at"))}


@register.inclusion_tag("reminders/_logged.html")
def reminders_logged(obj):
    """Every reminder logged about ``obj`` for officers in the admin: internal ones too, and
    those pending or failed, with a link to the full log."""
    logs = list(reminder_logs_for(obj).order_by("-created_at", "-pk"))
    content_type = ContentType.objects.get_for_model(obj)
    log_url = (
        reverse("admin:reminders_reminderlog_changelist")
        + f"?target_type__id__exact={content_type.pk}&target_id={obj.pk}"
    )
    return {"reminder_logs": logs, "log_url": log_url, "Status": ReminderLog.Status}
