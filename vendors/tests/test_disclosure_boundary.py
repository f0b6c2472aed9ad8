"""What a disclosure covers: its upstream Scope 3 categories and the boundary of an allocation to
us, entered in the portal, the API and the bulk upload, shown to officers and in the evidence
bundle, and filled in for disclosures stored before the fields existed."""

# The texts a user reads write ranges of categories with an en dash (U+2013); so do the asserts.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.testing import otp_verified_login
from assurance.history import system_user
from tests.hostile_files import disclosure_csv_text, disclosure_row
from vendors.disclosure_upload import export_rows
from vendors.models import EmissionsDisclosure
from vendors.services import (
    disclosure_bulk_upload,
    disclosure_request_create,
    disclosure_save_draft,
    disclosure_submit,
)

backfill_migration = importlib.import_module("vendors.migrations.0004_disclosure_boundary_backfill")

DUE = datetime.date.today() + datetime.timedelta(days=30)
CATEGORY_LABELS = (
    "1 Purchased goods and services",
    "2 Capital goods",
    "3 Fuel- and energy-related activities",
    "4 Upstream transportation and distribution",
    "5 Waste generated in operations",
    "6 Business travel",
    "7 Employee commuting",
    "8 Upstream leased assets",
)
FIGURES = {
    "period_start": datetime.date(2025, 1, 1),
    "period_end": datetime.date(2025, 12, 31),
    "scope1_tco2e": Decimal("1200.500"),
    "scope2_location_tco2e": Decimal("3400"),
    "scope2_market_tco2e": Decimal("2100"),
    "revenue": Decimal("50000000"),
    "revenue_currency": "USD",
}
FORM = {
    "reporting_entity": "Acme Accelerators Inc.",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "scope1_tco2e": "1200.5",
    "scope2_location_tco2e": "3400",
    "scope2_market_tco2e": "2100",
    "scope3_upstream_tco2e": "",
    "revenue": "50000000",
    "revenue_currency": "USD",
    "allocated_to_us_tco2e": "",
    "allocation_boundary": "",
    "allocation_method": "",
    "allocation_uncertainty_pct": "",
    "verification": "limited",
    "verification_standard": "iso_14064_3",
    "verifier": "Verity Assurance",
    "methodology_notes": "GHG Protocol Corporate Standard.",
}


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def request_a(officer, vendor_a):
    return disclosure_request_create(
        actor=officer, vendor=vendor_a, reporting_year=2025, due_date=DUE
    )


@pytest.fixture
def api(member):
    client = APIClient()
    otp_verified_login(client, member)
    return client


def _portal_url(request):
    return reverse("portal:disclosure_request", kwargs={"pk": request.pk})


# --- the model's derived values (no database) ----------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "complete"),
    [
        ([1, 2, 3, 4], True),
        ([1, 2, 3, 4, 5, 6, 7, 8], True),
        ([1, 2, 3], False),  # upstream transport missing
        ([2, 3, 4], False),
        ([1], False),
        ([], False),
    ],
)
def test_upstream_is_complete_only_with_categories_1_to_4(categories, complete):
    disclosure = EmissionsDisclosure(
        scope1_tco2e=Decimal(10),
        scope3_upstream_tco2e=Decimal(100) if categories else None,
        scope3_upstream_categories=categories,
    )
    assert disclosure.upstream_complete is complete


@pytest.mark.parametrize(
    ("values", "label"),
    [
        (
            {"scope3_upstream_tco2e": Decimal(9), "scope3_upstream_categories": [1, 2, 3, 4]},
            "Scope 1, Scope 2 (location, market) and upstream Scope 3 categories 1–4",
        ),
        (
            {"scope3_upstream_tco2e": Decimal(9), "scope3_upstream_categories": [1, 2, 3, 4, 6]},
            "Scope 1, Scope 2 (location, market) and upstream Scope 3 categories 1–4 and 6",
        ),
        (
            {
                "scope2_location_tco2e": None,
                "scope3_upstream_tco2e": Decimal(9),
                "scope3_upstream_categories": [1, 6, 7],
            },
            "Scope 1, Scope 2 (market) and upstream Scope 3 categories 1, 6 and 7 "
            "(not cradle-to-gate: categories 1–4 are needed)",
        ),
        ({}, "Scope 1 and 2 only"),
        ({"scope2_location_tco2e": None, "scope2_market_tco2e": None}, "Scope 1 only"),
        (
            {
                "allocated_to_us_tco2e": Decimal(40),
                "allocation_method": "economic",
                "allocation_boundary": "scope12",
            },
            "Scope 1 and 2 only; the allocation to us covers Scope 1 and 2 only",
        ),
        (
            {
                "scope3_upstream_tco2e": Decimal(9),
                "scope3_upstream_categories": [1, 2, 3, 4],
                "allocated_to_us_tco2e": Decimal(40),
                "allocation_boundary": "cradle_to_gate",
            },
            "Scope 1, Scope 2 (location, market) and upstream Scope 3 categories 1–4; the "
            "allocation to us covers Scope 1, 2 and upstream Scope 3 (cradle-to-gate)",
        ),
    ],
)
def test_boundary_label_says_what_the_figures_cover(values, label):
    assert EmissionsDisclosure(**{**FIGURES, **values}).boundary_label == label


# --- the data migration's rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope3", "allocated", "expected"),
    [
        (Decimal("15000"), None, ([1, 2, 3, 4], "")),
        (Decimal("0"), None, ([1, 2, 3, 4], "")),  # a zero upstream figure is still a figure
        (None, None, ([], "")),
        (Decimal("15000"), Decimal("42"), ([1, 2, 3, 4], "cradle_to_gate")),
        (None, Decimal("42"), ([], "scope12")),
    ],
)
def test_migration_rule_for_disclosures_stored_before_the_fields(scope3, allocated, expected):
    assert (
        backfill_migration.coverage_for(
            scope3_upstream_tco2e=scope3, allocated_to_us_tco2e=allocated
        )
        == expected
    )


def test_migration_fills_empty_coverage_and_records_it_in_the_history(member, vendor_a):
    system = system_user()
    common = {"vendor": vendor_a, "created_by": member, **FIGURES}
    # Rows as the schema migration leaves them: the new fields at their defaults.
    full = EmissionsDisclosure.objects.create(
        **common,
        reporting_entity="Full",
        scope3_upstream_tco2e=Decimal("15000"),
        allocated_to_us_tco2e=Decimal("42"),
        allocation_method="economic",
    )
    scope12 = EmissionsDisclosure.objects.create(
        **common,
        reporting_entity="Scope 1+2",
        allocated_to_us_tco2e=Decimal("12"),
        allocation_method="economic",
    )
    plain = EmissionsDisclosure.objects.create(**common, reporting_entity="Plain")
    # Someone already said what this one covers: the migration keeps it.
    said = EmissionsDisclosure.objects.create(
        **common,
        reporting_entity="Said",
        scope3_upstream_tco2e=Decimal("900"),
        scope3_upstream_categories=[1, 6],
    )

    backfill_migration.backfill(apps, schema_editor=None)

    for row in (full, scope12, plain, said):
        row.refresh_from_db()
    assert (full.scope3_upstream_categories, full.allocation_boundary) == (
        [1, 2, 3, 4],
        "cradle_to_gate",
    )
    assert full.upstream_complete
    assert (scope12.scope3_upstream_categories, scope12.allocation_boundary) == ([], "scope12")
    assert (plain.scope3_upstream_categories, plain.allocation_boundary) == ([], "")
    assert said.scope3_upstream_categories == [1, 6]
    # The records written before stay as they were; the change is a new, attributed record.
    first, latest = full.history.order_by("history_id")
    assert first.scope3_upstream_categories == [] and first.history_type == "+"
    assert latest.scope3_upstream_categories == [1, 2, 3, 4]
    assert latest.allocation_boundary == "cradle_to_gate"
    assert latest.history_type == "~" and latest.history_user == system
    assert latest.history_change_reason == backfill_migration.REASON
    assert len(backfill_migration.REASON) <= 100  # simple_history's column on PostgreSQL
    assert plain.history.count() == 1 and said.history.count() == 1


# --- portal -------------------------------------------------------------------------------------


def test_portal_form_asks_for_the_categories_and_the_allocation_boundary(
    client_for, member, request_a
):
    text = client_for(member).get(_portal_url(request_a)).content.decode()

    # The categories are a group of checkboxes in their own fieldset, each with its label.
    assert "<legend>Upstream Scope 3 categories included" in text
    for number, label in enumerate(CATEGORY_LABELS, start=1):
        assert f'for="id_scope3_upstream_categories_{number - 1}"' in text
        assert f'value="{number}"' in text
        assert label in text
    assert "cradle-to-gate only when categories 1–4 are reported" in text
    assert 'aria-describedby="id_scope3_upstream_categories_helptext"' in text
    assert '<label for="id_allocation_boundary">What the allocation covers' in text
    assert '<option value="cradle_to_gate">' in text
    assert "Scope 1, 2 and upstream Scope 3 (cradle-to-gate)" in text


def test_portal_submit_stores_the_coverage_and_shows_it(client_for, member, request_a):
    client = client_for(member)
    form = FORM | {
        "scope3_upstream_tco2e": "15000",
        "scope3_upstream_categories": ["4", "1", "2", "3", "6"],
        "allocated_to_us_tco2e": "42.7",
        "allocation_boundary": "cradle_to_gate",
        "allocation_method": "economic",
    }

    response = client.post(_portal_url(request_a), form | {"action": "submit"}, follow=True)

    text = response.content.decode()
    assert "Your disclosure was submitted" in text, text
    stored = EmissionsDisclosure.objects.get()
    assert stored.status == "submitted"
    assert stored.scope3_upstream_categories == [1, 2, 3, 4, 6]
    assert stored.allocation_boundary == "cradle_to_gate"
    assert stored.upstream_complete
    # The read-only page says what the figures cover.
    assert "upstream Scope 3 categories 1–4 and 6" in text
    assert "1 Purchased goods and services; 2 Capital goods" in text
    assert "Scope 1, 2 and upstream Scope 3 (cradle-to-gate)" in text
    listing = client.get(reverse("portal:disclosure_list")).content.decode()
    assert "upstream Scope 3 categories 1–4 and 6" in listing


def test_portal_draft_keeps_the_ticked_categories(client_for, member, request_a):
    client = client_for(member)
    client.post(
        _portal_url(request_a),
        FORM
        | {
            "scope3_upstream_tco2e": "8000",
            "scope3_upstream_categories": ["1", "6"],
            "action": "save",
        },
    )

    text = client.get(_portal_url(request_a)).content.decode()
    assert 'value="1" id="id_scope3_upstream_categories_0" checked' in text
    assert 'value="6" id="id_scope3_upstream_categories_5" checked' in text
    assert 'value="2" id="id_scope3_upstream_categories_1" checked' not in text
    assert (
        "Your saved figures cover: Scope 1, Scope 2 (location, market) and upstream Scope 3 "
        "categories 1 and 6 (not cradle-to-gate: categories 1–4 are needed)." in text
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"scope3_upstream_categories": ["1", "2"]},
            "You gave upstream Scope 3 categories (1 and 2) but no upstream Scope 3 figure",
        ),
        (
            {"scope3_upstream_tco2e": "15000"},
            "Say which upstream Scope 3 categories your 15,000 tCO2e include",
        ),
        (
            {"allocated_to_us_tco2e": "42.7", "allocation_method": "economic"},
            "Say what the emissions allocated to us cover",
        ),
        (
            {"allocation_boundary": "scope12"},
            "needs the emissions allocated to us",
        ),
        (
            {"scope3_upstream_tco2e": "15000", "scope3_upstream_categories": ["1", "9"]},
            "9 is not an upstream Scope 3 category",
        ),
    ],
)
def test_portal_refuses_coverage_that_does_not_match_the_figures(
    client_for, member, request_a, changes, message
):
    response = client_for(member).post(_portal_url(request_a), FORM | changes | {"action": "save"})

    text = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert "There is a problem" in text
    assert message in text
    assert not EmissionsDisclosure.objects.exists()


# --- API ----------------------------------------------------------------------------------------

API_FIGURES = {
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "scope1_tco2e": "1200.500",
    "scope2_location_tco2e": "3400.000",
    "scope2_market_tco2e": "2100.000",
    "revenue": "50000000.00",
    "revenue_currency": "USD",
}
LIST = reverse("api-disclosure-list")


def test_api_create_stores_the_categories_sorted_and_the_boundary(api):
    response = api.post(
        LIST,
        {
            **API_FIGURES,
            "scope3_upstream_tco2e": "15000",
            "scope3_upstream_categories": [4, 3, 2, 1, 2],
            "allocated_to_us_tco2e": "42.7",
            "allocation_method": "economic",
            "allocation_boundary": "cradle_to_gate",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["scope3_upstream_categories"] == [1, 2, 3, 4]
    assert body["allocation_boundary"] == "cradle_to_gate"
    assert body["upstream_complete"] is True
    assert body["coverage"].startswith(
        "Scope 1, Scope 2 (location, market) and upstream Scope 3 categories 1–4"
    )
    stored = EmissionsDisclosure.objects.get(pk=body["id"])
    assert stored.scope3_upstream_categories == [1, 2, 3, 4]
    assert stored.allocation_boundary == "cradle_to_gate"


def test_api_update_changes_the_coverage(api, member, vendor_a):
    draft = disclosure_save_draft(actor=member, vendor=vendor_a, **FIGURES)
    url = reverse("api-disclosure-detail", kwargs={"pk": draft.pk})

    response = api.patch(
        url,
        {
            "scope3_upstream_tco2e": "8000",
            "scope3_upstream_categories": [1, 6],
            "allocated_to_us_tco2e": "12",
            "allocation_method": "physical",
            "allocation_boundary": "scope12",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.scope3_upstream_categories == [1, 6]
    assert draft.allocation_boundary == "scope12"
    assert response.json()["upstream_complete"] is False

    # Removing the allocation needs the boundary removed with it.
    response = api.patch(url, {"allocated_to_us_tco2e": None}, format="json")
    assert response.status_code == 400
    assert "needs the emissions allocated to us" in response.json()["allocation_boundary"][0]
    response = api.patch(
        url,
        {"allocated_to_us_tco2e": None, "allocation_method": "", "allocation_boundary": ""},
        format="json",
    )
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert (draft.allocated_to_us_tco2e, draft.allocation_boundary) == (None, "")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"scope3_upstream_tco2e": "15000", "scope3_upstream_categories": [1, 9]},
            "scope3_upstream_categories",
            "9 is not an upstream Scope 3 category: the GHG Protocol Scope 3 Standard numbers "
            "them 1 to 8.",
        ),
        (
            {"scope3_upstream_categories": [1, 2, 3, 4]},
            "scope3_upstream_categories",
            "You gave upstream Scope 3 categories (1–4) but no upstream Scope 3 figure",
        ),
        (
            {"scope3_upstream_tco2e": "15000"},
            "scope3_upstream_categories",
            "Say which upstream Scope 3 categories your 15,000 tCO2e include",
        ),
        (
            {"allocated_to_us_tco2e": "42.7", "allocation_method": "economic"},
            "allocation_boundary",
            "Say what the emissions allocated to us cover",
        ),
        (
            {
                "allocated_to_us_tco2e": "42.7",
                "allocation_method": "economic",
                "allocation_boundary": "cradle",
            },
            "allocation_boundary",
            "not a valid choice",
        ),
    ],
)
def test_api_refuses_coverage_naming_the_field(api, changes, field, message):
    response = api.post(LIST, {**API_FIGURES, **changes}, format="json")

    assert response.status_code == 400
    errors = response.json()[field]
    assert any(message in error for error in errors), errors
    assert not EmissionsDisclosure.objects.exists()


# --- bulk upload ---------------------------------------------------------------------------------


def _upload(member, vendor, rows, **options):
    text = disclosure_csv_text(rows, **options)
    return disclosure_bulk_upload(
        actor=member,
        vendor=vendor,
        uploaded_file=SimpleUploadedFile("disclosures.csv", text.encode(), "text/csv"),
    )


def test_upload_reads_the_categories_and_the_boundary(member, vendor_a):
    result = _upload(
        member,
        vendor_a,
        [
            disclosure_row(
                reporting_entity="Semicolons",
                scope3_upstream_tco2e="15000",
                scope3_upstream_categories="4;3;2;1",
                allocated_to_us_tco2e="42.7",
                allocation_method="economic",
                allocation_boundary="cradle_to_gate",
            ),
            disclosure_row(
                reporting_entity="Commas",
                scope3_upstream_tco2e="900",
                scope3_upstream_categories="1, 6",
                allocated_to_us_tco2e="3",
                allocation_method="physical",
                allocation_boundary="Scope 1 and 2 only",
            ),
            disclosure_row(reporting_entity="Scope 1 and 2"),
        ],
    )

    assert result.stored, (result.file_error, [str(e) for e in result.errors])
    rows = {d.reporting_entity: d for d in EmissionsDisclosure.objects.all()}
    assert rows["Semicolons"].scope3_upstream_categories == [1, 2, 3, 4]
    assert rows["Semicolons"].allocation_boundary == "cradle_to_gate"
    assert rows["Semicolons"].upstream_complete
    assert rows["Commas"].scope3_upstream_categories == [1, 6]
    assert rows["Commas"].allocation_boundary == "scope12"
    assert rows["Scope 1 and 2"].scope3_upstream_categories == []
    assert rows["Scope 1 and 2"].allocation_boundary == ""
    # The history written with the upload carries the coverage too.
    assert rows["Semicolons"].history.get().scope3_upstream_categories == [1, 2, 3, 4]
    # An export reads back as the upload wrote it.
    header, row = list(export_rows([rows["Semicolons"]]))
    assert row[header.index("scope3_upstream_categories")] == "1;2;3;4"
    assert row[header.index("allocation_boundary")] == "cradle_to_gate"


def test_upload_of_a_semicolon_file_takes_commas_between_categories(member, vendor_a):
    result = _upload(
        member,
        vendor_a,
        [disclosure_row(scope3_upstream_tco2e="15000", scope3_upstream_categories="1,2,3,4")],
        delimiter=";",
    )

    assert result.stored, [str(e) for e in result.errors]
    assert EmissionsDisclosure.objects.get().scope3_upstream_categories == [1, 2, 3, 4]


def test_upload_errors_name_row_column_and_value(member, vendor_a):
    result = _upload(
        member,
        vendor_a,
        [
            disclosure_row(
                reporting_entity="A",
                scope3_upstream_tco2e="15000",
                scope3_upstream_categories="1;9",
            ),
            disclosure_row(
                reporting_entity="B",
                scope3_upstream_tco2e="15000",
                scope3_upstream_categories="one",
            ),
            disclosure_row(
                reporting_entity="C",
                allocated_to_us_tco2e="4",
                allocation_method="economic",
                allocation_boundary="scope3",
            ),
            disclosure_row(reporting_entity="D", scope3_upstream_categories="1;2;3;4"),
            disclosure_row(
                reporting_entity="E", allocated_to_us_tco2e="4", allocation_method="economic"
            ),
        ],
    )

    assert not result.stored
    assert not EmissionsDisclosure.objects.exists()
    errors = {(e.row, e.column): e for e in result.errors}
    assert str(errors[2, "scope3_upstream_categories"]) == (
        "row 2, column scope3_upstream_categories “1;9”: has “9”, which is not an upstream "
        "Scope 3 category: give numbers from 1 to 8 separated by ; or , (e.g. 1;2;3;4)"
    )
    assert errors[3, "scope3_upstream_categories"].value == "one"
    assert str(errors[4, "allocation_boundary"]) == (
        "row 4, column allocation_boundary “scope3”: is not one of cradle_to_gate, scope12"
    )
    assert errors[5, "scope3_upstream_categories"].value == "1;2;3;4"
    assert "but no upstream Scope 3 figure" in errors[5, "scope3_upstream_categories"].rule
    assert "Say what the emissions allocated to us cover" in errors[6, "allocation_boundary"].rule


# --- officers and auditors ------------------------------------------------------------------------


@pytest.fixture
def submitted(officer, member, vendor_a, request_a):
    draft = disclosure_save_draft(
        actor=member,
        vendor=vendor_a,
        request=request_a,
        **FIGURES,
        scope3_upstream_tco2e=Decimal("15000"),
        scope3_upstream_categories=[1, 2, 3, 4],
        allocated_to_us_tco2e=Decimal("42.7"),
        allocation_method="economic",
        allocation_boundary="cradle_to_gate",
    )
    return disclosure_submit(actor=member, disclosure=draft, confirm_warnings=True)


def test_officer_sees_the_coverage_on_the_change_and_review_pages(client_for, officer, submitted):
    client = client_for(officer)
    sentence = "Scope 1, Scope 2 (location, market) and upstream Scope 3 categories 1–4"

    change = client.get(reverse("admin:vendors_emissionsdisclosure_change", args=[submitted.pk]))
    text = change.content.decode()
    assert change.status_code == 200
    assert sentence in text
    assert "1 Purchased goods and services; 2 Capital goods" in text
    assert "Scope 1, 2 and upstream Scope 3 (cradle-to-gate)" in text

    review = client.get(reverse("admin:vendors_emissionsdisclosure_accept", args=[submitted.pk]))
    text = review.content.decode()
    assert review.status_code == 200
    assert sentence in text
    assert "4 Upstream transportation and distribution" in text


def test_evidence_bundle_prints_the_coverage(submitted, vendor_a):
    from tenderleaf.bundles.vendor_period import load_vendor_period

    content = load_vendor_period(vendor_a.pk, 2025, 2025)

    section = next(s for s in content.sections if s.key == f"disclosure-{submitted.pk}")
    assert "Scope 1, Scope 2 (location, market) and upstream Scope 3 categories 1–4" in section.body
    assert "covering Scope 1, 2 and upstream Scope 3 (cradle-to-gate)" in section.body
