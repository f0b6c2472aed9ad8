"""Spend-ledger import (docs/domain.md, "Scope 3 runs"): columns, vendor matching, all-or-nothing,
partial,
re-imports, existing external ids, and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assurance.history import system_user
from assurance.models import AuditEvent
from scope3.models import ImportBatch, SpendLine
from scope3.services.spend import SpendImportRefused, spend_import
from scope3.tests.spend_files import report_rows, row, write_csv, write_xlsx
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_spend", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_csv_with_every_column_is_imported_by_the_command(tmp_path, vendor_a):
    path = write_csv(
        tmp_path / "ledger.csv",
        [
            row(),
            row(
                external_id="CN-7",
                vendor="ACME Accelerators, Inc.",
                amount="-250.5",
                currency="eur",
                capital="",
                quantity="",
                weight_kg="",
                distance_km="",
                mode="",
            ),
        ],
    )

    output = run(path)

    assert "accepted: 2" in output and "rejected: 0" in output
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert (batch.total_rows, batch.accepted_rows, batch.unmatched_vendor_rows) == (2, 2, 0)
    line = SpendLine.objects.get(external_id="INV-1")
    assert line.vendor == vendor_a and line.vendor_match == SpendLine.VendorMatch.NAME
    assert line.date == datetime.date(2025, 3, 31)
    assert line.amount == Decimal("1000.00") and line.currency == "USD"
    assert (line.naics, line.gl_account, line.hardware_class, line.product_id) == (
        "334413",
        "6100",
        "gpu",
        "H100-SXM",
    )
    assert line.quantity == 16 and line.weight_kg == Decimal("40.5")
    assert line.distance_km == 9000 and line.mode == "air" and line.capital is True
    assert line.row_number == 2 and line.batch == batch
    credit = SpendLine.objects.get(external_id="CN-7")
    # A credit note is stored negative so that it reduces the spend it corrects.
    assert credit.amount == Decimal("-250.5") and credit.currency == "EUR"
    assert credit.vendor == vendor_a
    assert credit.vendor_match == SpendLine.VendorMatch.NORMALISED_NAME
    assert credit.capital is False and credit.quantity is None
    event = AuditEvent.objects.get(target_id=str(batch.pk), verb=AuditEvent.Verb.CREATED)
    assert event.details["accepted_rows"] == 2
    assert event.actor == system_user()


def test_xlsx_with_every_column_is_imported(tmp_path, vendor_a, analyst):
    header = list(row().keys())
    values = row()
    cells = [values[c] for c in header]
    cells[header.index("date")] = datetime.datetime(2025, 3, 31)
    cells[header.index("amount")] = 1234.56
    cells[header.index("naics")] = 334413
    cells[header.index("quantity")] = 8
    cells[header.index("capital")] = True
    path = write_xlsx(tmp_path / "ledger.xlsx", [header, cells, [None] * len(header)])

    batch = spend_import(actor=analyst, path_or_file=path, original_name="ledger.xlsx")

    assert batch.status == ImportBatch.Status.IMPORTED, batch.error_summary
    line = SpendLine.objects.get()
    assert line.date == datetime.date(2025, 3, 31)
    assert line.amount == Decimal("1234.56") and line.naics == "334413"
    assert line.quantity == 8 and line.capital is True and line.vendor == vendor_a


def test_vendors_match_by_id_tax_id_exact_then_normalised_name(tmp_path, analyst):
    by_id = VendorFactory(name="Id Vendor")
    taxed = VendorFactory(name="Taxed Vendor", tax_id="DE 123 456 789")
    exact = VendorFactory(name="Exact Vendor GmbH")
    loose = VendorFactory(name="Acme Accelerators")
    numbered = VendorFactory(name="3000")
    path = write_csv(
        tmp_path / "ledger.csv",
        [
            row(external_id="1", vendor=str(by_id.pk)),
            row(external_id="2", vendor="Unknown name", vendor_tax_id="de123456789"),
            row(external_id="3", vendor="exact vendor gmbh"),
            row(external_id="4", vendor="ACME Accelerators, Inc."),
            # A number that is no vendor's id is still a name.
            row(external_id="5", vendor="3000"),
            row(external_id="6", vendor="Nobody Trading Ltd"),
        ],
    )

    batch = spend_import(actor=analyst, path_or_file=path, original_name="ledger.csv")

    matched = {
        line.external_id: (line.vendor_id, line.vendor_match) for line in SpendLine.objects.all()
    }
    assert matched == {
        "1": (by_id.pk, "id"),
        "2": (taxed.pk, "tax_id"),
        "3": (exact.pk, "name"),
        "4": (loose.pk, "normalised_name"),
        "5": (numbered.pk, "name"),
        "6": (None, "unmatched"),
    }
    # The unmatched line is kept, flagged and counted.
    assert batch.unmatched_vendor_rows == 1
    assert SpendLine.objects.get(external_id="6").vendor_name == "Nobody Trading Ltd"


def test_one_bad_row_stores_nothing_and_reports_row_column_value_rule(tmp_path, vendor_a):
    path = write_csv(
        tmp_path / "ledger.csv",
        [row(external_id="A"), row(external_id="B", amount="12,50"), row(external_id="C")],
    )

    with pytest.raises(CommandError) as failure:
        run(path)

    assert not SpendLine.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert (batch.total_rows, batch.accepted_rows, batch.rejected_rows) == (3, 0, 1)
    assert report_rows(batch) == [
        {
            "row": "3",
            "column": "amount",
            "value": "12,50",
            "rule": "is not a number (plain decimal notation like 1234.56 expected)",
        }
    ]
    message = str(failure.value)
    assert "Nothing was imported" in message and "row 3, column amount" in message
    assert "Error report: " in message
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.REJECTED, target_id=str(batch.pk))


def test_partial_stores_valid_rows_and_writes_the_rejects(tmp_path, vendor_a):
    path = write_csv(
        tmp_path / "ledger.csv",
        [
            row(external_id="A"),
            row(external_id="B", date="2025-02-30", currency="XYZ"),
            row(external_id="C"),
        ],
    )
    rejects = tmp_path / "rejects.csv"

    output = run(path, "--partial", "--reject-file", rejects)

    assert sorted(SpendLine.objects.values_list("external_id", flat=True)) == ["A", "C"]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.PARTIAL
    assert (batch.accepted_rows, batch.rejected_rows) == (2, 1)
    assert f"error report: {rejects}" in output
    text = rejects.read_text()
    assert "3,date,2025-02-30,is not a real calendar date" in text
    assert '3,currency,XYZ,"is not an active ISO 4217 currency code' in text


def test_the_same_file_is_not_imported_twice(tmp_path, vendor_a, analyst):
    path = write_csv(tmp_path / "ledger.csv", [row()])
    spend_import(actor=analyst, path_or_file=path, original_name="ledger.csv")
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())

    with pytest.raises(SpendImportRefused, match="already imported"):
        spend_import(actor=analyst, path_or_file=copy, original_name="renamed.csv")

    with pytest.raises(CommandError, match="already imported"):
        run(copy)
    assert SpendLine.objects.count() == 1 and ImportBatch.objects.count() == 1


def test_a_rejected_file_can_be_fixed_and_imported_again(tmp_path, vendor_a, analyst):
    path = write_csv(tmp_path / "ledger.csv", [row(amount="NaN")])
    first = spend_import(actor=analyst, path_or_file=path, original_name="ledger.csv")
    assert first.status == ImportBatch.Status.REJECTED
    # The same bytes again are rejected again (not refused as "already imported").
    again = spend_import(actor=analyst, path_or_file=path, original_name="ledger.csv")
    assert again.status == ImportBatch.Status.REJECTED


def test_lines_whose_external_id_exists_are_skipped_and_counted(tmp_path, vendor_a, analyst):
    spend_import(
        actor=analyst,
        path_or_file=write_csv(tmp_path / "first.csv", [row(external_id="A")]),
        original_name="first.csv",
    )
    path = write_csv(
        tmp_path / "second.csv",
        [row(external_id="A", amount="5"), row(external_id="B"), row(external_id="")],
    )

    output = run(path)

    assert "skipped (external id already imported): 1" in output
    batch = ImportBatch.objects.get(original_name="second.csv")
    assert (batch.accepted_rows, batch.skipped_existing_rows) == (2, 1)
    assert SpendLine.objects.get(external_id="A").amount == Decimal("1000.00")
    assert SpendLine.objects.filter(external_id__isnull=True).count() == 1


def test_a_repeated_external_id_is_an_error_on_its_second_row(tmp_path, vendor_a, analyst):
    path = write_csv(tmp_path / "ledger.csv", [row(external_id="A"), row(external_id="A")])

    batch = spend_import(actor=analyst, path_or_file=path, original_name="ledger.csv")

    assert batch.status == ImportBatch.Status.REJECTED
    assert report_rows(batch) == [
        {
            "row": "3",
            "column": "external_id",
            "value": "A",
            "rule": "appears earlier in this file (external ids must be unique)",
        }
    ]


def test_headers_can_be_mapped_and_bad_headers_are_named(tmp_path, vendor_a):
    mapped = write_csv(
        tmp_path / "mapped.csv",
        [
            {
                "Invoice date": "2025-01-02",
                "Supplier": "Acme Accelerators",
                "Net": "10",
                "Cur": "USD",
            }
        ],
        header=["Invoice date", "Supplier", "Net", "Cur"],
    )
    output = run(
        mapped,
        "--map",
        "Invoice date=date",
        "--map",
        "Supplier=vendor",
        "--map",
        "Net=amount",
        "--map",
        "Cur=currency",
    )
    assert "accepted: 1" in output
    assert SpendLine.objects.get().amount == 10

    bad = write_csv(
        tmp_path / "bad.csv", [{"date": "2025-01-02"}], header=["date", "Supplier", "Net"]
    )
    with pytest.raises(CommandError) as failure:
        run(bad)
    message = str(failure.value)
    assert "missing required columns: amount, currency, vendor or vendor_tax_id" in message
    assert "unknown columns: 'Supplier', 'Net'" in message

    with pytest.raises(CommandError, match="'vendorname' is not a field"):
        run(bad, "--map", "Supplier=vendorname")


def _queries_for(tmp_path, analyst, lines: int, name: str) -> int:
    path = write_csv(
        tmp_path / name,
        [row(external_id=f"{name}-{n}", vendor=f"Vendor {n % 7}") for n in range(lines)],
    )
    with CaptureQueriesContext(connection) as queries:
        batch = spend_import(actor=analyst, path_or_file=path, original_name=name)
    assert batch.accepted_rows == lines
    return len(queries)


def test_query_count_does_not_grow_with_rows(tmp_path, vendor_a, analyst):
    small = _queries_for(tmp_path, analyst, 5, "small.csv")
    large = _queries_for(tmp_path, analyst, 500, "large.csv")
    assert large == small
