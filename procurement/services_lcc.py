"""Writes for the life-cycle cost of bids (docs/method.md, "Life-cycle cost of bids"): the
RFP's evaluation parameters, a bid's offered configuration, and the KPI clauses a winning bid's
declared power and embodied carbon become on award.

Like ``procurement.services``: keyword-only, the acting user first, one transaction with its
history (``acting_as``) and audit event; validation before anything is stored.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from assurance.history import acting_as
from assurance.models import AuditEvent, EvidenceFile
from assurance.services import audit_event_record, evidence_file_upload
from procurement import lifecycle, selectors_lcc, services
from procurement.models import (
    LIFE_CYCLE_RULES,
    Bid,
    BidAnswer,
    BidConfiguration,
    Rfp,
    RfpLifeCycle,
)

PARAMETER_FIELDS = (
    "horizon_years",
    "discount_rate_percent",
    "hours_per_year",
    "utilisation_percent",
    "pue",
    "electricity_price_per_kwh",
    "electricity_price_path",
    "grid_kgco2e_per_kwh",
    "grid_basis",
    "grid_source",
    "carbon_price_per_tco2e",
    "carbon_price_currency",
    "carbon_price_source",
    "social_carbon_price_per_tco2e",
    "social_carbon_price_source",
    "functional_unit",
    "performance_name",
    "performance_unit",
    "eol_treatment",
    "eol_kgco2e_per_kg",
    "embodied_model_kgco2e_per_accelerator",
    "embodied_model_source",
    "max_power_w_per_unit",
)
# Names of lifecycle.parameter_problems() that differ from the model's fields.
PARAMETER_FIELD_OF = {
    "discount_rate": "discount_rate_percent",
    "utilisation": "utilisation_percent",
    "electricity_price": "electricity_price_per_kwh",
}
CONFIGURATION_DECIMALS = (
    "unit_price",
    "idle_w",
    "full_load_w",
    "maintenance_per_unit_year",
    "eol_cost_per_unit",
    "residual_value_per_unit",
    "embodied_kgco2e_per_unit",
    "mass_kg_per_unit",
    "performance",
)
CONFIGURATION_INTEGERS = ("quantity", "accelerators_per_unit")
CONFIGURATION_REQUIRED = (
    "unit_price",
    "quantity",
    "accelerators_per_unit",
    "idle_w",
    "full_load_w",
    "power_standard",
    "embodied_source",
)
FROZEN = (
    "The life-cycle parameters are part of the published method statement (Directive 2014/24/EU "
    "Art. 68(3)) and cannot change once the RFP is published; cancel it and publish a new "
    "version to change them."
)
# Tolerance of the power clauses proposed on award: measured average power within +5 %.
POWER_TOLERANCE = Decimal("0.05")


# --- the RFP's parameters --------------------------------------------------------------------


def rfp_life_cycle_set(*, actor, rfp: Rfp, reason: str = "", **fields) -> RfpLifeCycle:
    """Create or change the life-cycle parameters of a draft RFP.

    Refused once the RFP is published (``FROZEN``). Implausible values are errors naming the
    field (``lifecycle.parameter_problems``); nothing is stored then.
    """
    unknown = set(fields) - set(PARAMETER_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown life-cycle fields: {', '.join(sorted(unknown))}")
    if rfp.status != Rfp.Status.DRAFT:
        raise ValidationError(FROZEN)
    settings = RfpLifeCycle.objects.filter(rfp=rfp).first() or RfpLifeCycle(rfp=rfp)
    created = settings.pk is None
    for name, value in fields.items():
        setattr(settings, name, value)
    path = []
    for i, raw in enumerate(settings.electricity_price_path or [], start=1):
        try:
            price = Decimal(str(raw))
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite() or price < 0:
            raise ValidationError(
                {"electricity_price_path": f"Year {i}: {raw!r} is not a price per kWh."}
            )
        path.append(str(price))
    settings.electricity_price_path = path
    settings.carbon_price_currency = (settings.carbon_price_currency or "").strip().upper()
    settings.full_clean()
    problems = lifecycle.parameter_problems(selectors_lcc.parameters_of(settings, rfp))
    if problems:
        raise ValidationError(
            {PARAMETER_FIELD_OF.get(name, name): message for name, message in problems.items()}
        )
    with transaction.atomic(), acting_as(actor, reason or "life-cycle parameters set"):
        settings.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED if created else AuditEvent.Verb.UPDATED,
            target=settings,
            details={name: str(getattr(settings, name)) for name in PARAMETER_FIELDS},
        )
    return settings


def life_cycle_publish_problems(rfp: Rfp) -> list[str]:
    """Why an RFP with life-cycle criteria cannot be published yet: the method statement needs
    its parameters (Art. 68(3): the data and the method are stated in the tender documents)."""
    rules = {c.rule for c in rfp.criteria.all()}
    if not rules & LIFE_CYCLE_RULES:
        return []
    settings = selectors_lcc.rfp_life_cycle_settings(rfp)
    if settings is None:
        return ["The RFP scores life-cycle cost but has no life-cycle parameters."]
    try:
        problems = lifecycle.parameter_problems(selectors_lcc.parameters_of(settings, rfp))
    except selectors_lcc.FxUnavailable as exc:
        return [f"Life-cycle parameters: {exc}"]
    return [f"Life-cycle parameters, {name}: {message}" for name, message in problems.items()]


# --- a bid's configuration -------------------------------------------------------------------


def _parse(fields: dict) -> dict:
    values = dict(fields)
    for name in CONFIGURATION_DECIMALS:
        raw = values.get(name)
        if raw in (None, ""):
            values[name] = None
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation as exc:
            raise ValidationError({name: f"{raw!r} is not a number."}) from exc
        if not value.is_finite():
            raise ValidationError({name: f"{raw!r} is not a number."})
        values[name] = value
    for name in CONFIGURATION_INTEGERS:
        raw = values.get(name)
        if raw in (None, ""):
            values[name] = None
            continue
        try:
            values[name] = int(str(raw))
        except ValueError as exc:
            raise ValidationError({name: f"{raw!r} is not a whole number."}) from exc
    missing = [name for name in CONFIGURATION_REQUIRED if values.get(name) in (None, "")]
    if missing:
        raise ValidationError(dict.fromkeys(missing, "This is required for the life-cycle cost."))
    for name in ("maintenance_per_unit_year", "eol_cost_per_unit", "residual_value_per_unit"):
        if values.get(name) is None:
            values[name] = Decimal(0)
    if values.get("mass_kg_per_unit") is None:
        values["mass_kg_per_unit"] = Decimal(0)
    return values


def bid_configuration_save(
    *,
    actor,
    rfp: Rfp,
    vendor,
    power_evidence=None,
    embodied_evidence=None,
    now=None,
    **fields,
) -> BidConfiguration:
    """Store the configuration a vendor offers, before the deadline (the bid deadline rule of
    ``procurement.services``), and the life-cycle figures it gives on the RFP's life-cycle
    criteria.

    ``fields``: unit price, quantity, accelerators per unit, idle and full-load W per unit,
    power standard, maintenance per unit and year, end-of-life cost and residual value per
    unit, embodied source and figure (or ``embodied_footprint``: one of the vendor's PACT
    footprints), mass, performance. The bid's price becomes unit price x quantity. Changing a
    submitted bid makes it a draft again, as ``bid_save_draft`` does.
    """
    services._bid_open_check(rfp, vendor, now)
    settings = selectors_lcc.rfp_life_cycle_settings(rfp)
    if settings is None:
        raise ValidationError("This RFP asks for no life-cycle data.")
    values = _parse(fields)
    source = values["embodied_source"]
    if source not in BidConfiguration.EmbodiedSource.values:
        raise ValidationError({"embodied_source": f"{source!r} is not a source of embodied data."})
    footprint = values.pop("embodied_footprint", None)
    if source == BidConfiguration.EmbodiedSource.PACT:
        footprint_id = getattr(footprint, "pk", footprint)
        footprint = vendor.product_footprints.filter(pk=footprint_id).first() if footprint else None
        if footprint is None:
            raise ValidationError(
                {"embodied_footprint": "Choose one of your PACT footprints shared in Tenderleaf."}
            )
        try:
            values["embodied_kgco2e_per_unit"] = selectors_lcc.footprint_kgco2e_per_unit(
                footprint, values["mass_kg_per_unit"]
            )
        except ValueError as exc:
            raise ValidationError({"embodied_footprint": str(exc)}) from exc
    else:
        footprint = None
    if (
        source == BidConfiguration.EmbodiedSource.DECLARED
        and values["embodied_kgco2e_per_unit"] is None
    ):
        raise ValidationError(
            {"embodied_kgco2e_per_unit": "Give the declared embodied kgCO2e per unit."}
        )
    if source == BidConfiguration.EmbodiedSource.BUYER_MODEL:
        values["embodied_kgco2e_per_unit"] = None
    currency = rfp.currency
    existing_bid = Bid.objects.filter(rfp=rfp, vendor=vendor).first()
    if existing_bid is not None:
        currency = existing_bid.currency
    try:
        fx = selectors_lcc.fx_for(
            [currency, settings.carbon_price_currency or rfp.currency], rfp.currency
        )
        parameters = selectors_lcc.parameters_of(settings, rfp, fx)
        rate = fx.multiplier(currency, rfp.currency, rfp.deadline.year)
    except selectors_lcc.FxUnavailable as exc:
        raise ValidationError(str(exc)) from exc
    offer = lifecycle.Offer(
        bid_id=0,
        label=vendor.name,
        unit_price=values["unit_price"],
        quantity=values["quantity"],
        accelerators_per_unit=values["accelerators_per_unit"],
        idle_w=values["idle_w"],
        full_load_w=values["full_load_w"],
        maintenance_per_unit_year=values["maintenance_per_unit_year"],
        eol_cost_per_unit=values["eol_cost_per_unit"],
        residual_value_per_unit=values["residual_value_per_unit"],
        embodied_kgco2e_per_unit=values["embodied_kgco2e_per_unit"],
        embodied_source=source,
        mass_kg_per_unit=values["mass_kg_per_unit"],
        performance=values["performance"],
        currency=currency,
        fx_rate=rate,
        fx_source=fx.source,
    )
    try:
        result = lifecycle.compute(parameters, offer)
    except lifecycle.LifeCycleError as exc:
        raise ValidationError(exc.problems) from exc
    stored = {
        name: values.get(name)
        for name in (
            *CONFIGURATION_DECIMALS,
            *CONFIGURATION_INTEGERS,
            "description",
            "power_standard",
            "embodied_source",
        )
    }
    stored["description"] = (stored["description"] or "").strip()
    stored["power_standard"] = stored["power_standard"].strip()
    price = (values["unit_price"] * values["quantity"]).quantize(Decimal("0.01"))
    with transaction.atomic(), acting_as(actor, "bid configuration saved"):
        bid, _created = Bid.objects.select_for_update().get_or_create(
            rfp=rfp, vendor=vendor, defaults={"created_by": actor, "currency": rfp.currency}
        )
        config = BidConfiguration.objects.filter(bid=bid).first() or BidConfiguration(bid=bid)
        for name, value in stored.items():
            setattr(config, name, value)
        config.embodied_footprint = footprint
        if power_evidence is not None:
            config.power_evidence = _evidence(actor, power_evidence, vendor, bid)
        if embodied_evidence is not None:
            config.embodied_evidence = _evidence(actor, embodied_evidence, vendor, bid)
        config.full_clean(exclude=["bid"])
        config.save()
        bid.price = price
        bid.status = Bid.Status.DRAFT
        bid.submitted_at = None
        bid.withdrawn_at = None
        bid.save()
        _answers_write(bid, price=price, result=result)
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=bid,
            details={
                "configuration": config.pk,
                "lcc": str(lifecycle.q2(result.lcc)),
                "lcc_with_externality": str(lifecycle.q2(result.lcc_with_externality)),
                "life_cycle_kgco2e": str(lifecycle.q3(result.life_cycle_kgco2e)),
                "currency": rfp.currency,
            },
        )
    return config


def _evidence(actor, value, vendor, bid):
    """An uploaded file (stored now) or an evidence file the vendor uploaded before."""
    if isinstance(value, EvidenceFile):
        if value.vendor_id != vendor.pk:
            raise ValidationError("That evidence file is not one of your vendor's.")
        return value
    return evidence_file_upload(actor=actor, uploaded_file=value, vendor=vendor, target=bid)


def _answers_write(bid: Bid, *, price: Decimal, result: lifecycle.Result) -> None:
    """The bid's answers on the price criterion and on every life-cycle criterion, from the
    configuration: what automatic scoring normalises across bids at the deadline."""
    criteria = list(bid.rfp.criteria.select_related("template"))
    existing = {a.criterion_id: a for a in bid.answers.all()}
    for criterion in criteria:
        if criterion.rule in LIFE_CYCLE_RULES:
            value = result.metric(criterion.rule).quantize(Decimal("0.0001"))
        elif services.is_price_criterion(criterion):
            value = price
        else:
            continue
        answer = existing.get(criterion.pk) or BidAnswer(bid=bid, criterion=criterion)
        answer.value_number = value
        answer.value_bool = None
        answer.value_text = ""
        answer.save()


def bid_life_cycle_missing(bid: Bid) -> list[str]:
    """What a bid still lacks for the life-cycle cost before it can be submitted."""
    settings = selectors_lcc.rfp_life_cycle_settings(bid.rfp)
    if settings is None:
        return []
    config = BidConfiguration.objects.filter(bid=bid).first()
    if config is None:
        return ["Offered configuration (life-cycle data)"]
    missing = []
    if config.power_evidence_id is None:
        missing.append("Evidence of the power figures")
    if (
        config.embodied_source == BidConfiguration.EmbodiedSource.DECLARED
        and config.embodied_evidence_id is None
    ):
        missing.append("Evidence of the declared embodied figure")
    return missing


# --- award -----------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """A decimal as stored in an event's details: 10000.0 -> "10000", 0.50 -> "0.5"."""
    return format(value.normalize(), "f")


def award_life_cycle_clauses(*, actor, contract, bid: Bid, start_year: int, end_year: int):
    """Proposed KPI clauses carrying the winning bid's declared power and embodied carbon into
    the contract, so delivery can be checked against what was promised: measured average
    full-load and idle power per unit within ``POWER_TOLERANCE`` of the declared figure, and
    the delivered hardware's footprint evidence against the declared embodied figure."""
    from contracts import services as contract_services

    config = BidConfiguration.objects.filter(bid=bid).first()
    if config is None:
        return []
    target_year = max(end_year, start_year + 1)
    tolerance = f"+{int(POWER_TOLERANCE * 100)} %"
    where = f"bid {bid.pk} of RFP {bid.rfp_id}"
    specs = []
    for label, declared in (("full-load", config.full_load_w), ("idle", config.idle_w)):
        specs.append(
            {
                "metric": f"Measured average {label} power per unit",
                "unit": "W",
                "direction": "lower",
                "baseline_value": declared,
                "target_value": (declared * (1 + POWER_TOLERANCE)).quantize(Decimal("0.1")),
                "frequency": "annual",
                "evidence_required": (
                    f"Measured {label} power per delivered unit ({config.power_standard}); "
                    f"declared {declared} W in the bid, tolerance {tolerance}."
                ),
                "remedy": "Replacement or a price reduction for the extra electricity.",
                "declared": {
                    "value": _plain(declared),
                    "unit": "W",
                    "tolerance_percent": _plain(POWER_TOLERANCE * 100),
                    "in": where,
                },
            }
        )
    if config.embodied_source != BidConfiguration.EmbodiedSource.BUYER_MODEL:
        declared = config.embodied_kgco2e_per_unit
        specs.append(
            {
                "metric": "Embodied kgCO2e per delivered unit",
                "unit": "kgCO2e/unit",
                "direction": "lower",
                "baseline_value": declared,
                "target_value": declared,
                "frequency": "annual",
                "evidence_required": (
                    "A PACT product footprint (or third-party verified LCA) of the delivered "
                    f"hardware; declared {declared} kgCO2e per unit in the bid."
                ),
                "remedy": "Corrective plan and a price reduction at the carbon shadow price.",
                "declared": {
                    "value": _plain(declared),
                    "unit": "kgCO2e/unit",
                    "tolerance_percent": "0",
                    "in": where,
                },
            }
        )
    return [
        contract_services.kpi_clause_create(
            actor=actor,
            contract=contract,
            status="proposed",
            reason=f"declared in the winning bid of RFP {bid.rfp_id}",
            baseline_year=start_year,
            target_year=target_year,
            **spec,
        )
        for spec in specs
    ]
