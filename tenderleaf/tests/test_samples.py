"""docs/samples/: every sample is accepted by its importer, the generated ones are reproduced
byte for byte by their script, and every upload page links to its sample (static files under
static/samples/: config/settings/base.py adds docs/samples/ to STATICFILES_DIRS, so collectstatic
copies them and `make demo` serves them)."""

import importlib.util
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assurance.demo import sample_path
from assurance.history import system_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def starter_pack():
    from scope3.services.factors import starter_pack_import

    starter_pack_import(actor=system_user())


def _generator():
    spec = importlib.util.spec_from_file_location("make_samples", sample_path("make_samples.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_samples_are_what_their_script_makes():
    generated = _generator().generated_files()

    assert set(generated) == {"spend-ledger.csv", "asset-inventory.csv", "disclosures.xlsx"}
    for name, content in generated.items():
        assert sample_path(name).read_bytes() == content, (
            f"docs/samples/{name} differs from what make_samples.py makes; run it again"
        )


def test_the_spend_ledger_imports_without_a_rejected_row():
    from scope3.services.spend import spend_import

    path = sample_path("spend-ledger.csv")
    lines = path.read_text(encoding="utf-8").count("\n") - 1

    batch = spend_import(actor=system_user(), path_or_file=path, original_name=path.name)

    assert batch.status == "imported", batch.error_summary
    assert 2000 <= batch.accepted_rows == batch.total_rows == lines <= 4000
    assert batch.rejected_rows == 0


def test_the_asset_inventory_imports_with_the_hardware_dataset_codes(starter_pack):
    from reconciliation.services import asset_import

    record = asset_import(actor=system_user(), path_or_file=sample_path("asset-inventory.csv"))

    assert record.status == "imported", record.error_summary
    assert record.accepted_rows == record.total_rows > 0


def test_the_hardware_specs_import_and_compute(starter_pack):
    from scope3.models import HardwareSpec
    from scope3.services.hardware import hardware_specs_import

    result = hardware_specs_import(actor=system_user(), path=sample_path("hardware-specs.csv"))

    assert len(result.created) == 2
    fj7 = HardwareSpec.objects.get(name="Fjordlight FJ-7 inference accelerator")
    assert "FJ-7" in fj7.aliases  # the word the spend ledger's Fjordlight lines use


@pytest.mark.parametrize("name", ["disclosures.csv", "disclosures.xlsx"])
def test_the_disclosure_samples_upload_as_drafts(name, member, vendor_a):
    from vendors.services import disclosure_bulk_upload

    upload = SimpleUploadedFile(name, sample_path(name).read_bytes())

    result = disclosure_bulk_upload(actor=member, vendor=vendor_a, uploaded_file=upload)

    assert result.stored, (result.file_error, result.errors)
    assert result.created == 4
    assert set(vendor_a.disclosures.values_list("status", flat=True)) == {"draft"}
    years = {d.period_start.year for d in vendor_a.disclosures.all()}
    assert years == {2023, 2024, 2025}


@pytest.mark.parametrize(
    ("name", "spec_major", "unit", "kg"),
    [
        ("pact-v2-footprints.json", "2", "kilogram", Decimal("9.85")),
        ("pact-v3-footprint.json", "3", "piece", Decimal("172.4")),
    ],
)
def test_the_pact_samples_import(name, spec_major, unit, kg, member, vendor_a):
    from vendors.services.footprints import product_footprint_import

    (footprint,) = product_footprint_import(
        actor=member, vendor=vendor_a, document=sample_path(name).read_bytes(), source_name=name
    )

    assert footprint.spec_version.startswith(spec_major)
    assert (footprint.declared_unit, footprint.pcf_excluding_biogenic_kgco2e) == (unit, kg)
    # The spend ledger buys these products by the same ids.
    ledger = sample_path("spend-ledger.csv").read_text(encoding="utf-8")
    assert all(product_id in ledger for product_id in footprint.product_ids)


@pytest.mark.parametrize(
    ("url", "who", "samples"),
    [
        ("admin:scope3_importbatch_add", "analyst", ["spend-ledger.csv"]),
        ("admin:reconciliation_assetimport_add", "analyst", ["asset-inventory.csv"]),
        ("portal:disclosure_upload", "member", ["disclosures.xlsx", "disclosures.csv"]),
        (
            "portal:footprint_upload",
            "member",
            ["pact-v2-footprints.json", "pact-v3-footprint.json"],
        ),
    ],
)
def test_each_upload_page_links_to_its_sample(url, who, samples, request, client_for, client):
    user = request.getfixturevalue(who)
    page_client = client_for(user) if user.is_staff else client
    if not user.is_staff:
        client.force_login(user)

    page = page_client.get(reverse(url))

    assert page.status_code == 200
    html = page.content.decode()
    for name in samples:
        assert f'href="/static/samples/{name}"' in html, name
        # The link is the static file collectstatic copies from docs/samples/.
        assert finders.find(f"samples/{name}") == str(sample_path(name))
