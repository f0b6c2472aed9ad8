"""``manage.py seed_demo``: realistic demo data of every app, with two to three years of history,
that a second run leaves exactly as it was.

The demo is seeded once for the module (it renders three PDF bundles, so it takes a while) inside
a transaction that is rolled back at the end; each test runs in its own savepoint on top of it.
"""

import base64
import datetime as dt
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import HttpRequest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.testing import totp_code
from assurance.models import AuditEvent, ChainLink, EvidenceBundle
from contracts.models import Contract, KpiReport, RenewalDecision
from reconciliation.models import ReconciliationFlag, ReconciliationRun
from scope3.models import EmissionEstimate, ImportBatch, InventoryRun, SpendLine
from scope3.selectors import inventory_run_restatement
from tenderleaf.management.commands.seed_demo import DEMO_TOTP_SECRET
from vendors import selectors
from vendors.models import (
    Certification,
    DisclosureRequest,
    EmissionsDisclosure,
    ProductFootprint,
    Vendor,
    VendorContact,
    VendorMembership,
)

PASSWORD = "orchard lantern 2026"
METHODS = {"supplier_specific", "hybrid", "average_data", "spend_based"}


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot():
    """Row counts of every table of the project, history and chain tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if not model._meta.proxy
    }


def months_between(first, last) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once; rolled back when the module is done."""
    evidence = tmp_path_factory.mktemp("evidence")
    with override_settings(EVIDENCE_ROOT=evidence), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed(password=PASSWORD)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(seeded, db):
    return seeded


def test_second_run_changes_nothing(demo):
    before = snapshot()
    latest_history = Vendor.history.order_by("-history_id").values_list("history_id").first()

    output = seed(password=PASSWORD)

    assert snapshot() == before
    assert Vendor.history.order_by("-history_id").values_list("history_id").first() == (
        latest_history
    )
    assert "nothing to change" in output
    # In particular: no second import, run, reconciliation or bundle, and no chain extension.
    assert before["scope3.ImportBatch"] == 1
    assert before["scope3.InventoryRun"] == 3
    assert before["assurance.EvidenceBundle"] == 3
    assert before["assurance.ChainLink"] == ChainLink.objects.count() > 0


def test_vendors_cover_the_categories_with_valid_master_data(demo):
    vendors = Vendor.objects.all()

    assert vendors.count() >= 12
    assert {
        "accelerators",
        "servers",
        "cloud",
        "colocation",
        "edge_devices",
        "logistics",
    } <= set(vendors.values_list("category", flat=True))
    for vendor in vendors:
        vendor.full_clean()  # NAICS, country and LEI pass the same rules as user input
        assert vendor.contacts.exists(), vendor
        assert vendor.certifications.exists(), vendor
        assert vendor.relationship_owner.username == "officer"


def test_certificates_include_expiring_and_expired_ones(demo):
    expiring = selectors.certification_list(state="expiring")
    expired = selectors.certification_list(state="expired")

    assert expiring.count() >= 2
    assert expired.count() == 1
    assert {c.kind for c in Certification.objects.all()} >= {"iso_14001", "iso_50001", "sbti"}


def test_every_row_is_attributed_to_the_system_user_with_the_reason(demo, settings):
    for model in (Vendor, VendorContact, VendorMembership):
        records = model.history.all()
        assert records.exists(), model
        assert {r.history_user.username for r in records} == {settings.SYSTEM_USERNAME}
        assert set(records.values_list("history_change_reason", flat=True)) == {"seed_demo"}
    # The disclosure workflow is played by the people who would act: the vendor's portal user
    # drafts and submits, the officer reviews and verifies; the reason still names the seed.
    for model in (Certification, DisclosureRequest, EmissionsDisclosure):
        records = model.history.all()
        assert records.exists(), model
        assert set(records.values_list("history_change_reason", flat=True)) == {"seed_demo"}
    assert {r.history_user.username for r in EmissionsDisclosure.history.all()} == {
        "vendor",
        "vendor2",
        "officer",
        settings.SYSTEM_USERNAME,  # for vendors without a portal user
    }
    events = AuditEvent.objects.exclude(verb="uploaded")
    assert events.count() >= Vendor.objects.count()
    assert {e.actor.username for e in events} == {
        settings.SYSTEM_USERNAME,
        "officer",
        "vendor",
        "vendor2",
        # The procurement demo's panel scores its RFPs.
        "evaluator",
        "evaluator2",
        # The analyst imports the ledger, runs the inventories and reviews reconciliation flags;
        # the auditor requests the evidence bundles.
        "analyst",
        "auditor",
    }
    # Events of the vendor master carry the seed's reason; contract and RFP decisions keep the
    # business reason they record (a waiver's justification, an award's rationale).
    vendor_master = events.filter(target_type__app_label="vendors")
    assert set(vendor_master.values_list("reason", flat=True)) == {"seed_demo"}
    # Evidence uploads carry the evidence service's own reason.
    assert AuditEvent.objects.filter(verb="uploaded").exists()


def test_requests_in_every_state_and_disclosures_with_history(demo):
    assert set(DisclosureRequest.objects.values_list("status", flat=True)) == set(
        DisclosureRequest.Status.values
    )
    statuses = set(EmissionsDisclosure.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "accepted", "rejected", "superseded"}
    superseded = EmissionsDisclosure.objects.get(status="superseded")
    assert superseded.superseded_by.status == "accepted"
    # Rejected, revised, resubmitted and accepted: every step is a version.
    assert superseded.history.count() >= 6
    assert "Scope 2 market-based is missing" in "".join(
        superseded.history.values_list("review_comment", flat=True)
    )


def test_disclosures_say_what_they_cover(demo):
    disclosures = list(EmissionsDisclosure.objects.all())

    for disclosure in disclosures:
        has_upstream = disclosure.scope3_upstream_tco2e is not None
        assert bool(disclosure.scope3_upstream_categories) == has_upstream, disclosure
        has_allocation = disclosure.allocated_to_us_tco2e is not None
        assert bool(disclosure.allocation_boundary) == has_allocation, disclosure
    # The hybrid method gets cradle-to-gate suppliers, and Scope 1+2-only ones to refuse.
    assert any(d.status == "accepted" and d.upstream_complete for d in disclosures)
    assert any(
        d.status == "accepted" and d.boundary_label == "Scope 1 and 2 only" for d in disclosures
    )
    assert any(d.scope3_upstream_tco2e is not None and not d.upstream_complete for d in disclosures)
    assert {d.allocation_boundary for d in disclosures} >= {"scope12", "cradle_to_gate"}


def test_disclosures_cover_three_years_dated_as_they_happened(demo):
    accepted = EmissionsDisclosure.objects.filter(status="accepted")
    assert {d.period_start.year for d in accepted} == {2023, 2024, 2025}
    # Submissions and reviews are dated when they happened, not all at the seeding instant.
    moments = [
        moment
        for d in EmissionsDisclosure.objects.exclude(status="draft")
        for moment in (d.submitted_at, d.reviewed_at)
        if moment is not None
    ]
    assert months_between(min(moments), max(moments)) >= 24
    sent = DisclosureRequest.objects.exclude(sent_at=None).values_list("sent_at", flat=True)
    assert months_between(min(sent), max(sent)) >= 24
    for disclosure in EmissionsDisclosure.objects.exclude(submitted_at=None):
        if disclosure.reviewed_at is not None:
            assert disclosure.submitted_at < disclosure.reviewed_at, disclosure
        assert disclosure.request.sent_at < disclosure.submitted_at, disclosure


def test_certificates_have_pdf_evidence_and_some_are_verified(demo):
    from assurance.services import evidence_file_verify

    certificates = Certification.objects.select_related("evidence")
    assert all(c.evidence is not None for c in certificates)
    assert all(c.evidence.content_type == "application/pdf" for c in certificates)
    assert all(evidence_file_verify(c.evidence) for c in certificates)
    assert certificates.filter(verified_at__isnull=False).exists()
    assert certificates.filter(verified_at__isnull=True).exists()


# --- Scope 3 --------------------------------------------------------------------------------------


def test_the_sample_ledger_is_imported_once_through_the_spend_importer(demo):
    batch = ImportBatch.objects.get()
    lines = SpendLine.objects.filter(batch=batch)

    assert batch.status == "imported"
    assert batch.original_name == "spend-ledger.csv"
    assert 2000 <= batch.accepted_rows == lines.count() <= 4000
    assert batch.rejected_rows == 0
    assert {"USD", "EUR", "TWD"} <= set(lines.values_list("currency", flat=True))
    assert {line.date.year for line in lines.only("date")} == {2023, 2024, 2025}
    assert lines.filter(amount__lt=0).exists()  # credit notes
    assert lines.filter(vendor=None).exists()  # vendors not in the master, kept and flagged
    # Vendors matched by exact name, normalised name ("NORTHWIND ACCELERATORS INC") and tax id.
    assert set(lines.values_list("vendor_match", flat=True)) == {
        "name",
        "normalised_name",
        "tax_id",
        "unmatched",
    }
    assert {"gpu", "server", "accelerator", "H100 SXM5", "gpu-xl"} <= set(
        lines.values_list("hardware_class", flat=True)
    )
    assert {"air freight", "ocean"} <= set(lines.values_list("mode", flat=True))
    assert {"recycling", "landfill"} <= set(lines.values_list("waste_treatment", flat=True))
    assert lines.filter(naics="518210").exists()
    assert [t["word"] for t in batch.unknown_terms] == ["gpu-xl"]


def test_completed_runs_of_two_years_use_every_method_and_report_unaccounted_lines(demo):
    runs = InventoryRun.objects.filter(status="completed")
    assert {run.reporting_year for run in runs} == {2024, 2025}
    latest = [runs.filter(reporting_year=year).order_by("-pk").first() for year in (2024, 2025)]
    for run in latest:
        methods = set(EmissionEstimate.objects.filter(run=run).values_list("method", flat=True))
        assert methods == METHODS | {"unaccounted"}, run
        assert run.total_kgco2e > 0
        assert run.unaccounted_amount
        reasons = " ".join(
            EmissionEstimate.objects.filter(run=run, method="unaccounted").values_list(
                "reason", flat=True
            )
        )
        assert reasons


def test_the_second_2025_run_is_a_restatement_that_says_why(demo, client_for):
    first, second = InventoryRun.objects.filter(reporting_year=2025).order_by("pk")

    rows = inventory_run_restatement(run=second, previous=first)

    assert rows
    polar = next(row for row in rows if row.vendor_name == "Polar Vault Colocation")
    assert any(reason.startswith("method upgrade") for reason in polar.reasons)
    assert any(reason.startswith("new disclosure") for reason in polar.reasons)
    analyst = get_user_model().objects.get(username="analyst")
    page = client_for(analyst).get(
        reverse("admin:scope3_inventoryrun_restatement", args=[second.pk])
    )
    assert page.status_code == 200
    assert "Polar Vault Colocation" in page.content.decode()
    assert "method upgrade" in page.content.decode()


# --- other apps -----------------------------------------------------------------------------------


def test_contracts_include_a_renewal_that_passed_the_gate_and_its_second_term(demo):
    first = Contract.objects.get(reference="DEMO-CHC-CLOUD-01")
    second = Contract.objects.get(renewed_from=first)

    assert first.status == "renewed"
    assert RenewalDecision.objects.get(contract=first).outcome == "pass"
    assert second.status == "active"
    assert (second.start_date, second.end_date) == (dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    periods = KpiReport.objects.filter(clause__contract__in=[first, second]).values_list(
        "period__period_end", flat=True
    )
    assert {end.year for end in periods} >= {2023, 2024, 2025}
    assert set(RenewalDecision.objects.values_list("outcome", flat=True)) == {
        "pass",
        "refuse",
        "waiver",
    }


def test_reconciliation_raised_flags_for_both_years_and_the_analyst_decided_some(demo):
    flags = ReconciliationFlag.objects.all()

    assert {f.reporting_year for f in flags} == {2024, 2025}
    assert set(flags.values_list("kind", flat=True)) == set(ReconciliationFlag.Kind.values)
    assert {"open", "acknowledged", "dismissed"} <= set(flags.values_list("status", flat=True))
    dismissed = flags.filter(status="dismissed").first()
    assert dismissed.note and dismissed.decided_by.username == "analyst"
    assert dismissed.history.count() == 2  # raised, then dismissed
    # The runs that raised them are on record, as the nightly task's are.
    runs = ReconciliationRun.objects.order_by("reporting_year")
    assert [(r.reporting_year, r.status) for r in runs] == [(2024, "done"), (2025, "done")]
    assert sum(r.summary["created"] for r in runs) == flags.count()


def test_product_footprints_come_from_the_pact_samples(demo):
    footprints = ProductFootprint.objects.select_related("vendor")

    assert {(f.vendor.name, f.spec_version[0]) for f in footprints} == {
        ("Northwind Accelerators", "3"),
        ("Meridian Fabric Networks", "2"),
    }


def test_one_evidence_bundle_of_each_kind(demo):
    from assurance.bundles.services import bundle_file_open

    bundles = EvidenceBundle.objects.all()

    assert {b.scope for b in bundles} == set(EvidenceBundle.Scope.values)
    for bundle in bundles:
        assert bundle.status == "done", bundle.error
        assert bundle.requested_by.username == "auditor"
        with bundle_file_open(bundle, "pdf") as handle:
            assert handle.read(5) == b"%PDF-"
    run_bundle = bundles.get(scope="run")
    assert run_bundle.run == InventoryRun.objects.filter(reporting_year=2025).latest("pk")


def test_the_story_spans_at_least_two_years(demo):
    """Business dates, not the seeding instant: ledger lines, disclosure periods, KPI periods,
    contracts and the moments disclosures were sent, submitted and reviewed."""
    days = [
        *SpendLine.objects.values_list("date", flat=True),
        *EmissionsDisclosure.objects.values_list("period_start", flat=True),
        *KpiReport.objects.values_list("period__period_end", flat=True),
        *Contract.objects.values_list("start_date", flat=True),
    ]
    assert months_between(min(days), max(days)) >= 24
    kpi_ends = KpiReport.objects.values_list("period__period_end", flat=True)
    assert months_between(min(kpi_ends), max(kpi_ends)) >= 24
    # Reports were submitted and reviewed after their periods, not all at the seeding instant,
    # so a contract's timeline reads as the years it covers.
    for report in KpiReport.objects.select_related("period"):
        assert report.period.period_end < report.submitted_at.date() <= report.reviewed_at.date()
    submitted = KpiReport.objects.values_list("submitted_at", flat=True)
    assert months_between(min(submitted), max(submitted)) >= 24


def test_a_contract_timeline_spans_the_years_of_its_reports(demo):
    from contracts.selectors import contract_timeline
    from contracts.timeline import days_group

    contract = KpiReport.objects.select_related("clause__contract").first().clause.contract
    days = days_group(contract_timeline(contract), dt.UTC)
    assert len(days) >= 8
    assert months_between(days[-1].day, days[0].day) >= 12


# --- logins ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "group"),
    [
        ("officer", "procurement"),
        ("evaluator", "evaluators"),
        ("analyst", "sustainability"),
        ("auditor", "auditors"),
    ],
)
def test_staff_log_in_to_the_admin(demo, client, username, group):
    user = get_user_model().objects.get(username=username)
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [group]

    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    # The password alone is not enough: the code of the demo authenticator printed with the
    # logins is.
    assert client.get(reverse("admin:index")).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert base64.b32encode(device.bin_key).decode() == DEMO_TOTP_SECRET
    client.post(reverse("accounts:verify"), {"code": totp_code(device)})
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("username", ["vendor", "vendor2"])
def test_vendor_users_log_in_to_the_portal(demo, client, username):
    user = get_user_model().objects.get(username=username)
    assert not user.is_staff

    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert user.vendor_membership.vendor.name in response.content.decode()


def test_the_two_vendor_users_belong_to_different_vendors(demo):
    vendor = VendorMembership.objects.get(user__username="vendor")
    vendor2 = VendorMembership.objects.get(user__username="vendor2")

    assert vendor.vendor != vendor2.vendor
    assert vendor.role == VendorMembership.Role.ADMIN
    assert VendorContact.objects.get(user=vendor.user).vendor == vendor.vendor


def test_output_lists_logins_password_and_urls(demo):
    assert f"Password for every login: {PASSWORD}" in demo
    assert "Authenticator key of the staff logins (time-based, 6 digits): TEND ERLE" in demo
    for username in ("officer", "evaluator", "analyst", "auditor", "vendor", "vendor2"):
        assert f"\n{username} " in demo
    assert "http://127.0.0.1:8000/admin/" in demo
    assert "http://127.0.0.1:8000/portal/" in demo
    assert "3 inventory runs created" in demo
    assert "3 evidence bundles created" in demo


def test_default_password_passes_the_validators_and_is_printed(demo, client):
    output = seed()

    password = output.split("Password for every login: ")[1].split()[0]
    assert client.login(request=HttpRequest(), username="officer", password=password)


def test_a_weak_password_is_refused_and_nothing_is_changed(demo):
    before = snapshot()

    with pytest.raises(CommandError, match="too short"):
        seed(password="short")

    assert snapshot() == before


def test_a_new_password_on_a_later_run_replaces_the_old_one(demo, client):
    seed(password="a different passphrase 7")

    assert not client.login(request=HttpRequest(), username="vendor", password=PASSWORD)
    assert client.login(
        request=HttpRequest(), username="vendor", password="a different passphrase 7"
    )


def test_demo_gpu_rfp_is_evaluated_on_life_cycle_cost(demo, client_for):
    """The cheapest bid to buy is not the cheapest over five years, and dearer electricity or a
    worse PUE changes which bid wins on the weighted total (docs/method.md)."""
    from procurement.demo import GPU_TITLE
    from procurement.models import Rfp
    from procurement.selectors import rfp_matrix
    from procurement.selectors_lcc import rfp_life_cycle

    rfp = Rfp.objects.get(title=GPU_TITLE)
    view = rfp_life_cycle(rfp, matrix=rfp_matrix(rfp))
    assert [b.error for b in view.bids] == ["", "", "", ""]
    by_price = min(view.computed, key=lambda b: b.result.price)
    by_lcc = min(view.computed, key=lambda b: b.result.lcc)
    assert by_price.vendor_name == "Northwind Accelerators"
    assert by_lcc.vendor_name != by_price.vendor_name
    base = view.sensitivity[0]
    assert base.is_base and base.winner == "Kestrel Compute Systems"
    dearer_power = next(s for s in view.sensitivity if s.label == "+25 %")
    assert dearer_power.lowest_lcc != base.lowest_lcc and dearer_power.flips
    # Pricier electricity or a worse PUE flips the weighted-total winner to the efficient bid.
    flipped = {(s.group, s.label): s.winner for s in view.sensitivity if s.winner != base.winner}
    assert flipped == {
        ("Electricity price", "+25 %"): "Alder Server Works",
        ("PUE", "+0.1 (1.45)"): "Alder Server Works",
        ("Utilisation", "90 %"): "Alder Server Works",
    }
    assert view.any_flip
    northwind = next(b for b in view.computed if b.vendor_name == "Northwind Accelerators")
    assert northwind.result.low_data_quality  # no embodied figure: the buyer's model
    officer = get_user_model().objects.get(username="officer")
    page = client_for(officer).get(reverse("admin:procurement_rfp_matrix", args=[rfp.pk]))
    assert page.status_code == 200 and 'id="lcc-sensitivity"' in page.content.decode()
