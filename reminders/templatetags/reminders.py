from django import template

from reminders.selectors import reminder_logs_for

register = template.Library()


@register.inclusion_tag("reminders/_sent.html")
def reminders_sent(obj):
    """The reminders a vendor was sent about ``obj`` (escalations to our staff are left out)."""
    logs = reminder_logs_for(obj, include_internal=False).filter(status="sent")
    return {"reminder_logs": list(logs.order_by("-sent_at"))}
