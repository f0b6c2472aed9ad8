from django.urls import include, path

from vendors.portal import disclosures, uploads, views

app_name = "portal"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("company/", views.CompanyView.as_view(), name="company"),
    path("rfps/", include("procurement.portal_urls")),
    path("company/contacts/add/", views.ContactCreateView.as_view(), name="contact_add"),
    path("company/contacts/<int:pk>/edit/", views.ContactUpdateView.as_view(), name="contact_edit"),
    path(
        "company/contacts/<int:pk>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
    path("disclosures/", disclosures.DisclosureListView.as_view(), name="disclosure_list"),
    path(
        "disclosures/requests/<int:pk>/",
        disclosures.DisclosureRequestView.as_view(),
        name="disclosure_request",
    ),
    path(
        "disclosures/<int:pk>/",
        disclosures.DisclosureDetailView.as_view(),
        name="disclosure_detail",
    ),
    path("certificates/", disclosures.CertificateListView.as_view(), name="certificate_list"),
    path(
        "certificates/upload/",
        disclosures.CertificateUploadView.as_view(),
        name="certificate_upload",
    ),
    path("contracts/", include("contracts.portal_urls")),
    path("uploads/", uploads.UploadsView.as_view(), name="uploads"),
    path(
        "uploads/product-footprints/",
        uploads.FootprintUploadView.as_view(),
        name="footprint_upload",
    ),
    path(
        "uploads/product-footprints/<int:pk>/",
        uploads.FootprintDetailView.as_view(),
        name="footprint_detail",
    ),
    path(
        "uploads/disclosures/",
        uploads.DisclosureUploadView.as_view(),
        name="disclosure_upload",
    ),
    path(
        "uploads/disclosures/template.<str:kind>",
        uploads.DisclosureTemplateView.as_view(),
        name="disclosure_template",
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
