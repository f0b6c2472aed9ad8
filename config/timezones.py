"""The reader's time zone: the ``tz`` cookie that static/js/tz.js sets from the browser, else
``TIME_ZONE``. Pages that show times convert them with it (RFP deadlines, the contract timeline)."""

from __future__ import annotations

import zoneinfo

from django.conf import settings


def user_timezone(request) -> zoneinfo.ZoneInfo:
    name = request.COOKIES.get("tz", "")
    try:
        return zoneinfo.ZoneInfo(name) if name else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
