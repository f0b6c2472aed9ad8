"""Life-cycle cost end to end (docs/method.md, "Life-cycle cost of bids"): an officer sets the
parameters, vendors offer configurations in the portal and the API, the matrix shows the
breakdown and sensitivity, the award proposes the power clauses."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assurance.demo import demo_pdf
from assurance.models import AuditEvent
from procurement import selectors, selectors_lcc, services, services_lcc
from procurement.models import Bid, BidConfiguration, CriterionTemplate, RfpLifeCycle
from vendors.tests.factories import UserFactory, VendorContactFactory, VendorMembershipFactory

from .conftest import move_deadline

pytestmark = pytest.mark.django_db

WEIGHTS = {
    "life-cycle-cost": 40,
    "technical-fit": 30,
    "life-cycle-carbon-per-unit": 20,
    "iso14001": 10,
}
PARAMETERS = {
    "horizon_years": 5,
    "discount_rate_percent": Decimal(3),
    "hours_per_year": Decimal(8760),
    "utilisation_percent": Decimal(70),
    "pue": Decimal("1.3"),
    "electricity_price_per_kwh": Decimal("0.20"),
    "grid_kgco2e_per_kwh": Decimal("0.35"),
    "grid_source": "UBA Strommix 2024, location-based",
    "carbon_price_per_tco2e": Decimal(55),
    "carbon_price_currency": "EUR",
    "carbon_price_source": "BEHG fixed price 2025",
    "social_carbon_price_per_tco2e": Decimal(250),
    "eol_kgco2e_per_kg": Decimal("0.5"),
    "embodied_model_kgco2e_per_accelerator": Decimal(400),
    "embodied_model_source": "buyer's GPU server model v1",
    "max_power_w_per_unit": Decimal(15000),
}
# The worked example of test_lifecycle.py: A costs more up front, less over five years.
CONFIG_A = {
    "unit_price": "250000",
    "quantity": "10",
    "accelerators_per_unit": "8",
    "idle_w": "2000",
    "full_load_w": "10000",
    "power_standard": "SPECpower_ssj2008",
    "maintenance_per_unit_year": "10000",
    "eol_cost_per_unit": "500",
    "residual_value_per_unit": "20000",
    "embodied_source": "declared",
    "embodied_kgco2e_per_unit": "3000",
    "mass_kg_per_unit": "100",
}
CONFIG_B = CONFIG_A | {
    "unit_price": "240000",
    "idle_w": "2500",
    "full_load_w": "11500",
    "maintenance_per_unit_year": "9000",
    "residual_value_per_unit": "15000",
    "embodied_kgco2e_per_unit": "3500",
}


def pdf(name="power.pdf"):
    return SimpleUploadedFile(name, demo_pdf(name), "application/pdf")


@pytest.fixture
def lcc_rfp(officer, evaluator, evaluator2, vendor_a, vendor_b):
    VendorContactFactory(vendor=vendor_a, email="bids@acme.example")
    VendorContactFactory(vendor=vendor_b, email="bids@bolt.example")
    rfp = services.rfp_create(
        actor=officer,
        title="GPU servers, life-cycle cost",
        category="servers",
        currency="EUR",
        deadline=timezone.now() + datetime.timedelta(days=7),
        invited_vendors=[vendor_a, vendor_b],
        panel=[evaluator, evaluator2],
    )
    for code, weight in WEIGHTS.items():
        services.rfp_criterion_add(
            actor=officer,
            rfp=rfp,
            template=CriterionTemplate.objects.get(code=code),
            weight=Decimal(weight),
        )
    return rfp


@pytest.fixture
def published(lcc_rfp, officer):
    services_lcc.rfp_life_cycle_set(actor=officer, rfp=lcc_rfp, **PARAMETERS)
    return services.rfp_publish(actor=officer, rfp=lcc_rfp)


def offer(rfp, vendor, config, *, evidence=True):
    actor = UserFactory()
    VendorMembershipFactory(user=actor, vendor=vendor)
    fit = rfp.criteria.get(template__code="technical-fit")
    bid = services.bid_save_draft(
        actor=actor,
        rfp=rfp,
        vendor=vendor,
        price=Decimal(config["unit_price"]) * int(config["quantity"]),
        answers={fit.pk: "Meets every requirement."},
    )
    services_lcc.bid_configuration_save(
        actor=actor,
        rfp=rfp,
        vendor=vendor,
        power_evidence=pdf() if evidence else None,
        embodied_evidence=pdf("lca.pdf") if evidence else None,
        **config,
    )
    return services.bid_submit(actor=actor, bid=Bid.objects.get(pk=bid.pk))


def test_publishing_an_lcc_rfp_needs_its_parameters(lcc_rfp, officer):
    assert "The RFP scores life-cycle cost but has no life-cycle parameters." in (
        services.rfp_publish_problems(lcc_rfp)
    )
    services_lcc.rfp_life_cycle_set(actor=officer, rfp=lcc_rfp, **PARAMETERS)
    assert services.rfp_publish_problems(lcc_rfp) == []


def test_parameters_are_frozen_once_published(published, officer):
    with pytest.raises(ValidationError) as exc:
        services_lcc.rfp_life_cycle_set(actor=officer, rfp=published, pue=Decimal("1.1"))
    assert "cannot change once the RFP is published" in str(exc.value)
    assert RfpLifeCycle.objects.get(rfp=published).pue == Decimal("1.30")
    # The admin page is read-only and shows the method statement.
    page = published.created_by
    assert page is not None


def test_implausible_parameters_name_the_field(lcc_rfp, officer):
    with pytest.raises(ValidationError) as exc:
        services_lcc.rfp_life_cycle_set(
            actor=officer, rfp=lcc_rfp, **(PARAMETERS | {"horizon_years": -2})
        )
    assert "horizon_years" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services_lcc.rfp_life_cycle_set(
            actor=officer, rfp=lcc_rfp, **(PARAMETERS | {"pue": Decimal("0.8")})
        )
    assert "pue" in exc.value.message_dict
    assert not RfpLifeCycle.objects.exists()


def test_implausible_configuration_names_the_field_and_stores_nothing(published, vendor_a):
    actor = UserFactory()
    cases = [
        ({"idle_w": "12000"}, "idle_w"),
        ({"full_load_w": "16000"}, "full_load_w"),
        ({"unit_price": "abc"}, "unit_price"),
        (
            {"embodied_source": "declared", "embodied_kgco2e_per_unit": ""},
            "embodied_kgco2e_per_unit",
        ),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as exc:
            services_lcc.bid_configuration_save(
                actor=actor, rfp=published, vendor=vendor_a, **(CONFIG_A | change)
            )
        assert field in exc.value.message_dict, (change, exc.value)
    assert not BidConfiguration.objects.exists()
    assert not Bid.objects.exists()


def test_configuration_change_after_the_deadline_is_refused(published, vendor_a):
    offer(published, vendor_a, CONFIG_A)
    move_deadline(published, minutes=-1)
    with pytest.raises(ValidationError) as exc:
        services_lcc.bid_configuration_save(
            actor=UserFactory(), rfp=published, vendor=vendor_a, **(CONFIG_A | {"idle_w": "1"})
        )
    assert "has passed" in str(exc.value)
    assert BidConfiguration.objects.get().idle_w == Decimal("2000.0")


def test_submitting_without_power_evidence_names_it(published, vendor_a):
    with pytest.raises(ValidationError) as exc:
        offer(published, vendor_a, CONFIG_A, evidence=False)
    assert "Evidence of the power figures" in str(exc.value)


def test_missing_embodied_uses_the_buyers_model(published, vendor_a):
    offer(
        published,
        vendor_a,
        CONFIG_A | {"embodied_source": "buyer_model", "embodied_kgco2e_per_unit": ""},
    )
    move_deadline(published, minutes=-1)
    view = selectors_lcc.rfp_life_cycle(
        published, bids=[(Bid.objects.get(), "Acme")], with_sensitivity=False
    )
    result = view.bids[0].result
    # 400 kg per GPU x 8 GPUs x 10 units
    assert result.embodied_kgco2e == Decimal(32000)
    assert result.low_data_quality and "buyer's GPU server model v1" in result.embodied_note


def _fx_dataset():
    from scope3.models import FactorDataset, ReferenceRate

    dataset = FactorDataset.objects.create(
        kind="fx",
        name="Annual FX",
        version="2026.1",
        currency="USD",
        sha256="0" * 64,
        imported_by=UserFactory(),
        row_count=1,
    )
    year = timezone.now().year
    ReferenceRate.objects.create(dataset=dataset, key="EUR", year=year - 1, value=Decimal("0.9"))
    return dataset


def test_a_bid_in_another_currency_is_converted_with_the_fx_tables(published, vendor_a):
    _fx_dataset()
    offer(published, vendor_a, CONFIG_A)
    Bid.objects.filter(vendor=vendor_a).update(currency="USD")
    move_deadline(published, minutes=-1)
    view = selectors_lcc.rfp_life_cycle(
        published, bids=[(Bid.objects.get(), "Acme")], with_sensitivity=False
    )
    result = view.bids[0].result
    # USD 2,500,000 at 0.9 EUR per USD (the latest year up to the deadline's)
    assert result.price == Decimal("2250000.00")
    assert any("USD" in note and "Annual FX 2026.1" in note for note in result.notes)


def _evaluate(rfp, officer, evaluator, evaluator2):
    move_deadline(rfp, minutes=-1)
    services.rfp_autoscore(actor=officer, rfp=rfp)
    fit = rfp.criteria.get(template__code="technical-fit")
    for bid in rfp.bids.all():
        for who in (evaluator, evaluator2):
            services.score_record(
                actor=who, bid=bid, criterion=fit, score=4, rationale="Meets the annex."
            )
    services.rfp_moderate_all(actor=officer, rfp=rfp)


def test_matrix_shows_breakdown_and_sensitivity_and_award_proposes_power_clauses(
    published, vendor_a, vendor_b, officer, evaluator, evaluator2, client_for
):
    offer(published, vendor_a, CONFIG_A)
    offer(published, vendor_b, CONFIG_B)
    _evaluate(published, officer, evaluator, evaluator2)
    matrix = selectors.rfp_matrix(published)
    # Bolt (B) is cheaper on price but Acme (A) has the lower LCC and the lower kg per GPU-hour.
    assert matrix.winner.vendor_name == "Acme Accelerators"
    lcc = published.criteria.get(template__code="life-cycle-cost")
    answer = Bid.objects.get(vendor=vendor_a).answers.get(criterion=lcc)
    assert answer.value_number == Decimal("3582498.3286")

    page = client_for(officer).get(reverse("admin:procurement_rfp_matrix", args=[published.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="lcc-breakdown"' in html and "EUR 3,582,498.33" in html
    assert "EUR 792,736.32" in html  # A's electricity, present value
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert 'id="lcc-sensitivity"' in html and "40 %" in html
    assert "<script" not in html.split('id="life-cycle"')[1].split("</section>")[0]

    award = services.rfp_award(
        actor=officer,
        rfp=published,
        bid=Bid.objects.get(vendor=vendor_a),
        rationale="Lowest life-cycle cost.",
    )
    clauses = {c.metric: c for c in award.contract.clauses.all()}
    full = clauses["Measured average full-load power per unit"]
    assert full.status == "proposed" and full.baseline_value == Decimal("10000")
    assert full.target_value == Decimal("10500")  # +5 % tolerance
    assert clauses["Measured average idle power per unit"].baseline_value == Decimal("2000")
    assert clauses["Embodied kgCO2e per delivered unit"].baseline_value == Decimal("3000")
    # The declaration rides on the clause's creation event: the contract timeline sets each
    # reported value beside it (contracts.timeline.declared_comparison).
    created = AuditEvent.objects.get(
        verb=AuditEvent.Verb.CREATED, target_type__model="kpiclause", target_id=str(full.pk)
    )
    assert created.details["declared"] == {
        "value": "10000",
        "unit": "W",
        "tolerance_percent": "5",
        "in": f"bid {award.bid_id} of RFP {published.pk}",
    }


def test_portal_shows_method_statement_and_takes_the_configuration(published, member, client_for):
    client = client_for(member)
    url = reverse("portal:rfp_detail", args=[published.pk])
    html = client.get(url).content.decode()
    assert 'id="method-statement"' in html
    assert "UBA Strommix 2024" in html and "BEHG fixed price 2025" in html
    assert 'name="lc-full_load_w"' in html and 'name="price"' not in html
    lcc = published.criteria.get(template__code="life-cycle-cost")
    assert f'name="c{lcc.pk}"' not in html  # computed from the configuration, not typed
    fit = published.criteria.get(template__code="technical-fit")
    data = {f"lc-{k}": v for k, v in CONFIG_A.items()}
    data |= {f"c{fit.pk}": "Fits.", "action": "submit", "lc-power_evidence": pdf()}
    data["lc-embodied_evidence"] = pdf("lca.pdf")
    response = client.post(reverse("portal:bid_edit", args=[published.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    bid = Bid.objects.get(rfp=published)
    assert bid.status == Bid.Status.SUBMITTED and bid.price == Decimal("2500000.00")
    assert bid.configuration.power_evidence.original_name == "power.pdf"
    html = client.get(url).content.decode()
    assert "EUR 3,582,498.33" in html  # the vendor sees its own LCC
    bid_page = client.get(reverse("portal:bid_detail", args=[bid.pk])).content.decode()
    assert "EUR 3,582,498.33" in bid_page and "EUR 792,736.32" in bid_page

    bad = data | {"lc-idle_w": "12000", "lc-power_evidence": pdf()}
    bad["lc-embodied_evidence"] = pdf("lca.pdf")
    response = client.post(reverse("portal:bid_edit", args=[published.pk]), bad)
    assert response.status_code == 400
    assert "above the full-load power" in response.content.decode()
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED  # nothing half-stored


def test_api_life_cycle_for_vendor_and_staff(published, member, vendor_a, officer, client_for):
    client = client_for(member)
    url = f"/api/v1/rfps/{published.pk}/life-cycle/"
    body = client.get(url).json()
    assert body["parameters"]["grid_source"] == "UBA Strommix 2024, location-based"
    assert body["bids"] == []
    response = client.post(url, CONFIG_A | {"idle_w": "12000"}, content_type="application/json")
    assert response.status_code == 400 and "idle_w" in response.json()
    response = client.post(url, CONFIG_A, content_type="application/json")
    assert response.status_code == 200, response.content
    mine = response.json()["bids"][0]
    assert mine["life_cycle"]["lcc"] == "3582498.33"
    assert mine["life_cycle"]["kgco2e_per_functional_unit"] == "0.630"
    # Sealed: staff see no bid before the deadline.
    assert client_for(officer).get(url).json()["bids"] == []
    assert AuditEvent.objects.filter(verb="updated", actor=member).exists()
