"""Error pages: the API answers in JSON even for a URL that matches no route."""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def not_found(request, exception):
    """404 for a URL no route matches: JSON under /api/ (as DRF's own 404s), HTML elsewhere.

    An API client that sends a malformed id (``/api/v1/contacts/1.5/``) matches no route, and
    would otherwise get Django's HTML page where every other API error is JSON.
    """
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
