"""Portal uploads: PACT product footprints (JSON) and bulk emissions disclosures (CSV/XLSX).

Every view inherits :class:`VendorPortalMixin`: uploads always belong to the signed-in user's
vendor, and footprints of another vendor answer 404. The files are checked by the services
(``vendors.services.footprints`` and ``vendors.services.disclosure_bulk``) through the shared
upload rules of ``assurance.uploads``: size before reading, type by content, nothing stored on
any error. Uploaded file names are shown as text only, never used as paths.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.views.generic import DetailView, TemplateView
from django.views.generic.edit import FormView

from assurance.storage import original_name_clean
from assurance.uploads import UploadRefused, read_limited
from vendors import disclosure_upload, services
from vendors.models import ProductFootprint
from vendors.portal.base import VendorPortalMixin
from vendors.services.disclosure_bulk import (
    disclosure_upload_max_bytes,
    disclosure_upload_max_rows,
)
from vendors.services.footprints import pact_max_bytes


class FootprintUploadForm(forms.Form):
    file = forms.FileField(
        label="PACT JSON file",
        help_text='A ProductFootprint or a list response {"data": [...]}, PACT Technical '
        "Specifications v2 or v3 field names, UTF-8.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )


class DisclosureUploadForm(forms.Form):
    file = forms.FileField(
        label="Disclosure file (CSV or XLSX)",
        help_text="The template filled in: one row per reporting entity and period.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def _limits_context() -> dict:
    return {
        "pact_max": filesizeformat(pact_max_bytes()),
        "disclosure_max": filesizeformat(disclosure_upload_max_bytes()),
        "disclosure_max_rows": disclosure_upload_max_rows(),
        "columns": [
            (name, *disclosure_upload.COLUMN_HELP[name]) for name in disclosure_upload.COLUMNS
        ],
    }


class UploadsView(VendorPortalMixin, TemplateView):
    template_name = "portal/uploads/index.html"

    def get_context_data(self, **kwargs):
        kwargs["footprints"] = self.scope(ProductFootprint.objects.all()).order_by(
            "-created_at", "-id"
        )[:50]
        kwargs.update(_limits_context())
        return super().get_context_data(**kwargs)


class FootprintUploadView(VendorPortalMixin, FormView):
    template_name = "portal/uploads/footprint_upload.html"
    form_class = FootprintUploadForm

    def get_context_data(self, **kwargs):
        kwargs.update(_limits_context())
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        uploaded = form.cleaned_data["file"]
        name = original_name_clean(uploaded.name)
        try:
            raw = read_limited(uploaded, pact_max_bytes(), name=name, what="PACT documents")
            stored = services.product_footprint_import(
                actor=self.request.user, vendor=self.vendor, document=raw, source_name=name
            )
        except UploadRefused as exc:
            form.add_error("file", exc.message)
            return self.form_invalid(form)
        except services.FootprintImportRefused as exc:
            return self.render_to_response(
                self.get_context_data(form=form, pact_errors=exc.errors, file_name=name),
                status=400,
            )
        messages.success(
            self.request,
            f"{len(stored)} product footprint{'s' if len(stored) != 1 else ''} imported from "
            f"“{name}”.",
        )
        return redirect("portal:uploads")


class FootprintDetailView(VendorPortalMixin, DetailView):
    model = ProductFootprint
    template_name = "portal/uploads/footprint_detail.html"
    context_object_name = "footprint"

    def get_context_data(self, **kwargs):
        import json

        kwargs["raw_json"] = json.dumps(self.object.raw_document, indent=2, ensure_ascii=False)
        return super().get_context_data(**kwargs)


class DisclosureUploadView(VendorPortalMixin, FormView):
    template_name = "portal/uploads/disclosure_upload.html"
    form_class = DisclosureUploadForm

    def get_context_data(self, **kwargs):
        kwargs.update(_limits_context())
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        result = services.disclosure_bulk_upload(
            actor=self.request.user, vendor=self.vendor, uploaded_file=form.cleaned_data["file"]
        )
        if not result.stored:
            return self.render_to_response(
                self.get_context_data(form=form, result=result), status=400
            )
        stored = result.created + result.updated
        warned = (
            f" {result.warning_count} warning{'s' if result.warning_count != 1 else ''} to "
            "confirm before submitting."
            if result.warning_count
            else ""
        )
        messages.success(
            self.request,
            f"{stored} disclosure{'s' if stored != 1 else ''} saved as drafts from "
            f"“{result.original_name}” ({result.created} new, {result.updated} updated). "
            f"Review each one and submit it.{warned}",
        )
        return redirect("portal:disclosure_list")


class DisclosureTemplateView(VendorPortalMixin, TemplateView):
    """The blank template, as CSV or XLSX; it holds no vendor data."""

    def get(self, request, *args, **kwargs):
        kind = kwargs["kind"]
        if kind == "csv":
            body, content_type = disclosure_upload.template_csv(), "text/csv; charset=utf-8"
        elif kind == "xlsx":
            body = disclosure_upload.template_xlsx()
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise Http404("No such template.")
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="disclosures-template.{kind}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
