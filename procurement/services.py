"""Writes of the procurement app: RFPs, bids, scores, moderation and award.

Every function takes the acting user, runs in one transaction, attributes history through
``acting_as`` and records its business event with ``audit_event_record`` in the same transaction.
Rules that need numbers (weights, scales, normalisation) live in ``procurement.scoring``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record, evidence_file_upload
from operations.services import outbox_email_enqueue
from procurement import scoring
from procurement.models import (
    LIFE_CYCLE_RULES,
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
from procurement.selectors import criterion_spec
from vendors.models import VendorContact

CRITERION_FIELDS = (
    "name",
    "description",
    "is_sustainability",
    "rule",
    "scale_max",
    "normalisation",
    "thresholds",
    "derived_source",
    "unit",
    "asks_evidence",
    "kpi_template_code",
)
RFP_FIELDS = frozenset(
    {"title", "category", "description", "currency", "deadline", "min_sustainability_share"}
)
PRICE_CODE = "price"
# Criteria whose answer the bidder does not type: derived from vendor records, or computed from
# the offered configuration (procurement/services_lcc.py).
ANSWERED_ELSEWHERE = LIFE_CYCLE_RULES | {Rule.DERIVED}


def _now(now=None):
    return now or timezone.now()


def deadline_passed(rfp: Rfp, now=None) -> bool:
    return _now(now) >= rfp.deadline


def is_price_criterion(criterion: RfpCriterion) -> bool:
    """The price criterion takes its answer from the bid's price rather than a separate field."""
    template_code = getattr(criterion, "template_code", None)
    if template_code is None and criterion.template_id:
        template_code = criterion.template.code
    return template_code == PRICE_CODE


# --- RFPs ------------------------------------------------------------------------------------


def rfp_create(
    *,
    actor,
    title: str,
    category: str,
    deadline: datetime.datetime,
    currency: str = "USD",
    description: str = "",
    min_sustainability_share: Decimal = Decimal(10),
    invited_vendors=(),
    panel=(),
    moderator=None,
    reason: str = "",
) -> Rfp:
    rfp = Rfp(
        title=title,
        category=category,
        deadline=deadline,
        currency=currency,
        description=description,
        min_sustainability_share=min_sustainability_share,
        moderator=moderator,
        created_by=actor,
    )
    rfp.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "RFP created"):
        rfp.save()
        if invited_vendors:
            rfp.invited_vendors.set(invited_vendors)
        if panel:
            rfp.panel.set(panel)
        audit_event_record(actor=actor, verb=AuditEvent.Verb.CREATED, target=rfp)
    return rfp


def rfp_update(*, actor, rfp: Rfp, reason: str = "", **fields) -> Rfp:
    """Change an RFP's description fields; once published only the description may change, and
    the deadline may only move later (bidders plan against it)."""
    unknown = set(fields) - RFP_FIELDS
    if unknown:
        raise ValidationError(f"Unknown RFP fields: {', '.join(sorted(unknown))}")
    if rfp.status != Rfp.Status.DRAFT:
        locked = {
            name
            for name, value in fields.items()
            if name not in {"description", "deadline"} and getattr(rfp, name) != value
        }
        if "deadline" in fields and fields["deadline"] < rfp.deadline:
            locked.add("deadline")
        if locked:
            raise ValidationError(
                dict.fromkeys(sorted(locked), "cannot change once the RFP is published")
            )
    for name, value in fields.items():
        setattr(rfp, name, value)
    rfp.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "RFP changed"):
        rfp.save()
    return rfp


def rfp_criterion_add(
    *,
    actor,
    rfp: Rfp,
    weight,
    template: CriterionTemplate | None = None,
    reason: str = "",
    **fields,
) -> RfpCriterion:
    """Add a criterion to a draft RFP, copied from a library template and/or given fields."""
    if rfp.status != Rfp.Status.DRAFT:
        raise ValidationError("Criteria can only be added while the RFP is a draft.")
    values = {name: getattr(template, name) for name in CRITERION_FIELDS} if template else {}
    values.update(fields)
    order = fields.pop("order", None)
    if order is None:
        order = rfp.criteria.count() + 1
    values.pop("order", None)
    criterion = RfpCriterion(
        rfp=rfp, template=template, weight=Decimal(weight), order=order, **values
    )
    criterion.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "criterion added"):
        criterion.save()
    return criterion


def rfp_criterion_update(*, actor, criterion: RfpCriterion, reason: str = "", **fields):
    if criterion.rfp.status != Rfp.Status.DRAFT:
        raise ValidationError("Criteria can only be changed while the RFP is a draft.")
    for name, value in fields.items():
        setattr(criterion, name, value)
    criterion.full_clean()
    with transaction.atomic(), acting_as(actor, reason or "criterion changed"):
        criterion.save()
    return criterion


def rfp_criterion_delete(*, actor, criterion: RfpCriterion, reason: str = "") -> None:
    if criterion.rfp.status != Rfp.Status.DRAFT:
        raise ValidationError("Criteria can only be removed while the RFP is a draft.")
    with transaction.atomic(), acting_as(actor, reason or "criterion removed"):
        criterion.delete()


def rfp_publish_problems(rfp: Rfp, now=None) -> list[str]:
    """Why ``rfp`` cannot be published yet (empty when it can)."""
    criteria = [
        scoring.Criterion(
            id=c.pk,
            name=c.name,
            rule=c.rule,
            weight=c.weight,
            is_sustainability=c.is_sustainability,
        )
        for c in rfp.criteria.all()
    ]
    problems = []
    if not criteria:
        problems.append("The RFP has no criteria.")
    problems += scoring.weights_check(criteria, rfp.min_sustainability_share)
    from procurement.services_lcc import life_cycle_publish_problems

    problems += life_cycle_publish_problems(rfp)
    if not rfp.invited_vendors.exists():
        problems.append("No vendor is invited.")
    if rfp.deadline <= _now(now):
        problems.append("The deadline is in the past.")
    return problems


def rfp_publish(*, actor, rfp: Rfp, reason: str = "", now=None) -> Rfp:
    """Publish a draft RFP and email every invited vendor's contacts.

    Refused unless the weights sum to exactly 100 and sustainability criteria carry at least
    ``min_sustainability_share``; the error names the actual sums.
    """
    if rfp.status != Rfp.Status.DRAFT:
        raise ValidationError(f"Only a draft RFP can be published; this one is {rfp.status}.")
    problems = rfp_publish_problems(rfp, now)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), acting_as(actor, reason or "RFP published"):
        rfp.status = Rfp.Status.PUBLISHED
        rfp.published_at = _now(now)
        rfp.save(update_fields=["status", "published_at"])
        contacts = list(
            VendorContact.objects.filter(vendor__in=rfp.invited_vendors.all())
            .select_related("vendor")
            .order_by("vendor__name", "email")
        )
        published = audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.PUBLISHED,
            target=rfp,
            details={
                "deadline": rfp.deadline.isoformat(),
                "invited_vendors": sorted({c.vendor_id for c in contacts}),
                "weights": {c.name: str(c.weight) for c in rfp.criteria.all()},
            },
        )
        for contact in contacts:
            _rfp_invitation_email_enqueue(rfp, contact, key=f"rfp-invitation:{published.pk}")
    return rfp


def _rfp_invitation_email_enqueue(rfp: Rfp, contact: VendorContact, *, key: str) -> None:
    context = {"rfp": rfp, "contact": contact, "site_url": settings.SITE_URL}
    outbox_email_enqueue(
        key=f"{key}:{contact.pk}",
        subject=f"Invitation to bid: {rfp.title}",
        to=[contact.email],
        body=render_to_string("portal/rfps/emails/invitation.txt", context),
    )


# --- bids ------------------------------------------------------------------------------------


def _bid_open_check(rfp: Rfp, vendor, now=None) -> None:
    if rfp.status != Rfp.Status.PUBLISHED or not rfp.invited_vendors.filter(pk=vendor.pk).exists():
        # Not published or not invited: the vendor must not learn the RFP exists.
        raise Http404("No such RFP")
    if deadline_passed(rfp, now):
        raise ValidationError(
            f"The deadline ({timezone.localtime(rfp.deadline):%d %B %Y %H:%M %Z}) has passed; "
            "bids can no longer be changed."
        )


def _answer_value(criterion: RfpCriterion, raw):
    """Parse a posted answer for ``criterion``'s rule; errors name the criterion and value."""
    if raw in (None, ""):
        return None
    if criterion.rule in (Rule.NUMERIC_LOWER, Rule.NUMERIC_HIGHER):
        try:
            value = Decimal(str(raw))
        except InvalidOperation as exc:
            raise ValidationError({f"c{criterion.pk}": f"{raw!r} is not a number."}) from exc
        if not value.is_finite() or value < 0:
            raise ValidationError({f"c{criterion.pk}": f"{raw} must be zero or more."})
        if criterion.unit == "%" and value > 100:
            raise ValidationError({f"c{criterion.pk}": f"{raw} is more than 100%."})
        return value
    if criterion.rule == Rule.YES_NO:
        if isinstance(raw, bool):
            return raw
        return str(raw).lower() in {"yes", "true", "1", "on"}
    return str(raw)


def bid_save_draft(
    *,
    actor,
    rfp: Rfp,
    vendor,
    price=None,
    answers: dict | None = None,
    evidence: dict | None = None,
    now=None,
) -> Bid:
    """Create or change a vendor's bid before the deadline.

    ``answers`` maps criterion id to the posted value, ``evidence`` criterion id to an uploaded
    file. Changing a submitted or withdrawn bid makes it a draft again: the vendor resubmits, so
    what is sealed at the deadline is always what the vendor last confirmed.
    """
    _bid_open_check(rfp, vendor, now)
    answers = answers or {}
    evidence = evidence or {}
    criteria = {c.pk: c for c in rfp.criteria.select_related("template")}
    if price not in (None, ""):
        try:
            price = Decimal(str(price))
        except InvalidOperation as exc:
            raise ValidationError({"price": f"{price!r} is not an amount."}) from exc
        if not price.is_finite() or price <= 0:
            raise ValidationError({"price": "The price must be more than zero."})
        price = price.quantize(Decimal("0.01"))
    else:
        price = None
    parsed = {}
    for criterion_id, raw in answers.items():
        criterion = criteria.get(int(criterion_id))
        if (
            criterion is None
            or criterion.rule in ANSWERED_ELSEWHERE
            or is_price_criterion(criterion)
        ):
            continue
        parsed[criterion.pk] = _answer_value(criterion, raw)
    with transaction.atomic(), acting_as(actor, "bid saved in the portal"):
        bid, _created = Bid.objects.select_for_update().get_or_create(
            rfp=rfp, vendor=vendor, defaults={"created_by": actor, "currency": rfp.currency}
        )
        bid.price = price
        bid.status = Bid.Status.DRAFT
        bid.submitted_at = None
        bid.withdrawn_at = None
        bid.save()
        existing = {a.criterion_id: a for a in bid.answers.all()}
        for criterion in criteria.values():
            if criterion.rule in ANSWERED_ELSEWHERE:
                continue
            if is_price_criterion(criterion):
                value = price
            elif criterion.pk in parsed:
                value = parsed[criterion.pk]
            else:
                value = _stored_value(existing.get(criterion.pk))
            answer = existing.get(criterion.pk) or BidAnswer(bid=bid, criterion=criterion)
            _set_answer(answer, criterion, value)
            upload = evidence.get(criterion.pk)
            if upload is not None and criterion.asks_evidence:
                answer.evidence = evidence_file_upload(
                    actor=actor, uploaded_file=upload, vendor=vendor, target=bid
                )
            answer.save()
    return bid


def _stored_value(answer: BidAnswer | None):
    if answer is None:
        return None
    if answer.value_number is not None:
        return answer.value_number
    if answer.value_bool is not None:
        return answer.value_bool
    return answer.value_text or None


def _set_answer(answer: BidAnswer, criterion: RfpCriterion, value) -> None:
    answer.value_number = None
    answer.value_bool = None
    answer.value_text = ""
    if value is None:
        return
    if criterion.rule in (Rule.NUMERIC_LOWER, Rule.NUMERIC_HIGHER):
        answer.value_number = value
    elif criterion.rule == Rule.YES_NO:
        answer.value_bool = value
    else:
        answer.value_text = str(value)


def bid_missing_answers(bid: Bid) -> list[str]:
    missing = []
    if bid.price is None:
        missing.append("Price")
    for answer in bid.answers.select_related("criterion", "criterion__template"):
        criterion = answer.criterion
        if is_price_criterion(criterion):
            continue
        if criterion.rule in (Rule.NUMERIC_LOWER, Rule.NUMERIC_HIGHER):
            if answer.value_number is None:
                missing.append(criterion.name)
        elif criterion.rule == Rule.YES_NO:
            if answer.value_bool is None:
                missing.append(criterion.name)
        elif criterion.rule == Rule.MANUAL_SCALE and not answer.value_text.strip():
            missing.append(criterion.name)
    from procurement.services_lcc import bid_life_cycle_missing

    missing += bid_life_cycle_missing(bid)
    return missing


def bid_submit(*, actor, bid: Bid, now=None) -> Bid:
    """Submit (or resubmit) a bid before the deadline; every answer a rule scores is required."""
    _bid_open_check(bid.rfp, bid.vendor, now)
    missing = bid_missing_answers(bid)
    if missing:
        raise ValidationError(f"Answer every question before submitting: {', '.join(missing)}.")
    with transaction.atomic(), acting_as(actor, "bid submitted in the portal"):
        bid.status = Bid.Status.SUBMITTED
        bid.submitted_at = _now(now)
        bid.withdrawn_at = None
        bid.save(update_fields=["status", "submitted_at", "withdrawn_at"])
        audit_event_record(actor=actor, verb=AuditEvent.Verb.SUBMITTED, target=bid)
    return bid


def bid_withdraw(*, actor, bid: Bid, now=None) -> Bid:
    _bid_open_check(bid.rfp, bid.vendor, now)
    if bid.status != Bid.Status.SUBMITTED:
        raise ValidationError("Only a submitted bid can be withdrawn.")
    with transaction.atomic(), acting_as(actor, "bid withdrawn in the portal"):
        bid.status = Bid.Status.WITHDRAWN
        bid.withdrawn_at = _now(now)
        bid.save(update_fields=["status", "withdrawn_at"])
        audit_event_record(actor=actor, verb=AuditEvent.Verb.WITHDRAWN, target=bid)
    return bid


# --- automatic scoring -----------------------------------------------------------------------


def rfp_autoscore(*, actor, rfp: Rfp, now=None) -> int:
    """Score every automatic criterion of every submitted bid, once the deadline has passed.

    Numeric answers are normalised across the submitted bids, yes/no answers score 1 or 0, and
    derived criteria are read from the vendor records as of the deadline (see
    ``selectors.derived_facts``). Re-running gives the same rows (update, never duplicate).
    Returns the number of scores written.
    """
    from procurement.selectors import derived_facts

    if not deadline_passed(rfp, now):
        raise ValidationError("Automatic scoring runs once the deadline has passed.")
    if rfp.status in (Rfp.Status.DRAFT, Rfp.Status.CANCELLED, Rfp.Status.AWARDED):
        raise ValidationError(f"An RFP that is {rfp.status} is not scored.")
    criteria = [c for c in rfp.criteria.all() if c.rule != Rule.MANUAL_SCALE]
    bids = list(rfp.bids.filter(status=Bid.Status.SUBMITTED).select_related("vendor"))
    answers = {
        (a.bid_id, a.criterion_id): a
        for a in BidAnswer.objects.filter(bid__in=bids, criterion__in=criteria)
    }
    facts = derived_facts(rfp, [b.vendor_id for b in bids])
    written = 0
    with transaction.atomic(), acting_as(actor, "automatic scoring at the deadline"):
        existing = {
            (s.bid_id, s.criterion_id): s
            for s in Score.objects.filter(bid__in=bids, criterion__in=criteria, evaluator=None)
        }
        moderated = {
            (m.bid_id, m.criterion_id): m
            for m in ModeratedScore.objects.filter(bid__in=bids, criterion__in=criteria)
        }
        for criterion in criteria:
            spec = criterion_spec(criterion)
            if criterion.rule == Rule.DERIVED:
                values = {
                    b.pk: facts.get(b.vendor_id, {}).get(criterion.derived_source, False)
                    for b in bids
                }
            else:
                values = {b.pk: _answer_raw(answers.get((b.pk, criterion.pk))) for b in bids}
            fractions = scoring.automatic_fractions(spec, values)
            for bid in bids:
                fraction = fractions[bid.pk]
                score = existing.get((bid.pk, criterion.pk))
                if score is None or score.score != fraction:
                    score = score or Score(bid=bid, criterion=criterion, is_automatic=True)
                    score.score = fraction
                    score.rationale = _automatic_rationale(spec, values[bid.pk])
                    score.save()
                    written += 1
                mod = moderated.get((bid.pk, criterion.pk))
                if mod is None or mod.score != fraction:
                    mod = mod or ModeratedScore(bid=bid, criterion=criterion)
                    mod.score = fraction
                    mod.method = ModeratedScore.Method.AUTOMATIC
                    mod.rationale = "Scored by rule."
                    mod.save()
        first_time = rfp.auto_scored_at is None
        rfp.auto_scored_at = _now(now)
        if rfp.status == Rfp.Status.PUBLISHED:
            rfp.status = Rfp.Status.CLOSED
        rfp.save(update_fields=["auto_scored_at", "status"])
        if first_time or written:
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.AUTOSCORED,
                target=rfp,
                details={"bids": len(bids), "scores_written": written},
            )
    return written


def _answer_raw(answer: BidAnswer | None):
    if answer is None:
        return None
    if answer.value_number is not None:
        return answer.value_number
    return answer.value_bool


def _automatic_rationale(spec: scoring.Criterion, value) -> str:
    if spec.rule in scoring.LINEAR_FORMULA and spec.normalisation == scoring.LINEAR:
        return f"Answer {value}; {scoring.LINEAR_FORMULA[spec.rule]} across submitted bids."
    if spec.rule in scoring.LINEAR_FORMULA:
        return f"Answer {value} against thresholds {list(spec.thresholds)}."
    return f"{'Yes' if value else 'No'}."


# --- panel scoring and moderation ------------------------------------------------------------


def evaluator_may_score(user, rfp: Rfp) -> bool:
    return bool(
        user.is_active
        and user.has_perm("procurement.change_score")
        and rfp.panel.filter(pk=user.pk).exists()
    )


def score_record(
    *, actor, bid: Bid, criterion: RfpCriterion, score, rationale: str, now=None
) -> Score:
    """An evaluator's score of one bid on one manual criterion, with a rationale.

    Only members of the RFP's panel (404 for anyone else, so the RFP's existence is not
    confirmed), only after the deadline, only within the scale 0..N, never by an evaluator who
    declared a conflict with the bidder.
    """
    rfp = bid.rfp
    if criterion.rfp_id != rfp.pk or not evaluator_may_score(actor, rfp):
        raise Http404("No such bid")
    if not deadline_passed(rfp, now) or bid.status != Bid.Status.SUBMITTED:
        raise ValidationError("Bids are scored after the deadline, and only submitted ones.")
    if rfp.status in (Rfp.Status.AWARDED, Rfp.Status.CANCELLED):
        raise ValidationError(f"The RFP is {rfp.status}; scores are closed.")
    if criterion.rule != Rule.MANUAL_SCALE:
        raise ValidationError({"score": f"{criterion.name} is scored automatically."})
    if ConflictDeclaration.objects.filter(rfp=rfp, evaluator=actor, vendor=bid.vendor_id).exists():
        raise PermissionDenied("You declared a conflict with this vendor.")
    try:
        points = Decimal(str(score))
    except InvalidOperation as exc:
        raise ValidationError({"score": f"{score!r} is not a number."}) from exc
    try:
        scoring.manual_score_check(criterion_spec(criterion), points)
    except scoring.ScoringError as exc:
        raise ValidationError({"score": str(exc)}) from exc
    if not (rationale or "").strip():
        raise ValidationError({"rationale": "Give the reason for this score."})
    with transaction.atomic(), acting_as(actor, "bid scored"):
        row, _created = Score.objects.update_or_create(
            bid=bid,
            criterion=criterion,
            evaluator=actor,
            defaults={"score": points, "rationale": rationale.strip(), "is_automatic": False},
        )
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.SCORED,
            target=bid,
            details={"criterion": criterion.name, "score": str(points)},
        )
    return row


def conflict_declare(*, actor, rfp: Rfp, vendor, reason: str) -> ConflictDeclaration:
    """The evaluator is excluded from scoring ``vendor``'s bid; earlier scores stop counting."""
    if not rfp.panel.filter(pk=actor.pk).exists():
        raise Http404("No such RFP")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say what the conflict is."})
    with transaction.atomic(), acting_as(actor, "conflict declared"):
        declaration, _created = ConflictDeclaration.objects.get_or_create(
            rfp=rfp, evaluator=actor, vendor=vendor, defaults={"reason": reason.strip()}
        )
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CONFLICT_DECLARED,
            target=rfp,
            vendor=vendor,
            details={"reason": reason},
        )
    return declaration


def may_moderate(user, rfp: Rfp) -> bool:
    return bool(
        user.is_active
        and user.has_perm("procurement.change_moderatedscore")
        and (user.has_perm("procurement.change_rfp") or rfp.moderator_id == user.pk)
    )


def moderate(
    *, actor, bid: Bid, criterion: RfpCriterion, override=None, rationale: str = ""
) -> ModeratedScore:
    """The moderated score of a manual criterion: the mean of the evaluators who are not
    conflicted with the bidder, or the moderator's override (on the 0..N scale) with a reason."""
    rfp = bid.rfp
    if not may_moderate(actor, rfp):
        raise PermissionDenied("Only the moderator or a procurement officer moderates.")
    if criterion.rfp_id != rfp.pk or criterion.rule != Rule.MANUAL_SCALE:
        raise ValidationError("Only manual criteria of this RFP are moderated.")
    if rfp.status in (Rfp.Status.AWARDED, Rfp.Status.CANCELLED):
        raise ValidationError(f"The RFP is {rfp.status}; scores are closed.")
    if override not in (None, ""):
        try:
            points = Decimal(str(override))
        except InvalidOperation as exc:
            raise ValidationError({"override": f"{override!r} is not a number."}) from exc
        try:
            scoring.manual_score_check(criterion_spec(criterion), points)
        except scoring.ScoringError as exc:
            raise ValidationError({"override": str(exc)}) from exc
        if not (rationale or "").strip():
            raise ValidationError({"rationale": "An override needs a rationale."})
        method = ModeratedScore.Method.OVERRIDE
        points = scoring.q4(points)
    else:
        conflicted = set(
            ConflictDeclaration.objects.filter(rfp=rfp, vendor=bid.vendor_id).values_list(
                "evaluator_id", flat=True
            )
        )
        values = [
            s.score
            for s in Score.objects.filter(bid=bid, criterion=criterion, evaluator__isnull=False)
            if s.evaluator_id not in conflicted
        ]
        points = scoring.mean_score(values)
        if points is None:
            raise ValidationError(f"No evaluator has scored {bid.vendor} on {criterion.name} yet.")
        method = ModeratedScore.Method.MEAN
    with transaction.atomic(), acting_as(actor, "score moderated"):
        row, _created = ModeratedScore.objects.update_or_create(
            bid=bid,
            criterion=criterion,
            defaults={
                "score": points,
                "method": method,
                "rationale": (rationale or "").strip(),
                "moderator": actor,
            },
        )
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.MODERATED,
            target=bid,
            details={"criterion": criterion.name, "score": str(points), "method": method},
        )
    return row


def rfp_moderate_all(*, actor, rfp: Rfp) -> int:
    """Take the evaluators' mean for every manual score not already overridden."""
    if not may_moderate(actor, rfp):
        raise PermissionDenied("Only the moderator or a procurement officer moderates.")
    overridden = set(
        ModeratedScore.objects.filter(
            bid__rfp=rfp, method=ModeratedScore.Method.OVERRIDE
        ).values_list("bid_id", "criterion_id")
    )
    count = 0
    with transaction.atomic():
        for bid in rfp.bids.filter(status=Bid.Status.SUBMITTED).select_related("vendor", "rfp"):
            for criterion in rfp.criteria.filter(rule=Rule.MANUAL_SCALE):
                if (bid.pk, criterion.pk) in overridden:
                    continue
                try:
                    moderate(actor=actor, bid=bid, criterion=criterion)
                except ValidationError:
                    continue
                count += 1
        _mark_evaluated(rfp)
    return count


def _mark_evaluated(rfp: Rfp) -> None:
    from procurement.selectors import rfp_matrix

    if rfp.status == Rfp.Status.CLOSED and rfp_matrix(rfp).moderation_complete:
        rfp.status = Rfp.Status.EVALUATED
        rfp.save(update_fields=["status"])


# --- award -----------------------------------------------------------------------------------


def rfp_award(
    *,
    actor,
    rfp: Rfp,
    bid: Bid,
    rationale: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    reference: str | None = None,
) -> Award:
    """Award ``rfp`` to ``bid``: record the decision and rationale, notify every bidder, and
    create a draft contract whose proposed KPI clauses carry the winning bid's sustainability
    commitments (criteria with a ``kpi_template_code`` and a numeric answer).

    Officers only (``procurement.add_award``), after moderation is complete. Awarding another
    bid than the top-ranked one is allowed; the rationale says why.
    """
    from contracts import services as contract_services
    from contracts.models import KpiClauseTemplate
    from procurement.selectors import rfp_matrix

    if not actor.has_perm("procurement.add_award"):
        raise PermissionDenied("Only procurement officers award.")
    if bid.rfp_id != rfp.pk or bid.status != Bid.Status.SUBMITTED:
        raise ValidationError({"bid": "Choose a submitted bid of this RFP."})
    if rfp.status in (Rfp.Status.AWARDED, Rfp.Status.CANCELLED, Rfp.Status.DRAFT):
        raise ValidationError(f"The RFP is {rfp.status} and cannot be awarded.")
    if Award.objects.filter(rfp=rfp).exists():
        raise ValidationError("The RFP is already awarded.")
    if not (rationale or "").strip():
        raise ValidationError({"rationale": "Record why this bid wins."})
    matrix = rfp_matrix(rfp)
    if not matrix.moderation_complete:
        raise ValidationError(
            "Moderation is not complete: every bid needs a moderated score on every criterion."
        )
    start_date = start_date or timezone.localdate()
    end_date = end_date or start_date.replace(year=start_date.year + 3)
    row = next(r for r in matrix.rows if r.bid.id == bid.pk)
    with transaction.atomic(), acting_as(actor, "RFP awarded"):
        contract = contract_services.contract_create(
            actor=actor,
            vendor=bid.vendor,
            reference=reference or f"RFP-{rfp.pk:05d}",
            title=rfp.title,
            start_date=start_date,
            end_date=end_date,
            value=bid.price,
            currency=bid.currency,
            source_rfp=rfp,
            status="draft",
            reason=f"created by the award of RFP {rfp.pk}",
        )
        templates = {t.code: t for t in KpiClauseTemplate.objects.all()}
        clauses = []
        answers = bid.answers.select_related("criterion").filter(
            criterion__is_sustainability=True, value_number__isnull=False
        )
        for answer in answers:
            code = answer.criterion.kpi_template_code
            if not code:
                continue
            template = templates.get(code)
            fields = {
                "baseline_value": answer.value_number,
                "baseline_year": start_date.year,
                "target_value": answer.value_number,
                "target_year": max(end_date.year, start_date.year + 1),
            }
            if template is None:
                # The library lacks the template: carry the commitment as a plain clause.
                fields |= {
                    "metric": answer.criterion.name,
                    "unit": answer.criterion.unit,
                    "direction": "lower"
                    if answer.criterion.rule == Rule.NUMERIC_LOWER
                    else "higher",
                    "frequency": "annual",
                }
            clauses.append(
                contract_services.kpi_clause_create(
                    actor=actor,
                    contract=contract,
                    template=template,
                    status="proposed",
                    reason=f"committed in the winning bid of RFP {rfp.pk}",
                    **fields,
                )
            )
        from procurement.services_lcc import award_life_cycle_clauses

        clauses += award_life_cycle_clauses(
            actor=actor,
            contract=contract,
            bid=bid,
            start_year=start_date.year,
            end_year=end_date.year,
        )
        award = Award.objects.create(
            rfp=rfp, bid=bid, rationale=rationale.strip(), decided_by=actor, contract=contract
        )
        rfp.status = Rfp.Status.AWARDED
        rfp.save(update_fields=["status"])
        awarded = audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.AWARDED,
            target=rfp,
            vendor=bid.vendor,
            reason=rationale.strip()[:255],
            details={
                "bid": bid.pk,
                "vendor": bid.vendor.name,
                "rank": row.rank,
                "total": str(row.total),
                "rationale": rationale.strip(),
                "contract": contract.reference,
                "proposed_clauses": [c.metric for c in clauses],
            },
        )
        _award_emails_enqueue(rfp, bid, key=f"rfp-award:{awarded.pk}")
    return award


def _award_emails_enqueue(rfp: Rfp, winner: Bid, *, key: str) -> None:
    """One message per contact of every vendor that submitted a bid."""
    bids = rfp.bids.filter(status=Bid.Status.SUBMITTED).select_related("vendor")
    contacts = VendorContact.objects.filter(vendor__in=[b.vendor_id for b in bids]).select_related(
        "vendor"
    )
    for contact in contacts:
        context = {
            "rfp": rfp,
            "contact": contact,
            "won": contact.vendor_id == winner.vendor_id,
            "site_url": settings.SITE_URL,
        }
        outbox_email_enqueue(
            key=f"{key}:{contact.pk}",
            subject=f"Outcome of {rfp.title}",
            to=[contact.email],
            body=render_to_string("portal/rfps/emails/award.txt", context),
        )
