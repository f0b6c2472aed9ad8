"""RFPs end to end through the services, the admin and the portal, with the bad inputs."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from assurance.demo import demo_pdf
from assurance.models import AuditEvent
from contracts.models import Contract, KpiClause
from procurement import services
from procurement.models import Award, Bid, ModeratedScore, Rfp, Score
from procurement.tasks import rfp_deadline_sweep
from vendors.tests.factories import (
    CertificationFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)

from .conftest import answers_for, criterion, move_deadline

pytestmark = pytest.mark.django_db


# --- publishing --------------------------------------------------------------------------


def test_publish_refused_when_weights_do_not_sum_to_100_and_shows_the_sum(
    client_for, officer, draft_rfp
):
    services.rfp_criterion_update(
        actor=officer, criterion=criterion(draft_rfp, "price"), weight=Decimal(30)
    )
    client = client_for(officer)
    response = client.post(
        reverse("admin:procurement_rfp_publish", args=[draft_rfp.pk]), follow=True
    )
    assert "The weights sum to 90.00, not 100." in response.content.decode()
    draft_rfp.refresh_from_db()
    assert draft_rfp.status == Rfp.Status.DRAFT
    assert mail.outbox == []
    page = client.get(reverse("admin:procurement_rfp_change", args=[draft_rfp.pk]))
    assert 'id="weight-total">90.00<' in page.content.decode()


def test_publish_refused_when_sustainability_below_minimum(officer, draft_rfp):
    draft_rfp.min_sustainability_share = Decimal(35)
    draft_rfp.save()
    with pytest.raises(services.ValidationError) as exc:
        services.rfp_publish(actor=officer, rfp=draft_rfp)
    assert "Sustainability criteria carry 30.00, below the minimum of 35.00." in exc.value.messages
    assert Rfp.objects.get(pk=draft_rfp.pk).status == Rfp.Status.DRAFT


def test_publish_emails_the_invited_vendors_and_records_the_event(
    client_for, officer, draft_rfp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(officer).post(
            reverse("admin:procurement_rfp_publish", args=[draft_rfp.pk]), follow=True
        )
    assert "is published" in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["bids@acme.example", "bids@bolt.example"]
    assert f"/portal/rfps/{draft_rfp.pk}/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(verb="published", actor=officer).count() == 1
    client = client_for(officer)
    change = client.get(reverse("admin:procurement_rfp_change", args=[draft_rfp.pk]))
    assert change.status_code == 200 and "Status: Published" in change.content.decode()
    listing = client.get(reverse("admin:procurement_rfp_changelist")).content.decode()
    assert "100.00" in listing and "Consolidation analysis" in listing


# --- bids in the portal ------------------------------------------------------------------


def _post_bid(client, rfp, *, price="90000", action="submit", renewable="80", take_back=True):
    data = {"price": price, "action": action}
    for pk, value in answers_for(rfp, renewable=renewable, take_back=take_back).items():
        data[f"c{pk}"] = value
    return client.post(reverse("portal:bid_edit", args=[rfp.pk]), data)


def test_vendor_saves_a_draft_submits_withdraws_and_resubmits(client_for, member, published_rfp):
    client = client_for(member)
    page = client.get(reverse("portal:rfp_detail", args=[published_rfp.pk]))
    assert page.status_code == 200
    assert 'name="price"' in page.content.decode()
    assert (
        f'name="c{criterion(published_rfp, "renewable-electricity").pk}"' in page.content.decode()
    )

    response = _post_bid(client, published_rfp, action="save")
    assert response.status_code == 302
    bid = Bid.objects.get(rfp=published_rfp)
    assert bid.status == Bid.Status.DRAFT and bid.price == Decimal("90000.00")

    _post_bid(client, published_rfp, price="85000")
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED and bid.price == Decimal("85000.00")
    assert bid.answers.get(criterion=criterion(published_rfp, "price")).value_number == 85000

    client.post(reverse("portal:bid_withdraw", args=[published_rfp.pk]))
    bid.refresh_from_db()
    assert bid.status == Bid.Status.WITHDRAWN
    _post_bid(client, published_rfp)
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED
    verbs = list(AuditEvent.objects.filter(actor=member).values_list("verb", flat=True))
    assert verbs.count("submitted") == 2 and "withdrawn" in verbs


def test_submitting_an_incomplete_bid_names_what_is_missing(client_for, member, published_rfp):
    response = client_for(member).post(
        reverse("portal:bid_edit", args=[published_rfp.pk]), {"price": "", "action": "submit"}
    )
    assert response.status_code == 400
    assert "Answer every question before submitting: Price" in response.content.decode()
    assert not Bid.objects.filter(status=Bid.Status.SUBMITTED).exists()


def test_a_bid_after_the_deadline_is_refused(client_for, member, published_rfp):
    client = client_for(member)
    _post_bid(client, published_rfp, action="save")
    move_deadline(published_rfp, minutes=-1)
    response = _post_bid(client, published_rfp, price="1")
    assert response.status_code == 400
    assert "has passed" in response.content.decode()
    bid = Bid.objects.get(rfp=published_rfp)
    assert bid.status == Bid.Status.DRAFT and bid.price == Decimal("90000.00")


def test_withdrawing_after_the_deadline_is_refused(client_for, member, published_rfp):
    client = client_for(member)
    _post_bid(client, published_rfp)
    move_deadline(published_rfp, minutes=-1)
    response = client.post(reverse("portal:bid_withdraw", args=[published_rfp.pk]), follow=True)
    assert "has passed" in response.content.decode()
    assert Bid.objects.get(rfp=published_rfp).status == Bid.Status.SUBMITTED


def test_an_uninvited_vendor_gets_404(client_for, officer, draft_rfp, vendor_b, outsider):
    draft_rfp.invited_vendors.remove(vendor_b)
    services.rfp_publish(actor=officer, rfp=draft_rfp)
    client = client_for(outsider)
    for name in ("portal:rfp_detail", "portal:bid_edit", "portal:bid_withdraw"):
        assert client.get(reverse(name, args=[draft_rfp.pk])).status_code == 404
    assert client.post(reverse("portal:bid_edit", args=[draft_rfp.pk])).status_code == 404
    assert draft_rfp.title not in client.get(reverse("portal:rfp_list")).content.decode()
    assert client.get(f"/api/v1/rfps/{draft_rfp.pk}/").status_code == 404


def test_a_vendor_cannot_read_another_vendors_bid(client_for, member, outsider, published_rfp):
    _post_bid(client_for(member), published_rfp)
    bid = Bid.objects.get(rfp=published_rfp)
    client = client_for(outsider)
    assert client.get(reverse("portal:bid_detail", args=[bid.pk])).status_code == 404
    assert client.get(f"/api/v1/bids/{bid.pk}/").status_code == 404
    assert client.get("/api/v1/bids/").json()["count"] == 0
    own = client_for(member).get(f"/api/v1/bids/{bid.pk}/")
    assert own.status_code == 200 and own.json()["price"] == "90000.00"


def test_the_deadline_is_shown_in_the_users_time_zone(client_for, member, published_rfp):
    client = client_for(member)
    client.cookies["tz"] = "Asia/Tokyo"
    page = client.get(reverse("portal:rfp_detail", args=[published_rfp.pk])).content.decode()
    assert "(Asia/Tokyo)" in page


# --- sealed bids -------------------------------------------------------------------------


def test_before_the_deadline_officers_see_only_that_a_bid_exists(
    client_for, member, officer, published_rfp
):
    _post_bid(client_for(member), published_rfp, price="123456.78", renewable="87")
    client = client_for(officer)
    page = client.get(reverse("admin:procurement_rfp_matrix", args=[published_rfp.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Bids are sealed until the deadline" in body and "a bid exists" in body
    assert "123456" not in body and "87" not in body.split("sealed")[1]
    results = client.get(f"/api/v1/rfps/{published_rfp.pk}/results/").json()
    assert results["sealed"] is True and results["bids"] == []
    assert client.get("/api/v1/bids/").json()["count"] == 0
    bid = Bid.objects.get()
    change = client.get(reverse("admin:procurement_bid_change", args=[bid.pk])).content.decode()
    assert "123456" not in change and "sealed until the deadline" in change
    answers = client.get(reverse("admin:procurement_bidanswer_changelist")).content.decode()
    assert "87" not in answers.split("<tbody>")[-1] if "<tbody>" in answers else True
    assert (
        client.get(reverse("admin:procurement_rfp_matrix_csv", args=[published_rfp.pk])).status_code
        == 404
    )


# --- scoring, moderation, award ----------------------------------------------------------


@pytest.fixture
def closed_rfp(client_for, member, outsider, published_rfp, vendor_a):
    CertificationFactory(vendor=vendor_a)  # ISO 14001 valid until 2027
    _post_bid(client_for(member), published_rfp, price="100000", renewable="90", take_back=True)
    _post_bid(client_for(outsider), published_rfp, price="80000", renewable="40", take_back=False)
    move_deadline(published_rfp, minutes=-1)
    return published_rfp


def test_autoscore_scores_automatic_criteria_and_is_idempotent(closed_rfp, vendor_a):
    assert rfp_deadline_sweep() == [closed_rfp.pk]
    closed_rfp.refresh_from_db()
    assert closed_rfp.status == Rfp.Status.CLOSED and closed_rfp.auto_scored_at
    a_bid = Bid.objects.get(vendor=vendor_a)
    scores = {
        s.criterion.template.code: s.score
        for s in Score.objects.filter(bid=a_bid, evaluator=None).select_related(
            "criterion__template"
        )
    }
    # A is dearer (100,000 against 80,000): price 0; greener: renewable 1, take-back 1, ISO 1.
    assert scores == {
        "price": Decimal("0.0000"),
        "iso14001": Decimal(1),
        "take-back": Decimal(1),
        "renewable-electricity": Decimal(1),
    }
    count = Score.objects.count()
    assert rfp_deadline_sweep() == []
    assert services.rfp_autoscore(actor=closed_rfp.created_by, rfp=closed_rfp) == 0
    assert Score.objects.count() == count


def _score_page(client, rfp):
    return reverse("admin:procurement_rfp_score", args=[rfp.pk])


def test_an_evaluator_not_on_the_panel_gets_404(client_for, closed_rfp):
    stranger = UserFactory(username="stranger", is_staff=True)
    from django.contrib.auth.models import Group

    stranger.groups.add(Group.objects.get(name="evaluators"))
    client = client_for(stranger)
    assert client.get(_score_page(client, closed_rfp)).status_code == 404
    assert (
        client.get(reverse("admin:procurement_rfp_matrix", args=[closed_rfp.pk])).status_code == 404
    )
    assert client.get(
        reverse("admin:procurement_rfp_change", args=[closed_rfp.pk])
    ).status_code in (302, 404)
    assert (
        closed_rfp.title
        not in client.get(reverse("admin:procurement_rfp_changelist")).content.decode()
    )


def test_a_score_outside_the_scale_is_refused_and_nothing_is_stored(
    client_for, evaluator, closed_rfp, vendor_a
):
    bid = Bid.objects.get(vendor=vendor_a)
    fit = criterion(closed_rfp, "technical-fit")
    response = client_for(evaluator).post(
        _score_page(None, closed_rfp),
        {f"score-{bid.pk}-{fit.pk}": "7", f"rationale-{bid.pk}-{fit.pk}": "Great"},
    )
    assert "outside the scale 0..5" in response.content.decode()
    assert not Score.objects.filter(evaluator=evaluator).exists()
    response = client_for(evaluator).post(
        _score_page(None, closed_rfp), {f"score-{bid.pk}-{fit.pk}": "4"}
    )
    assert "Give the reason for this score." in response.content.decode()
    assert not Score.objects.filter(evaluator=evaluator).exists()


def _score(evaluator, rfp, vendor, points):
    bid = Bid.objects.get(rfp=rfp, vendor=vendor)
    return services.score_record(
        actor=evaluator,
        bid=bid,
        criterion=criterion(rfp, "technical-fit"),
        score=points,
        rationale="Checked against the requirements.",
    )


def test_full_evaluation_and_award_creates_a_draft_contract_with_proposed_clauses(
    client_for,
    officer,
    evaluator,
    evaluator2,
    auditor,
    closed_rfp,
    vendor_a,
    vendor_b,
    django_capture_on_commit_callbacks,
):
    services.rfp_autoscore(actor=officer, rfp=closed_rfp)
    client = client_for(evaluator)
    a_bid = Bid.objects.get(vendor=vendor_a)
    b_bid = Bid.objects.get(vendor=vendor_b)
    fit = criterion(closed_rfp, "technical-fit")
    response = client.post(
        _score_page(client, closed_rfp),
        {
            f"score-{a_bid.pk}-{fit.pk}": "4",
            f"rationale-{a_bid.pk}-{fit.pk}": "Good thermal design.",
            f"score-{b_bid.pk}-{fit.pk}": "3",
            f"rationale-{b_bid.pk}-{fit.pk}": "Adequate.",
        },
    )
    assert response.status_code == 302
    _score(evaluator2, closed_rfp, vendor_a, 5)
    # evaluator2 is conflicted with B: their score of B stops counting.
    _score(evaluator2, closed_rfp, vendor_b, 1)
    services.conflict_declare(
        actor=evaluator2, rfp=closed_rfp, vendor=vendor_b, reason="Former employer"
    )
    with pytest.raises(services.PermissionDenied):
        _score(evaluator2, closed_rfp, vendor_b, 2)

    # The award is refused until moderation is complete.
    with pytest.raises(services.ValidationError, match="Moderation is not complete"):
        services.rfp_award(actor=officer, rfp=closed_rfp, bid=a_bid, rationale="Best value")

    officer_client = client_for(officer)
    officer_client.post(
        reverse("admin:procurement_rfp_moderate", args=[closed_rfp.pk]), {"mean_all": "1"}
    )
    assert ModeratedScore.objects.get(bid=a_bid, criterion=fit).score == Decimal("4.5")
    assert ModeratedScore.objects.get(bid=b_bid, criterion=fit).score == Decimal(3)
    closed_rfp.refresh_from_db()
    assert closed_rfp.status == Rfp.Status.EVALUATED

    # A: price 0 + fit 4.5/5x30 = 27 + ISO 10 + take-back 10 + renewable 10 = 57.00
    # B: price 1x40 = 40 + fit 3/5x30 = 18 + 0 + 0 + renewable 0 = 58.00 -> B leads.
    matrix = officer_client.get(reverse("admin:procurement_rfp_matrix", args=[closed_rfp.pk]))
    body = matrix.content.decode()
    assert "57.00" in body and "58.00" in body and "Ties on the weighted total" in body
    # Prices read with their currency and grouped; renewable shares in percent.
    assert "USD 100,000" in body and "USD 80,000" in body and "90%" in body
    results = officer_client.get(f"/api/v1/rfps/{closed_rfp.pk}/results/").json()
    assert [(b["vendor"], b["total"], b["rank"]) for b in results["bids"]] == [
        ("Bolt Servers", "58.00", 1),
        ("Acme Accelerators", "57.00", 2),
    ]

    # Auditors may read the matrix but not score, moderate, publish or award.
    auditor_client = client_for(auditor)
    assert (
        auditor_client.get(
            reverse("admin:procurement_rfp_matrix", args=[closed_rfp.pk])
        ).status_code
        == 200
    )
    for name in ("award", "moderate", "publish", "autoscore"):
        url = reverse(f"admin:procurement_rfp_{name}", args=[closed_rfp.pk])
        assert auditor_client.post(url, {"rationale": "x", "mean_all": "1"}).status_code == 403
    assert auditor_client.get(_score_page(None, closed_rfp)).status_code == 404
    # Evaluators may not award either (client_for re-logs the one test client in).
    client = client_for(evaluator)
    assert (
        client.post(reverse("admin:procurement_rfp_award", args=[closed_rfp.pk])).status_code == 403
    )

    mail.outbox.clear()
    officer_client = client_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("admin:procurement_rfp_award", args=[closed_rfp.pk]),
            {
                "bid": a_bid.pk,
                "rationale": "Second on points by one, but far greener: renewables, take-back.",
                "start_date": "2027-01-01",
                "end_date": "2029-12-31",
            },
        )
    assert response.status_code == 302
    award = Award.objects.get(rfp=closed_rfp)
    contract = Contract.objects.get(source_rfp=closed_rfp)
    assert award.contract == contract and contract.status == "draft"
    assert contract.vendor == vendor_a and contract.value == Decimal("100000.00")
    clause = KpiClause.objects.get(contract=contract)
    assert clause.status == "proposed" and clause.template.code == "renewable-electricity-share"
    assert clause.target_value == Decimal(90)
    event = AuditEvent.objects.get(verb="awarded")
    assert event.details["rationale"].startswith("Second on points") and event.actor == officer
    assert sorted(m.to[0] for m in mail.outbox) == ["bids@acme.example", "bids@bolt.example"]
    assert "awarded" in next(m for m in mail.outbox if m.to == ["bids@acme.example"]).body
    assert "another bidder" in next(m for m in mail.outbox if m.to == ["bids@bolt.example"]).body
    closed_rfp.refresh_from_db()
    assert closed_rfp.status == Rfp.Status.AWARDED


def test_moderator_override_needs_a_rationale(officer, evaluator, closed_rfp, vendor_a):
    _score(evaluator, closed_rfp, vendor_a, 2)
    bid = Bid.objects.get(vendor=vendor_a)
    fit = criterion(closed_rfp, "technical-fit")
    with pytest.raises(services.ValidationError, match="An override needs a rationale"):
        services.moderate(actor=officer, bid=bid, criterion=fit, override="4")
    row = services.moderate(
        actor=officer, bid=bid, criterion=fit, override="4", rationale="Reference visit."
    )
    assert (row.score, row.method) == (Decimal(4), ModeratedScore.Method.OVERRIDE)


def test_matrix_export_is_formula_safe(client_for, officer, closed_rfp, vendor_b):
    vendor_b.name = '=HYPERLINK("http://evil.example")'
    vendor_b.save()
    client = client_for(officer)
    csv_body = client.get(
        reverse("admin:procurement_rfp_matrix_csv", args=[closed_rfp.pk])
    ).content.decode()
    assert "'=HYPERLINK" in csv_body
    assert "\n=HYPERLINK" not in csv_body and ",=HYPERLINK" not in csv_body
    xlsx = client.get(reverse("admin:procurement_rfp_matrix_xlsx", args=[closed_rfp.pk]))
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://evil.example")' in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_consolidation_page(client_for, officer, auditor, vendor_a, vendor_b):
    from contracts.models import Contract

    for vendor, value in ((vendor_a, "300"), (vendor_b, "100")):
        Contract.objects.create(
            vendor=vendor,
            reference=f"C-{vendor.pk}",
            title="Supply",
            start_date="2026-01-01",
            end_date="2027-01-01",
            value=Decimal(value),
            status="active",
            created_by=officer,
        )
    vendor_b.category = vendor_a.category
    vendor_b.save()
    page = client_for(auditor).get(reverse("admin:procurement_rfp_consolidation"))
    body = page.content.decode()
    # Shares 75% and 25%: HHI = 75² + 25² = 5625 + 625 = 6250; top-3 share 100%.
    assert page.status_code == 200 and "6,250" in body and "100%" in body and "<svg" in body


def test_consolidation_converts_each_currency_and_lists_what_it_cannot(
    client_for, officer, auditor, vendor_a, vendor_b
):
    """300 USD, and 80 EUR at 0.8 EUR per USD in 2026 = 100 USD: shares 75 % and 25 % as above;
    1,000 CHF without a rate is left out and named, not added to the dollars."""
    from contracts.models import Contract
    from scope3.tests.runs_support import dataset

    dataset("fx", "t1", rates=[("EUR", 2025, "0.8")], currency="USD")
    vendor_c = VendorFactory(name="Zug Compute", category=vendor_a.category)
    vendor_b.category = vendor_a.category
    vendor_b.save()
    for vendor, value, currency in (
        (vendor_a, "300", "USD"),
        (vendor_b, "80", "EUR"),
        (vendor_c, "1000", "CHF"),
    ):
        Contract.objects.create(
            vendor=vendor,
            reference=f"C-{vendor.pk}",
            title="Supply",
            start_date="2026-01-01",
            end_date="2027-01-01",
            value=Decimal(value),
            currency=currency,
            status="active",
            created_by=officer,
        )
    body = client_for(auditor).get(reverse("admin:procurement_rfp_consolidation")).content.decode()
    assert "6,250" in body  # HHI of 75 % and 25 %
    assert "in USD, converted at the rate of each amount" in body
    assert "Left out, no USD rate in the FX tables: CHF" in body and "1,000.00" in body
    assert "USD 400.00" in body.replace("\xa0", " ") or "$400.00" in body


def test_vendor_membership_of_a_new_user_sees_the_rfp_list(client_for, published_rfp, vendor_a):
    user = VendorMembershipFactory(vendor=vendor_a, role="contributor").user
    body = client_for(user).get(reverse("portal:rfp_list")).content.decode()
    assert published_rfp.title in body


def test_officer_builds_an_rfp_in_the_admin_with_library_criteria(
    client_for, officer, evaluator, vendor_a
):
    from procurement.models import CriterionTemplate

    price = CriterionTemplate.objects.get(code="price")
    iso = CriterionTemplate.objects.get(code="iso14001")
    data = {
        "title": "Storage arrays",
        "category": "storage",
        "description": "",
        "currency": "EUR",
        "deadline_0": "2030-01-31",
        "deadline_1": "12:00:00",
        "min_sustainability_share": "10",
        "invited_vendors": [vendor_a.pk],
        "panel": [evaluator.pk],
        "moderator": "",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "criteria-0-order": "1",
        "criteria-0-template": price.pk,
        "criteria-0-weight": "85",
        "criteria-0-scale_max": "5",
        "criteria-0-normalisation": "linear",
        "criteria-0-thresholds": "[]",
        "criteria-1-order": "2",
        "criteria-1-template": iso.pk,
        "criteria-1-weight": "15",
        "criteria-1-scale_max": "5",
        "criteria-1-normalisation": "linear",
        "criteria-1-thresholds": "[]",
    }
    response = client_for(officer).post(reverse("admin:procurement_rfp_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rfp = Rfp.objects.get(title="Storage arrays")
    criteria = list(rfp.criteria.order_by("order"))
    assert [(c.name, c.rule, c.weight, c.is_sustainability) for c in criteria] == [
        ("Price", "numeric_lower", Decimal(85), False),
        ("ISO 14001 valid", "derived", Decimal(15), True),
    ]
    assert list(rfp.invited_vendors.all()) == [vendor_a]
    assert rfp.history.first().history_user == officer


def test_evidence_upload_with_a_bid_and_results_api_is_staff_only(
    client_for, member, published_rfp, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    client = client_for(member)
    renewable = criterion(published_rfp, "renewable-electricity")
    data = {"price": "5000", "action": "save", f"c{renewable.pk}": "75"}
    data[f"e{renewable.pk}"] = SimpleUploadedFile(
        "ppa-contract.pdf", demo_pdf("Power purchase agreement")
    )
    assert client.post(reverse("portal:bid_edit", args=[published_rfp.pk]), data).status_code == 302
    answer = Bid.objects.get().answers.get(criterion=renewable)
    assert answer.evidence.original_name == "ppa-contract.pdf"
    assert answer.value_number == 75
    page = client.get(reverse("portal:rfp_detail", args=[published_rfp.pk])).content.decode()
    assert "Uploaded: ppa-contract.pdf" in page
    # Results are for staff: an invited vendor gets 404, like for an id that does not exist.
    assert client.get(f"/api/v1/rfps/{published_rfp.pk}/results/").status_code == 404
    assert client.get(f"/api/v1/rfps/{published_rfp.pk}/").status_code == 200
