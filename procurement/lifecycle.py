"""Life-cycle cost and life-cycle carbon of bids: pure functions over dataclasses, no ORM.

The method is the one the RFP's method statement publishes (``docs/method.md``, "Life-cycle cost
of bids"); Directive 2014/24/EU Art. 68 allows awarding on it when the tender documents state the
data asked of bidders and the formula. For an offer of N units over a horizon of L years:

- energy per year (kWh) = N x (P_idle + u x (P_max - P_idle)) x hours / 1000 x PUE;
- operational kgCO2e per year = energy x grid factor;
- life-cycle kgCO2e = embodied + sum of operational + end of life (mass x end-of-life factor);
- LCC = price + sum_t (energy x price_t + maintenance) / (1+r)^t
  + (end-of-life cost - residual value) / (1+r)^L;
- externality cost = carbon price x life-cycle tCO2e, shown separately and added only in
  "LCC including the externality cost";
- per functional unit: divided by accelerators x hours x u x L (accelerator-hours), by
  N x hours x u x L (server-hours), or by the offer's performance figure.

Every money figure is in the RFP's currency: an offer in another currency carries the multiplier
the loader took from the FX tables (``fx_rate``: RFP currency per one unit of the bid's) and its
source. Nothing is rounded here; display rounds (``q2`` for money, ``q3`` for kg).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
THOUSAND = Decimal(1000)

ACCELERATOR_HOUR = "accelerator_hour"
SERVER_HOUR = "server_hour"
PERFORMANCE = "performance"

# Where an offer's embodied figure comes from, best data quality first.
EMBODIED_PACT = "pact"
EMBODIED_DECLARED = "declared"
EMBODIED_BUYER_MODEL = "buyer_model"
EMBODIED_LABELS = {
    EMBODIED_PACT: "PACT product footprint shared by the vendor",
    EMBODIED_DECLARED: "declared by the vendor with evidence",
    EMBODIED_BUYER_MODEL: "buyer's hardware model (no vendor figure)",
}

# The metrics the scoring rules read (procurement.models.Rule values).
METRIC_LCC = "lcc"
METRIC_LCC_EXTERNALITY = "lcc_externality"
METRIC_KGCO2E_PER_FU = "lc_kgco2e_per_fu"
METRICS = (METRIC_LCC, METRIC_LCC_EXTERNALITY, METRIC_KGCO2E_PER_FU)


def q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def q3(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


class LifeCycleError(ValueError):
    """Inputs the method cannot use. ``problems`` maps a field name to what is wrong with it."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems.items()))


@dataclass(frozen=True)
class Parameters:
    """The RFP's evaluation parameters, fixed when it is published."""

    horizon_years: int
    discount_rate: Decimal  # real, as a fraction (0.03 = 3 %)
    hours_per_year: Decimal
    utilisation: Decimal  # fraction of full load, 0..1
    pue: Decimal
    electricity_prices: tuple[Decimal, ...]  # per kWh, year 1, 2, ...; the last one carries on
    currency: str
    grid_kgco2e_per_kwh: Decimal
    grid_source: str = ""
    carbon_price_per_tco2e: Decimal | None = None  # in ``currency``; None: no externality cost
    carbon_price_source: str = ""
    social_carbon_price_per_tco2e: Decimal | None = None
    social_carbon_price_source: str = ""
    functional_unit: str = ACCELERATOR_HOUR
    performance_name: str = ""
    performance_unit: str = ""
    eol_kgco2e_per_kg: Decimal = ZERO
    eol_treatment: str = ""
    embodied_model_kgco2e_per_accelerator: Decimal | None = None
    embodied_model_source: str = ""
    max_power_w_per_unit: Decimal | None = None

    def electricity_price(self, year: int) -> Decimal:
        """The price of year ``year`` (1-based); past the end of the path the last price holds,
        and years of the path beyond the horizon are never asked for."""
        prices = self.electricity_prices
        return prices[min(year, len(prices)) - 1]

    @property
    def functional_unit_label(self) -> str:
        if self.functional_unit == PERFORMANCE:
            unit = f" ({self.performance_unit})" if self.performance_unit else ""
            return f"{self.performance_name or 'performance figure'}{unit}"
        return "GPU-hour" if self.functional_unit == ACCELERATOR_HOUR else "server-hour"


@dataclass(frozen=True)
class Offer:
    """One bid's offered configuration; money in the bid's currency, power per unit in W."""

    bid_id: int
    label: str
    unit_price: Decimal
    quantity: int
    accelerators_per_unit: int
    idle_w: Decimal
    full_load_w: Decimal
    maintenance_per_unit_year: Decimal = ZERO
    eol_cost_per_unit: Decimal = ZERO  # negative: a take-back credit
    residual_value_per_unit: Decimal = ZERO
    embodied_kgco2e_per_unit: Decimal | None = None
    embodied_source: str = EMBODIED_DECLARED
    embodied_reference: str = ""  # footprint id or evidence file name
    mass_kg_per_unit: Decimal = ZERO
    performance: Decimal | None = None
    currency: str = ""
    fx_rate: Decimal = ONE  # RFP currency per one unit of the bid's currency
    fx_source: str = ""


@dataclass(frozen=True)
class YearLine:
    year: int
    energy_kwh: Decimal
    electricity_price: Decimal
    energy_cost: Decimal
    maintenance: Decimal
    discount_factor: Decimal  # 1 / (1+r)^t
    energy_pv: Decimal
    maintenance_pv: Decimal
    operational_kgco2e: Decimal


@dataclass(frozen=True)
class Result:
    """Every term of one offer's life-cycle cost and carbon, unrounded, with its inputs."""

    offer: Offer
    parameters: Parameters
    years: tuple[YearLine, ...]
    price: Decimal
    energy: Decimal  # present value
    maintenance: Decimal  # present value
    end_of_life: Decimal  # present value of the end-of-life cost (negative: a credit)
    residual: Decimal  # present value of the residual value, subtracted
    externality: Decimal  # carbon price x life-cycle tCO2e; 0 without a carbon price
    energy_kwh_per_year: Decimal
    embodied_kgco2e: Decimal
    embodied_source: str
    embodied_note: str
    operational_kgco2e: Decimal
    eol_kgco2e: Decimal
    functional_units: Decimal
    notes: tuple[str, ...] = ()

    @property
    def lcc(self) -> Decimal:
        return self.price + self.energy + self.maintenance + self.end_of_life - self.residual

    @property
    def lcc_with_externality(self) -> Decimal:
        return self.lcc + self.externality

    @property
    def life_cycle_kgco2e(self) -> Decimal:
        return self.embodied_kgco2e + self.operational_kgco2e + self.eol_kgco2e

    @property
    def lcc_per_fu(self) -> Decimal:
        return self.lcc / self.functional_units

    @property
    def lcc_with_externality_per_fu(self) -> Decimal:
        return self.lcc_with_externality / self.functional_units

    @property
    def kgco2e_per_fu(self) -> Decimal:
        return self.life_cycle_kgco2e / self.functional_units

    @property
    def low_data_quality(self) -> bool:
        return self.embodied_source == EMBODIED_BUYER_MODEL

    def metric(self, name: str) -> Decimal:
        if name == METRIC_LCC:
            return self.lcc
        if name == METRIC_LCC_EXTERNALITY:
            return self.lcc_with_externality
        if name == METRIC_KGCO2E_PER_FU:
            return self.kgco2e_per_fu
        raise ValueError(f"unknown life-cycle metric {name!r}")


# --- checks ----------------------------------------------------------------------------------


def parameter_problems(p: Parameters) -> dict[str, str]:
    """What is wrong with an RFP's parameters, by field; {} when they can be published."""
    problems = {}
    if p.horizon_years < 1 or p.horizon_years > 30:
        problems["horizon_years"] = f"{p.horizon_years} is not a life of 1 to 30 years."
    if p.discount_rate < 0 or p.discount_rate >= 1:
        problems["discount_rate"] = f"{p.discount_rate} is not a rate from 0 up to (not) 100 %."
    if p.hours_per_year <= 0 or p.hours_per_year > 8784:
        problems["hours_per_year"] = f"{p.hours_per_year} is not between 1 and 8,784 hours."
    if p.utilisation <= 0 or p.utilisation > 1:
        problems["utilisation"] = f"{p.utilisation} is not a utilisation above 0 and up to 100 %."
    if p.pue < 1 or p.pue > 3:
        problems["pue"] = f"A PUE of {p.pue} is outside 1.00 to 3.00."
    if not p.electricity_prices:
        problems["electricity_price"] = "Give an electricity price per kWh."
    elif any(price < 0 for price in p.electricity_prices):
        problems["electricity_price"] = "An electricity price cannot be negative."
    if p.grid_kgco2e_per_kwh < 0 or p.grid_kgco2e_per_kwh > 2:
        problems["grid_kgco2e_per_kwh"] = (
            f"{p.grid_kgco2e_per_kwh} kgCO2e/kWh is outside 0 to 2 (no grid emits more)."
        )
    if not p.grid_source.strip():
        problems["grid_source"] = "Cite the source of the grid emission factor."
    if p.carbon_price_per_tco2e is not None:
        if p.carbon_price_per_tco2e < 0:
            problems["carbon_price_per_tco2e"] = "A carbon price cannot be negative."
        elif not p.carbon_price_source.strip():
            problems["carbon_price_source"] = "Name the policy the carbon price comes from."
    if p.functional_unit == PERFORMANCE and not p.performance_name.strip():
        problems["performance_name"] = "Name the performance figure bidders must give."
    if p.eol_kgco2e_per_kg < 0:
        problems["eol_kgco2e_per_kg"] = "An end-of-life factor cannot be negative."
    return problems


def offer_problems(p: Parameters, o: Offer) -> dict[str, str]:
    """What is missing or implausible in an offered configuration, by field."""
    problems = {}
    if o.unit_price is None or o.unit_price <= 0:
        problems["unit_price"] = "The unit price must be more than zero."
    if o.quantity is None or o.quantity < 1:
        problems["quantity"] = "Offer at least one unit."
    if o.accelerators_per_unit is None or o.accelerators_per_unit < 0:
        problems["accelerators_per_unit"] = "Give the number of accelerators per unit (0 or more)."
    elif p.functional_unit == ACCELERATOR_HOUR and o.accelerators_per_unit == 0:
        problems["accelerators_per_unit"] = (
            "The RFP counts GPU-hours; a unit without accelerators delivers none."
        )
    if o.idle_w is None or o.idle_w < 0:
        problems["idle_w"] = "Give the idle power per unit in W (0 or more)."
    if o.full_load_w is None or o.full_load_w <= 0:
        problems["full_load_w"] = "Give the full-load power per unit in W."
    elif o.idle_w is not None and o.idle_w > o.full_load_w:
        problems["idle_w"] = (
            f"Idle power {o.idle_w} W is above the full-load power {o.full_load_w} W."
        )
    if (
        o.full_load_w is not None
        and p.max_power_w_per_unit is not None
        and o.full_load_w > p.max_power_w_per_unit
    ):
        problems["full_load_w"] = (
            f"{o.full_load_w} W per unit is above the RFP's bound of {p.max_power_w_per_unit} W."
        )
    for name in ("maintenance_per_unit_year", "residual_value_per_unit", "mass_kg_per_unit"):
        value = getattr(o, name)
        if value is not None and value < 0:
            problems[name] = f"{value} cannot be negative."
    if o.embodied_kgco2e_per_unit is not None and o.embodied_kgco2e_per_unit < 0:
        problems["embodied_kgco2e_per_unit"] = "Embodied emissions cannot be negative."
    if o.embodied_kgco2e_per_unit is None and p.embodied_model_kgco2e_per_accelerator is None:
        problems["embodied_kgco2e_per_unit"] = (
            "Give the embodied kgCO2e per unit: the RFP has no hardware model to fall back on."
        )
    if p.functional_unit == PERFORMANCE and (o.performance is None or o.performance <= 0):
        problems["performance"] = f"Give the {p.functional_unit_label} of the configuration."
    return problems


# --- the calculation -------------------------------------------------------------------------


def energy_kwh_per_year(p: Parameters, o: Offer) -> Decimal:
    average_w = o.idle_w + p.utilisation * (o.full_load_w - o.idle_w)
    return Decimal(o.quantity) * average_w * p.hours_per_year / THOUSAND * p.pue


def functional_units(p: Parameters, o: Offer) -> Decimal:
    if p.functional_unit == PERFORMANCE:
        return o.performance
    running = p.hours_per_year * p.utilisation * p.horizon_years * Decimal(o.quantity)
    if p.functional_unit == ACCELERATOR_HOUR:
        return running * Decimal(o.accelerators_per_unit)
    return running


def compute(p: Parameters, o: Offer) -> Result:
    """The life-cycle cost and carbon of one offer (see the module docstring for the formula).

    Raises :class:`LifeCycleError` naming the fields when the offer cannot be computed."""
    problems = offer_problems(p, o)
    if problems:
        raise LifeCycleError(problems)
    n = Decimal(o.quantity)
    fx = o.fx_rate
    notes = []
    if o.currency and o.currency.upper() != p.currency.upper():
        notes.append(
            f"Money converted from {o.currency} at {fx} {p.currency} per {o.currency}"
            + (f" ({o.fx_source})." if o.fx_source else ".")
        )
    if len(p.electricity_prices) < p.horizon_years:
        notes.append(
            f"The electricity price path ends in year {len(p.electricity_prices)}; its last "
            f"price holds to year {p.horizon_years}."
        )
    kwh = energy_kwh_per_year(p, o)
    maintenance_year = n * o.maintenance_per_unit_year * fx
    growth = ONE + p.discount_rate
    years = []
    for t in range(1, p.horizon_years + 1):
        factor = ONE / growth**t
        price = p.electricity_price(t)
        cost = kwh * price
        years.append(
            YearLine(
                year=t,
                energy_kwh=kwh,
                electricity_price=price,
                energy_cost=cost,
                maintenance=maintenance_year,
                discount_factor=factor,
                energy_pv=cost * factor,
                maintenance_pv=maintenance_year * factor,
                operational_kgco2e=kwh * p.grid_kgco2e_per_kwh,
            )
        )
    last = ONE / growth**p.horizon_years
    if o.embodied_kgco2e_per_unit is not None:
        embodied = n * o.embodied_kgco2e_per_unit
        source = o.embodied_source
        note = EMBODIED_LABELS.get(source, source)
        if o.embodied_reference:
            note = f"{note}: {o.embodied_reference}"
    else:
        per_unit = p.embodied_model_kgco2e_per_accelerator * Decimal(o.accelerators_per_unit)
        embodied = n * per_unit
        source = EMBODIED_BUYER_MODEL
        note = (
            f"{EMBODIED_LABELS[EMBODIED_BUYER_MODEL]}: "
            f"{p.embodied_model_kgco2e_per_accelerator} kgCO2e per accelerator"
            + (f" ({p.embodied_model_source})" if p.embodied_model_source else "")
        )
        notes.append(f"No embodied figure given; the {note} is used, with lower data quality.")
    operational = sum((y.operational_kgco2e for y in years), ZERO)
    eol_kg = n * o.mass_kg_per_unit * p.eol_kgco2e_per_kg
    life_cycle_kg = embodied + operational + eol_kg
    carbon_price = p.carbon_price_per_tco2e or ZERO
    return Result(
        offer=o,
        parameters=p,
        years=tuple(years),
        price=n * o.unit_price * fx,
        energy=sum((y.energy_pv for y in years), ZERO),
        maintenance=sum((y.maintenance_pv for y in years), ZERO),
        end_of_life=n * o.eol_cost_per_unit * fx * last,
        residual=n * o.residual_value_per_unit * fx * last,
        externality=carbon_price * life_cycle_kg / THOUSAND,
        energy_kwh_per_year=kwh,
        embodied_kgco2e=embodied,
        embodied_source=source,
        embodied_note=note,
        operational_kgco2e=operational,
        eol_kgco2e=eol_kg,
        functional_units=functional_units(p, o),
        notes=tuple(notes),
    )


def compute_all(p: Parameters, offers: Iterable[Offer]) -> dict[int, Result | LifeCycleError]:
    """Results by bid id; an offer that cannot be computed maps to its error."""
    results: dict[int, Result | LifeCycleError] = {}
    for offer in offers:
        try:
            results[offer.bid_id] = compute(p, offer)
        except LifeCycleError as exc:
            results[offer.bid_id] = exc
    return results


# --- sensitivity -----------------------------------------------------------------------------

ELECTRICITY_SWING = Decimal("0.25")
PUE_SWING = Decimal("0.1")
UTILISATIONS = (Decimal("0.4"), Decimal("0.7"), Decimal("0.9"))


@dataclass(frozen=True)
class Scenario:
    group: str
    label: str
    parameters: Parameters
    is_base: bool = False


def scenarios(p: Parameters) -> list[Scenario]:
    """The published sensitivity cases: electricity price -25 %/+25 %, PUE -0.1/+0.1,
    utilisation 40/70/90 %, carbon price none / policy / social cost. Each case moves one
    parameter; everything else stays as published."""
    cases = [Scenario("Base", "As published", p, is_base=True)]
    for sign, label in ((-1, "-25 %"), (1, "+25 %")):
        factor = ONE + sign * ELECTRICITY_SWING
        prices = tuple(price * factor for price in p.electricity_prices)
        cases.append(Scenario("Electricity price", label, replace(p, electricity_prices=prices)))
    for sign, label in ((-1, "-0.1"), (1, "+0.1")):
        pue = max(ONE, p.pue + sign * PUE_SWING)
        cases.append(Scenario("PUE", f"{label} ({pue})", replace(p, pue=pue)))
    for u in UTILISATIONS:
        cases.append(Scenario("Utilisation", f"{int(u * 100)} %", replace(p, utilisation=u)))
    cases.append(Scenario("Carbon price", "None", replace(p, carbon_price_per_tco2e=None)))
    if p.carbon_price_per_tco2e is not None:
        cases.append(Scenario("Carbon price", f"Policy {p.carbon_price_per_tco2e}", p))
    if p.social_carbon_price_per_tco2e is not None:
        cases.append(
            Scenario(
                "Carbon price",
                f"Social cost {p.social_carbon_price_per_tco2e}",
                replace(p, carbon_price_per_tco2e=p.social_carbon_price_per_tco2e),
            )
        )
    return cases


@dataclass
class ScenarioOutcome:
    scenario: Scenario
    results: dict[int, Result]
    lowest: dict[str, int | None] = field(default_factory=dict)  # metric -> bid id
    winner: int | None = None  # bid id ranked first on the weighted total

    def flips(self, base: ScenarioOutcome) -> bool:
        return self.winner is not None and base.winner is not None and self.winner != base.winner


def lowest(results: Mapping[int, Result], metric: str) -> int | None:
    if not results:
        return None
    return min(results, key=lambda bid: (results[bid].metric(metric), bid))


def sensitivity(
    p: Parameters,
    offers: Sequence[Offer],
    winner_of=None,
) -> list[ScenarioOutcome]:
    """Every scenario's results and the lowest bid on each metric. ``winner_of(results)``, when
    given, returns the bid ranked first on the weighted total with the life-cycle criteria
    rescored from ``results`` (the selector passes one built on ``procurement.scoring``)."""
    outcomes = []
    for scenario in scenarios(p):
        results = {
            bid: r
            for bid, r in compute_all(scenario.parameters, offers).items()
            if isinstance(r, Result)
        }
        outcome = ScenarioOutcome(scenario=scenario, results=results)
        outcome.lowest = {metric: lowest(results, metric) for metric in METRICS}
        outcome.winner = winner_of(results) if winner_of else outcome.lowest[METRIC_LCC]
        outcomes.append(outcome)
    return outcomes


# --- the method statement --------------------------------------------------------------------

DATA_ASKED = (
    ("unit_price", "Unit price and quantity of the offered configuration"),
    ("accelerators_per_unit", "Accelerators (GPUs) per unit"),
    ("idle_w", "Idle power per unit (W), with the measurement standard and an evidence file"),
    ("full_load_w", "Full-load power per unit (W), same standard and evidence"),
    ("maintenance_per_unit_year", "Annual maintenance and support cost per unit"),
    ("eol_cost_per_unit", "Take-back or disposal cost per unit (negative for a credit)"),
    ("residual_value_per_unit", "Residual value per unit at the end of the horizon"),
    (
        "embodied_kgco2e_per_unit",
        "Embodied kgCO2e per unit: a shared PACT footprint, else a declared figure with "
        "evidence; without either the buyer's hardware model is used with lower data quality",
    ),
    ("mass_kg_per_unit", "Mass per unit (kg), for the end-of-life factor"),
)

TIMES = "\u00d7"  # the signs of the formulas shown to readers
MINUS = "\u2212"
DIVIDE = "\u00f7"
SIGMA = "\u03a3"
FORMULA = (
    f"energy per year (kWh) = N {TIMES} (P_idle + u {TIMES} (P_max {MINUS} P_idle)) {TIMES} "
    f"hours {DIVIDE} 1000 {TIMES} PUE",
    f"operational kgCO2e per year = energy {TIMES} grid factor",
    f"life-cycle kgCO2e = embodied + {SIGMA} operational + mass {TIMES} end-of-life factor",
    f"LCC = price + {SIGMA}_t (energy {TIMES} electricity price_t + maintenance) {DIVIDE} "
    f"(1+r)^t + (end-of-life cost {MINUS} residual value) {DIVIDE} (1+r)^L",
    f"externality cost = carbon price {TIMES} life-cycle tCO2e (shown separately)",
)
