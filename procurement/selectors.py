"""Reads of the procurement app: the scoring matrix, sealed-bid views, derived vendor facts.

:func:`rfp_matrix` loads one RFP in a fixed number of queries (criteria, bids, scores, moderated
scores, conflicts, panel) whatever the number of bids, then computes everything through
``procurement.scoring``; the admin matrix, its exports and the results API all read it.

Sealed bids: before the deadline nobody on the buyer side sees a bid's contents. The matrix is
then built with ``sealed=True`` and carries only the bidders' names and bid states.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from config import numbers
from procurement import scoring
from procurement.models import (
    Bid,
    BidAnswer,
    ConflictDeclaration,
    ModeratedScore,
    Rfp,
    RfpCriterion,
    Rule,
    Score,
)


def rfp_is_sealed(rfp: Rfp, now=None) -> bool:
    return (now or timezone.now()) < rfp.deadline


def rfps_for_staff(user):
    """RFPs a staff user may see: all for officers and auditors, panel RFPs for evaluators."""
    queryset = Rfp.objects.all()
    if user.is_superuser or user.has_perm("procurement.change_rfp"):
        return queryset
    if (
        user.groups.filter(name="evaluators").exists()
        and not user.groups.filter(name="auditors").exists()
    ):
        return queryset.filter(panel=user)
    if user.has_perm("procurement.view_rfp"):
        return queryset
    return queryset.none()


def rfps_for_vendor(vendor):
    """RFPs a vendor sees in the portal: published or later, to which it is invited."""
    return (
        Rfp.objects.filter(invited_vendors=vendor.pk)
        .exclude(status__in=[Rfp.Status.DRAFT, Rfp.Status.CANCELLED])
        .order_by("deadline")
    )


# --- derived facts ---------------------------------------------------------------------------


def derived_facts(rfp: Rfp, vendor_ids) -> dict[int, dict[str, bool]]:
    """Per vendor, the facts derived criteria score, as of the RFP deadline.

    - ISO 14001 valid: a certificate issued on or before the deadline whose status on the
      deadline's date is valid (``Certification.status_on``);
    - disclosure accepted: an accepted (or since superseded) Scope 1+2 disclosure reviewed on or
      before the deadline;
    - disclosure verified: such a disclosure with limited or reasonable assurance;
    - footprint available: a PACT product footprint uploaded on or before the deadline.
    """
    from vendors.models import Certification, EmissionsDisclosure, ProductFootprint

    vendor_ids = list(vendor_ids)
    deadline = rfp.deadline
    day = timezone.localtime(deadline).date()
    facts = {vid: defaultdict(bool) for vid in vendor_ids}
    for cert in Certification.objects.filter(
        vendor__in=vendor_ids, kind=Certification.Kind.ISO_14001, issue_date__lte=day
    ):
        if cert.status_on(day) == Certification.Status.VALID:
            facts[cert.vendor_id]["iso14001_valid"] = True
    disclosures = EmissionsDisclosure.objects.filter(
        vendor__in=vendor_ids,
        status__in=[EmissionsDisclosure.Status.ACCEPTED, EmissionsDisclosure.Status.SUPERSEDED],
    ).filter(Q(reviewed_at__lte=deadline) | Q(reviewed_at__isnull=True))
    for disclosure in disclosures.only("vendor_id", "verification"):
        facts[disclosure.vendor_id]["disclosure_accepted"] = True
        if disclosure.verification != EmissionsDisclosure.Verification.NONE:
            facts[disclosure.vendor_id]["disclosure_verified"] = True
    for vendor_id in (
        ProductFootprint.objects.filter(vendor__in=vendor_ids, created_at__lte=deadline)
        .values_list("vendor_id", flat=True)
        .distinct()
    ):
        facts[vendor_id]["footprint_available"] = True
    return {vid: dict(values) for vid, values in facts.items()}


# --- the matrix ------------------------------------------------------------------------------


@dataclass
class EvaluatorScore:
    evaluator_id: int
    score: Decimal | None
    rationale: str = ""
    conflicted: bool = False


@dataclass
class Cell:
    criterion: scoring.Criterion
    answer: str = ""  # as exported and in the results API
    answer_shown: str = ""  # as the matrix page shows it: grouped, with currency or unit
    evaluator_scores: list[EvaluatorScore] = field(default_factory=list)
    spread: Decimal | None = None
    moderated: Decimal | None = None  # points 0..N (manual) or fraction (automatic)
    method: str = ""
    moderation_rationale: str = ""
    fraction: Decimal | None = None
    points: Decimal = Decimal(0)
    provisional: bool = False


@dataclass
class Row:
    bid: scoring.BidFacts
    vendor_id: int
    vendor_name: str
    status: str
    cells: list[Cell] = field(default_factory=list)
    total: Decimal = Decimal(0)
    sustainability: Decimal = Decimal(0)
    rank: int = 0


@dataclass
class Matrix:
    rfp: Rfp
    sealed: bool
    criteria: list[scoring.Criterion]
    evaluators: list  # users on the panel, ordered by username
    rows: list[Row]
    bid_states: list[tuple[str, str]]  # (vendor name, status) for every bid, sealed or not
    sensitivity: scoring.Sensitivity | None = None
    tie_break: str = scoring.TIE_BREAK
    moderation_complete: bool = False

    @property
    def winner(self) -> Row | None:
        return self.rows[0] if self.rows else None


def _answer_text(answer) -> str:
    if answer is None:
        return ""
    number, boolean, text = answer
    if number is not None:
        return f"{number.normalize():f}"
    if boolean is not None:
        return "Yes" if boolean else "No"
    return text


def answer_shown(answer, *, unit: str, currency: str) -> str:
    """An answer for people: a price with the bid's currency (``USD 4,180,000``), a number with
    its criterion's unit (``90%``, ``1.3 PUE``), grouped; yes/no and text as given."""
    if answer is None:
        return ""
    number = answer[0]
    if number is None:
        return _answer_text(answer)
    if unit == "currency":
        return numbers.money(number.normalize(), currency)
    return numbers.quantity(number, "" if unit == "points" else unit)


def rfp_matrix(rfp: Rfp, *, now=None, with_sensitivity: bool = False) -> Matrix:
    """The scoring matrix of ``rfp`` in a constant number of queries (8; 3 when sealed)."""
    criteria_rows = list(rfp.criteria.all().order_by("order", "id"))
    criteria = [criterion_spec(c) for c in criteria_rows]
    evaluators = list(rfp.panel.all().order_by("username"))
    bids = list(rfp.bids.select_related("vendor").order_by("vendor__name"))
    bid_states = [(b.vendor.name, b.get_status_display()) for b in bids]
    sealed = rfp_is_sealed(rfp, now)
    if sealed:
        return Matrix(
            rfp=rfp,
            sealed=True,
            criteria=criteria,
            evaluators=evaluators,
            rows=[],
            bid_states=bid_states,
        )
    submitted = [b for b in bids if b.status == Bid.Status.SUBMITTED]
    # Plain tuples rather than model instances: thousands of rows at 50 bids x 30 criteria.
    in_rfp = {"bid__rfp": rfp, "bid__status": Bid.Status.SUBMITTED}
    answers = {
        (bid_id, criterion_id): (number, boolean, text)
        for bid_id, criterion_id, number, boolean, text in BidAnswer.objects.filter(
            **in_rfp
        ).values_list("bid_id", "criterion_id", "value_number", "value_bool", "value_text")
    }
    scores = defaultdict(dict)
    automatic = {}
    for bid_id, criterion_id, evaluator_id, points, rationale in Score.objects.filter(
        **in_rfp
    ).values_list("bid_id", "criterion_id", "evaluator_id", "score", "rationale"):
        if evaluator_id is None:
            automatic[(bid_id, criterion_id)] = points
        else:
            scores[(bid_id, criterion_id)][evaluator_id] = (points, rationale)
    method_labels = dict(ModeratedScore.Method.choices)
    moderated = {
        (bid_id, criterion_id): (points, method_labels.get(method, method), rationale)
        for bid_id, criterion_id, points, method, rationale in ModeratedScore.objects.filter(
            **in_rfp
        ).values_list("bid_id", "criterion_id", "score", "method", "rationale")
    }
    conflicts = set(
        ConflictDeclaration.objects.filter(rfp=rfp).values_list("evaluator_id", "vendor_id")
    )

    complete = bool(submitted)
    facts = {}
    fractions: dict[int, dict[int, Decimal | None]] = {}
    rows = []
    for bid in submitted:
        facts[bid.pk] = scoring.BidFacts(
            id=bid.pk, label=bid.vendor.name, price=bid.price, submitted_at=bid.submitted_at
        )
        row = Row(
            bid=facts[bid.pk],
            vendor_id=bid.vendor_id,
            vendor_name=bid.vendor.name,
            status=bid.status,
        )
        own = fractions.setdefault(bid.pk, {})
        for spec, criterion in zip(criteria, criteria_rows, strict=True):
            key = (bid.pk, criterion.pk)
            answer = answers.get(key)
            cell = Cell(
                criterion=spec,
                answer=_answer_text(answer),
                answer_shown=answer_shown(answer, unit=criterion.unit, currency=bid.currency),
            )
            counted = []
            own_scores = scores.get(key, {})
            for evaluator in evaluators:
                score = own_scores.get(evaluator.pk)
                conflicted = (evaluator.pk, bid.vendor_id) in conflicts
                cell.evaluator_scores.append(
                    EvaluatorScore(
                        evaluator_id=evaluator.pk,
                        score=score[0] if score else None,
                        rationale=score[1] if score else "",
                        conflicted=conflicted,
                    )
                )
                if score is not None and not conflicted:
                    counted.append(score[0])
            cell.spread = scoring.spread(counted)
            mod = moderated.get(key)
            if mod is not None:
                cell.moderated, cell.method, cell.moderation_rationale = mod
            elif spec.is_automatic and key in automatic:
                cell.moderated = automatic[key]
                cell.method = "Automatic"
            elif spec.rule == Rule.MANUAL_SCALE:
                cell.moderated = scoring.mean_score(counted)
                cell.provisional = cell.moderated is not None
            if cell.moderated is None or cell.provisional:
                complete = False
            if spec.rule == Rule.MANUAL_SCALE:
                cell.fraction = scoring.manual_fraction(spec, cell.moderated)
            else:
                cell.fraction = cell.moderated
            own[spec.id] = cell.fraction
            row.cells.append(cell)
        rows.append(row)

    totals = scoring.weighted_totals(criteria, list(facts.values()), fractions)
    by_id = {r.bid.id: r for r in rows}
    ordered = []
    for total in totals:
        row = by_id[total.bid.id]
        row.total = total.total
        row.sustainability = total.sustainability
        row.rank = total.rank
        for cell in row.cells:
            cell.points = scoring.q2(total.points[cell.criterion.id])
        ordered.append(row)
    matrix = Matrix(
        rfp=rfp,
        sealed=False,
        criteria=criteria,
        evaluators=evaluators,
        rows=ordered,
        bid_states=bid_states,
        moderation_complete=complete,
    )
    if with_sensitivity:
        matrix.sensitivity = scoring.sensitivity(criteria, list(facts.values()), fractions)
    return matrix


def criterion_spec(criterion: RfpCriterion) -> scoring.Criterion:
    """A criterion row as the pure scoring rules take it (see :mod:`procurement.scoring`)."""
    return scoring.Criterion(
        id=criterion.pk,
        name=criterion.name,
        rule=criterion.rule,
        weight=criterion.weight,
        is_sustainability=criterion.is_sustainability,
        scale_max=criterion.scale_max,
        normalisation=criterion.normalisation,
        thresholds=tuple((Decimal(str(v)), Decimal(str(f))) for v, f in criterion.thresholds or ()),
    )


def matrix_table(matrix: Matrix) -> tuple[list[str], list[list]]:
    """The matrix as a header and rows of plain values, for CSV/XLSX export and the API."""
    header = ["Rank", "Vendor"]
    for c in matrix.criteria:
        for evaluator in matrix.evaluators:
            header.append(f"{c.name} · {evaluator.get_username()}")
        header += [f"{c.name} · spread", f"{c.name} · moderated", f"{c.name} · points"]
    header += ["Sustainability subtotal", "Weighted total"]
    body = []
    for row in matrix.rows:
        values = [row.rank, row.vendor_name]
        for cell in row.cells:
            for es in cell.evaluator_scores:
                values.append("conflict" if es.conflicted else _plain(es.score))
            values += [_plain(cell.spread), _plain(cell.moderated), _plain(cell.points)]
        values += [_plain(row.sustainability), _plain(row.total)]
        body.append(values)
    return header, body


def _plain(value):
    return "" if value is None else str(value)


def matrix_as_dict(matrix: Matrix) -> dict:
    """The results of an RFP as JSON-ready data: the same numbers the matrix page shows."""
    data = {
        "rfp": matrix.rfp.pk,
        "title": matrix.rfp.title,
        "sealed": matrix.sealed,
        "moderation_complete": matrix.moderation_complete,
        "tie_break": matrix.tie_break,
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "rule": c.rule,
                "weight": str(c.weight),
                "is_sustainability": c.is_sustainability,
                "scale_max": c.scale_max,
            }
            for c in matrix.criteria
        ],
        "bids": [],
        "sensitivity": [],
    }
    evaluator_names = {e.pk: e.get_username() for e in matrix.evaluators}
    for row in matrix.rows:
        data["bids"].append(
            {
                "bid": row.bid.id,
                "vendor": row.vendor_name,
                "rank": row.rank,
                "total": str(row.total),
                "sustainability_subtotal": str(row.sustainability),
                "price": _plain(row.bid.price),
                "scores": [
                    {
                        "criterion": cell.criterion.id,
                        "answer": cell.answer,
                        "evaluators": {
                            evaluator_names[es.evaluator_id]: (
                                "conflict" if es.conflicted else _plain(es.score)
                            )
                            for es in cell.evaluator_scores
                        },
                        "spread": _plain(cell.spread),
                        "moderated": _plain(cell.moderated),
                        "method": cell.method,
                        "fraction": _plain(cell.fraction),
                        "points": str(cell.points),
                    }
                    for cell in row.cells
                ],
            }
        )
    if matrix.sensitivity is not None:
        for srow in matrix.sensitivity.rows:
            data["sensitivity"].append(
                {
                    "criterion": srow.criterion.id,
                    "weight": str(srow.weight),
                    "minus_weight": _plain(srow.minus_weight),
                    "minus_winner": srow.minus_winner.label if srow.minus_winner else None,
                    "plus_weight": _plain(srow.plus_weight),
                    "plus_winner": srow.plus_winner.label if srow.plus_winner else None,
                    "winner_changes": srow.flips,
                }
            )
    return data


# --- consolidation ---------------------------------------------------------------------------


@dataclass
class CategoryConcentration:
    category: str
    label: str
    spend: Decimal
    vendor_count: int
    hhi: Decimal  # 0..10,000
    top3_share: Decimal  # percent
    vendors: list[tuple[str, Decimal, Decimal]]  # name, spend, share %
    leverage: Decimal  # spend x (1 - HHI/10,000): spend a consolidation could concentrate


@dataclass
class Consolidation:
    """Spend per vendor category in one currency, and what could not be converted to it."""

    source: str  # "spend ledger" or "contracts"
    currency: str
    fx_source: str  # the FX dataset the amounts were converted with ("" if none was needed)
    categories: list[CategoryConcentration]
    unconverted: list[tuple[str, Decimal]]  # (currency, amount) without a rate: left out


CONSOLIDATION_CURRENCY = "USD"


def consolidation(source: str | None = None) -> Consolidation:
    """Spend per vendor category from the spend ledger when it holds lines, else contract
    values, in USD: each amount is converted at the FX dataset's rate of its year (the line's
    date, the contract's start), and amounts in a currency without a rate are left out and listed.
    Herfindahl-Hirschman index = Σ (share in %)², 10,000 for a single vendor; the categories with
    the most spend spread over many vendors offer the most leverage."""
    from django.db.models import Sum
    from django.db.models.functions import ExtractYear

    from contracts.models import Contract
    from scope3 import selectors as scope3_selectors
    from scope3.models import SpendLine
    from vendors.models import Vendor

    labels = dict(Vendor.Category.choices)
    used = "contracts"
    if source != "contracts" and SpendLine.objects.filter(vendor__isnull=False).exists():
        rows = (
            SpendLine.objects.filter(vendor__isnull=False)
            .annotate(year=ExtractYear("date"))
            .values("vendor__category", "vendor__name", "currency", "year")
            .annotate(spend=Sum("amount"))
        )
        used = "spend ledger"
    else:
        rows = (
            Contract.objects.exclude(status="draft")
            .annotate(year=ExtractYear("start_date"))
            .values("vendor__category", "vendor__name", "currency", "year")
            .annotate(spend=Sum("value"))
        )
    rows = list(rows)
    currencies = {(row["currency"] or CONSOLIDATION_CURRENCY).upper() for row in rows}
    fx = scope3_selectors.fx_rates(currencies=currencies - {CONSOLIDATION_CURRENCY})
    unconverted: dict[str, Decimal] = defaultdict(Decimal)
    totals = defaultdict(Decimal)
    for row in rows:
        currency = (row["currency"] or CONSOLIDATION_CURRENCY).upper()
        amount = Decimal(row["spend"] or 0)
        rate = fx.units_per_usd(currency, row["year"])
        if rate is None or rate <= 0:
            unconverted[currency] += amount
            continue
        totals[(row["vendor__category"], row["vendor__name"])] += amount / rate
    totals = [
        {"vendor__category": category, "vendor__name": name, "spend": spend}
        for (category, name), spend in totals.items()
    ]
    by_category = defaultdict(list)
    for row in totals:
        by_category[row["vendor__category"]].append((row["vendor__name"], row["spend"] or 0))
    results = []
    for category, vendors in by_category.items():
        spend = sum((Decimal(s) for _n, s in vendors), Decimal(0))
        if spend <= 0:
            continue
        shares = sorted(
            ((name, Decimal(s), Decimal(s) * 100 / spend) for name, s in vendors),
            key=lambda item: -item[1],
        )
        hhi = sum((share * share for _n, _s, share in shares), Decimal(0))
        top3 = sum((share for _n, _s, share in shares[:3]), Decimal(0))
        results.append(
            CategoryConcentration(
                category=category,
                label=labels.get(category, category),
                spend=scoring.q2(spend),
                vendor_count=len(shares),
                hhi=hhi.quantize(Decimal("1")),
                top3_share=scoring.q2(top3),
                vendors=[(n, scoring.q2(s), scoring.q2(p)) for n, s, p in shares],
                leverage=scoring.q2(spend * (1 - hhi / Decimal(10000))),
            )
        )
    results.sort(key=lambda c: -c.leverage)
    return Consolidation(
        source=used,
        currency=CONSOLIDATION_CURRENCY,
        fx_source=fx.source if currencies - {CONSOLIDATION_CURRENCY} else "",
        categories=results,
        unconverted=sorted((c, scoring.q2(a)) for c, a in unconverted.items()),
    )


def sealed_bid_evidence():
    """Ids of evidence attached to bids whose RFP deadline has not passed: sealed even from staff.

    Registered with :func:`assurance.selectors.evidence_seal_register` (``ProcurementConfig``), so
    the evidence pages honour the seal without assurance importing procurement
    (docs/architecture.md, "Which app may import which").
    """
    return BidAnswer.objects.filter(
        evidence__isnull=False, bid__rfp__deadline__gt=timezone.now()
    ).values("evidence_id")
