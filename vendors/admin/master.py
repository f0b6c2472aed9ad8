"""The vendor master in the Django admin.

Every save goes through ``vendors.services`` so that history names the acting user with a reason and
an audit event is recorded, exactly as on the portal, API and command paths. Permissions are
Django's model permissions (the roles live in ``assurance.roles``); the views and actions added
here check the permission they need themselves, so a read-only auditor gets 403 on them.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django_countries.filters import CountryFilter

from assurance.admin import TrackedHistoryAdmin
from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.admin_services import adopt, inline_formset_save, service_fields, stored
from vendors import extensions, selectors, tasks
from vendors.admin.disclosures import request_disclosure
from vendors.models import Certification, Vendor, VendorContact, VendorInvitation, VendorMembership
from vendors.services import (
    CERTIFICATION_FIELDS,
    CONTACT_FIELDS,
    VENDOR_FIELDS,
    certification_create,
    certification_delete,
    certification_update,
    certification_verify,
    vendor_contact_create,
    vendor_contact_delete,
    vendor_contact_invite,
    vendor_contact_update,
    vendor_create,
    vendor_update,
)

INVITE_PERMISSIONS = ("vendors.add_vendorinvitation", "vendors.change_vendorcontact")


# --- vendors ----------------------------------------------------------------------------------


def _https_urls(db_field, **kwargs):
    # Vendors' sites are https, which is also Django 6's default; same behaviour before and after.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class VendorAdminForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = sorted(VENDOR_FIELDS)
        formfield_callback = _https_urls

    def clean_name(self):
        # The unique constraint is on LOWER(name), which Django reports as a form-wide error; the
        # officer needs it next to the name field.
        name = (self.cleaned_data.get("name") or "").strip()
        if name and selectors.vendor_name_taken(name, exclude_pk=self.instance.pk):
            raise ValidationError(
                "A vendor named %(name)s already exists (names are unique regardless of case).",
                code="unique",
                params={"name": name},
            )
        return name


class ContactInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            email = (form.cleaned_data.get("email") or "").lower()
            if not email:
                continue
            if email in seen:
                form.add_error("email", "This email is listed twice for this vendor.")
            seen.add(email)


class VendorContactInline(admin.TabularInline):
    model = VendorContact
    formset = ContactInlineFormSet
    fields = ("name", "email", "role", "receives_reminders", "language", "user")
    readonly_fields = ("user",)
    extra = 0
    show_change_link = True


class CertificationInline(admin.TabularInline):
    model = Certification
    fields = (
        "kind",
        "number",
        "certification_body",
        "issue_date",
        "expiry_date",
        "status",
    )
    extra = 0
    show_change_link = True


@admin.register(Vendor)
class VendorAdmin(TrackedHistoryAdmin):
    form = VendorAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "country",
        "category",
        "status",
        "naics_code",
        "relationship_owner",
        "contact_count",
        "certification_count",
        "member_count",
    )
    list_select_related = ("relationship_owner",)
    search_fields = ("name", "legal_name", "=lei", "=tax_id")
    list_filter = ("category", "status", ("country", CountryFilter))
    inlines = (VendorContactInline, CertificationInline)
    actions = (request_disclosure,)
    fieldsets = (
        (None, {"fields": ("name", "legal_name", "country", "category", "status")}),
        ("Classification and identifiers", {"fields": ("naics_code", "lei", "tax_id", "website")}),
        ("Relationship", {"fields": ("relationship_owner",)}),
        ("Reconciliation", {"fields": ("reconciliation_flags",)}),
    )
    readonly_fields = ("reconciliation_flags",)

    def get_queryset(self, request):
        return selectors.vendors_with_counts(super().get_queryset(request))

    @admin.display(description="open reconciliation flags")
    def reconciliation_flags(self, obj):
        return extensions.html_panels(extensions.flags_panel, vendor=obj) if obj.pk else "—"

    @admin.display(description="contacts", ordering="contact_count")
    def contact_count(self, obj):
        return obj.contact_count

    @admin.display(description="certificates", ordering="certification_count")
    def certification_count(self, obj):
        return obj.certification_count

    @admin.display(description="portal users", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def save_model(self, request, obj, form, change):
        fields = service_fields(form, VENDOR_FIELDS)
        if change:
            saved = vendor_update(
                actor=request.user,
                vendor=stored(obj),
                reason="vendor changed in the admin",
                **fields,
            )
        else:
            saved = vendor_create(actor=request.user, reason="vendor added in the admin", **fields)
        adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is VendorContact:
            _save_contact_formset(request, form.instance, formset)
        elif formset.model is Certification:
            _save_certification_formset(request, form.instance, formset)
        else:  # pragma: no cover - every inline of this admin is handled above
            raise NotImplementedError(formset.model)


def _save_contact_formset(request, vendor, formset) -> None:
    actor = request.user
    inline_formset_save(
        formset,
        create=lambda f: vendor_contact_create(
            actor=actor,
            vendor=vendor,
            reason="contact added in the admin",
            **service_fields(f, CONTACT_FIELDS),
        ),
        update=lambda contact, f: vendor_contact_update(
            actor=actor,
            contact=contact,
            reason="contact changed in the admin",
            **service_fields(f, CONTACT_FIELDS),
        ),
        delete=lambda contact: vendor_contact_delete(
            actor=actor, contact=contact, reason="contact removed in the admin"
        ),
    )


def _save_certification_formset(request, vendor, formset) -> None:
    actor = request.user
    inline_formset_save(
        formset,
        create=lambda f: certification_create(
            actor=actor,
            vendor=vendor,
            reason="certification added in the admin",
            **service_fields(f, CERTIFICATION_FIELDS),
        ),
        update=lambda cert, f: certification_update(
            actor=actor,
            certification=cert,
            reason="certification changed in the admin",
            **service_fields(f, CERTIFICATION_FIELDS),
        ),
        delete=lambda cert: certification_delete(
            actor=actor, certification=cert, reason="certification removed in the admin"
        ),
    )


# --- contacts and invitations -----------------------------------------------------------------


class InviteActionForm(ActionForm):
    role = forms.ChoiceField(
        label="Portal role for invitations",
        choices=VendorMembership.Role.choices,
        initial=VendorMembership.Role.CONTRIBUTOR,
        required=False,
    )


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label="Portal role",
        choices=VendorMembership.Role.choices,
        initial=VendorMembership.Role.CONTRIBUTOR,
        help_text="Admins can edit their company's contacts; contributors answer requests.",
    )


class VendorContactAdminForm(forms.ModelForm):
    class Meta:
        model = VendorContact
        fields = ("vendor", *sorted(CONTACT_FIELDS))

    def clean(self):
        cleaned = super().clean()
        vendor = cleaned.get("vendor") or getattr(self.instance, "vendor", None)
        email = cleaned.get("email")
        if vendor is not None and email:
            taken = selectors.vendor_contact_email_taken(vendor, email, exclude_pk=self.instance.pk)
            if taken:
                self.add_error("email", f"{vendor} already has a contact with the email {email}.")
        return cleaned


@admin.register(VendorContact)
class VendorContactAdmin(TrackedHistoryAdmin):
    form = VendorContactAdminForm
    action_form = InviteActionForm
    actions = ("invite_to_portal",)
    list_display = (
        "name",
        "email",
        "vendor",
        "role",
        "receives_reminders",
        "portal_access",
    )
    list_select_related = ("vendor",)
    search_fields = ("name", "email", "vendor__name")
    list_filter = (("vendor", admin.RelatedOnlyFieldListFilter), "receives_reminders")
    fields = ("vendor", "name", "email", "role", "receives_reminders", "language", "user")
    change_form_template = "admin/vendors/vendorcontact/change_form.html"

    def get_queryset(self, request):
        return selectors.vendor_contacts_with_access(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        # The vendor is fixed once the contact exists; the account comes from an invitation.
        return ("vendor", "user") if obj is not None else ("user",)

    @admin.display(description="portal access")
    def portal_access(self, obj):
        if obj.user_id:
            return "Account"
        if obj.has_pending_invitation:
            return "Invited"
        return "None"

    def has_invite_permission(self, request) -> bool:
        return request.user.has_perms(INVITE_PERMISSIONS)

    def save_model(self, request, obj, form, change):
        fields = service_fields(form, CONTACT_FIELDS)
        if change:
            saved = vendor_contact_update(
                actor=request.user,
                contact=stored(obj),
                reason="contact changed in the admin",
                **fields,
            )
        else:
            saved = vendor_contact_create(
                actor=request.user,
                vendor=form.cleaned_data["vendor"],
                reason="contact added in the admin",
                **fields,
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        vendor_contact_delete(
            actor=request.user, contact=obj, reason="contact removed in the admin"
        )

    def delete_queryset(self, request, queryset):
        for contact in queryset.select_related("vendor"):
            vendor_contact_delete(
                actor=request.user, contact=contact, reason="contact removed in the admin"
            )

    def changelist_view(self, request, extra_context=None):
        # Django drops an action the user may not run and answers "No action selected"; an
        # explicit refusal is clearer for a read-only user and for the audit of who tried what.
        if (
            request.method == "POST"
            and request.POST.get("action") == "invite_to_portal"
            and not self.has_invite_permission(request)
        ):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    @admin.action(description="Invite selected contacts to the portal", permissions=["invite"])
    def invite_to_portal(self, request, queryset):
        role = request.POST.get("role") or VendorMembership.Role.CONTRIBUTOR
        if role not in VendorMembership.Role.values:
            self.message_user(request, f"{role!r} is not a portal role.", messages.ERROR)
            return None
        queued, skipped = [], []
        for contact in queryset.select_related("vendor").order_by("pk"):
            if contact.user_id is not None:
                skipped.append(contact)
                continue
            tasks.vendor_contact_invite.delay_on_commit(contact.pk, request.user.pk, role)
            queued.append(contact)
        if queued:
            self.message_user(
                request,
                f"Queued {len(queued)} invitation{'s' if len(queued) != 1 else ''} "
                f"({VendorMembership.Role(role).label.lower()} role); the emails go out shortly.",
                messages.SUCCESS,
            )
        if skipped:
            names = ", ".join(contact.email for contact in skipped)
            self.message_user(
                request,
                f"Skipped {len(skipped)} contact{'s' if len(skipped) != 1 else ''} that already "
                f"have a portal account: {names}.",
                messages.WARNING,
            )
        return None

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/invite/",
                self.admin_site.admin_view(self.invite_view),
                name=f"{opts.app_label}_{opts.model_name}_invite",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_invite": self.has_invite_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def invite_view(self, request, object_id):
        """Confirm (GET) and send (POST) one contact's invitation to the portal."""
        if not self.has_invite_permission(request):
            raise PermissionDenied
        contact = self.get_object(request, unquote(object_id))
        opts = self.model._meta
        if contact is None:
            return self._get_obj_does_not_exist_redirect(request, opts, object_id)
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[contact.pk])
        if contact.user_id is not None:
            self.message_user(
                request,
                f"{contact.email} already has a portal account; no invitation is needed.",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)

        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            invitation, _token = vendor_contact_invite(
                actor=request.user,
                contact=contact,
                role=form.cleaned_data["role"],
                reason="contact invited from the admin",
            )
            expires = timezone.localtime(invitation.expires_at)
            self.message_user(
                request,
                f"Invitation sent to {contact.email}. The link works once and expires on "
                f"{expires:%d %B %Y at %H:%M %Z}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)

        pending = selectors.vendor_invitation_list().filter(
            contact=contact, state=selectors.InvitationState.PENDING
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Invite {contact.name} to the portal",
            "opts": opts,
            "original": contact,
            "contact": contact,
            "form": form,
            "change_url": change_url,
            "ttl_days": settings.INVITATION_TTL_DAYS,
            "expires_at": timezone.localtime(
                timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
            ),
            "pending_invitations": pending,
        }
        return TemplateResponse(
            request, "admin/vendors/vendorcontact/invite_confirmation.html", context
        )


@admin.register(VendorInvitation)
class VendorInvitationAdmin(TrackedHistoryAdmin):
    """Read-only: invitations are created by the invite action and accepted on the portal."""

    list_display = (
        "contact",
        "vendor",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
        "state",
    )
    search_fields = ("contact__name", "contact__email", "contact__vendor__name")
    fields = (
        "contact",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    readonly_fields = fields

    class StateFilter(admin.SimpleListFilter):
        title = "state"
        parameter_name = "state"

        def lookups(self, request, model_admin):
            return selectors.InvitationState.choices

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(state=self.value())
            return queryset

    list_filter = ("role", StateFilter)

    def get_queryset(self, request):
        return selectors.vendor_invitation_list()

    @admin.display(ordering="contact__vendor__name")
    def vendor(self, obj):
        return obj.contact.vendor

    @admin.display(description="state", ordering="state")
    def state(self, obj):
        return dict(selectors.InvitationState.choices)[obj.state]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VendorMembership)
class VendorMembershipAdmin(TrackedHistoryAdmin):
    """Memberships are created by accepting an invitation; here only the role is changed."""

    list_display = ("user", "vendor", "role", "created_at")
    list_select_related = ("user", "vendor")
    list_filter = ("role", ("vendor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__email", "vendor__name")
    fields = ("user", "vendor", "role", "created_at")
    readonly_fields = ("user", "vendor", "created_at")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # There is no membership service yet; the write is attributed and audited the same way.
        before = stored(obj)
        if before.role == obj.role:
            return
        with transaction.atomic(), acting_as(request.user, "portal role changed in the admin"):
            obj.save(update_fields=["role"])
            audit_event_record(
                actor=request.user,
                verb=AuditEvent.Verb.UPDATED,
                target=obj,
                details={"role": {"from": before.role, "to": obj.role}},
            )

    def delete_model(self, request, obj):
        with transaction.atomic(), acting_as(request.user, "portal access removed in the admin"):
            audit_event_record(
                actor=request.user,
                verb=AuditEvent.Verb.UPDATED,
                target=obj.vendor,
                details={"removed_member": obj.user.get_username()},
            )
            obj.delete()

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "vendor"):
            self.delete_model(request, membership)


# --- certifications ---------------------------------------------------------------------------


class CertificationStateFilter(admin.SimpleListFilter):
    title = "effective status"
    parameter_name = "effective_status"

    def lookups(self, request, model_admin):
        return selectors.CertificationState.choices

    def queryset(self, request, queryset):
        if self.value() in dict(selectors.CertificationState.choices):
            return queryset.filter(
                selectors.certification_state_q(self.value(), today=timezone.localdate())
            )
        return queryset


class VerifyCertificationForm(forms.Form):
    note = forms.CharField(
        label="Verification note",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        required=False,
        help_text="What you checked, e.g. the certification body's online register.",
    )


@admin.register(Certification)
class CertificationAdmin(TrackedHistoryAdmin):
    list_display = (
        "vendor",
        "kind",
        "number",
        "certification_body",
        "issue_date",
        "expiry_date",
        "effective_status",
        "verified",
    )
    list_select_related = ("vendor",)
    list_filter = (CertificationStateFilter, "kind", ("vendor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number", "vendor__name", "certification_body")
    date_hierarchy = "expiry_date"
    fields = (
        "vendor",
        "kind",
        "number",
        "certification_body",
        "accreditation_body",
        "scope",
        "sites",
        "issue_date",
        "expiry_date",
        "status",
        "evidence_download",
        "verified_by",
        "verified_at",
        "verification_note",
    )
    change_form_template = "admin/vendors/certification/change_form.html"
    # Verification is recorded by the "Verify certificate" page (certification_verify), never typed.
    verification_fields = ("evidence_download", "verified_by", "verified_at", "verification_note")

    def get_queryset(self, request):
        return selectors.certification_list().select_related("evidence", "verified_by")

    def get_readonly_fields(self, request, obj=None):
        # Evidence is attached by an upload that checks its vendor, never picked from a list.
        if obj is not None:
            return ("vendor", *self.verification_fields)
        return self.verification_fields

    @admin.display(description="evidence")
    def evidence_download(self, obj):
        if obj is None or obj.evidence_id is None:
            return "No file attached"
        url = reverse("assurance:evidence_download", args=[obj.evidence_id])
        name = obj.evidence.original_name
        return format_html('<a href="{}" aria-label="Download {}">{}</a>', url, name, name)

    @admin.display(description="verified", boolean=True, ordering="verified_at")
    def verified(self, obj):
        return obj.verified_at is not None

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm("vendors.change_certification")

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name=f"{opts.app_label}_{opts.model_name}_verify",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_verify": self.has_verify_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def verify_view(self, request, object_id):
        """Confirm (GET) and record (POST) that an officer checked the certificate."""
        if not self.has_verify_permission(request):
            raise PermissionDenied
        certification = self.get_object(request, unquote(object_id))
        opts = self.model._meta
        if certification is None:
            return self._get_obj_does_not_exist_redirect(request, opts, object_id)
        change_url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[certification.pk]
        )
        form = VerifyCertificationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            certification_verify(
                actor=request.user,
                certification=certification,
                note=form.cleaned_data["note"],
                reason="certificate verified in the admin",
            )
            self.message_user(
                request, f"{certification} is recorded as verified by you.", messages.SUCCESS
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Verify {certification}",
            "opts": opts,
            "original": certification,
            "certification": certification,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/vendors/certification/verify.html", context)

    @admin.display(description="effective status", ordering="effective_state")
    def effective_status(self, obj):
        today = timezone.localdate()
        state = getattr(obj, "effective_state", None) or obj.status_on(today)
        label = Certification.Status(state).label
        if state == Certification.Status.VALID and obj.expiry_date is not None:
            days = (obj.expiry_date - today).days
            if days <= selectors.EXPIRY_WARNING_DAYS:
                return format_html("{} <strong>(expires in {} days)</strong>", label, days)
        return label

    def save_model(self, request, obj, form, change):
        fields = service_fields(form, CERTIFICATION_FIELDS)
        if change:
            saved = certification_update(
                actor=request.user,
                certification=stored(obj),
                reason="certification changed in the admin",
                **fields,
            )
        else:
            saved = certification_create(
                actor=request.user,
                vendor=form.cleaned_data["vendor"],
                reason="certification added in the admin",
                **fields,
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        certification_delete(
            actor=request.user, certification=obj, reason="certification removed in the admin"
        )

    def delete_queryset(self, request, queryset):
        for certification in queryset.select_related("vendor"):
            self.delete_model(request, certification)
