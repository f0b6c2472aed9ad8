from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("enrol/", views.EnrolView.as_view(), name="enrol"),
    path("enrol/qr.svg", views.enrol_qr, name="enrol_qr"),
    path("recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
]
