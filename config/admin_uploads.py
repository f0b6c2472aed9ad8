"""One upload page for the admin's file imports (spend files, asset inventories).

An import admin names its form, the service call that stores the file and what to tell the user;
the page (``admin/upload_form.html``), the permission check, the refusal shown on the form and the
redirect to the stored record are the same for every import. Imports are records: adding is
uploading, and nothing is changed or deleted here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse


class UploadAdminMixin:
    upload_form_class = None  # a Form with a ``file`` field
    upload_template = None  # extends admin/upload_form.html and writes its intro
    upload_title = ""
    upload_refused: tuple[type[Exception], ...] = ()  # refusals that carry a ``message``

    def upload_store(self, request, form):
        """Store ``form``'s file through the import's service; return the record."""
        raise NotImplementedError

    def upload_announce(self, request, record) -> None:
        """Tell the user what became of the upload."""

    def upload_context(self, request) -> dict:
        return {}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        form = self.upload_form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                record = self.upload_store(request, form)
            except self.upload_refused as exc:
                form.add_error(None, exc.message)
            else:
                self.upload_announce(request, record)
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": self.upload_title,
            "opts": opts,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
            **self.upload_context(request),
        }
        return TemplateResponse(request, self.upload_template, context)
