"""``manage.py seed_demo``: realistic demo data that a second run leaves exactly as it was."""

import base64
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.testing import totp_code
from assurance.models import AuditEvent
from vendors import selectors
from vendors.management.commands.seed_demo import DEMO_TOTP_SECRET
from vendors.models import (
    Certification,
    DisclosureRequest,
    EmissionsDisclosure,
    Vendor,
    VendorContact,
    VendorMembership,
)

PASSWORD = "orchard lantern 2026"


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot():
    """Row counts of every table seed_demo can touch, history tables included."""
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in {"vendors", "assurance", "auth"}:
            counts[model._meta.label] = model._default_manager.count()
    return counts


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def seeded(db):
    return seed(password=PASSWORD)


def test_second_run_changes_nothing(seeded):
    before = snapshot()
    latest_history = Vendor.history.order_by("-history_id").values_list("history_id").first()

    output = seed(password=PASSWORD)

    assert snapshot() == before
    assert Vendor.history.order_by("-history_id").values_list("history_id").first() == (
        latest_history
    )
    assert "nothing to change" in output


def test_vendors_cover_the_categories_with_valid_master_data(seeded):
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


def test_certificates_include_expiring_and_expired_ones(seeded):
    expiring = selectors.certification_list(state="expiring")
    expired = selectors.certification_list(state="expired")

    assert expiring.count() >= 2
    assert expired.count() == 1
    assert {c.kind for c in Certification.objects.all()} >= {"iso_14001", "iso_50001", "sbti"}


def test_every_row_is_attributed_to_the_system_user_with_the_reason(seeded, settings):
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
    }
    # Events of the vendor master carry the seed's reason; contract and RFP decisions keep the
    # business reason they record (a waiver's justification, an award's rationale).
    vendor_master = events.filter(target_type__app_label="vendors")
    assert set(vendor_master.values_list("reason", flat=True)) == {"seed_demo"}
    # Evidence uploads carry the evidence service's own reason.
    assert AuditEvent.objects.filter(verb="uploaded").exists()


def test_requests_in_every_state_and_disclosures_with_history(seeded):
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


def test_disclosures_say_what_they_cover(seeded):
    disclosures = list(EmissionsDisclosure.objects.all())

    for disclosure in disclosures:
        has_upstream = disclosure.scope3_upstream_tco2e is not None
        assert bool(disclosure.scope3_upstream_categories) == has_upstream, disclosure
        has_allocation = disclosure.allocated_to_us_tco2e is not None
        assert bool(disclosure.allocation_boundary) == has_allocation, disclosure
    # The hybrid method gets one cradle-to-gate supplier, and Scope 1+2-only ones to refuse.
    assert any(d.status == "accepted" and d.upstream_complete for d in disclosures)
    assert any(
        d.status == "accepted" and d.boundary_label == "Scope 1 and 2 only" for d in disclosures
    )
    assert any(d.scope3_upstream_tco2e is not None and not d.upstream_complete for d in disclosures)
    assert {d.allocation_boundary for d in disclosures} >= {"scope12", "cradle_to_gate"}


def test_certificates_have_pdf_evidence_and_some_are_verified(seeded):
    from assurance.services import evidence_file_verify

    certificates = Certification.objects.select_related("evidence")
    assert all(c.evidence is not None for c in certificates)
    assert all(c.evidence.content_type == "application/pdf" for c in certificates)
    assert all(evidence_file_verify(c.evidence) for c in certificates)
    assert certificates.filter(verified_at__isnull=False).exists()
    assert certificates.filter(verified_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("username", "group"),
    [
        ("officer", "procurement"),
        ("evaluator", "evaluators"),
        ("analyst", "sustainability"),
        ("auditor", "auditors"),
    ],
)
def test_staff_log_in_to_the_admin(seeded, client, username, group):
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
def test_vendor_users_log_in_to_the_portal(seeded, client, username):
    user = get_user_model().objects.get(username=username)
    assert not user.is_staff

    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert user.vendor_membership.vendor.name in response.content.decode()


def test_the_two_vendor_users_belong_to_different_vendors(seeded):
    vendor = VendorMembership.objects.get(user__username="vendor")
    vendor2 = VendorMembership.objects.get(user__username="vendor2")

    assert vendor.vendor != vendor2.vendor
    assert vendor.role == VendorMembership.Role.ADMIN
    assert VendorContact.objects.get(user=vendor.user).vendor == vendor.vendor


def test_output_lists_logins_password_and_urls(seeded):
    assert f"Password for every login: {PASSWORD}" in seeded
    assert "Authenticator key of the staff logins (time-based, 6 digits): TEND ERLE" in seeded
    for username in ("officer", "evaluator", "analyst", "auditor", "vendor", "vendor2"):
        assert f"\n{username} " in seeded
    assert "http://127.0.0.1:8000/admin/" in seeded
    assert "http://127.0.0.1:8000/portal/" in seeded


def test_default_password_passes_the_validators_and_is_printed(db, client):
    output = seed()

    password = output.split("Password for every login: ")[1].split()[0]
    assert client.login(request=HttpRequest(), username="officer", password=password)


def test_a_weak_password_is_refused_and_nothing_is_stored(db):
    before = snapshot()

    with pytest.raises(CommandError, match="too short"):
        seed(password="short")

    after = snapshot()
    # The system user may exist already; nothing else does.
    assert after["vendors.Vendor"] == before["vendors.Vendor"] == 0
    assert after["vendors.HistoricalVendor"] == 0
    assert after["auth.User"] <= before["auth.User"] + 1


def test_a_new_password_on_a_later_run_replaces_the_old_one(seeded, client):
    seed(password="a different passphrase 7")

    assert not client.login(request=HttpRequest(), username="vendor", password=PASSWORD)
    assert client.login(
        request=HttpRequest(), username="vendor", password="a different passphrase 7"
    )
