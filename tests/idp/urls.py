"""The test provider's pages: django-oauth-toolkit under /o/, a sign-in page, and a control
endpoint through which the tests set up people and the client (guarded by a shared secret)."""

import json
import os

from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group, User
from django.http import HttpResponseForbidden, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_application_model

from tests.idp.validator import MFA_GROUP


@csrf_exempt
def control(request, what):
    if request.headers.get("X-Control-Secret") != os.environ.get("IDP_CONTROL_SECRET"):
        return HttpResponseForbidden()
    data = json.loads(request.body)
    if what == "user":
        user, _ = User.objects.get_or_create(username=data["username"])
        user.email = data.get("email", "")
        user.first_name = data.get("first_name", "")
        user.is_active = data.get("active", True)
        user.set_password(data["password"])
        user.save()
        names = list(data.get("groups", [])) + ([MFA_GROUP] if data.get("mfa") else [])
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in names])
        return JsonResponse({"id": user.pk})
    if what == "redirect":
        application = get_application_model().objects.get(client_id=data["client_id"])
        for field, value in (
            ("redirect_uris", data["redirect_uri"]),
            ("post_logout_redirect_uris", data["post_logout_redirect_uri"]),
        ):
            uris = set(getattr(application, field).split())
            uris.add(value)
            setattr(application, field, " ".join(sorted(uris)))
        application.save()
        return JsonResponse({"ok": True})
    return JsonResponse({"error": "unknown"}, status=404)


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("test-control/<str:what>", control),
]
