"""Bulk disclosure upload (docs/domain.md, "Vendor disclosure"): templates, every row checked, all
rows or none."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assurance.models import AuditEvent
from tests.hostile_files import (
    GOOD_ROW,
    disclosure_csv_text,
    disclosure_row,
    disclosure_xlsx,
)
from vendors.disclosure_upload import COLUMNS
from vendors.models import DisclosureRequest, EmissionsDisclosure
from vendors.services import disclosure_bulk_upload

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes | str):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def bulk(member, vendor_a):
    def _bulk(rows, *, name="disclosures.csv", **options):
        return disclosure_bulk_upload(
            actor=member,
            vendor=vendor_a,
            uploaded_file=upload(name, disclosure_csv_text(rows, **options)),
        )

    return _bulk


def test_csv_template_is_the_header_row_with_every_vendor_field(client_for, member):
    response = client_for(member).get(reverse("portal:disclosure_template", args=["csv"]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="disclosures-template.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [list(COLUMNS)]
    assert {"scope2_market_tco2e", "allocation_uncertainty_pct", "verifier"} <= set(rows[0])


def test_xlsx_template_has_the_header_and_an_instructions_sheet(client_for, member):
    response = client_for(member).get(reverse("portal:disclosure_template", args=["xlsx"]))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Disclosures", "Instructions"]
    assert next(workbook["Disclosures"].iter_rows(values_only=True)) == COLUMNS
    guide = list(workbook["Instructions"].iter_rows(values_only=True))
    assert guide[0] == ("column", "required", "format", "example")
    assert guide[2][:2] == ("period_start", "yes")


def test_unknown_template_kind_is_404(client_for, member):
    response = client_for(member).get(reverse("portal:disclosure_template", args=["pdf"]))
    assert response.status_code == 404


def test_valid_rows_become_drafts_with_history_and_one_audit_event(bulk, member, vendor_a):
    result = bulk(
        [
            GOOD_ROW,
            disclosure_row(
                reporting_entity="Acme GmbH",
                revenue="1000000",
                revenue_currency="eur",
                allocation_method="Economic (share of revenue)",
                allocated_to_us_tco2e="12.5",
                allocation_boundary="Scope 1 and 2 only",
                allocation_uncertainty_pct="10",
            ),
        ]
    )

    assert result.stored, (result.file_error, result.errors)
    assert (result.rows, result.created, result.updated) == (2, 2, 0)
    stored = EmissionsDisclosure.objects.get(reporting_entity="Acme GmbH")
    assert stored.vendor == vendor_a and stored.status == EmissionsDisclosure.Status.DRAFT
    assert stored.revenue_currency == "EUR" and stored.allocation_method == "economic"
    assert stored.allocation_boundary == "scope12"
    assert stored.scope1_tco2e == Decimal("1250.5") and stored.period_end == datetime.date(
        2025, 12, 31
    )
    assert stored.verification_standard == "iso_14064_3"
    record = stored.history.get()
    assert (
        record.history_user == member and record.history_change_reason == "bulk disclosure upload"
    )
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.UPLOADED, vendor=vendor_a)
    assert event.details["created"] == 2 and event.actor == member


def test_xlsx_upload_is_read_by_content(member, vendor_a, tmp_path):
    path = disclosure_xlsx(tmp_path, [GOOD_ROW, disclosure_row(reporting_entity="Second")])
    # Named .csv on purpose: the type comes from the bytes, not the name.
    result = disclosure_bulk_upload(
        actor=member, vendor=vendor_a, uploaded_file=upload("upload.csv", path.read_bytes())
    )

    assert result.stored, (result.file_error, result.errors)
    assert EmissionsDisclosure.objects.count() == 2


def test_every_error_is_reported_with_row_column_value_and_rule_and_nothing_is_stored(bulk):
    result = bulk(
        [
            GOOD_ROW,
            disclosure_row(reporting_entity="B", period_end="31/12/2025", scope1_tco2e="1,250"),
            disclosure_row(reporting_entity="C", scope1_tco2e="-5"),
            disclosure_row(
                reporting_entity="D", period_start="2025-06-01", period_end="2025-01-31"
            ),
            disclosure_row(
                reporting_entity="E", verification="maybe", scope2_market_tco2e="1.23456"
            ),
        ]
    )

    assert not result.stored
    assert not EmissionsDisclosure.objects.exists()
    found = {(e.row, e.column, e.value): e.rule for e in result.errors}
    assert found[(3, "period_end", "31/12/2025")] == (
        "is not a date in the form YYYY-MM-DD (e.g. 2025-12-31)"
    )
    assert found[(3, "scope1_tco2e", "1,250")].startswith("is not a number")
    assert found[(4, "scope1_tco2e", "-5")] == "Scope 1 cannot be negative (you entered -5 tCO2e)."
    assert found[(5, "period_end", "2025-01-31")].startswith("The period must end after it starts")
    assert found[(6, "verification", "maybe")] == "is not one of limited, none, reasonable"
    assert found[(6, "scope2_market_tco2e", "1.23456")] == "has more than 3 decimal places"
    assert result.error_count == 6


def test_warnings_are_stored_unconfirmed_on_the_draft(bulk):
    result = bulk([disclosure_row(period_start="2025-01-01", period_end="2025-06-30")])

    assert result.stored and result.warning_count == 1
    draft = EmissionsDisclosure.objects.get()
    assert [w["code"] for w in draft.warnings] == ["period_length"]
    assert draft.warnings_confirmed_by is None and draft.status == "draft"


def test_the_same_entity_and_period_twice_in_one_file_is_refused(bulk):
    result = bulk([GOOD_ROW, GOOD_ROW])

    assert not result.stored and not EmissionsDisclosure.objects.exists()
    assert [(e.row, e.rule) for e in result.errors] == [
        (3, "the same reporting entity and period is already on row 2")
    ]


def test_a_draft_for_the_same_entity_and_period_is_updated(bulk):
    bulk([GOOD_ROW])
    result = bulk([disclosure_row(scope1_tco2e="99")])

    assert (result.created, result.updated) == (0, 1)
    assert EmissionsDisclosure.objects.get().scope1_tco2e == Decimal("99")


def test_a_submitted_disclosure_is_not_replaced(bulk):
    bulk([GOOD_ROW])
    EmissionsDisclosure.objects.update(status=EmissionsDisclosure.Status.SUBMITTED)

    result = bulk([disclosure_row(scope1_tco2e="99")])

    assert not result.stored
    assert "awaits review" in result.errors[0].rule
    assert EmissionsDisclosure.objects.get().scope1_tco2e == Decimal("1250.5")


def test_rows_link_to_the_request_of_their_year_and_follow_its_asks(bulk, vendor_a, officer):
    request = DisclosureRequest.objects.create(
        vendor=vendor_a,
        reporting_year=2025,
        due_date=datetime.date(2026, 3, 31),
        created_by=officer,
        ask_scope2_location=True,
        ask_scope2_market=True,
    )
    refused = bulk([disclosure_row(scope2_location_tco2e="")])
    assert not refused.stored
    assert refused.errors[0].column == "scope2_location_tco2e"

    result = bulk([GOOD_ROW])

    assert result.stored
    assert EmissionsDisclosure.objects.get().request == request
    request.refresh_from_db()
    assert request.vendor_touched_at is not None


def test_header_problems_are_refused_as_a_whole(bulk, member, vendor_a):
    result = disclosure_bulk_upload(
        actor=member,
        vendor=vendor_a,
        uploaded_file=upload(
            "x.csv", "period_start,scope_one,period_end\n2025-01-01,1,2025-12-31\n"
        ),
    )
    assert "missing required columns: scope1_tco2e" in result.file_error
    assert "unknown columns: 'scope_one'" in result.file_error
    assert not EmissionsDisclosure.objects.exists()


def test_row_cap_answers_a_clear_error(bulk, settings):
    settings.DISCLOSURE_UPLOAD_MAX_ROWS = 2
    result = bulk([disclosure_row(reporting_entity=str(n)) for n in range(3)])
    assert result.file_error.startswith("The file has more than 2 rows")
    assert not EmissionsDisclosure.objects.exists()


def test_size_limit_is_checked_before_reading(member, vendor_a, settings):
    settings.DISCLOSURE_UPLOAD_MAX_BYTES = 10

    class Unreadable(SimpleUploadedFile):
        def chunks(self, chunk_size=None):  # pragma: no cover - must not be called
            raise AssertionError("read before the size check")

    result = disclosure_bulk_upload(
        actor=member, vendor=vendor_a, uploaded_file=Unreadable("big.csv", b"x" * 11)
    )
    assert "larger than the 10\xa0bytes limit" in result.file_error


# --- the portal page ---------------------------------------------------------------------------


def test_portal_upload_saves_drafts_and_says_what_to_do_next(client_for, member):
    client = client_for(member)
    page = client.get(reverse("portal:disclosure_upload"))
    assert page.status_code == 200
    assert "saved as a <strong>draft</strong>" in page.content.decode()

    response = client.post(
        reverse("portal:disclosure_upload"),
        {"file": upload("mine.csv", disclosure_csv_text([GOOD_ROW]))},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("portal:disclosure_list")
    assert "1 disclosure saved as drafts from “mine.csv”" in response.content.decode()
    assert EmissionsDisclosure.objects.count() == 1


def test_portal_upload_lists_every_error(client_for, member):
    response = client_for(member).post(
        reverse("portal:disclosure_upload"),
        {"file": upload("bad.csv", disclosure_csv_text([disclosure_row(scope1_tco2e="NaN")]))},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "“bad.csv” was not saved" in body and "Nothing was stored." in body
    assert '<th scope="row">2</th><td><code>scope1_tco2e</code></td><td>NaN</td>' in body
    assert not EmissionsDisclosure.objects.exists()


def test_uploads_page_is_for_vendor_users_only(client_for, officer, member):
    assert client_for(officer).get(reverse("portal:uploads")).status_code == 403
    page = client_for(member).get(reverse("portal:uploads"))
    assert page.status_code == 200
    assert reverse("portal:disclosure_template", args=["xlsx"]) in page.content.decode()


# --- storing in chunks -------------------------------------------------------------------------


def _rows(count: int, **overrides) -> list[dict]:
    return [
        disclosure_row(reporting_entity=f"Entity {n}", scope1_tco2e=f"{100 + n}.25", **overrides)
        for n in range(count)
    ]


def test_history_records_mirror_the_stored_drafts_and_the_event_lists_their_ids(
    bulk, member, vendor_a
):
    result = bulk(
        [
            *_rows(3, revenue="2500000", revenue_currency="usd"),
            disclosure_row(period_start="2025-01-01", period_end="2025-06-30"),
        ]
    )

    assert result.stored and result.created == 4
    drafts = EmissionsDisclosure.objects.order_by("id")
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.UPLOADED, vendor=vendor_a)
    assert event.details["created_ids"] == [d.pk for d in drafts]
    fields = [f.attname for f in EmissionsDisclosure._meta.concrete_fields]
    for draft in drafts:
        record = draft.history.get()
        assert record.history_type == "+" and record.history_user == member
        assert record.history_change_reason == "bulk disclosure upload"
        assert {name: getattr(record, name) for name in fields} == {
            name: getattr(draft, name) for name in fields
        }
    short = drafts.get(period_end=datetime.date(2025, 6, 30))
    assert [w["code"] for w in short.warnings] == ["period_length"]
    assert short.history.get().warnings == short.warnings
    assert drafts.get(reporting_entity="Entity 2").revenue == Decimal("2500000")


def test_an_error_after_rows_were_written_stores_nothing(bulk, monkeypatch):
    from vendors.services import disclosure_bulk

    monkeypatch.setattr(disclosure_bulk, "STORE_CHUNK_ROWS", 2)
    result = bulk([*_rows(5), disclosure_row(reporting_entity="Late", scope1_tco2e="-1")])

    assert not result.stored and (result.created, result.updated, result.warning_count) == (0, 0, 0)
    assert [(e.row, e.column) for e in result.errors] == [(7, "scope1_tco2e")]
    assert not EmissionsDisclosure.objects.exists()
    assert not EmissionsDisclosure.history.exists()
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.UPLOADED).exists()


def test_queries_do_not_grow_with_the_rows(bulk, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        assert bulk(_rows(3)).created == 3
    EmissionsDisclosure.objects.all().delete()
    with django_assert_max_num_queries(30):
        assert bulk(_rows(300)).created == 300
