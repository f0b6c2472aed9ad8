from django.urls import path

from accounts import views
from accounts.oidc import views as oidc_views

app_name = "accounts"
urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("enrol/", views.EnrolView.as_view(), name="enrol"),
    path("enrol/qr.svg", views.enrol_qr, name="enrol_qr"),
    path("recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("api-token/", views.ApiTokenView.as_view(), name="api_token"),
    # Single sign-on (accounts/oidc/): answers 404 unless OIDC_ISSUER and the client are set.
    path("oidc/start/", oidc_views.StartView.as_view(), name="oidc_start"),
    path("oidc/callback/", oidc_views.CallbackView.as_view(), name="oidc_callback"),
]
