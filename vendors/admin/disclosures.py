"""Disclosures in the admin: requests to vendors, the review of their emissions disclosures, and
their product footprints.

Officers never edit a vendor's figures: a disclosure's change page is read-only for everyone, and
its only writes are the "Accept" and "Reject" decisions, each behind a confirmation page that calls
``disclosure_accept`` / ``disclosure_reject`` (which record history, the audit event and the email).
Those pages and the bulk request page check the permission they need themselves, so a read-only
auditor gets 403 on them rather than a page that fails later.
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from assurance.admin import ReadOnlyAdminMixin, TrackedHistoryAdmin
from config import numbers
from config.templatetags.numbers import not_reported
from vendors import extensions, selectors
from vendors.boundary import UPSTREAM_CATEGORIES, category_label
from vendors.models import DisclosureRequest, EmissionsDisclosure, ProductFootprint, Vendor
from vendors.services import (
    disclosure_accept,
    disclosure_reject,
    disclosure_request_create,
    disclosure_requests_create_bulk,
)

# In the order an officer reads them on the form.
ASK_FIELDS = (
    "ask_scope1",
    "ask_scope2_location",
    "ask_scope2_market",
    "ask_scope3_upstream",
    "ask_allocation",
    "ask_product_footprints",
    "ask_certificates",
)
REQUEST_PERMISSION = "vendors.add_disclosurerequest"
REVIEW_PERMISSION = "vendors.change_emissionsdisclosure"
# A vendor needs time to collect a year's figures; officers can shorten it on the form.
DEFAULT_DUE_DAYS = 60


def _last_year() -> int:
    return timezone.localdate().year - 1


def _default_due_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=DEFAULT_DUE_DAYS)


def _form_errors_from(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where the form has that field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- requests ---------------------------------------------------------------------------------


class DisclosureRequestAdminForm(forms.ModelForm):
    class Meta:
        model = DisclosureRequest
        fields = ("vendor", "reporting_year", "due_date", *ASK_FIELDS, "message")
        help_texts = {"reporting_year": "The financial year to disclose, e.g. 2025."}

    def clean(self):
        # The model's unique constraint involves ``status``, which is not on the form, so Django
        # skips it here; check it so the officer gets the error next to the year, not a 500.
        cleaned = super().clean()
        vendor, year = cleaned.get("vendor"), cleaned.get("reporting_year")
        if vendor is not None and year:
            live = DisclosureRequest.objects.filter(vendor=vendor, reporting_year=year).exclude(
                status=DisclosureRequest.Status.CLOSED
            )
            if live.exists():
                self.add_error(
                    "reporting_year",
                    f"{vendor} already has a live FY{year} disclosure request.",
                )
        return cleaned


class BulkDisclosureRequestForm(forms.Form):
    vendors = forms.ModelMultipleChoiceField(
        queryset=Vendor.objects.all(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": "Select at least one vendor on the vendor list first."},
    )
    reporting_year = forms.IntegerField(
        min_value=1990, max_value=2100, help_text="The financial year to disclose, e.g. 2025."
    )
    due_date = forms.DateField(widget=AdminDateWidget)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        required=False,
        help_text="Shown to the vendors with the request and in the email.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The asks carry the model's labels and defaults, so both forms offer the same choice.
        for name in ASK_FIELDS:
            field = DisclosureRequest._meta.get_field(name)
            self.fields[name] = forms.BooleanField(
                label=str(field.verbose_name)[:1].upper() + str(field.verbose_name)[1:],
                initial=field.default,
                required=False,
            )

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise ValidationError("The due date is in the past.")
        return due

    @property
    def ask_fields(self):
        return [self[name] for name in ASK_FIELDS]

    @property
    def main_fields(self):
        return [self["reporting_year"], self["due_date"]]


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(TrackedHistoryAdmin):
    """Requests are sent through ``disclosure_request_create`` and then only read here: their
    status follows the vendor's disclosure."""

    form = DisclosureRequestAdminForm
    list_display = (
        "vendor",
        "reporting_year",
        "due_date",
        "status",
        "sent_at",
        "latest_disclosure",
        "created_by",
    )
    list_filter = ("status", "reporting_year", ("vendor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("vendor__name", "vendor__legal_name", "message")
    date_hierarchy = "due_date"
    readonly_after_creation = (
        "vendor",
        "reporting_year",
        "due_date",
        *ASK_FIELDS,
        "message",
        "status",
        "sent_at",
        "vendor_touched_at",
        "created_by",
        "created_at",
    )

    def get_queryset(self, request):
        return selectors.disclosure_request_list().select_related("created_by")

    def get_fields(self, request, obj=None):
        if obj is None:
            return super().get_fields(request, obj)
        return self.readonly_after_creation

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_after_creation if obj is not None else ()

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("reporting_year", _last_year())
        initial.setdefault("due_date", _default_due_date())
        return initial

    def has_change_permission(self, request, obj=None):
        # Nothing of a sent request is edited here (its status follows the disclosure).
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="latest disclosure", ordering="latest_disclosure_status")
    def latest_disclosure(self, obj):
        status = getattr(obj, "latest_disclosure_status", None)
        if not status:
            return "-"
        url = reverse("admin:vendors_emissionsdisclosure_change", args=[obj.latest_disclosure_id])
        return format_html('<a href="{}">{}</a>', url, EmissionsDisclosure.Status(status).label)

    def save_model(self, request, obj, form, change):
        if change:  # pragma: no cover - has_change_permission refuses it first
            raise PermissionDenied
        data = form.cleaned_data
        saved = disclosure_request_create(
            actor=request.user,
            vendor=data["vendor"],
            reporting_year=data["reporting_year"],
            due_date=data["due_date"],
            message=data.get("message") or "",
            reason="disclosure requested in the admin",
            **{name: data.get(name, False) for name in ASK_FIELDS},
        )
        for field in DisclosureRequest._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "request-many/",
                self.admin_site.admin_view(self.bulk_create_view),
                name=f"{opts.app_label}_{opts.model_name}_bulk_create",
            ),
            *super().get_urls(),
        ]

    def bulk_create_view(self, request):
        """Ask several vendors at once (reached from the vendor list's action)."""
        if not request.user.has_perm(REQUEST_PERMISSION):
            raise PermissionDenied
        opts = self.model._meta
        if request.method == "POST":
            form = BulkDisclosureRequestForm(request.POST)
        else:
            ids = [pk for pk in request.GET.get("vendors", "").split(",") if pk.strip().isdigit()]
            form = BulkDisclosureRequestForm(
                initial={
                    "vendors": ids,
                    "reporting_year": _last_year(),
                    "due_date": _default_due_date(),
                }
            )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                batch = disclosure_requests_create_bulk(
                    actor=request.user,
                    vendors=list(data["vendors"].order_by("name")),
                    reporting_year=data["reporting_year"],
                    due_date=data["due_date"],
                    message=data.get("message") or "",
                    reason="disclosure requested for several vendors in the admin",
                    **{name: data[name] for name in ASK_FIELDS},
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                self._report_bulk(request, batch, data["reporting_year"])
                changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                query = urlencode({"reporting_year": data["reporting_year"]})
                return HttpResponseRedirect(f"{changelist}?{query}")
        selected = form["vendors"].value() or []
        vendors = Vendor.objects.filter(pk__in=[pk for pk in selected if str(pk).isdigit()])
        context = {
            **self.admin_site.each_context(request),
            "title": "Request a disclosure",
            "opts": opts,
            "form": form,
            "vendors": vendors.order_by("name"),
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/vendors/disclosurerequest/bulk_create.html", context
        )

    def _report_bulk(self, request, batch, year: int) -> None:
        if batch:
            names = ", ".join(r.vendor.name for r in batch)
            self.message_user(
                request,
                f"Sent {len(batch)} FY{year} disclosure request{'s' if len(batch) != 1 else ''}: "
                f"{names}.",
                messages.SUCCESS,
            )
        if batch.skipped:
            names = ", ".join(v.name for v in batch.skipped)
            self.message_user(
                request,
                f"Skipped {len(batch.skipped)} vendor{'s' if len(batch.skipped) != 1 else ''} "
                f"that already have a live FY{year} request: {names}.",
                messages.WARNING,
            )
        if not batch and not batch.skipped:  # pragma: no cover - the form requires vendors
            self.message_user(request, "No request was sent.", messages.WARNING)


@admin.action(description="Request a disclosure for selected vendors", permissions=["change"])
def request_disclosure(modeladmin, request, queryset):
    """Vendor list action: continue on the request form with the selected vendors."""
    if not request.user.has_perm(REQUEST_PERMISSION):
        raise PermissionDenied
    ids = ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
    url = reverse("admin:vendors_disclosurerequest_bulk_create")
    return HttpResponseRedirect(f"{url}?{urlencode({'vendors': ids})}")


# --- emissions disclosures --------------------------------------------------------------------


class ReportingYearFilter(admin.SimpleListFilter):
    title = "reporting year (period end)"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = EmissionsDisclosure.objects.dates("period_end", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(period_end__year=int(value))
        return queryset


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Comment to the vendor",
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        required=False,
    )

    def __init__(self, *args, decision: str, **kwargs):
        super().__init__(*args, **kwargs)
        if decision == "reject":
            field = self.fields["comment"]
            field.required = True
            field.help_text = "Required. The vendor sees it and revises the disclosure."
            field.error_messages["required"] = (
                "Say why the disclosure is rejected: the vendor sees this comment."
            )
        else:
            self.fields["comment"].help_text = "Optional. The vendor sees it with the acceptance."


_FIGURE_FIELDS = (
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "scope3_upstream_tco2e",
    "scope3_upstream_categories",
    "revenue",
    "revenue_currency",
    "allocated_to_us_tco2e",
    "allocation_boundary",
    "allocation_method",
    "allocation_uncertainty_pct",
    "verification",
    "verification_standard",
    "verifier",
)


def _figure(name: str):
    """A read-only field (and sortable list column) showing figure ``name`` with its unit or
    currency, grouped; the stored value itself stays in the exports and the API."""

    @admin.display(
        description=EmissionsDisclosure._meta.get_field(name).verbose_name, ordering=name
    )
    def shown(self, obj):
        value = selectors.disclosure_value_shown(
            name, getattr(obj, name), revenue_currency=obj.revenue_currency
        )
        return not_reported() if value is None else value

    return shown


@admin.register(EmissionsDisclosure)
class EmissionsDisclosureAdmin(TrackedHistoryAdmin):
    list_display = (
        "vendor",
        "period",
        "reporting_entity",
        "status",
        "scope1_shown",
        "scope2_location_shown",
        "scope2_market_shown",
        "cradle_to_gate",
        "verification",
        "warnings_count",
        "submitted_at",
    )
    list_filter = ("status", "verification", "allocation_boundary", ReportingYearFilter)
    search_fields = ("vendor__name", "reporting_entity", "verifier")
    date_hierarchy = "submitted_at"
    change_form_template = "admin/vendors/emissionsdisclosure/change_form.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "vendor",
                    "request",
                    "reporting_entity",
                    ("period_start", "period_end"),
                    "status",
                )
            },
        ),
        (
            "Emissions (tCO2e)",
            {
                "fields": (
                    "coverage",
                    "scope1_shown",
                    "scope2_location_shown",
                    "scope2_market_shown",
                    "scope3_upstream_shown",
                    "upstream_categories",
                )
            },
        ),
        (
            "Revenue and allocation to us",
            {
                "fields": (
                    "revenue_shown",
                    "allocated_to_us_shown",
                    "allocation_boundary",
                    "allocation_method",
                    "allocation_uncertainty_shown",
                )
            },
        ),
        (
            "Verification and method",
            {"fields": ("verification", "verification_standard", "verifier", "methodology_notes")},
        ),
        ("Plausibility", {"fields": ("warnings_list", "warnings_confirmation")}),
        ("Evidence", {"fields": ("evidence_files",)}),
        (
            "Submission and review",
            {
                "fields": (
                    ("submitted_by", "submitted_at"),
                    ("reviewed_by", "reviewed_at"),
                    "review_comment",
                    "superseded_by",
                )
            },
        ),
        ("Reconciliation", {"fields": ("reconciliation_flags",)}),
        ("History", {"fields": ("history_versions",)}),
    )

    scope1_shown = _figure("scope1_tco2e")
    scope2_location_shown = _figure("scope2_location_tco2e")
    scope2_market_shown = _figure("scope2_market_tco2e")
    scope3_upstream_shown = _figure("scope3_upstream_tco2e")
    revenue_shown = _figure("revenue")
    allocated_to_us_shown = _figure("allocated_to_us_tco2e")
    allocation_uncertainty_shown = _figure("allocation_uncertainty_pct")

    def get_queryset(self, request):
        return selectors.disclosure_list()

    @admin.display(description="open reconciliation flags")
    def reconciliation_flags(self, obj):
        return extensions.html_panels(extensions.flags_panel, target=obj)

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for fieldset in self.fieldsets
            for entry in fieldset[1]["fields"]
            for name in (entry if isinstance(entry, tuple) else (entry,))
        ]

    # Vendors enter disclosures (portal, API); officers only review them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # the figures are the vendor's; see the class docstring

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting to an older version would rewrite the vendor's figures; only viewing it is
        # allowed, for everyone.
        if request.method not in {"GET", "HEAD"}:
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    @admin.display(description="period", ordering="period_end")
    def period(self, obj):
        return f"{obj.period_start:%d %b %Y} to {obj.period_end:%d %b %Y}"

    @admin.display(description="what the figures cover")
    def coverage(self, obj):
        return obj.boundary_label

    @admin.display(description="upstream Scope 3 categories")
    def upstream_categories(self, obj):
        return _categories_shown(obj.scope3_upstream_categories)

    @admin.display(description="cradle-to-gate upstream", boolean=True)
    def cradle_to_gate(self, obj):
        return obj.upstream_complete

    @admin.display(description="warnings")
    def warnings_count(self, obj):
        return len(obj.warnings or [])

    @admin.display(description="warnings at submission")
    def warnings_list(self, obj):
        if not obj.warnings:
            return "None" if obj.submitted_at else "Not submitted yet"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong>: {}</li>",
                ((w.get("code", ""), w.get("message", "")) for w in obj.warnings),
            ),
        )

    @admin.display(description="confirmed by the vendor")
    def warnings_confirmation(self, obj):
        if obj.warnings_confirmed_at is None:
            return "-"
        who = obj.warnings_confirmed_by
        name = (who.get_full_name() or who.get_username()) if who else "unknown"
        return f"{name}, {timezone.localtime(obj.warnings_confirmed_at):%d %b %Y %H:%M}"

    @admin.display(description="files")
    def evidence_files(self, obj):
        files = list(selectors.disclosure_evidence(obj)) if obj.pk else []
        if not files:
            return "No evidence attached"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}" aria-label="Download {}">{}</a> ({}, sha256 <code>{}…</code>)'
                "</li>",
                (
                    (
                        reverse("assurance:evidence_download", args=[f.pk]),
                        f.original_name,
                        f.original_name,
                        f.content_type,
                        f.sha256[:12],
                    )
                    for f in files
                ),
            ),
        )

    @admin.display(description="versions")
    def history_versions(self, obj):
        if not obj.pk:
            return "-"
        rows = []
        for number, entry in enumerate(selectors.disclosure_history(obj), start=1):
            changes = (
                format_html(
                    "<ul>{}</ul>",
                    format_html_join(
                        "",
                        "<li>{}: <del>{}</del> → <ins>{}</ins></li>",
                        (
                            (c.label, _shown(c.old_shown), _shown(c.new_shown))
                            for c in entry.changes
                        ),
                    ),
                )
                if entry.changes
                else ("first version" if entry.kind == "created" else "no field changed")
            )
            rows.append(
                (
                    number,
                    timezone.localtime(entry.when).strftime("%d %b %Y %H:%M:%S"),
                    entry.who,
                    entry.status,
                    entry.reason,
                    changes,
                )
            )
        return format_html(
            '<table class="disclosure-history"><caption>Every saved version, oldest first'
            "</caption><thead><tr><th scope='col'>#</th><th scope='col'>When</th>"
            "<th scope='col'>Who</th><th scope='col'>Status</th><th scope='col'>Why</th>"
            "<th scope='col'>Changes</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                rows,
            ),
        )

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/accept/",
                self.admin_site.admin_view(self.review_view),
                {"decision": "accept"},
                name=f"{opts.app_label}_{opts.model_name}_accept",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.review_view),
                {"decision": "reject"},
                name=f"{opts.app_label}_{opts.model_name}_reject",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_review": self.has_review_permission(request),
            "submitted": EmissionsDisclosure.Status.SUBMITTED,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def review_view(self, request, object_id, decision: str):
        """Confirm (GET) and record (POST) an acceptance or a rejection."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        disclosure = self.get_object(request, unquote(object_id))
        if disclosure is None:
            return self._get_obj_does_not_exist_redirect(request, opts, object_id)
        change_url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[disclosure.pk]
        )
        if disclosure.status != EmissionsDisclosure.Status.SUBMITTED:
            self.message_user(
                request,
                f"Only a submitted disclosure can be reviewed; this one is "
                f"{disclosure.get_status_display().lower()}.",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)

        form = ReviewForm(request.POST or None, decision=decision)
        if request.method == "POST" and form.is_valid():
            service = disclosure_accept if decision == "accept" else disclosure_reject
            try:
                service(
                    actor=request.user,
                    disclosure=disclosure,
                    comment=form.cleaned_data["comment"],
                    reason=f"disclosure {decision}ed in the admin",
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                verb = "accepted" if decision == "accept" else "rejected"
                self.message_user(
                    request,
                    f"The disclosure of {disclosure.vendor} for {self.period(disclosure)} was "
                    f"{verb}; the vendor's contacts are told by email.",
                    messages.SUCCESS,
                )
                if decision == "accept":
                    # An accepted disclosure is new supplier data: e.g. an offer to re-run the
                    # inventory years it feeds.
                    for offer in extensions.supplier_data_changed.results(
                        request, disclosure=disclosure
                    ):
                        if offer:
                            self.message_user(request, offer, messages.INFO)
                return HttpResponseRedirect(change_url)

        context = {
            **self.admin_site.each_context(request),
            "title": f"{decision.capitalize()} this disclosure?",
            "opts": opts,
            "original": disclosure,
            "disclosure": disclosure,
            "period": self.period(disclosure),
            "decision": decision,
            "figures": [
                ("what the figures cover", disclosure.boundary_label),
                *(
                    (
                        EmissionsDisclosure._meta.get_field(name).verbose_name,
                        _display(disclosure, name),
                    )
                    for name in _FIGURE_FIELDS
                ),
            ],
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/vendors/emissionsdisclosure/review.html", context)


def _display(obj, name: str):
    """A figure of the review page; None when the vendor did not report it."""
    if name == "scope3_upstream_categories":
        shown = _categories_shown(obj.scope3_upstream_categories)
        return None if shown == "-" else shown
    getter = getattr(obj, f"get_{name}_display", None)
    value = getter() if getter is not None else getattr(obj, name)
    return selectors.disclosure_value_shown(name, value, revenue_currency=obj.revenue_currency)


def _categories_shown(categories) -> str:
    numbers = [c for c in categories or [] if c in UPSTREAM_CATEGORIES]
    return "; ".join(category_label(c) for c in numbers) if numbers else "-"


def _shown(value):
    if value in (None, "", []):
        return "(empty)"
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        # The stored warnings: their messages, not a Python repr of the JSON.
        return "; ".join(str(item.get("message", item)) for item in value)
    return value


# --- product footprints -----------------------------------------------------------------------


@admin.register(ProductFootprint)
class ProductFootprintAdmin(ReadOnlyAdminMixin, TrackedHistoryAdmin):
    """Footprints come from PACT uploads (portal, API); here they are only read."""

    list_display = (
        "product_name",
        "vendor",
        "pact_id",
        "pact_version",
        "declared_unit",
        "pcf_shown",
        "reference_period",
        "assured",
        "spec_version",
    )
    list_select_related = ("vendor",)
    list_filter = ("assured", "declared_unit", ("vendor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("product_name", "=pact_id", "vendor__name", "product_category_cpc")
    fields = (
        "vendor",
        "product_name",
        "product_description",
        "product_ids_list",
        "product_category_cpc",
        "pact_id",
        "pact_version",
        "spec_version",
        "pact_status",
        "declared_unit",
        "declared_unit_amount",
        "pcf_excluding_biogenic_kgco2e",
        "pcf_including_biogenic_kgco2e",
        "reference_period",
        "primary_data_share_pct",
        "dqi_pretty",
        "assured",
        "assurance_pretty",
        "created_by",
        "created_at",
        "raw_document_pretty",
    )
    readonly_fields = fields

    @admin.display(
        description="kgCO2e per declared unit (excl. biogenic)",
        ordering="pcf_excluding_biogenic_kgco2e",
    )
    def pcf_shown(self, obj):
        return numbers.quantity(obj.pcf_excluding_biogenic_kgco2e, "kgCO2e")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        footprint = self.get_object(request, unquote(object_id))
        if footprint is not None and request.method == "GET":
            # A footprint is new supplier data: e.g. an offer to re-run the inventory years
            # whose lines it now prices.
            for offer in extensions.supplier_data_changed.results(request, footprint=footprint):
                if offer:
                    self.message_user(request, offer, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="reference period", ordering="reference_period_start")
    def reference_period(self, obj):
        return f"{obj.reference_period_start:%d %b %Y} to {obj.reference_period_end:%d %b %Y}"

    @admin.display(description="product ids")
    def product_ids_list(self, obj):
        ids = obj.product_ids if isinstance(obj.product_ids, list) else [obj.product_ids]
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li><code>{}</code></li>", ((i,) for i in ids))
        )

    @admin.display(description="data quality indicators")
    def dqi_pretty(self, obj):
        return _json_block(obj.dqi)

    @admin.display(description="assurance")
    def assurance_pretty(self, obj):
        return _json_block(obj.assurance)

    @admin.display(description="raw PACT document (as received)")
    def raw_document_pretty(self, obj):
        return _json_block(obj.raw_document)


def _json_block(value):
    # format_html escapes the text: a document's strings are shown, never interpreted as markup.
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="json">{}</pre>', text)
