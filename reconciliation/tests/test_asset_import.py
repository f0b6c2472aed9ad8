"""Importing the IT asset inventory: all rows or none, every error with its row, column, value and
rule, and hostile files refused without storing anything."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assurance.history import system_user
from assurance.models import AuditEvent
from reconciliation.asset_file import COLUMNS
from reconciliation.models import Asset, AssetImport
from reconciliation.services import AssetImportRefused, asset_import
from reconciliation.tests.support import asset, factor_pack, write_assets
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def load(tmp_path):
    def _load(rows=None, *, path=None, **options):
        path = path or write_assets(tmp_path / "assets.csv", rows)
        return asset_import(actor=system_user(), path_or_file=path, **options)

    return _load


def errors_of(record):
    return [(e["row"], e["column"], e["value"], e["rule"]) for e in record.errors]


def test_a_valid_file_is_stored_with_vendors_matched_and_history(load):
    factor_pack()
    acme = VendorFactory(name="Acme Accelerators", tax_id="DE 123 456 789")
    record = load(
        [
            asset(asset_tag="DC1-0001", vendor="ACME Accelerators, Inc.", quantity="8"),
            asset(
                asset_tag="DC1-0002",
                vendor="",
                vendor_tax_id="DE123456789",
                hardware_class="Server",
            ),
            asset(asset_tag="DC1-0003", vendor=str(acme.pk), location='=HYPERLINK("x")'),
            asset(asset_tag="DC1-0004", vendor="Nobody Known Ltd"),
        ],
    )

    assert record.status == AssetImport.Status.IMPORTED
    assert (record.total_rows, record.accepted_rows, record.unmatched_vendor_rows) == (4, 4, 1)
    assets = {a.asset_tag: a for a in Asset.objects.filter(asset_import=record)}
    assert assets["DC1-0001"].vendor == acme
    assert assets["DC1-0001"].vendor_match == "normalised_name"
    assert assets["DC1-0002"].vendor_match == "tax_id"
    assert assets["DC1-0002"].hardware_class == "server"  # the dataset's code, lower-case
    assert assets["DC1-0003"].vendor_match == "id"
    # A formula-like location is data: stored as written, escaped wherever it is exported.
    assert assets["DC1-0003"].location == '=HYPERLINK("x")'
    assert assets["DC1-0004"].vendor is None
    assert assets["DC1-0004"].vendor_name == "Nobody Known Ltd"
    assert assets["DC1-0001"].in_service_date == dt.date(2025, 3, 1)
    assert Asset.history.filter(asset_import_id=record.pk).count() == 4
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.CREATED, target_id=str(record.pk)
    ).exists()


def test_bad_values_are_all_reported_and_nothing_is_stored(load):
    factor_pack()
    record = load(
        [
            asset(asset_tag="A-1", quantity="-4"),
            asset(asset_tag="A-2", in_service_date="31/12/2025"),
            asset(asset_tag="A-3", in_service_date="2025-02-30"),
            asset(asset_tag="=cmd|' /C calc'!A0", quantity="=SUM(A1:A9)"),
            asset(asset_tag="A-5", hardware_class="quantum"),
            asset(asset_tag="A-1"),
            asset(asset_tag="A-7", quantity="2.5", hardware_class=""),
        ]
    )

    assert record.status == AssetImport.Status.REJECTED
    assert Asset.objects.count() == 0
    assert errors_of(record) == [
        (2, "quantity", "-4", "must not be negative (a number of units in service)"),
        (
            3,
            "in_service_date",
            "31/12/2025",
            "is not a date in the form YYYY-MM-DD (e.g. 2025-03-31)",
        ),
        (4, "in_service_date", "2025-02-30", "is not a real calendar date"),
        (
            5,
            "asset_tag",
            "=cmd|' /C calc'!A0",
            "is not an asset tag: up to 100 letters, digits, spaces and _ . : / # -, starting "
            "with a letter or a digit",
        ),
        (5, "quantity", "=SUM(A1:A9)", "is not a whole number of units (e.g. 8)"),
        (
            6,
            "hardware_class",
            "quantum",
            "is not a hardware class of the hardware factor dataset (known classes: gpu, server, "
            "tpu)",
        ),
        (7, "asset_tag", "A-1", "appears earlier in this file, on row 2 (tags are unique)"),
        (8, "hardware_class", "", "is required"),
        (8, "quantity", "2.5", "is not a whole number of units (e.g. 8)"),
    ]
    assert record.error_summary.startswith("row 2, column quantity “-4”: must not be negative")
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.REJECTED, target_id=str(record.pk)
    ).exists()


def test_a_wrong_header_is_refused_naming_the_columns(load, tmp_path):
    path = write_assets(
        tmp_path / "assets.csv", [asset()], header=("tag", *COLUMNS[1:3], "qty", *COLUMNS[4:])
    )

    record = load(path=path)

    assert record.status == AssetImport.Status.REJECTED
    (rule,) = [e[3] for e in errors_of(record)]
    assert rule.startswith(
        "Row 1 (the header): missing required columns: asset_tag, quantity; unknown columns: "
        "'tag', 'qty'."
    )
    assert Asset.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # 20 MB on one line: refused by the line limit before csv parses it.
        (b"asset_tag," + b"x" * 20_000_000, "A line is longer than 1048576 characters"),
        (
            "asset_tag,hardware_class\n".encode("utf-16"),
            "The file is not UTF-8 text (it is UTF-16)",
        ),
        (b"%PDF-1.7\n", "The file is a PDF, not CSV text"),
        (b"", "The file is empty"),
        (",".join(COLUMNS).encode() + b"\n", "The file has a header but no asset rows."),
    ],
    ids=["20MB-line", "utf16", "pdf", "empty", "header-only"],
)
def test_hostile_and_empty_files_are_refused_and_nothing_is_stored(
    load, tmp_path, content, message
):
    path = tmp_path / "assets.csv"
    path.write_bytes(content)

    record = load(path=path)

    assert record.status == AssetImport.Status.REJECTED
    assert errors_of(record)[0][3].startswith(message)
    assert Asset.objects.count() == 0


def test_an_xlsx_is_refused_with_what_to_do(load, tmp_path):
    path = tmp_path / "assets.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")

    record = load(path=path)

    assert "save it as “CSV UTF-8”" in errors_of(record)[0][3]


def test_over_the_size_limit_is_refused_before_reading(load, tmp_path, settings):
    settings.ASSET_IMPORT_MAX_BYTES = 100
    path = write_assets(tmp_path / "assets.csv", [asset(), asset(asset_tag="B")])

    with pytest.raises(AssetImportRefused, match="larger than the 100\xa0bytes limit"):
        load(path=path)

    assert AssetImport.objects.count() == 0


def test_more_rows_than_allowed_are_refused(load, settings):
    settings.ASSET_IMPORT_MAX_ROWS = 2

    record = load([asset(asset_tag=f"T{n}") for n in range(3)])

    assert errors_of(record)[0][3].startswith("The file has more than 2 asset rows")


def test_the_same_file_is_not_imported_twice(load, tmp_path):
    path = write_assets(tmp_path / "assets.csv", [asset()])
    first = load(path=path)

    with pytest.raises(
        AssetImportRefused, match=f"already imported .* as asset import #{first.pk}"
    ):
        load(path=path)


def test_without_a_hardware_dataset_any_well_formed_class_is_accepted(load):
    record = load([asset(hardware_class="Edge-Box_2")])

    assert Asset.objects.get(asset_import=record).hardware_class == "edge-box_2"


def test_the_command_imports_and_fails_loudly(tmp_path, capsys):
    good = write_assets(tmp_path / "good.csv", [asset()])
    call_command("import_assets", str(good))
    assert "1 assets stored" in capsys.readouterr().out

    bad = write_assets(tmp_path / "bad.csv", [asset(quantity="-1")])
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(CommandError, match=r"(?s)Nothing was imported .*must not be negative"):
        call_command("import_assets", str(bad), "--reject-file", str(rejects))
    # The value is escaped: a spreadsheet shows "-1" as text instead of computing it.
    assert "2,quantity,'-1,must not be negative" in rejects.read_text()
    assert AssetImport.objects.get(original_name="bad.csv").created_by.username == (
        system_user().username
    )


def test_officer_uploads_in_the_admin_and_auditor_cannot(officer, auditor, client_for, tmp_path):
    path = write_assets(tmp_path / "a.csv", [asset(), asset(asset_tag="X-2", location="@SUM(1)")])
    client = client_for(officer)

    response = client.post(
        reverse("admin:reconciliation_assetimport_add"),
        {"file": SimpleUploadedFile("inventory.csv", path.read_bytes(), "text/csv")},
        follow=True,
    )

    record = AssetImport.objects.get()
    assert record.created_by == officer
    assert record.accepted_rows == 2
    assert b"nventory.csv imported: 2 assets" in response.content  # capitalised by the admin

    bad = write_assets(tmp_path / "b.csv", [asset(quantity="-3", location="=1+2")])
    response = client.post(
        reverse("admin:reconciliation_assetimport_add"),
        {"file": SimpleUploadedFile("bad.csv", bad.read_bytes(), "text/csv")},
        follow=True,
    )
    assert b"ad.csv was rejected: nothing was stored" in response.content
    assert b"must not be negative" in response.content
    rejected = AssetImport.objects.get(original_name="bad.csv")
    report = client.get(
        reverse("admin:reconciliation_assetimport_error_report", args=[rejected.pk])
    )
    assert report.content.decode().splitlines() == [
        "row,column,value,rule",
        "2,quantity,'-3,must not be negative (a number of units in service)",
    ]

    auditor_client = client_for(auditor)
    response = auditor_client.post(
        reverse("admin:reconciliation_assetimport_add"),
        {"file": SimpleUploadedFile("c.csv", path.read_bytes(), "text/csv")},
    )
    assert response.status_code == 403
    assert AssetImport.objects.count() == 2
