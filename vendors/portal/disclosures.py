"""Portal pages of the disclosure workflow: requests, the disclosure form, evidence, certificates.

Every view inherits :class:`~vendors.portal.base.VendorPortalMixin`, so objects are looked up in
the user's vendor only and another vendor's ids answer 404. Any member of the vendor (admin or
contributor) may draft and submit: answering requests is the contributors' job.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from vendors import extensions, selectors, services
from vendors.boundary import UPSTREAM_CATEGORIES, category_label
from vendors.models import DisclosureRequest, EmissionsDisclosure
from vendors.portal.base import VendorPortalMixin
from vendors.portal.forms_disclosures import (
    DISCLOSURE_FIELDSETS,
    CertificateUploadForm,
    ConfirmWarningsForm,
    DisclosureForm,
    EvidenceUploadForm,
)
from vendors.services.disclosures import DISCLOSURE_FIELDS, DisclosureWarningsUnconfirmed


def _attach_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class DisclosureListView(VendorPortalMixin, TemplateView):
    template_name = "portal/disclosures/list.html"

    def get_context_data(self, **kwargs):
        kwargs["requests"] = self.scope(selectors.disclosure_request_list()).order_by(
            "-reporting_year", "due_date"
        )
        kwargs["disclosures"] = self.scope(selectors.disclosure_list()).order_by(
            "-period_end", "-pk"
        )
        return super().get_context_data(**kwargs)


class _DisclosurePage(VendorPortalMixin, SingleObjectMixin, View):
    """One page per disclosure: the form while it is editable, its values once submitted, its
    evidence and its history. Subclasses say which request and disclosure the URL names."""

    template_name = "portal/disclosures/disclosure.html"

    def resolve(self) -> tuple[DisclosureRequest | None, EmissionsDisclosure | None]:
        raise NotImplementedError

    def page_url(self) -> str:
        raise NotImplementedError

    # --- GET ---------------------------------------------------------------------------------

    def get(self, request, *args, **kwargs):
        self.disclosure_request, self.disclosure = self.resolve()
        form = None
        if self.editable:
            form = DisclosureForm(initial=self.initial())
        return self.render(form=form)

    @property
    def editable(self) -> bool:
        if self.disclosure is None:
            return (
                self.disclosure_request is not None
                and self.disclosure_request.status != DisclosureRequest.Status.CLOSED
            )
        return self.disclosure.is_editable_by_vendor

    def initial(self) -> dict:
        if self.disclosure is None:
            year = self.disclosure_request.reporting_year
            return {
                "reporting_entity": self.vendor.legal_name or self.vendor.name,
                "period_start": datetime.date(year, 1, 1),
                "period_end": datetime.date(year, 12, 31),
            }
        return {name: getattr(self.disclosure, name) for name in DISCLOSURE_FIELDS}

    # --- POST --------------------------------------------------------------------------------

    def post(self, request, *args, **kwargs):
        self.disclosure_request, self.disclosure = self.resolve()
        if not self.editable:
            messages.error(
                request,
                "This disclosure has been submitted and can no longer be changed."
                if self.disclosure is not None
                else "This request is closed.",
            )
            return redirect(self.page_url())
        action = request.POST.get("action", "save")
        if action == "upload":
            return self.upload()
        form = DisclosureForm(request.POST)
        if not form.is_valid():
            return self.render(form=form)
        try:
            self.disclosure = services.disclosure_save_draft(
                actor=request.user,
                vendor=self.vendor,
                disclosure=self.disclosure,
                request=self.disclosure_request if self.disclosure is None else None,
                **form.service_fields(),
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
            return self.render(form=form)
        if action != "submit":
            messages.success(request, "Your draft was saved. Submit it when it is complete.")
            return redirect(self.page_url())
        return self.submit(form)

    def submit(self, form):
        seen = set(filter(None, self.request.POST.get("warnings_seen", "").split(",")))
        confirm_form = ConfirmWarningsForm(self.request.POST) if seen else ConfirmWarningsForm()
        confirmed = bool(seen) and confirm_form.is_valid()
        try:
            current = services.disclosure_check(self.disclosure)
            codes = {w["code"] for w in current.warnings}
            services.disclosure_submit(
                actor=self.request.user,
                disclosure=self.disclosure,
                # Only what the user saw can be confirmed: a new warning is shown first.
                confirm_warnings=confirmed and codes <= seen,
            )
        except DisclosureWarningsUnconfirmed as exc:
            if not (seen and codes <= seen):
                confirm_form = ConfirmWarningsForm()
            return self.render(form=form, warnings=exc.warnings, confirm_form=confirm_form)
        except ValidationError as exc:
            _attach_errors(form, exc)
            return self.render(form=form)
        messages.success(
            self.request,
            "Your disclosure was submitted. We will email you when it has been reviewed.",
        )
        return redirect(self.page_url())

    def upload(self):
        if self.disclosure is None:
            messages.error(self.request, "Save a draft first, then attach evidence to it.")
            return redirect(self.page_url())
        evidence_form = EvidenceUploadForm(self.request.POST, self.request.FILES)
        if evidence_form.is_valid():
            try:
                evidence = services.disclosure_evidence_attach(
                    actor=self.request.user,
                    disclosure=self.disclosure,
                    uploaded_file=evidence_form.cleaned_data["file"],
                )
            except ValidationError as exc:
                evidence_form.add_error("file", exc.messages)
            else:
                messages.success(self.request, f"“{evidence.original_name}” was attached.")
                return redirect(self.page_url())
        form = DisclosureForm(initial=self.initial())
        return self.render(form=form, evidence_form=evidence_form)

    # --- rendering ---------------------------------------------------------------------------

    def render(
        self, *, form=None, warnings=None, confirm_form=None, evidence_form=None, status=200
    ):
        disclosure = self.disclosure
        context = {
            "portal_vendor": self.vendor,
            "portal_membership": self.membership,
            "disclosure_request": self.disclosure_request,
            "disclosure": disclosure,
            "editable": self.editable,
            "form": form,
            "warnings": warnings or [],
            "warning_codes": ",".join(sorted({w["code"] for w in warnings or []})),
            "confirm_form": confirm_form,
            "evidence_form": evidence_form or EvidenceUploadForm(),
            "evidence_files": selectors.disclosure_evidence(disclosure) if disclosure else [],
            "history": selectors.disclosure_history(disclosure) if disclosure else [],
            "values": self.values() if disclosure else [],
            "page_url": self.page_url(),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def values(self):
        disclosure = self.disclosure
        labels = DisclosureForm().fields
        groups = []
        for key, legend, names in DISCLOSURE_FIELDSETS:
            rows = []
            for name in names:
                value = getattr(disclosure, name)
                display = getattr(disclosure, f"get_{name}_display", None)
                if display is not None and value:
                    value = display()
                if name == "scope3_upstream_categories":
                    value = "; ".join(category_label(c) for c in value if c in UPSTREAM_CATEGORIES)
                value = selectors.disclosure_value_shown(
                    name, value, revenue_currency=disclosure.revenue_currency
                )
                rows.append((labels[name].label, value))
            if key == "scope3":
                rows.append(("What the figures cover", disclosure.boundary_label))
            groups.append((legend, rows))
        return groups


class DisclosureRequestView(_DisclosurePage):
    """A request and the disclosure that answers it (the newest one made for it)."""

    model = DisclosureRequest

    def resolve(self):
        self.object = self.get_object()
        return self.object, selectors.disclosure_for_request(self.object)

    def page_url(self):
        return reverse("portal:disclosure_request", kwargs={"pk": self.object.pk})


class DisclosureDetailView(_DisclosurePage):
    """One disclosure by id: older versions, and disclosures not made for a request."""

    model = EmissionsDisclosure

    def resolve(self):
        self.object = self.get_object()
        return self.object.request, self.object

    @property
    def editable(self) -> bool:
        return self.disclosure.is_editable_by_vendor

    def page_url(self):
        return reverse("portal:disclosure_detail", kwargs={"pk": self.object.pk})


# --- certificates ------------------------------------------------------------------------------


class CertificateListView(VendorPortalMixin, TemplateView):
    template_name = "portal/disclosures/certificates.html"

    def get_context_data(self, **kwargs):
        certificates = list(selectors.vendor_certificates(self.vendor))
        # Expiry and surveillance reminders sent about each certificate, in one query.
        sent: dict[int, list] = {}
        for found in extensions.reminders_sent.results(certificates):
            for pk, logs in found.items():
                sent.setdefault(pk, []).extend(logs)
        for certificate in certificates:
            certificate.sent_reminders = sent.get(certificate.pk, [])
        kwargs["certificates"] = certificates
        return super().get_context_data(**kwargs)


class CertificateUploadView(VendorPortalMixin, FormView):
    template_name = "portal/disclosures/certificate_upload.html"
    form_class = CertificateUploadForm

    def form_valid(self, form):
        try:
            certification = services.certification_upload(
                actor=self.request.user,
                vendor=self.vendor,
                uploaded_file=form.cleaned_data["uploaded_file"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Your {certification.get_kind_display()} certificate was uploaded; a procurement "
            "officer will verify it.",
        )
        return redirect("portal:certificate_list")
