"""The disclosure workflow services: requests, drafts, submission, review, certificates."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assurance.demo import demo_pdf
from assurance.models import AuditEvent, EvidenceFile
from scope3.models import EmissionFactor, FactorDataset, ReferenceRate
from vendors import extensions, services
from vendors.models import Certification, DisclosureRequest, EmissionsDisclosure
from vendors.services import DisclosureWarningsUnconfirmed
from vendors.tests.factories import VendorContactFactory

PDF = demo_pdf("Certificate")

VALUES = {
    "reporting_entity": "Acme Accelerators Inc.",
    "period_start": datetime.date(2025, 1, 1),
    "period_end": datetime.date(2025, 12, 31),
    "scope1_tco2e": D("1200.5"),
    "scope2_location_tco2e": D("900"),
    "scope2_market_tco2e": D("450"),
    "revenue": D("25000000"),
    "revenue_currency": "USD",
    "verification": "limited",
    "verification_standard": "iso_14064_3",
    "verifier": "Verity Assurance",
}


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def contacts(vendor_a):
    return [
        VendorContactFactory(vendor=vendor_a, email="esg@acme.example", receives_reminders=True),
        VendorContactFactory(vendor=vendor_a, email="sales@acme.example", receives_reminders=False),
    ]


@pytest.fixture
def request_a(officer, vendor_a, contacts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.disclosure_request_create(
            actor=officer,
            vendor=vendor_a,
            reporting_year=2025,
            due_date=datetime.date.today() + datetime.timedelta(days=30),
            message="Please include all fabs.",
        )


def events(verb, target):
    return AuditEvent.objects.filter(
        verb=verb,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
    )


def draft(member, request_a, **changes):
    return services.disclosure_save_draft(
        actor=member, vendor=request_a.vendor, request=request_a, **(VALUES | changes)
    )


def submitted(member, request_a, **changes):
    return services.disclosure_submit(actor=member, disclosure=draft(member, request_a, **changes))


# --- requests ----------------------------------------------------------------------------------


def test_request_emails_contacts_who_receive_reminders_with_a_portal_link(request_a, officer):
    assert request_a.sent_at is not None
    assert request_a.created_by == officer
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["esg@acme.example"]
    assert "FY2025" in email.subject
    assert f"http://127.0.0.1:8000/portal/disclosures/requests/{request_a.pk}/" in email.body
    assert "Please include all fabs." in email.body
    assert email.alternatives and "text/html" in email.alternatives[0][1]
    event = events("created", request_a).get()
    assert event.actor == officer
    assert event.details["emailed"] == ["esg@acme.example"]
    assert request_a.history.get().history_user == officer


def test_a_second_live_request_for_the_year_is_refused_naming_the_year(request_a, officer):
    with pytest.raises(ValidationError) as exc:
        services.disclosure_request_create(
            actor=officer, vendor=request_a.vendor, reporting_year=2025, due_date=request_a.due_date
        )
    assert "reporting_year" in exc.value.message_dict
    assert DisclosureRequest.objects.count() == 1


def test_bulk_requests_skip_vendors_with_a_live_request(
    request_a, officer, vendor_b, django_capture_on_commit_callbacks
):
    VendorContactFactory(vendor=vendor_b, email="esg@bolt.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.disclosure_requests_create_bulk(
            actor=officer,
            vendors=[request_a.vendor, vendor_b],
            reporting_year=2025,
            due_date=request_a.due_date,
            ask_scope3_upstream=True,
        )
    assert [r.vendor for r in batch] == [vendor_b]
    assert batch.skipped == [request_a.vendor]
    assert batch[0].ask_scope3_upstream is True
    assert [m.to for m in mail.outbox] == [["esg@bolt.example"]]


def test_unknown_ask_is_a_programming_error(officer, vendor_a):
    with pytest.raises(TypeError, match="ask_everything"):
        services.disclosure_request_create(
            actor=officer,
            vendor=vendor_a,
            reporting_year=2025,
            due_date=datetime.date(2026, 3, 31),
            ask_everything=True,
        )


# --- drafts ------------------------------------------------------------------------------------


def test_draft_is_stored_with_history_and_audit_and_touches_the_request(member, request_a):
    disclosure = draft(member, request_a)

    assert disclosure.status == "draft"
    assert disclosure.created_by == member
    assert disclosure.scope1_tco2e == D("1200.5")
    assert disclosure.history.get().history_user == member
    assert events("created", disclosure).get().actor == member
    request_a.refresh_from_db()
    assert request_a.vendor_touched_at is not None

    services.disclosure_save_draft(
        actor=member, vendor=request_a.vendor, disclosure=disclosure, scope1_tco2e=D("1300")
    )
    assert disclosure.history.count() == 2
    assert events("updated", disclosure).get().details["fields"] == ["scope1_tco2e"]


def test_draft_with_impossible_values_names_fields_and_stores_nothing(member, request_a):
    with pytest.raises(ValidationError) as exc:
        draft(member, request_a, scope1_tco2e=D("-5"), period_end=datetime.date(2024, 12, 31))

    assert set(exc.value.message_dict) >= {"scope1_tco2e", "period_end"}
    assert not EmissionsDisclosure.objects.exists()
    assert not EmissionsDisclosure.history.exists()


def test_another_vendors_request_cannot_be_answered(outsider, request_a, vendor_b):
    with pytest.raises(ValidationError) as exc:
        services.disclosure_save_draft(actor=outsider, vendor=vendor_b, request=request_a, **VALUES)
    assert "request" in exc.value.message_dict
    assert not EmissionsDisclosure.objects.exists()


# --- submission --------------------------------------------------------------------------------


def test_submit_sets_statuses_and_records_the_event(member, request_a):
    disclosure = submitted(member, request_a)

    disclosure.refresh_from_db()
    request_a.refresh_from_db()
    assert disclosure.status == "submitted"
    assert disclosure.submitted_by == member and disclosure.submitted_at
    assert disclosure.warnings == []
    assert disclosure.warnings_confirmed_by is None
    assert request_a.status == "submitted"
    assert events("submitted", disclosure).get().actor == member
    assert disclosure.history.latest().history_user == member


def test_submit_with_errors_names_fields_and_changes_nothing(member, request_a):
    disclosure = draft(member, request_a, scope2_location_tco2e=None)

    with pytest.raises(ValidationError) as exc:
        services.disclosure_submit(actor=member, disclosure=disclosure)

    assert "both" in exc.value.message_dict["scope2_location_tco2e"][0]
    disclosure.refresh_from_db()
    assert disclosure.status == "draft"
    assert not events("submitted", disclosure).exists()


def test_warnings_must_be_confirmed_and_are_stored(member, request_a):
    # 1 Jan .. 30 Jun is 181 days: not a reporting year.
    disclosure = draft(member, request_a, period_end=datetime.date(2025, 6, 30))

    with pytest.raises(DisclosureWarningsUnconfirmed) as exc:
        services.disclosure_submit(actor=member, disclosure=disclosure)
    assert [w["code"] for w in exc.value.warnings] == ["period_length"]
    assert "confirm_warnings" in exc.value.message_dict
    disclosure.refresh_from_db()
    assert disclosure.status == "draft"

    services.disclosure_submit(actor=member, disclosure=disclosure, confirm_warnings=True)
    disclosure.refresh_from_db()
    assert disclosure.status == "submitted"
    assert disclosure.warnings[0]["code"] == "period_length"
    assert "181 days" in disclosure.warnings[0]["message"]
    assert disclosure.warnings_confirmed_by == member
    assert disclosure.warnings_confirmed_at is not None
    assert events("submitted", disclosure).get().details["warnings_confirmed"] is True


def test_intensity_uses_the_latest_spend_factor_of_the_vendors_naics(member, request_a, analyst):
    dataset = FactorDataset.objects.create(
        kind="useeio",
        name="EPA",
        version="1.3.0",
        sha256="0" * 64,
        imported_by=analyst,
        row_count=1,
        currency="USD",
        dollar_year=2022,
    )
    EmissionFactor.objects.create(
        dataset=dataset,
        code="334413",
        title="Semiconductors",
        value=D("0.215"),
        value_without_margins=D("0.188"),
        unit="kg CO2e/USD",
    )
    # 1,200.5 + 450 = 1,650.5 t on 0.25 M USD = 6,602 t/M; 6,602 / 188 = 35.1 > 5.
    disclosure = draft(member, request_a, revenue=D("250000"))

    result = services.disclosure_check(disclosure)

    assert [w["code"] for w in result.warnings] == ["intensity_out_of_range"]
    assert "35.1 times" in result.warnings[0]["message"]


def test_revenue_in_another_currency_uses_the_latest_fx_rate_up_to_the_year(
    member, request_a, analyst
):
    dataset = FactorDataset.objects.create(
        kind="fx",
        name="ECB",
        version="2025",
        sha256="1" * 64,
        imported_by=analyst,
        row_count=2,
        currency="USD",
    )
    ReferenceRate.objects.create(dataset=dataset, key="EUR", year=2024, value=D("0.924"))
    ReferenceRate.objects.create(dataset=dataset, key="EUR", year=2026, value=D("0.5"))
    disclosure = draft(member, request_a, revenue_currency="EUR")

    assert services.disclosure_facts(disclosure).fx_units_per_usd == D("0.924")


def test_without_scope3_the_facts_have_no_sector_factor_or_rate(
    member, request_a, analyst, monkeypatch
):
    """The factor and the rate come from scope3 through vendors.extensions; with no app
    registered the disclosure is still checked, without them."""
    dataset = FactorDataset.objects.create(
        kind="useeio",
        name="EPA",
        version="1.3.0",
        sha256="0" * 64,
        imported_by=analyst,
        row_count=1,
        currency="USD",
        dollar_year=2022,
    )
    EmissionFactor.objects.create(
        dataset=dataset, code="334413", title="Semiconductors", value=D("0.215"), unit="kg/USD"
    )
    monkeypatch.setattr(extensions.sector_factor, "functions", [])
    monkeypatch.setattr(extensions.fx_rate, "functions", [])
    disclosure = draft(member, request_a, revenue=D("250000"), revenue_currency="EUR")

    facts = services.disclosure_facts(disclosure)

    assert (facts.sector_factor_kg_per_usd, facts.sector_factor_source) == (None, "")
    assert facts.fx_units_per_usd is None
    assert services.disclosure_check(disclosure).errors == {}


def test_cannot_edit_or_resubmit_after_submit(member, request_a):
    disclosure = submitted(member, request_a)

    with pytest.raises(ValidationError) as exc:
        services.disclosure_save_draft(
            actor=member, vendor=request_a.vendor, disclosure=disclosure, scope1_tco2e=D("1")
        )
    assert "can no longer be changed" in exc.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        services.disclosure_submit(actor=member, disclosure=disclosure)
    disclosure.refresh_from_db()
    assert disclosure.scope1_tco2e == D("1200.5")
    assert disclosure.history.count() == 2


# --- review ------------------------------------------------------------------------------------


def test_reject_requires_a_comment(member, officer, request_a):
    disclosure = submitted(member, request_a)

    with pytest.raises(ValidationError) as exc:
        services.disclosure_reject(actor=officer, disclosure=disclosure, comment="   ")

    assert "comment" in exc.value.message_dict
    disclosure.refresh_from_db()
    assert disclosure.status == "submitted"


def test_reject_emails_the_comment_and_the_vendor_resubmits(
    member, officer, request_a, django_capture_on_commit_callbacks
):
    disclosure = submitted(member, request_a)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.disclosure_reject(
            actor=officer, disclosure=disclosure, comment="Scope 2 excludes the Dresden fab."
        )

    disclosure.refresh_from_db()
    request_a.refresh_from_db()
    assert disclosure.status == "rejected"
    assert disclosure.reviewed_by == officer
    assert request_a.status == "open"
    assert events("rejected", disclosure).get().actor == officer
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"esg@acme.example", member.email}
    assert "Scope 2 excludes the Dresden fab." in mail.outbox[0].body

    services.disclosure_save_draft(
        actor=member, vendor=request_a.vendor, disclosure=disclosure, scope2_market_tco2e=D("600")
    )
    services.disclosure_submit(actor=member, disclosure=disclosure)
    disclosure.refresh_from_db()
    assert disclosure.status == "submitted"
    assert disclosure.review_comment == ""  # the old comment lives on in the history
    assert "Scope 2 excludes the Dresden fab." in set(
        disclosure.history.values_list("review_comment", flat=True)
    )
    assert events("submitted", disclosure).count() == 2
    assert events("submitted", disclosure).first().details["resubmission"] is True


def test_accept_emails_and_supersedes_the_older_accepted_disclosure(
    member, officer, request_a, django_capture_on_commit_callbacks
):
    first = submitted(member, request_a)
    services.disclosure_accept(actor=officer, disclosure=first, comment="Thanks.")
    second = services.disclosure_save_draft(
        actor=member,
        vendor=request_a.vendor,
        request=request_a,
        **(VALUES | {"scope1_tco2e": D("1250")}),
    )
    services.disclosure_submit(actor=member, disclosure=second)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.disclosure_accept(actor=officer, disclosure=second)

    first.refresh_from_db()
    second.refresh_from_db()
    request_a.refresh_from_db()
    assert second.status == "accepted" and second.reviewed_by == officer
    assert first.status == "superseded"
    assert first.superseded_by == second
    assert first.scope1_tco2e == D("1200.5")  # kept as it was
    assert request_a.status == "accepted"
    assert events("accepted", second).get().details["superseded"] == [first.pk]
    assert first.history.latest().history_user == officer
    assert len(mail.outbox) == 1 and "accepted" in mail.outbox[0].subject


def test_only_a_submitted_disclosure_can_be_reviewed(member, officer, request_a):
    disclosure = draft(member, request_a)
    with pytest.raises(ValidationError) as exc:
        services.disclosure_accept(actor=officer, disclosure=disclosure)
    assert "status" in exc.value.message_dict
    assert not events("accepted", disclosure).exists()


# --- evidence and certificates -----------------------------------------------------------------


def test_evidence_attaches_to_an_editable_disclosure_only(member, request_a):
    disclosure = draft(member, request_a)
    evidence = services.disclosure_evidence_attach(
        actor=member, disclosure=disclosure, uploaded_file=SimpleUploadedFile("ghg.pdf", PDF)
    )
    assert evidence.target == disclosure and evidence.vendor == request_a.vendor

    services.disclosure_submit(actor=member, disclosure=disclosure)
    with pytest.raises(ValidationError):
        services.disclosure_evidence_attach(
            actor=member, disclosure=disclosure, uploaded_file=SimpleUploadedFile("x.pdf", PDF)
        )
    assert EvidenceFile.objects.count() == 1


CERT = {
    "kind": "iso_14001",
    "number": "EMS-4242",
    "certification_body": "BSI",
    "issue_date": datetime.date(2024, 5, 1),
    "expiry_date": datetime.date(2027, 4, 30),
}


def test_certificate_upload_stores_pdf_and_metadata(member, vendor_a):
    certification = services.certification_upload(
        actor=member,
        vendor=vendor_a,
        uploaded_file=SimpleUploadedFile("iso14001.pdf", PDF),
        **CERT,
    )

    assert certification.evidence.original_name == "iso14001.pdf"
    assert certification.evidence.target == certification
    assert certification.verified_at is None
    assert events("created", certification).get().actor == member
    assert {h.history_user for h in certification.history.all()} == {member}


@pytest.mark.parametrize(
    ("upload", "changes", "field"),
    [
        (SimpleUploadedFile("cert.pdf", b"<html>not a pdf</html>"), {}, "uploaded_file"),
        (
            SimpleUploadedFile("cert.pdf", PDF),
            {"expiry_date": datetime.date(2020, 1, 1)},
            "__all__",
        ),
        (SimpleUploadedFile("cert.pdf", PDF), {"kind": "iso_9001"}, "kind"),
    ],
)
def test_certificate_upload_errors_store_nothing(member, vendor_a, upload, changes, field):
    with pytest.raises(ValidationError) as exc:
        services.certification_upload(
            actor=member, vendor=vendor_a, uploaded_file=upload, **(CERT | changes)
        )
    assert field in exc.value.message_dict
    assert not Certification.objects.exists()
    assert not EvidenceFile.objects.exists()


def test_officer_verifies_a_certificate(member, officer, vendor_a):
    certification = services.certification_upload(
        actor=member, vendor=vendor_a, uploaded_file=SimpleUploadedFile("c.pdf", PDF), **CERT
    )

    services.certification_verify(actor=officer, certification=certification, note="Checked BSI.")

    certification.refresh_from_db()
    assert certification.verified_by == officer
    assert certification.verification_note == "Checked BSI."
    assert events("accepted", certification).get().actor == officer
    assert certification.history.latest().history_user == officer


def test_a_replayed_workflow_keeps_the_moments_it_is_given(officer, member, vendor_a, contacts):
    # The demo (and any replay of past events) says when each step happened; the history records
    # still say when they were written.
    sent, handed_in, reviewed = (
        datetime.datetime(2024, month, 15, 9, 0, tzinfo=datetime.UTC) for month in (3, 4, 5)
    )
    request = services.disclosure_request_create(
        actor=officer,
        vendor=vendor_a,
        reporting_year=2023,
        due_date=datetime.date(2024, 6, 28),
        now=sent,
    )
    values = VALUES | {
        "period_start": datetime.date(2023, 1, 1),
        "period_end": datetime.date(2023, 12, 31),
    }
    draft = services.disclosure_save_draft(actor=member, vendor=vendor_a, request=request, **values)
    services.disclosure_submit(actor=member, disclosure=draft, confirm_warnings=True, now=handed_in)
    services.disclosure_reject(actor=officer, disclosure=draft, comment="Add fab 2.", now=reviewed)

    draft.refresh_from_db()
    request.refresh_from_db()
    assert (request.sent_at, draft.submitted_at, draft.reviewed_at) == (sent, handed_in, reviewed)
    # Due on 28 June 2024 and rejected in May 2024: open again, not overdue.
    assert request.status == "open"
    assert draft.history.latest("history_id").history_date > reviewed
