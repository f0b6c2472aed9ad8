"""Bids in the vendor portal: invited vendors read RFPs and prepare, submit, withdraw bids.

Every view inherits :class:`vendors.portal.base.VendorPortalMixin`. An RFP is scoped through
``invited_vendors`` (so an RFP the vendor is not invited to answers 404, exactly like one that
does not exist); a bid through ``vendor``. The deadline is enforced by the services; the pages
show it in the user's time zone (the ``tz`` cookie a small script sets, else ``TIME_ZONE``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, ListView

from config.timezones import user_timezone
from procurement import selectors, selectors_lcc, services, services_lcc
from procurement.forms_lcc import BidConfigurationForm
from procurement.models import Bid, BidAnswer, BidConfiguration, Rfp, Rule
from vendors.portal.base import VendorPortalMixin


class RfpScopedMixin(VendorPortalMixin):
    model = Rfp
    vendor_lookup = "invited_vendors"

    def get_queryset(self):
        return super().get_queryset().exclude(status__in=[Rfp.Status.DRAFT, Rfp.Status.CANCELLED])

    def get_context_data(self, **kwargs):
        tz = user_timezone(self.request)
        kwargs.setdefault("user_tz", tz)
        kwargs.setdefault("now", timezone.now())
        return super().get_context_data(**kwargs)


class RfpListView(RfpScopedMixin, ListView):
    template_name = "portal/rfps/list.html"
    context_object_name = "rfps"

    def get_queryset(self):
        return super().get_queryset().order_by("deadline")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tz = context["user_tz"]
        bids = {
            b.rfp_id: b for b in self.scope(Bid.objects.filter(rfp__in=context["rfps"]), "vendor")
        }
        context["rows"] = [
            {
                "rfp": rfp,
                "deadline": timezone.localtime(rfp.deadline, tz),
                "bid": bids.get(rfp.pk),
                "open": rfp.status == Rfp.Status.PUBLISHED and context["now"] < rfp.deadline,
            }
            for rfp in context["rfps"]
        ]
        return context


def bid_form_class(rfp: Rfp, criteria, answers):
    """A form with a typed input per criterion: numbers for numeric rules, yes/no radios,
    free text for criteria the panel scores, a file input where evidence is asked."""
    fields = {
        "price": forms.DecimalField(
            label=f"Price ({rfp.currency})",
            required=False,
            min_value=0,
            max_digits=18,
            decimal_places=2,
            help_text="Total price of the bid. Required to submit.",
        )
    }
    for criterion in criteria:
        if criterion.rule in services.ANSWERED_ELSEWHERE or services.is_price_criterion(criterion):
            continue
        name = f"c{criterion.pk}"
        unit = f" ({criterion.unit})" if criterion.unit and criterion.unit != "points" else ""
        help_text = criterion.description
        if criterion.rule in (Rule.NUMERIC_LOWER, Rule.NUMERIC_HIGHER):
            fields[name] = forms.DecimalField(
                label=f"{criterion.name}{unit}",
                required=False,
                min_value=0,
                max_value=100 if criterion.unit == "%" else None,
                help_text=help_text,
            )
        elif criterion.rule == Rule.YES_NO:
            fields[name] = forms.TypedChoiceField(
                label=criterion.name,
                required=False,
                choices=[("yes", "Yes"), ("no", "No")],
                widget=forms.RadioSelect,
                help_text=help_text,
            )
        else:
            fields[name] = forms.CharField(
                label=criterion.name,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=help_text or "Describe your offer; the evaluation panel scores it.",
            )
        if criterion.asks_evidence:
            answer = answers.get(criterion.pk)
            has = answer is not None and answer.evidence_id is not None
            fields[f"e{criterion.pk}"] = forms.FileField(
                label=f"Evidence for {criterion.name}",
                required=False,
                help_text=(
                    f"Uploaded: {answer.evidence.original_name}. Upload again to replace."
                    if has
                    else "PDF, CSV, XLSX or JSON."
                ),
            )
    return type("BidForm", (forms.Form,), fields)


def _initial(bid: Bid | None, criteria, answers) -> dict:
    if bid is None:
        return {}
    initial = {"price": bid.price}
    for criterion in criteria:
        answer = answers.get(criterion.pk)
        if answer is None:
            continue
        if answer.value_number is not None:
            initial[f"c{criterion.pk}"] = answer.value_number.normalize()
        elif answer.value_bool is not None:
            initial[f"c{criterion.pk}"] = "yes" if answer.value_bool else "no"
        else:
            initial[f"c{criterion.pk}"] = answer.value_text
    return initial


class RfpDetailView(RfpScopedMixin, DetailView):
    """The RFP, its criteria and weights, and this vendor's bid with its form until the
    deadline (read-only afterwards)."""

    template_name = "portal/rfps/detail.html"
    context_object_name = "rfp"

    def _load(self):
        rfp = self.object
        self.criteria = list(rfp.criteria.select_related("template").order_by("order", "id"))
        self.bid = self.scope(Bid.objects.filter(rfp=rfp), "vendor").first()
        self.answers = (
            {
                a.criterion_id: a
                for a in BidAnswer.objects.filter(bid=self.bid).select_related("evidence")
            }
            if self.bid
            else {}
        )
        self.is_open = rfp.status == Rfp.Status.PUBLISHED and timezone.now() < rfp.deadline
        # Life-cycle cost (docs/method.md): the parameters, and this vendor's own figures only.
        self.lc_settings = selectors_lcc.rfp_life_cycle_settings(rfp)
        self.configuration = (
            BidConfiguration.objects.filter(bid=self.bid)
            .select_related("power_evidence", "embodied_evidence")
            .first()
            if self.bid and self.lc_settings
            else None
        )

    def lc_form(self, data=None, files=None):
        if self.lc_settings is None:
            return None
        return BidConfigurationForm(
            data,
            files,
            prefix="lc",
            vendor=self.vendor,
            rfp=self.object,
            settings=self.lc_settings,
            configuration=self.configuration,
            initial=BidConfigurationForm.initial_of(self.configuration),
        )

    def get_context_data(self, form=None, errors=None, lc_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        form_class = bid_form_class(self.object, self.criteria, self.answers)
        if form is None:
            form = form_class(initial=_initial(self.bid, self.criteria, self.answers))
        if self.lc_settings is not None:
            # The price is unit price x quantity of the offered configuration.
            form.fields.pop("price", None)
            context["lc_form"] = lc_form or self.lc_form()
            context["life_cycle"] = selectors_lcc.rfp_life_cycle(
                self.object,
                bids=[(self.bid, self.vendor.name)] if self.bid else [],
                with_sensitivity=False,
            )
            context["configuration"] = self.configuration
        context.update(
            {
                "deadline": timezone.localtime(self.object.deadline, context["user_tz"]),
                "criteria": self.criteria,
                "bid": self.bid,
                "answers": self.answers,
                "is_open": self.is_open,
                "form": form,
                "errors": errors or [],
                "derived": [c for c in self.criteria if c.rule == Rule.DERIVED],
                "answer_rows": [(c, self.answers.get(c.pk)) for c in self.criteria],
            }
        )
        return context

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self._load()
        return self.render_to_response(self.get_context_data())


class BidEditView(RfpDetailView):
    """POST: save the bid as a draft, or save and submit it."""

    http_method_names = ["get", "post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self._load()
        form = bid_form_class(self.object, self.criteria, self.answers)(request.POST, request.FILES)
        lc_form = self.lc_form(request.POST, request.FILES)
        if lc_form is not None:
            form.fields.pop("price", None)
        errors = []
        valid = form.is_valid()
        valid = (lc_form is None or lc_form.is_valid()) and valid
        if valid:
            data = form.cleaned_data
            answers = {
                int(name[1:]): value
                for name, value in data.items()
                if name.startswith("c") and name[1:].isdigit()
            }
            evidence = {
                int(name[1:]): value
                for name, value in data.items()
                if name.startswith("e") and name[1:].isdigit() and value
            }
            price = data.get("price")
            if lc_form is not None:
                configuration = dict(lc_form.cleaned_data)
                price = configuration["unit_price"] * configuration["quantity"]
            try:
                # One transaction: a configuration the method refuses leaves the bid unchanged.
                with transaction.atomic():
                    bid = services.bid_save_draft(
                        actor=request.user,
                        rfp=self.object,
                        vendor=self.vendor,
                        price=price,
                        answers=answers,
                        evidence=evidence,
                    )
                    if lc_form is not None:
                        services_lcc.bid_configuration_save(
                            actor=request.user,
                            rfp=self.object,
                            vendor=self.vendor,
                            power_evidence=configuration.pop("power_evidence"),
                            embodied_evidence=configuration.pop("embodied_evidence"),
                            **configuration,
                        )
                    if request.POST.get("action") == "submit":
                        services.bid_submit(actor=request.user, bid=bid)
                if request.POST.get("action") == "submit":
                    messages.success(
                        request,
                        "Your bid is submitted. You can change or withdraw it until the deadline.",
                    )
                else:
                    messages.success(request, "Draft saved. It is not submitted yet.")
                return redirect("portal:rfp_detail", pk=self.object.pk)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, field_errors in exc.message_dict.items():
                        for message in field_errors:
                            if field in form.fields:
                                form.add_error(field, message)
                            elif lc_form is not None and field in lc_form.fields:
                                lc_form.add_error(field, message)
                            else:
                                errors.append(message)
                else:
                    errors += exc.messages
                self._load()
        context = self.get_context_data(form=form, errors=errors, lc_form=lc_form)
        return self.render_to_response(context, status=400)


class BidWithdrawView(RfpScopedMixin, DetailView):
    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        # Withdrawing is a POST from the RFP page; a GET only checks the RFP is visible.
        return redirect("portal:rfp_detail", pk=self.get_object().pk)

    def post(self, request, *args, **kwargs):
        rfp = self.get_object()
        bid = self.scope(Bid.objects.filter(rfp=rfp), "vendor").first()
        if bid is None:
            messages.error(request, "There is no bid to withdraw.")
            return redirect("portal:rfp_detail", pk=rfp.pk)
        try:
            services.bid_withdraw(actor=request.user, bid=bid)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your bid is withdrawn. You can resubmit until the deadline.")
        return redirect("portal:rfp_detail", pk=rfp.pk)


class BidDetailView(VendorPortalMixin, DetailView):
    """One of this vendor's own bids, read-only (another vendor's bid answers 404)."""

    model = Bid
    vendor_lookup = "vendor"
    template_name = "portal/rfps/bid_detail.html"
    context_object_name = "bid"

    def get_queryset(self):
        return super().get_queryset().select_related("rfp")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["answers"] = self.object.answers.select_related("criterion", "evidence")
        context["deadline"] = timezone.localtime(
            self.object.rfp.deadline, user_timezone(self.request)
        )
        context["sealed"] = selectors.rfp_is_sealed(self.object.rfp)
        # This vendor's own life-cycle figures (docs/method.md), when the RFP asks for them.
        context["rfp"] = self.object.rfp
        context["life_cycle"] = selectors_lcc.rfp_life_cycle(
            self.object.rfp, bids=[(self.object, self.vendor.name)], with_sensitivity=False
        )
        return context
