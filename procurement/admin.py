"""Procurement in the admin: the RFP builder, scoring matrix, panel scoring, moderation, award
and the consolidation analysis.

Custom views check permissions themselves (auditors may read the matrix, never score, moderate,
publish or award) and evaluators reach only the RFPs whose panel they are on: any other id
answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

import csv
import datetime
import io
import time
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from assurance.admin import ReadOnlyAdminMixin, TrackedHistoryAdmin
from assurance.history import acting_as
from config import numbers
from procurement import scoring, selectors, selectors_lcc, services, services_lcc
from procurement.forms_lcc import RfpLifeCycleForm
from procurement.models import (
    Award,
    Bid,
    BidAnswer,
    ConflictDeclaration,
    CriterionTemplate,
    ModeratedScore,
    Rfp,
    RfpCriterion,
    Rule,
    Score,
)

# Cells an attacker could make a spreadsheet evaluate (CSV/formula injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A cell value that spreadsheet programs show as text, never evaluate."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


@admin.register(CriterionTemplate)
class CriterionTemplateAdmin(TrackedHistoryAdmin):
    list_display = [
        "name",
        "code",
        "rule",
        "is_sustainability",
        "unit",
        "asks_evidence",
        "kpi_template_code",
        "default_weight",
    ]
    list_filter = ["is_sustainability", "rule"]
    search_fields = ["name", "code"]


class RfpCriterionForm(forms.ModelForm):
    class Meta:
        model = RfpCriterion
        fields = [
            "order",
            "template",
            "name",
            "weight",
            "is_sustainability",
            "rule",
            "scale_max",
            "normalisation",
            "thresholds",
            "derived_source",
            "unit",
            "asks_evidence",
            "kpi_template_code",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A library template fills in what is left blank.
        for name in ("name", "rule"):
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        template = data.get("template")
        if template is not None and self.instance.pk is None:
            # A new row from the library: the template fills whatever was left at its default
            # (an unticked box included); the officer edits the row afterwards if needed.
            for name in services.CRITERION_FIELDS:
                if name in self.fields and data.get(name) in (None, "", False, []):
                    data[name] = getattr(template, name)
        for name in ("name", "rule"):
            if not data.get(name):
                self.add_error(name, "Choose a library template or fill this in.")
        return data

    def _post_clean(self):
        # Construct the instance from the completed data so model validation sees it.
        for name in services.CRITERION_FIELDS:
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])
        super()._post_clean()


class RfpCriterionInline(admin.TabularInline):
    model = RfpCriterion
    form = RfpCriterionForm
    extra = 0
    fk_name = "rfp"

    def _editable(self, obj):
        return obj is None or obj.status == Rfp.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class RfpAdminForm(forms.ModelForm):
    class Meta:
        model = Rfp
        fields = [
            "title",
            "category",
            "description",
            "currency",
            "deadline",
            "min_sustainability_share",
            "invited_vendors",
            "panel",
            "moderator",
        ]

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        rfp = self.instance
        if rfp.pk and rfp.status != Rfp.Status.DRAFT and deadline < rfp.deadline:
            raise forms.ValidationError(
                "Once published, the deadline can only move later: bidders plan against it."
            )
        return deadline


@admin.register(Rfp)
class RfpAdmin(TrackedHistoryAdmin):
    form = RfpAdminForm
    inlines = [RfpCriterionInline]
    list_display = ["title", "category", "status", "deadline", "weights", "links"]
    list_filter = ["status", "category"]
    search_fields = ["title"]
    filter_horizontal = ["invited_vendors", "panel"]
    change_form_template = "admin/procurement/rfp/change_form.html"
    change_list_template = "admin/procurement/rfp/change_list.html"
    actions = ["publish_selected"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(weight_sum=Sum("criteria__weight"))
        return queryset.filter(pk__in=selectors.rfps_for_staff(request.user).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Rfp.Status.DRAFT:
            return ["title", "category", "currency", "min_sustainability_share", "invited_vendors"]
        return []

    @admin.display(description="weights")
    def weights(self, obj):
        return scoring.q2(obj.weight_sum) if obj.weight_sum is not None else "—"

    @admin.display(description="")
    def links(self, obj):
        return format_html(
            '<a href="{}">Matrix</a>', reverse("admin:procurement_rfp_matrix", args=[obj.pk])
        )

    # --- saving through the services -----------------------------------------------------

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in services.RFP_FIELDS
            if name in form.cleaned_data
        }
        if change:
            fresh = Rfp.objects.get(pk=obj.pk)
            saved = services.rfp_update(
                actor=request.user, rfp=fresh, reason="RFP changed in the admin", **fields
            )
            saved.moderator = form.cleaned_data.get("moderator", obj.moderator)
            with acting_as(request.user, "RFP changed in the admin"):
                saved.save(update_fields=["moderator"])
        else:
            saved = services.rfp_create(
                actor=request.user,
                moderator=form.cleaned_data.get("moderator"),
                reason="RFP created in the admin",
                **fields,
            )
        obj.pk = saved.pk
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request, form, formsets, change):
        with acting_as(request.user, "RFP changed in the admin"):
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        rfp = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() and inline_form.instance.pk is None:
                continue
            data = inline_form.cleaned_data
            if not data:
                continue
            instance = inline_form.instance
            if data.get("DELETE"):
                if instance.pk:
                    services.rfp_criterion_delete(actor=request.user, criterion=instance)
                    formset.deleted_objects.append(instance)
                continue
            fields = {
                name: data[name]
                for name in RfpCriterionForm.Meta.fields
                if name in data and name != "template"
            }
            if instance.pk:
                if inline_form.has_changed():
                    fresh = RfpCriterion.objects.select_related("rfp").get(pk=instance.pk)
                    fields["template"] = data.get("template")
                    services.rfp_criterion_update(actor=request.user, criterion=fresh, **fields)
                    formset.changed_objects.append((fresh, inline_form.changed_data))
            else:
                weight = fields.pop("weight")
                created = services.rfp_criterion_add(
                    actor=request.user,
                    rfp=rfp,
                    template=data.get("template"),
                    weight=weight,
                    **fields,
                )
                formset.new_objects.append(created)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id:
            rfp = self.get_object(request, object_id)
            if rfp is not None:
                extra_context.update(self._rfp_context(request, rfp))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _rfp_context(self, request, rfp):
        criteria = list(rfp.criteria.all())
        total = sum((c.weight for c in criteria), Decimal(0))
        sustainability = sum((c.weight for c in criteria if c.is_sustainability), Decimal(0))
        return {
            "rfp": rfp,
            "weight_total": scoring.q2(total),
            "sustainability_total": scoring.q2(sustainability),
            "publish_problems": services.rfp_publish_problems(rfp)
            if rfp.status == Rfp.Status.DRAFT
            else [],
            "can_publish": request.user.has_perm("procurement.change_rfp"),
            "can_award": request.user.has_perm("procurement.add_award"),
            "can_score": services.evaluator_may_score(request.user, rfp),
            "can_moderate": services.may_moderate(request.user, rfp),
        }

    # --- extra pages -----------------------------------------------------------------------

    def get_urls(self):
        def view(func, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(func),
                name=f"procurement_rfp_{name.replace('/', '_').replace('.', '_')}",
            )

        return [
            path(
                "consolidation/",
                self.admin_site.admin_view(self.consolidation_view),
                name="procurement_rfp_consolidation",
            ),
            view(self.matrix_view, "matrix"),
            path(
                "<path:object_id>/matrix.csv",
                self.admin_site.admin_view(self.matrix_csv_view),
                name="procurement_rfp_matrix_csv",
            ),
            path(
                "<path:object_id>/matrix.xlsx",
                self.admin_site.admin_view(self.matrix_xlsx_view),
                name="procurement_rfp_matrix_xlsx",
            ),
            view(self.publish_view, "publish"),
            view(self.autoscore_view, "autoscore"),
            view(self.score_view, "score"),
            view(self.moderate_view, "moderate"),
            view(self.award_view, "award"),
            path(
                "<path:object_id>/life-cycle/",
                self.admin_site.admin_view(self.life_cycle_view),
                name="procurement_rfp_life_cycle",
            ),
            *super().get_urls(),
        ]

    def _rfp_or_404(self, request, object_id) -> Rfp:
        if not request.user.has_perm("procurement.view_rfp"):
            raise PermissionDenied
        return get_object_or_404(selectors.rfps_for_staff(request.user), pk=object_id)

    def _context(self, request, rfp, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": rfp,
            "rfp": rfp,
            "title": title,
            "change_url": reverse("admin:procurement_rfp_change", args=[rfp.pk]),
            "matrix_url": reverse("admin:procurement_rfp_matrix", args=[rfp.pk]),
            "life_cycle_url": reverse("admin:procurement_rfp_life_cycle", args=[rfp.pk]),
            **self._rfp_context(request, rfp),
            **extra,
        }

    def matrix_view(self, request, object_id):
        rfp = self._rfp_or_404(request, object_id)
        started = time.perf_counter()
        matrix = selectors.rfp_matrix(rfp, with_sensitivity=True)
        life_cycle = None if matrix.sealed else selectors_lcc.rfp_life_cycle(rfp, matrix=matrix)
        context = self._context(
            request,
            rfp,
            f"Scoring matrix: {rfp.title}",
            matrix=matrix,
            life_cycle=life_cycle,
            formulas=scoring.LINEAR_FORMULA,
            computed_ms=round((time.perf_counter() - started) * 1000),
            now=timezone.now(),
        )
        return TemplateResponse(request, "admin/procurement/rfp/matrix.html", context)

    def _export_rows(self, request, object_id):
        rfp = self._rfp_or_404(request, object_id)
        matrix = selectors.rfp_matrix(rfp)
        if matrix.sealed:
            raise Http404("Bids are sealed until the deadline.")
        header, body = selectors.matrix_table(matrix)
        return rfp, header, body

    def matrix_csv_view(self, request, object_id):
        rfp, header, body = self._export_rows(request, object_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([formula_safe(h) for h in header])
        for row in body:
            writer.writerow([formula_safe(v) for v in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rfp-{rfp.pk}-matrix.csv"'
        return response

    def matrix_xlsx_view(self, request, object_id):
        from openpyxl import Workbook

        rfp, header, body = self._export_rows(request, object_id)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Matrix"
        sheet.append([formula_safe(h) for h in header])
        for row in body:
            cells = []
            for value in row:
                safe = formula_safe(value)
                try:
                    cells.append(Decimal(safe) if isinstance(safe, str) and safe else safe)
                except ArithmeticError:
                    cells.append(safe)
            # Keep numbers numeric and text text; openpyxl stores str as a string cell.
            sheet.append(
                [float(c) if isinstance(c, Decimal) and c.is_finite() else c for c in cells]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="rfp-{rfp.pk}-matrix.xlsx"'
        return response

    def publish_view(self, request, object_id):
        rfp = self._rfp_or_404(request, object_id)
        if not request.user.has_perm("procurement.change_rfp"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:procurement_rfp_change", args=[rfp.pk]))
        self._publish(request, rfp)
        return HttpResponseRedirect(reverse("admin:procurement_rfp_change", args=[rfp.pk]))

    def _publish(self, request, rfp):
        try:
            services.rfp_publish(actor=request.user, rfp=rfp, reason="published in the admin")
        except ValidationError as exc:
            self.message_user(
                request, f"{rfp.title} was not published: {' '.join(exc.messages)}", messages.ERROR
            )
            return False
        self.message_user(
            request,
            f"{rfp.title} is published; the invited vendors' contacts were emailed.",
            messages.SUCCESS,
        )
        return True

    @admin.action(description="Publish selected RFPs", permissions=["change"])
    def publish_selected(self, request, queryset):
        for rfp in queryset:
            self._publish(request, rfp)

    def autoscore_view(self, request, object_id):
        rfp = self._rfp_or_404(request, object_id)
        if not request.user.has_perm("procurement.change_rfp") or request.method != "POST":
            raise PermissionDenied
        try:
            written = services.rfp_autoscore(actor=request.user, rfp=rfp)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request, f"Automatic criteria scored ({written} scores changed).", messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:procurement_rfp_matrix", args=[rfp.pk]))

    def score_view(self, request, object_id):
        """The evaluator's page: every submitted bid's answers and a score for each manual
        criterion; only for panel members (404 for everyone else)."""
        rfp = get_object_or_404(Rfp.objects.filter(panel=request.user), pk=object_id)
        if not services.evaluator_may_score(request.user, rfp):
            raise Http404("No such RFP")
        if selectors.rfp_is_sealed(rfp):
            context = self._context(request, rfp, f"Score: {rfp.title}", sealed=True)
            return TemplateResponse(request, "admin/procurement/rfp/score.html", context)
        criteria = list(rfp.criteria.filter(rule=Rule.MANUAL_SCALE))
        bids = list(rfp.bids.filter(status=Bid.Status.SUBMITTED).select_related("vendor", "rfp"))
        conflicted = set(
            ConflictDeclaration.objects.filter(rfp=rfp, evaluator=request.user).values_list(
                "vendor_id", flat=True
            )
        )
        errors = []
        if request.method == "POST" and "declare_conflict" in request.POST:
            bid = next((b for b in bids if str(b.pk) == request.POST.get("bid")), None)
            if bid is None:
                raise Http404("No such bid")
            try:
                services.conflict_declare(
                    actor=request.user,
                    rfp=rfp,
                    vendor=bid.vendor,
                    reason=request.POST.get("reason", ""),
                )
            except ValidationError as exc:
                errors.append(("conflict-reason", f"Conflict with {bid.vendor}: {exc.messages[0]}"))
            else:
                self.message_user(
                    request,
                    f"Conflict with {bid.vendor} declared; you are excluded from its bid.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
        elif request.method == "POST":
            saved = 0
            with transaction.atomic():
                for bid in bids:
                    for criterion in criteria:
                        key = f"{bid.pk}-{criterion.pk}"
                        raw = request.POST.get(f"score-{key}", "").strip()
                        if raw == "" or bid.vendor_id in conflicted:
                            continue
                        try:
                            services.score_record(
                                actor=request.user,
                                bid=bid,
                                criterion=criterion,
                                score=raw,
                                rationale=request.POST.get(f"rationale-{key}", ""),
                            )
                            saved += 1
                        except ValidationError as exc:
                            for message in exc.messages:
                                errors.append(
                                    (f"score-{key}", f"{bid.vendor} · {criterion.name}: {message}")
                                )
                if errors:
                    transaction.set_rollback(True)
            if not errors:
                self.message_user(request, f"{saved} score(s) saved.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        existing = {
            (s.bid_id, s.criterion_id): s
            for s in Score.objects.filter(bid__in=bids, evaluator=request.user)
        }
        answers = {
            (a.bid_id, a.criterion_id): a
            for a in BidAnswer.objects.filter(bid__in=bids).select_related("evidence")
        }
        all_criteria = list(rfp.criteria.all())
        rows = []
        for bid in bids:
            entries = []
            for criterion in criteria:
                key = f"{bid.pk}-{criterion.pk}"
                score = existing.get((bid.pk, criterion.pk))
                entries.append(
                    {
                        "criterion": criterion,
                        "key": key,
                        "answer": answers.get((bid.pk, criterion.pk)),
                        "score": request.POST.get(f"score-{key}")
                        if request.method == "POST"
                        else (score.score.normalize() if score else ""),
                        "rationale": request.POST.get(f"rationale-{key}")
                        if request.method == "POST"
                        else (score.rationale if score else ""),
                    }
                )
            rows.append(
                {
                    "bid": bid,
                    "conflicted": bid.vendor_id in conflicted,
                    "entries": entries,
                    "answers": [
                        (c, answers.get((bid.pk, c.pk)))
                        for c in all_criteria
                        if c.rule != Rule.MANUAL_SCALE
                    ],
                }
            )
        context = self._context(
            request, rfp, f"Score: {rfp.title}", rows=rows, errors=errors, sealed=False
        )
        return TemplateResponse(request, "admin/procurement/rfp/score.html", context)

    def moderate_view(self, request, object_id):
        rfp = self._rfp_or_404(request, object_id)
        if not services.may_moderate(request.user, rfp):
            raise PermissionDenied
        if selectors.rfp_is_sealed(rfp):
            raise Http404("Bids are sealed until the deadline.")
        errors = []
        if request.method == "POST":
            if "mean_all" in request.POST:
                count = services.rfp_moderate_all(actor=request.user, rfp=rfp)
                self.message_user(
                    request,
                    f"{count} score(s) moderated to the evaluators' mean.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
            bid = get_object_or_404(
                rfp.bids.select_related("vendor", "rfp"), pk=request.POST.get("bid")
            )
            criterion = get_object_or_404(rfp.criteria, pk=request.POST.get("criterion"))
            try:
                services.moderate(
                    actor=request.user,
                    bid=bid,
                    criterion=criterion,
                    override=request.POST.get("override") or None,
                    rationale=request.POST.get("rationale", ""),
                )
            except ValidationError as exc:
                errors = [f"{bid.vendor} · {criterion.name}: {m}" for m in exc.messages]
            else:
                self.message_user(request, "Moderated score saved.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        matrix = selectors.rfp_matrix(rfp)
        context = self._context(
            request, rfp, f"Moderate: {rfp.title}", matrix=matrix, errors=errors
        )
        return TemplateResponse(request, "admin/procurement/rfp/moderate.html", context)

    def award_view(self, request, object_id):
        rfp = self._rfp_or_404(request, object_id)
        if not request.user.has_perm("procurement.add_award"):
            raise PermissionDenied
        matrix = selectors.rfp_matrix(rfp)
        if matrix.sealed:
            raise Http404("Bids are sealed until the deadline.")
        errors = []
        today = timezone.localdate()
        values = {
            "bid": str(matrix.winner.bid.id) if matrix.winner else "",
            "rationale": "",
            "start_date": today.isoformat(),
            "end_date": today.replace(year=today.year + 3).isoformat(),
        }
        if request.method == "POST":
            values.update({k: request.POST.get(k, "") for k in values})
            bid = rfp.bids.select_related("vendor").filter(pk=values["bid"] or 0).first()
            try:
                start = datetime.date.fromisoformat(values["start_date"])
                end = datetime.date.fromisoformat(values["end_date"])
            except ValueError:
                errors.append("Give the contract's start and end dates as YYYY-MM-DD.")
            if bid is None:
                errors.append("Choose the winning bid.")
            if not errors:
                try:
                    award = services.rfp_award(
                        actor=request.user,
                        rfp=rfp,
                        bid=bid,
                        rationale=values["rationale"],
                        start_date=start,
                        end_date=end,
                    )
                except ValidationError as exc:
                    errors += exc.messages
                else:
                    self.message_user(
                        request,
                        f"Awarded to {bid.vendor}. Draft contract {award.contract.reference} "
                        "created with the proposed KPI clauses; bidders were notified.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:contracts_contract_change", args=[award.contract.pk])
                        if _admin_has("contracts_contract_change")
                        else reverse("admin:procurement_rfp_matrix", args=[rfp.pk])
                    )
        context = self._context(
            request, rfp, f"Award: {rfp.title}", matrix=matrix, errors=errors, values=values
        )
        return TemplateResponse(request, "admin/procurement/rfp/award.html", context)

    def life_cycle_view(self, request, object_id):
        """The RFP's life-cycle parameters: a form while it is a draft (officers), read-only
        with its method statement afterwards and for everyone else."""
        rfp = self._rfp_or_404(request, object_id)
        settings = selectors_lcc.rfp_life_cycle_settings(rfp)
        editable = rfp.status == Rfp.Status.DRAFT and request.user.has_perm(
            "procurement.change_rfp"
        )
        form = RfpLifeCycleForm(instance=settings) if editable else None
        errors = []
        if request.method == "POST":
            if not editable:
                raise PermissionDenied(services_lcc.FROZEN)
            form = RfpLifeCycleForm(request.POST, instance=settings)
            if form.is_valid():
                try:
                    services_lcc.rfp_life_cycle_set(
                        actor=request.user,
                        rfp=rfp,
                        reason="life-cycle parameters set in the admin",
                        **form.cleaned_data,
                    )
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        for field, field_errors in exc.message_dict.items():
                            for message in field_errors:
                                if field in form.fields:
                                    form.add_error(field, message)
                                else:
                                    errors.append(message)
                    else:
                        errors += exc.messages
                else:
                    self.message_user(request, "Life-cycle parameters saved.", messages.SUCCESS)
                    return HttpResponseRedirect(
                        reverse("admin:procurement_rfp_life_cycle", args=[rfp.pk])
                    )
        view = selectors_lcc.rfp_life_cycle(rfp, with_sensitivity=False)
        context = self._context(
            request,
            rfp,
            f"Life-cycle parameters: {rfp.title}",
            form=form,
            errors=errors,
            life_cycle=view,
            frozen_reason=services_lcc.FROZEN if rfp.status != Rfp.Status.DRAFT else "",
        )
        return TemplateResponse(request, "admin/procurement/rfp/life_cycle.html", context)

    def consolidation_view(self, request):
        if not request.user.has_perm("procurement.view_rfp"):
            raise PermissionDenied
        analysis = selectors.consolidation()
        categories = analysis.categories
        biggest = max((c.spend for c in categories), default=Decimal(0))
        bars = []
        for index, category in enumerate(categories):
            width = int(category.spend / biggest * 400) if biggest else 0
            bars.append({"y": 30 * index, "width": width, "category": category})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Vendor consolidation analysis",
            "source": analysis.source,
            "currency": analysis.currency,
            "fx_source": analysis.fx_source,
            "unconverted": analysis.unconverted,
            "categories": categories,
            "bars": bars,
            "chart_height": 30 * len(categories) + 10,
            "leverage": categories[:3],
        }
        return TemplateResponse(request, "admin/procurement/rfp/consolidation.html", context)


def _admin_has(url_name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(f"admin:{url_name}", args=[1])
    except NoReverseMatch:
        return False
    return True


class SealedBidAdminMixin:
    """Bid contents stay hidden until the RFP's deadline, whoever asks."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        rfps = selectors.rfps_for_staff(request.user)
        return queryset.filter(**{f"{self.rfp_lookup}__in": rfps})


@admin.register(Bid)
class BidAdmin(SealedBidAdminMixin, ReadOnlyAdminMixin, TrackedHistoryAdmin):
    rfp_lookup = "rfp"
    list_display = ["vendor", "rfp", "status", "submitted_at", "price_shown"]
    list_filter = ["status"]
    list_select_related = ["vendor", "rfp"]
    fields = ["rfp", "vendor", "status", "submitted_at", "withdrawn_at", "price_shown"]
    readonly_fields = fields

    @admin.display(description="price")
    def price_shown(self, obj):
        if selectors.rfp_is_sealed(obj.rfp):
            return "sealed until the deadline"
        return numbers.money(obj.price, obj.currency)


@admin.register(BidAnswer)
class BidAnswerAdmin(SealedBidAdminMixin, ReadOnlyAdminMixin, TrackedHistoryAdmin):
    rfp_lookup = "bid__rfp"
    list_display = ["bid", "criterion", "number_shown", "value_bool", "value_text"]
    list_select_related = ["bid__vendor", "bid__rfp", "criterion"]

    @admin.display(description="value number", ordering="value_number")
    def number_shown(self, obj):
        return selectors.answer_shown(
            (obj.value_number, None, ""), unit=obj.criterion.unit, currency=obj.bid.currency
        )

    def get_queryset(self, request):
        # Sealed: answers appear only once their RFP's deadline has passed.
        return super().get_queryset(request).filter(bid__rfp__deadline__lte=timezone.now())


@admin.register(Score)
class ScoreAdmin(SealedBidAdminMixin, ReadOnlyAdminMixin, TrackedHistoryAdmin):
    rfp_lookup = "bid__rfp"
    list_display = ["bid", "criterion", "evaluator", "score", "is_automatic", "updated_at"]
    list_select_related = ["bid__vendor", "bid__rfp", "criterion", "evaluator"]


@admin.register(ModeratedScore)
class ModeratedScoreAdmin(SealedBidAdminMixin, ReadOnlyAdminMixin, TrackedHistoryAdmin):
    rfp_lookup = "bid__rfp"
    list_display = ["bid", "criterion", "score", "method", "moderator", "updated_at"]
    list_select_related = ["bid__vendor", "bid__rfp", "criterion", "moderator"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(SealedBidAdminMixin, ReadOnlyAdminMixin, TrackedHistoryAdmin):
    rfp_lookup = "rfp"
    list_display = ["rfp", "evaluator", "vendor", "declared_at"]
    list_select_related = ["rfp", "evaluator", "vendor"]


@admin.register(Award)
class AwardAdmin(SealedBidAdminMixin, ReadOnlyAdminMixin, TrackedHistoryAdmin):
    rfp_lookup = "rfp"
    list_display = ["rfp", "bid", "decided_by", "decided_at", "contract"]
    list_select_related = ["rfp", "bid__vendor", "decided_by", "contract"]
