from django.urls import path

from vendors.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("company/", views.CompanyView.as_view(), name="company"),
    path("company/contacts/add/", views.ContactCreateView.as_view(), name="contact_add"),
    path("company/contacts/<int:pk>/edit/", views.ContactUpdateView.as_view(), name="contact_edit"),
    path(
        "company/contacts/<int:pk>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("password/change/", views.PortalPasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        views.PortalPasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PortalPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PortalPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PortalPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
]
