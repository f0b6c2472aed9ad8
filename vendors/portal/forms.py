import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from operations.services import outbox_email_enqueue
from vendors.models import VendorContact
from vendors.tenancy import membership_for_user


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form (it passes ``request`` to ``authenticate``, which django-axes needs),
    refusing accounts that have no business in the portal."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "staff": "Staff accounts do not use the vendor portal. Please sign in at /admin/ instead.",
        "no_vendor": (
            "This account is not linked to a vendor. Ask your procurement contact for a new "
            "invitation to the portal."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise ValidationError(self.error_messages["staff"], code="staff")
        if membership_for_user(user) is None:
            raise ValidationError(self.error_messages["no_vendor"], code="no_vendor")


class PortalPasswordResetForm(PasswordResetForm):
    """Reset links lead into the portal, so only vendor users get one; staff use the admin."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if membership_for_user(user) is not None)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Through the outbox, like every e-mail (Django's form would send it directly). The link
        is single-use and expires; the key names the user and the link's token only by a hash."""
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        token = hashlib.sha256(context["token"].encode()).hexdigest()[:16]
        outbox_email_enqueue(
            key=f"password-reset:{context['uid']}:{token}",
            subject=subject,
            to=[to_email],
            body=render_to_string(email_template_name, context),
            html=(
                render_to_string(html_email_template_name, context)
                if html_email_template_name
                else None
            ),
            one_time_link=True,
        )


class InvitationAcceptForm(SetPasswordMixin, forms.Form):
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1="Password", label2="Confirm password"
    )

    def __init__(self, *args, contact: VendorContact, **kwargs):
        super().__init__(*args, **kwargs)
        # An unsaved user with the contact's details, so that the similarity validator can refuse
        # a password that resembles the contact's name or email.
        self.prospective_user = get_user_model()(
            username=contact.email.lower(), email=contact.email, first_name=contact.name[:150]
        )

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(self.prospective_user)
        return super().clean()


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    role = forms.CharField(
        max_length=120, required=False, help_text="What the contact does, e.g. Sustainability lead."
    )
    receives_reminders = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Send this contact reminders about due disclosures, certificates and reports.",
    )
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        initial="en",
        help_text="Language of the emails this contact receives.",
    )

    def __init__(self, *args, vendor, contact: VendorContact | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.contact = contact

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        # Only the user's own vendor is searched, so the answer reveals nothing about other vendors.
        others = VendorContact.objects.filter(vendor=self.vendor, email__iexact=email)
        if self.contact is not None:
            others = others.exclude(pk=self.contact.pk)
        if others.exists():
            raise ValidationError(
                "Your company already has a contact with this email address.", code="duplicate"
            )
        return email
