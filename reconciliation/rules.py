"""The reconciliation rules: plain values in, findings out (no Django, no database).

Each check compares two independent records of the same thing and returns a :class:`CheckOutcome`:
the discrepancies it found (one :class:`Finding` per future flag, identified by ``kind`` and ``key``
so the next run finds the same flag again), the keys it positively found in order (with the note
their open flag is resolved with), and the keys it could not check (their flags are left alone: "not
checked" is not "fine"). ``reconciliation.services.reconciliation_run`` loads the inputs with
``reconciliation.selectors`` and turns outcomes into flags. docs/domain.md, "Reconciliation"."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from vendors.plausibility import DisclosureFacts, emissions_scope12_tco2e, revenue_usd

DISCLOSURE_INTENSITY = "disclosure_intensity"
SPEND_WITHOUT_CONTRACT = "spend_without_contract"
VENDOR_NOT_IN_MASTER = "vendor_not_in_master"
ASSET_QUANTITY_MISMATCH = "asset_quantity_mismatch"

MILLION = Decimal(1_000_000)
RATIO_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")
KEY_NAME_CHARS = 180


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    summary: str
    # JSON-ready figures for the reviewer (decimals as text); "figure" is always present.
    details: dict
    # The number whose material change reopens a dismissed flag (a ratio, USD, units).
    figure: Decimal
    vendor_id: int | None = None
    # ("app_label.model", pk) of the object the flag concerns, if there is one.
    target: tuple[str, int] | None = None


@dataclass
class CheckOutcome:
    kind: str
    ran: bool = True
    findings: list[Finding] = field(default_factory=list)
    # Keys checked and found in order, with the note their open flag is resolved with.
    cleared: dict[str, str] = field(default_factory=dict)
    # Keys that could not be checked this time: their flags are left as they are.
    unchecked: set[str] = field(default_factory=set)
    # Note for an open flag of this kind and year whose key the check did not meet at all
    # (None: leave such flags alone).
    missing_note: str | None = None
    notes: list[str] = field(default_factory=list)


def fmt(value: Decimal, places: Decimal = CENT) -> str:
    """A figure as a person reads it: thousands separated, no trailing zeros."""
    value = Decimal(value).quantize(places)
    text = f"{value:,.{max(-places.as_tuple().exponent, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def material_change(before: Decimal | None, after: Decimal, *, pct: Decimal) -> bool:
    """Whether ``after`` differs from ``before`` by more than ``pct`` percent of ``before``."""
    if before is None:
        return True
    if before == 0:
        return after != 0
    return abs(after - before) > abs(before) * pct / 100


def _name_key(text: str) -> str:
    # Flag keys are at most 255 characters; a long name keeps a readable start and a digest.
    if len(text) <= KEY_NAME_CHARS:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{text[: KEY_NAME_CHARS - 17]}~{digest}"


# --- a. disclosure intensity -------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureInput:
    disclosure_id: int
    vendor_id: int
    vendor_name: str
    label: str
    facts: DisclosureFacts


def disclosure_intensity_check(
    disclosures: Iterable[DisclosureInput], *, low: Decimal, high: Decimal, ran: bool = True
) -> CheckOutcome:
    """Scope 1 + 2 per million USD of revenue against the spend-based estimate of the sector.

    Emissions are Scope 1 plus Scope 2 market-based, location-based when market-based is absent
    (``vendors.plausibility.emissions_scope12_tco2e``); revenue is converted to USD with the FX
    dataset (``revenue_usd``). The independent estimate is the sector's spend-based factor in kgCO2e
    per USD, which is also tCO2e per thousand USD, so ``factor x 1,000`` tCO2e per million USD. A
    ratio outside ``low`` … ``high`` (docs/domain.md, "Reconciliation": x0.2 … x5 by default) is a
    finding."""
    outcome = CheckOutcome(
        kind=DISCLOSURE_INTENSITY,
        ran=ran,
        missing_note="the disclosure is no longer an accepted disclosure of this year "
        "(superseded or withdrawn)",
    )
    for item in disclosures:
        key = f"disclosure:{item.disclosure_id}"
        facts = item.facts
        emissions = emissions_scope12_tco2e(facts)
        usd = revenue_usd(facts)
        factor = facts.sector_factor_kg_per_usd
        if emissions is None or not facts.revenue or not factor or usd is None or usd <= 0:
            outcome.unchecked.add(key)
            continue
        intensity = emissions / (usd / MILLION)
        estimate = factor * 1000
        ratio = intensity / estimate
        if low <= ratio <= high:
            outcome.cleared[key] = (
                f"back within bounds: intensity {fmt(intensity)} tCO2e per million USD is "
                f"{fmt(ratio, RATIO_PLACES)} times the spend-based estimate"
            )
            continue
        converted = "" if facts.revenue_currency.upper() == "USD" else " (converted to USD)"
        outcome.findings.append(
            Finding(
                kind=DISCLOSURE_INTENSITY,
                key=key,
                vendor_id=item.vendor_id,
                target=("vendors.emissionsdisclosure", item.disclosure_id),
                figure=ratio.quantize(RATIO_PLACES),
                summary=(
                    f"{item.vendor_name} {item.label}: Scope 1 + 2 intensity "
                    f"{fmt(intensity)} tCO2e per million USD{converted} is "
                    f"{fmt(ratio, RATIO_PLACES)} times the spend-based estimate of "
                    f"{fmt(estimate)} for NAICS {facts.naics_code} (expected {fmt(low)} to "
                    f"{fmt(high)} times)"
                )[:500],
                details={
                    "figure": str(ratio.quantize(RATIO_PLACES)),
                    "ratio": str(ratio.quantize(RATIO_PLACES)),
                    "scope12_tco2e": str(emissions),
                    "revenue": str(facts.revenue),
                    "revenue_currency": facts.revenue_currency,
                    "revenue_usd": str(usd.quantize(CENT)),
                    "intensity_t_per_musd": str(intensity.quantize(RATIO_PLACES)),
                    "estimate_t_per_musd": str(estimate.quantize(RATIO_PLACES)),
                    "naics": facts.naics_code,
                    "factor_kg_per_usd": str(factor),
                    "factor_source": facts.sector_factor_source,
                    "bounds": [str(low), str(high)],
                },
            )
        )
    return outcome


# --- b. spend without a contract ---------------------------------------------------------------


@dataclass(frozen=True)
class VendorSpend:
    vendor_id: int
    vendor_name: str
    currency: str
    amount: Decimal
    lines: int


def _to_usd(
    rows, units_per_usd: Callable[[str], Decimal | None]
) -> tuple[Decimal, dict[str, Decimal], dict[str, Decimal]]:
    """(USD total, spend per currency, spend per currency that has no FX rate)."""
    total = Decimal(0)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    unconverted: dict[str, Decimal] = {}
    for row in rows:
        by_currency[row.currency] += row.amount
        rate = units_per_usd(row.currency)
        if rate:
            total += row.amount / rate
        else:
            unconverted[row.currency] = unconverted.get(row.currency, Decimal(0)) + row.amount
    return total, dict(by_currency), unconverted


def spend_without_contract_check(
    spend: Iterable[VendorSpend],
    *,
    year: int,
    threshold_usd: Decimal,
    contracted: set[int],
    units_per_usd: Callable[[str], Decimal | None],
) -> CheckOutcome:
    """Vendors whose net spend in ``year`` is above ``threshold_usd`` with no contract in force.

    Amounts are converted to USD at the year's rate; spend in a currency without a rate is left
    out of the total and named in the flag, so the figure never silently treats it as USD.
    """
    outcome = CheckOutcome(
        kind=SPEND_WITHOUT_CONTRACT,
        missing_note=f"no spend with this vendor in {year} any more",
    )
    per_vendor: dict[int, list[VendorSpend]] = defaultdict(list)
    for row in spend:
        per_vendor[row.vendor_id].append(row)
    for vendor_id, rows in per_vendor.items():
        key = f"vendor:{vendor_id}:{year}"
        total, by_currency, unconverted = _to_usd(rows, units_per_usd)
        if vendor_id in contracted:
            outcome.cleared[key] = f"a contract in force in {year} now covers this vendor"
            continue
        if total <= threshold_usd and unconverted:
            # Part of the spend could not be converted: "under the threshold" is not known.
            outcome.unchecked.add(key)
            continue
        if total <= threshold_usd:
            outcome.cleared[key] = (
                f"spend in {year} is now {fmt(total)} USD, not above the threshold of "
                f"{fmt(threshold_usd)} USD"
            )
            continue
        lines = sum(row.lines for row in rows)
        left_out = (
            "; not converted (no FX rate): "
            + ", ".join(f"{fmt(amount)} {code}" for code, amount in sorted(unconverted.items()))
            if unconverted
            else ""
        )
        outcome.findings.append(
            Finding(
                kind=SPEND_WITHOUT_CONTRACT,
                key=key,
                vendor_id=vendor_id,
                target=("vendors.vendor", vendor_id),
                figure=total.quantize(CENT),
                summary=(
                    f"{rows[0].vendor_name}: {fmt(total)} USD of spend in {year} over {lines} "
                    f"ledger lines, above the threshold of {fmt(threshold_usd)} USD, and no "
                    f"contract in force that year{left_out}"
                )[:500],
                details={
                    "figure": str(total.quantize(CENT)),
                    "spend_usd": str(total.quantize(CENT)),
                    "threshold_usd": str(threshold_usd),
                    "lines": lines,
                    "spend_by_currency": {k: str(v) for k, v in sorted(by_currency.items())},
                    "unconverted": {k: str(v) for k, v in sorted(unconverted.items())},
                },
            )
        )
    return outcome


# --- c. ledger vendors missing from the vendor master ------------------------------------------


@dataclass(frozen=True)
class UnmatchedSpend:
    vendor_name: str
    vendor_tax_id: str
    currency: str
    amount: Decimal
    lines: int


def vendor_not_in_master_check(
    spend: Iterable[UnmatchedSpend],
    *,
    year: int,
    normalise_name: Callable[[str], str],
    normalise_tax_id: Callable[[str], str],
    match_now: Callable[[str, str], int | None],
    units_per_usd: Callable[[str], Decimal | None],
) -> CheckOutcome:
    """One finding per distinct normalised vendor name of the year's unmatched ledger lines.

    Names are grouped as the spend import matches them ("ACME Inc." and "Acme" are one vendor);
    a line with only a tax id is grouped by its tax id. A name that the vendor master now matches
    (the vendor was added after the import) is no longer missing and is not flagged.
    """
    outcome = CheckOutcome(
        kind=VENDOR_NOT_IN_MASTER,
        missing_note=f"no unmatched ledger lines under this name in {year} any more",
    )
    groups: dict[str, list[UnmatchedSpend]] = defaultdict(list)
    for row in spend:
        name = normalise_name(row.vendor_name) if row.vendor_name else ""
        group = name or (
            f"tax id {normalise_tax_id(row.vendor_tax_id)}" if row.vendor_tax_id else ""
        )
        groups[group or "(no vendor name)"].append(row)
    for group, rows in sorted(groups.items()):
        key = f"ledger-vendor:{year}:{_name_key(group)}"
        matched = next(
            (pk for row in rows if (pk := match_now(row.vendor_name, row.vendor_tax_id))), None
        )
        if matched:
            outcome.cleared[key] = f"now in the vendor master (vendor #{matched})"
            continue
        spellings = sorted({row.vendor_name or row.vendor_tax_id for row in rows})
        lines = sum(row.lines for row in rows)
        total, by_currency, unconverted = _to_usd(rows, units_per_usd)
        spend_text = ", ".join(f"{fmt(v)} {k}" for k, v in sorted(by_currency.items()))
        others = f" (and {len(spellings) - 1} other spellings)" if len(spellings) > 1 else ""
        figure = total.quantize(CENT) if total else Decimal(lines)
        outcome.findings.append(
            Finding(
                kind=VENDOR_NOT_IN_MASTER,
                key=key,
                figure=figure,
                summary=(
                    f"“{spellings[0][:120]}”{others}: {lines} ledger lines in {year} "
                    f"({spend_text}) name a vendor that is not in the vendor master"
                )[:500],
                details={
                    "figure": str(figure),
                    "normalised_name": group,
                    "names": spellings[:20],
                    "lines": lines,
                    "spend_by_currency": {k: str(v) for k, v in sorted(by_currency.items())},
                    "spend_usd": str(total.quantize(CENT)),
                    "unconverted": {k: str(v) for k, v in sorted(unconverted.items())},
                },
            )
        )
    return outcome


# --- d. hardware quantities: ledger against the asset inventory --------------------------------


@dataclass(frozen=True)
class Quantity:
    hardware_class: str
    vendor_id: int | None
    vendor_name: str
    quantity: Decimal
    rows: int


def asset_quantity_check(
    ledger: Iterable[Quantity],
    inventory: Iterable[Quantity] | None,
    *,
    year: int,
    tolerance_units: Decimal,
    tolerance_pct: Decimal,
) -> CheckOutcome:
    """Units bought in ``year`` (ledger) against units that entered service in ``year``
    (inventory), per hardware class, and per vendor where both sides know every vendor.

    Within tolerance when ``|ledger - inventory| ≤ max(tolerance_units, tolerance_pct % of the
    larger of the two)``. Without an imported inventory (``inventory`` is None) nothing is
    compared and no flag changes.
    """
    outcome = CheckOutcome(
        kind=ASSET_QUANTITY_MISMATCH,
        ran=inventory is not None,
        missing_note=f"no hardware of this class in the ledger or the inventory for {year} any "
        "more, or it is now compared per class rather than per vendor",
    )
    if inventory is None:
        outcome.notes.append("no asset inventory has been imported: hardware not compared")
        return outcome
    ledger, inventory = list(ledger), list(inventory)
    classes = sorted({q.hardware_class for q in ledger} | {q.hardware_class for q in inventory})
    for code in classes:
        ours = [q for q in ledger if q.hardware_class == code]
        theirs = [q for q in inventory if q.hardware_class == code]
        per_vendor = all(q.vendor_id is not None for q in (*ours, *theirs))
        groups: dict[int | None, dict] = defaultdict(
            lambda: {"ledger": Decimal(0), "inventory": Decimal(0), "name": "", "lines": 0}
        )
        for side, rows in (("ledger", ours), ("inventory", theirs)):
            for q in rows:
                group = groups[q.vendor_id if per_vendor else None]
                group[side] += q.quantity
                group["name"] = group["name"] or q.vendor_name
                if side == "ledger":
                    group["lines"] += q.rows
        for vendor_id, group in sorted(groups.items(), key=lambda item: item[0] or 0):
            key = (
                f"hardware:{code}:vendor:{vendor_id}:{year}"
                if vendor_id is not None
                else f"hardware:{code}:{year}"
            )
            bought, in_service = group["ledger"], group["inventory"]
            difference = bought - in_service
            allowed = max(tolerance_units, max(bought, in_service) * tolerance_pct / 100)
            if abs(difference) <= allowed:
                outcome.cleared[key] = (
                    f"ledger {fmt(bought)} and inventory {fmt(in_service)} units of {code} in "
                    f"{year} agree within tolerance"
                )
                continue
            who = f" from {group['name']}" if vendor_id is not None else ""
            outcome.findings.append(
                Finding(
                    kind=ASSET_QUANTITY_MISMATCH,
                    key=key,
                    vendor_id=vendor_id,
                    target=("vendors.vendor", vendor_id) if vendor_id is not None else None,
                    figure=difference,
                    summary=(
                        f"{code}{who}: the ledger has {fmt(bought)} units bought in {year}, the "
                        f"asset inventory {fmt(in_service)} units entering service that year "
                        f"(difference {fmt(difference)}, tolerance {fmt(allowed)})"
                    )[:500],
                    details={
                        "figure": str(difference),
                        "hardware_class": code,
                        "ledger_units": str(bought),
                        "inventory_units": str(in_service),
                        "difference": str(difference),
                        "tolerance_units": str(allowed),
                        "ledger_lines": group["lines"],
                        "per_vendor": per_vendor,
                    },
                )
            )
    return outcome
