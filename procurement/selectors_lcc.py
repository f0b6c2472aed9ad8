"""Reads for the life-cycle cost of bids: loaders that turn rows into ``procurement.lifecycle``
dataclasses, and the view of an RFP's life-cycle results the matrix, the bid page and the API
show (docs/method.md, "Life-cycle cost of bids").

Loading costs a fixed number of queries whatever the number of bids: the parameters, the
configurations of the bids asked for (with their footprints and evidence), and the FX rates only
when some amount is in another currency than the RFP's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from procurement import lifecycle, scoring
from procurement.models import LIFE_CYCLE_RULES, BidConfiguration, Rfp, RfpLifeCycle

HUNDRED = Decimal(100)
# PACT declared units that mean "one item" (v2 and v3 spellings).
PER_ITEM_UNITS = frozenset({"piece", "item", "unit", "each"})


class FxUnavailable(LookupError):
    """No exchange rate for a currency; ``str()`` names it and the dataset."""


@dataclass(frozen=True)
class Fx:
    """Units of a currency per USD by (currency, year) from the newest FX dataset; see
    ``scope3.selectors.fx_rates`` (the latest year up to the one asked for)."""

    source: str
    rates: object  # scope3.selectors.FxRates

    def multiplier(self, from_currency: str, to_currency: str, year: int) -> Decimal:
        if from_currency.upper() == to_currency.upper():
            return Decimal(1)
        source = self.source or "no FX dataset is loaded"
        from_rate = self.rates.units_per_usd(from_currency, year) if self.rates else None
        to_rate = self.rates.units_per_usd(to_currency, year) if self.rates else None
        for code, rate in ((from_currency, from_rate), (to_currency, to_rate)):
            if rate is None:
                raise FxUnavailable(f"No exchange rate for {code.upper()} in {year} ({source}).")
        return to_rate / from_rate


def fx_for(currencies: Iterable[str], rfp_currency: str) -> Fx:
    """The FX rates needed to bring ``currencies`` to ``rfp_currency`` (no query when none
    differs)."""
    needed = {c.upper() for c in currencies if c} - {rfp_currency.upper()}
    if not needed:
        return Fx(source="", rates=None)
    from scope3.selectors import fx_rates  # scope3 sits on the same floor; read-only use

    rates = fx_rates(currencies=needed | {rfp_currency.upper()})
    return Fx(source=rates.source, rates=rates)


def parameters_of(settings: RfpLifeCycle, rfp: Rfp, fx: Fx | None = None) -> lifecycle.Parameters:
    """The pure parameters of ``settings``; the carbon prices converted to the RFP's currency."""
    year = rfp.deadline.year
    carbon = settings.carbon_price_per_tco2e
    social = settings.social_carbon_price_per_tco2e
    carbon_currency = settings.carbon_price_currency or rfp.currency
    if carbon_currency.upper() != rfp.currency.upper() and (carbon is not None or social):
        fx = fx or fx_for([carbon_currency], rfp.currency)
        rate = fx.multiplier(carbon_currency, rfp.currency, year)
        carbon = carbon * rate if carbon is not None else None
        social = social * rate if social is not None else None
    path = tuple(Decimal(str(p)) for p in settings.electricity_price_path or ())
    return lifecycle.Parameters(
        horizon_years=settings.horizon_years,
        discount_rate=settings.discount_rate_percent / HUNDRED,
        hours_per_year=settings.hours_per_year,
        utilisation=settings.utilisation_percent / HUNDRED,
        pue=settings.pue,
        electricity_prices=path or (settings.electricity_price_per_kwh,),
        currency=rfp.currency,
        grid_kgco2e_per_kwh=settings.grid_kgco2e_per_kwh,
        grid_source=settings.grid_source,
        carbon_price_per_tco2e=carbon,
        carbon_price_source=settings.carbon_price_source,
        social_carbon_price_per_tco2e=social,
        social_carbon_price_source=settings.social_carbon_price_source,
        functional_unit=settings.functional_unit,
        performance_name=settings.performance_name,
        performance_unit=settings.performance_unit,
        eol_kgco2e_per_kg=settings.eol_kgco2e_per_kg,
        eol_treatment=settings.get_eol_treatment_display(),
        embodied_model_kgco2e_per_accelerator=settings.embodied_model_kgco2e_per_accelerator,
        embodied_model_source=settings.embodied_model_source,
        max_power_w_per_unit=settings.max_power_w_per_unit,
    )


def footprint_kgco2e_per_unit(footprint, mass_kg_per_unit: Decimal | None) -> Decimal:
    """A PACT footprint as kgCO2e per offered unit: per item as declared, or per kg x mass.
    Raises ValueError naming the declared unit when neither applies."""
    unit = (footprint.declared_unit or "").strip().lower()
    per_declared = footprint.pcf_excluding_biogenic_kgco2e
    if unit in PER_ITEM_UNITS:
        return per_declared
    if unit in {"kilogram", "kg"}:
        if not mass_kg_per_unit:
            raise ValueError("The footprint is per kilogram: give the mass per unit.")
        return per_declared * mass_kg_per_unit
    raise ValueError(
        f"The footprint's declared unit is {footprint.declared_unit!r}; a footprint per item "
        "or per kilogram is needed."
    )


def offer_of(
    config: BidConfiguration,
    *,
    label: str,
    bid_currency: str,
    rfp: Rfp,
    fx: Fx,
) -> lifecycle.Offer:
    """The pure offer of a stored configuration, with its FX multiplier and embodied source."""
    embodied = config.embodied_kgco2e_per_unit
    reference = ""
    source = config.embodied_source
    if source == BidConfiguration.EmbodiedSource.PACT and config.embodied_footprint_id:
        footprint = config.embodied_footprint
        embodied = footprint_kgco2e_per_unit(footprint, config.mass_kg_per_unit)
        reference = f"PACT {footprint.pact_id} ({footprint.product_name or 'product'})"
    elif source == BidConfiguration.EmbodiedSource.DECLARED and config.embodied_evidence_id:
        reference = f"evidence {config.embodied_evidence.original_name}"
    elif source == BidConfiguration.EmbodiedSource.BUYER_MODEL:
        embodied = None
    rate = fx.multiplier(bid_currency, rfp.currency, rfp.deadline.year)
    return lifecycle.Offer(
        bid_id=config.bid_id,
        label=label,
        unit_price=config.unit_price,
        quantity=config.quantity,
        accelerators_per_unit=config.accelerators_per_unit,
        idle_w=config.idle_w,
        full_load_w=config.full_load_w,
        maintenance_per_unit_year=config.maintenance_per_unit_year,
        eol_cost_per_unit=config.eol_cost_per_unit,
        residual_value_per_unit=config.residual_value_per_unit,
        embodied_kgco2e_per_unit=embodied,
        embodied_source=source,
        embodied_reference=reference,
        mass_kg_per_unit=config.mass_kg_per_unit,
        performance=config.performance,
        currency=bid_currency,
        fx_rate=rate,
        fx_source=fx.source,
    )


# --- the view the matrix, the bid page and the API show ---------------------------------------


@dataclass
class BidLifeCycle:
    bid_id: int
    vendor_name: str
    configuration: BidConfiguration | None
    result: lifecycle.Result | None = None
    error: str = ""

    @property
    def shown(self) -> dict[str, Decimal] | None:
        """The figures as the pages show them: money to the cent, tonnes to the kilogram."""
        r = self.result
        if r is None:
            return None
        q2, q3 = lifecycle.q2, lifecycle.q3
        return {
            "price": q2(r.price),
            "energy": q2(r.energy),
            "maintenance": q2(r.maintenance),
            "end_of_life": q2(r.end_of_life),
            "residual": q2(r.residual),
            "lcc": q2(r.lcc),
            "externality": q2(r.externality),
            "lcc_with_externality": q2(r.lcc_with_externality),
            "energy_mwh_per_year": q3(r.energy_kwh_per_year / 1000),
            "embodied_t": q3(r.embodied_kgco2e / 1000),
            "operational_t": q3(r.operational_kgco2e / 1000),
            "eol_t": q3(r.eol_kgco2e / 1000),
            "life_cycle_t": q3(r.life_cycle_kgco2e / 1000),
            "lcc_per_fu": r.lcc_per_fu.quantize(Decimal("0.0001")),
            "lcc_ext_per_fu": r.lcc_with_externality_per_fu.quantize(Decimal("0.0001")),
            "g_per_fu": (r.kgco2e_per_fu * 1000).quantize(Decimal("0.1")),
        }


@dataclass
class SensitivityLine:
    group: str
    label: str
    is_base: bool
    winner: str  # vendor ranked first on the weighted total
    lowest_lcc: str
    lowest_lcc_externality: str
    lowest_kgco2e_per_fu: str
    flips: bool


@dataclass
class LifeCycleView:
    rfp: Rfp
    settings: RfpLifeCycle | None
    parameters: lifecycle.Parameters | None
    bids: list[BidLifeCycle] = field(default_factory=list)
    sensitivity: list[SensitivityLine] = field(default_factory=list)
    error: str = ""

    @property
    def computed(self) -> list[BidLifeCycle]:
        return [b for b in self.bids if b.result is not None]

    @property
    def data_asked(self) -> list[str]:
        return [label for _name, label in lifecycle.DATA_ASKED]

    @property
    def formula(self) -> tuple[str, ...]:
        return lifecycle.FORMULA

    @property
    def any_flip(self) -> bool:
        return any(line.flips for line in self.sensitivity)

    @cached_property
    def lcc_svg(self) -> str:
        from procurement.lcc_charts import lcc_bars_svg

        rows = [(b.vendor_name, cost_terms(b.result)) for b in self.computed]
        return lcc_bars_svg(rows, currency=self.rfp.currency)

    @cached_property
    def carbon_svg(self) -> str:
        from procurement.lcc_charts import carbon_bars_svg

        rows = [
            (
                b.vendor_name,
                {
                    "embodied": b.result.embodied_kgco2e,
                    "operational": b.result.operational_kgco2e,
                    "end_of_life": b.result.eol_kgco2e,
                },
            )
            for b in self.computed
        ]
        return carbon_bars_svg(rows)


def cost_terms(result: lifecycle.Result) -> dict[str, Decimal]:
    return {
        "price": result.price,
        "energy": result.energy,
        "maintenance": result.maintenance,
        "end_of_life": result.end_of_life,
        "externality": result.externality,
        "residual": result.residual,
        "lcc": result.lcc,
    }


def rfp_life_cycle_settings(rfp: Rfp) -> RfpLifeCycle | None:
    return RfpLifeCycle.objects.filter(rfp=rfp).first()


def winner_function(
    criteria: Sequence[scoring.Criterion],
    facts: Sequence[scoring.BidFacts],
    fractions: Mapping[int, Mapping[int, Decimal | None]],
):
    """``winner_of(results)``: the bid ranked first on the weighted total when the life-cycle
    criteria are rescored from ``results`` and every other score stays as moderated."""
    life_cycle_criteria = [c for c in criteria if c.rule in LIFE_CYCLE_RULES]

    def winner_of(results: Mapping[int, lifecycle.Result]) -> int | None:
        if not facts:
            return None
        moved = {bid.id: dict(fractions.get(bid.id, {})) for bid in facts}
        for criterion in life_cycle_criteria:
            values = {
                bid.id: results[bid.id].metric(criterion.rule) if bid.id in results else None
                for bid in facts
            }
            for bid_id, fraction in scoring.numeric_fractions(criterion, values).items():
                moved[bid_id][criterion.id] = fraction
        return scoring.weighted_totals(criteria, facts, moved)[0].bid.id

    return winner_of


def rfp_life_cycle(rfp: Rfp, *, matrix=None, bids=None, with_sensitivity: bool = True):
    """The life-cycle results of ``rfp``'s submitted bids (or of ``bids``: (bid, vendor name)
    pairs), with the sensitivity table when a matrix is given; None when the RFP has no
    life-cycle parameters. Sealed matrices give the parameters only."""
    settings = rfp_life_cycle_settings(rfp)
    if settings is None:
        return None
    if matrix is not None:
        pairs = [(row.bid.id, row.vendor_name) for row in matrix.rows]
    else:
        pairs = [(bid.pk, name) for bid, name in (bids or [])]
    configs = {
        c.bid_id: c
        for c in BidConfiguration.objects.filter(bid__in=[pk for pk, _ in pairs]).select_related(
            "bid", "embodied_footprint", "embodied_evidence", "power_evidence"
        )
    }
    currencies = [c.bid.currency for c in configs.values()]
    currencies.append(settings.carbon_price_currency or rfp.currency)
    view = LifeCycleView(rfp=rfp, settings=settings, parameters=None)
    try:
        fx = fx_for(currencies, rfp.currency)
        view.parameters = parameters_of(settings, rfp, fx)
    except FxUnavailable as exc:
        view.error = str(exc)
        return view
    offers = []
    for bid_id, name in pairs:
        config = configs.get(bid_id)
        line = BidLifeCycle(bid_id=bid_id, vendor_name=name, configuration=config)
        view.bids.append(line)
        if config is None:
            line.error = "No configuration offered."
            continue
        try:
            offer = offer_of(config, label=name, bid_currency=config.bid.currency, rfp=rfp, fx=fx)
            line.result = lifecycle.compute(view.parameters, offer)
        except (lifecycle.LifeCycleError, FxUnavailable, ValueError) as exc:
            line.error = str(exc)
            continue
        offers.append(offer)
    if with_sensitivity and matrix is not None and offers:
        facts = [row.bid for row in matrix.rows]
        fractions = {
            row.bid.id: {cell.criterion.id: cell.fraction for cell in row.cells}
            for row in matrix.rows
        }
        winner_of = winner_function(matrix.criteria, facts, fractions)
        names = dict(pairs)
        outcomes = lifecycle.sensitivity(view.parameters, offers, winner_of=winner_of)
        base = outcomes[0]
        for outcome in outcomes:
            view.sensitivity.append(
                SensitivityLine(
                    group=outcome.scenario.group,
                    label=outcome.scenario.label,
                    is_base=outcome.scenario.is_base,
                    winner=names.get(outcome.winner, "—"),
                    lowest_lcc=names.get(outcome.lowest[lifecycle.METRIC_LCC], "—"),
                    lowest_lcc_externality=names.get(
                        outcome.lowest[lifecycle.METRIC_LCC_EXTERNALITY], "—"
                    ),
                    lowest_kgco2e_per_fu=names.get(
                        outcome.lowest[lifecycle.METRIC_KGCO2E_PER_FU], "—"
                    ),
                    flips=outcome.flips(base)
                    or outcome.lowest[lifecycle.METRIC_LCC] != base.lowest[lifecycle.METRIC_LCC],
                )
            )
    return view


def result_as_dict(result: lifecycle.Result) -> dict:
    """One bid's figures as JSON-ready strings: money to the cent, kg to the gram."""
    q2, q3 = lifecycle.q2, lifecycle.q3
    return {
        "currency": result.parameters.currency,
        "price": str(q2(result.price)),
        "energy": str(q2(result.energy)),
        "maintenance": str(q2(result.maintenance)),
        "end_of_life": str(q2(result.end_of_life)),
        "residual_value": str(q2(result.residual)),
        "lcc": str(q2(result.lcc)),
        "externality": str(q2(result.externality)),
        "lcc_with_externality": str(q2(result.lcc_with_externality)),
        "energy_kwh_per_year": str(q3(result.energy_kwh_per_year)),
        "embodied_kgco2e": str(q3(result.embodied_kgco2e)),
        "embodied_source": result.embodied_source,
        "embodied_note": result.embodied_note,
        "operational_kgco2e": str(q3(result.operational_kgco2e)),
        "end_of_life_kgco2e": str(q3(result.eol_kgco2e)),
        "life_cycle_kgco2e": str(q3(result.life_cycle_kgco2e)),
        "functional_unit": result.parameters.functional_unit_label,
        "functional_units": str(result.functional_units),
        "lcc_per_functional_unit": str(result.lcc_per_fu.quantize(Decimal("0.0001"))),
        "kgco2e_per_functional_unit": str(q3(result.kgco2e_per_fu)),
        "low_data_quality": result.low_data_quality,
        "notes": list(result.notes),
    }


def parameters_as_dict(settings: RfpLifeCycle, parameters: lifecycle.Parameters | None) -> dict:
    return {
        "horizon_years": settings.horizon_years,
        "discount_rate_percent": str(settings.discount_rate_percent),
        "hours_per_year": str(settings.hours_per_year),
        "utilisation_percent": str(settings.utilisation_percent),
        "pue": str(settings.pue),
        "electricity_price_per_kwh": str(settings.electricity_price_per_kwh),
        "electricity_price_path": [str(p) for p in settings.electricity_price_path or []],
        "grid_kgco2e_per_kwh": str(settings.grid_kgco2e_per_kwh),
        "grid_basis": settings.grid_basis,
        "grid_source": settings.grid_source,
        "carbon_price_per_tco2e": _plain(settings.carbon_price_per_tco2e),
        "carbon_price_currency": settings.carbon_price_currency or settings.rfp.currency,
        "carbon_price_source": settings.carbon_price_source,
        "social_carbon_price_per_tco2e": _plain(settings.social_carbon_price_per_tco2e),
        "functional_unit": settings.functional_unit,
        "functional_unit_label": parameters.functional_unit_label if parameters else "",
        "performance_name": settings.performance_name,
        "performance_unit": settings.performance_unit,
        "eol_treatment": settings.eol_treatment,
        "eol_kgco2e_per_kg": str(settings.eol_kgco2e_per_kg),
        "embodied_model_kgco2e_per_accelerator": _plain(
            settings.embodied_model_kgco2e_per_accelerator
        ),
        "embodied_model_source": settings.embodied_model_source,
        "max_power_w_per_unit": _plain(settings.max_power_w_per_unit),
        "data_asked": [label for _name, label in lifecycle.DATA_ASKED],
        "formula": list(lifecycle.FORMULA),
    }


def _plain(value) -> str | None:
    return None if value is None else str(value)
