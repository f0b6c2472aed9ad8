"""Vendor portal views.

Every view that shows vendor data inherits :class:`vendors.portal.base.VendorPortalMixin` (or
:class:`~vendors.portal.base.VendorAdminRequiredMixin`) and reads objects only through its scoped
querysets. The sign-in, password-reset and invitation pages come before there is a vendor and show
no vendor data, apart from the invited vendor's name on a valid invitation.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.views.generic import DeleteView, DetailView, FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from vendors import extensions, services
from vendors.models import Certification, Vendor, VendorContact, VendorInvitation
from vendors.portal.base import VendorAdminRequiredMixin, VendorPortalMixin
from vendors.portal.forms import (
    ContactForm,
    InvitationAcceptForm,
    PortalAuthenticationForm,
    PortalPasswordResetForm,
)
from vendors.selectors import vendor_open_items

# --- Signing in and out, passwords -----------------------------------------------------------


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm


class PortalLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


class PortalPasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset_form.html"
    form_class = PortalPasswordResetForm
    email_template_name = "emails/password_reset.txt"
    html_email_template_name = "emails/password_reset.html"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")

    @property
    def extra_email_context(self):
        # Links use the configured public address, like invitation links, not the request's Host.
        return {"site_url": settings.SITE_URL}


class PortalPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PortalPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


class PortalPasswordChangeView(VendorPortalMixin, auth_views.PasswordChangeView):
    template_name = "portal/password_change_form.html"
    success_url = reverse_lazy("portal:password_change_done")


class PortalPasswordChangeDoneView(VendorPortalMixin, auth_views.PasswordChangeDoneView):
    template_name = "portal/password_change_done.html"


# --- Invitation --------------------------------------------------------------------------------


class InvitationAcceptView(FormView):
    """Turns a one-time invitation link into a portal account and signs the new user in.

    Not a VendorPortalMixin view: the visitor has no account yet. It shows only the invitation's
    own vendor name, and only while the link is usable.
    """

    template_name = "portal/invitation_accept.html"
    unusable_template_name = "portal/invitation_unusable.html"
    form_class = InvitationAcceptForm

    def dispatch(self, request, *args, **kwargs):
        self.invitation = services.vendor_invitation_lookup(kwargs["token"])
        if self.invitation is None:
            return self.unusable("unknown")
        reason = self.unusable_reason(self.invitation)
        if reason:
            return self.unusable(reason)
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def unusable_reason(invitation: VendorInvitation) -> str | None:
        if invitation.accepted_at is not None:
            return "used"
        if invitation.revoked_at is not None:
            return "revoked"
        if invitation.is_expired:
            return "expired"
        return None

    def unusable(self, reason: str):
        # Gone (410) for a link that existed; not found (404) for one that never did.
        status = 404 if reason == "unknown" else 410
        return TemplateResponse(
            self.request, self.unusable_template_name, {"reason": reason}, status=status
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contact": self.invitation.contact}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("invitation", self.invitation)
        kwargs.setdefault("invited_vendor", self.invitation.contact.vendor)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            user = services.vendor_invitation_accept(
                token=self.kwargs["token"], password=form.cleaned_data["password1"]
            )
        except services.InvitationUnusable as exc:
            # Another tab or a concurrent request used the link between GET and POST.
            return self.unusable(exc.reason)
        except ValidationError as exc:
            _add_service_errors(form, exc, field_for={"password": "password2"})
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request, f"Welcome to the Tenderleaf portal for {self.invitation.contact.vendor}."
        )
        return redirect("portal:home")


# --- Home ----------------------------------------------------------------------------------------


class HomeView(VendorPortalMixin, TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        kwargs["open_items"] = vendor_open_items(self.vendor) + [
            item for items in extensions.portal_open_items.results(self.vendor) for item in items
        ]
        return super().get_context_data(**kwargs)


# --- Company and contacts ------------------------------------------------------------------------


class CompanyView(VendorPortalMixin, DetailView):
    model = Vendor
    vendor_lookup = "pk"
    template_name = "portal/company.html"
    context_object_name = "company"

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset() if queryset is None else queryset)

    def get_context_data(self, **kwargs):
        kwargs["certifications"] = self.scope(Certification.objects.all(), "vendor").order_by(
            "kind", "-issue_date"
        )
        kwargs["contacts"] = self.scope(
            VendorContact.objects.select_related("user"), "vendor"
        ).order_by("name")
        kwargs["can_edit_contacts"] = self.membership.is_admin
        return super().get_context_data(**kwargs)


def _add_service_errors(form, error: ValidationError, field_for: dict | None = None) -> None:
    """Attach a service's ValidationError to the form's fields, or to the form as a whole."""
    field_for = field_for or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = field_for.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


class ContactFormMixin:
    form_class = ContactForm
    template_name = "portal/contact_form.html"
    success_url = reverse_lazy("portal:company")
    contact = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "vendor": self.vendor, "contact": self.contact}

    def form_valid(self, form):
        try:
            self.save_contact(form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            return self.form_invalid(form)
        return super().form_valid(form)


class ContactCreateView(VendorAdminRequiredMixin, ContactFormMixin, FormView):
    def save_contact(self, data):
        contact = services.vendor_contact_create(
            actor=self.request.user, vendor=self.vendor, **data
        )
        messages.success(self.request, f"{contact.name} was added to your contacts.")


class ContactUpdateView(VendorAdminRequiredMixin, ContactFormMixin, SingleObjectMixin, FormView):
    model = VendorContact
    context_object_name = "contact"

    def get(self, request, *args, **kwargs):
        self.object = self.contact = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.contact = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        contact = self.contact
        return {
            "name": contact.name,
            "email": contact.email,
            "role": contact.role,
            "receives_reminders": contact.receives_reminders,
            "language": contact.language,
        }

    def save_contact(self, data):
        services.vendor_contact_update(actor=self.request.user, contact=self.contact, **data)
        messages.success(self.request, f"{self.contact.name} was updated.")


class ContactDeleteView(VendorAdminRequiredMixin, DeleteView):
    model = VendorContact
    template_name = "portal/contact_confirm_delete.html"
    context_object_name = "contact"
    success_url = reverse_lazy("portal:company")

    def form_valid(self, form):
        name = self.object.name
        services.vendor_contact_delete(actor=self.request.user, contact=self.object)
        messages.success(self.request, f"{name} was removed from your contacts.")
        return redirect(reverse("portal:company"))
