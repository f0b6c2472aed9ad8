"""PACT product footprints (docs/domain.md, "Vendor disclosure"): v2 and v3 field names, JSON-path
errors, all or none,
through the service, the portal and ``/api/v1/product-footprints/``."""

from __future__ import annotations

import copy
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assurance.models import AuditEvent
from vendors.models import ProductFootprint
from vendors.pact import pact_parse
from vendors.services import FootprintImportRefused, product_footprint_import
from vendors.tests.factories import UserFactory, VendorMembershipFactory

SHARED_PACT = Path(settings.BASE_DIR).parent / "shared" / "data" / "pact"


def shared_example(name: str) -> dict:
    path = SHARED_PACT / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared PACT examples live outside the repository")
    return json.loads(path.read_text(encoding="utf-8"))


V2 = {
    "id": "91715e5e-fd0b-4d1c-8fab-76290c46e6ed",
    "specVersion": "2.2.0",
    "version": 3,
    "created": "2024-03-01T09:32:20Z",
    "status": "Active",
    "companyName": "Acme Accelerators",
    "companyIds": ["urn:uuid:69585f1b-56a9-6958-e526-6fd8a0f11326"],
    "productDescription": "AI accelerator card, 80 GB",
    "productIds": ["urn:gtin:5695872369587"],
    "productCategoryCpc": "4526",
    "productNameCompany": "X100",
    "pcf": {
        "declaredUnit": "kilogram",
        "unitaryProductAmount": "2.5",
        "pCfExcludingBiogenic": "120.5",
        "pCfIncludingBiogenic": "121",
        "referencePeriodStart": "2023-01-01T00:00:00Z",
        "referencePeriodEnd": "2024-01-01T00:00:00Z",
        "primaryDataShare": 56.12,
        "dqi": {"coveragePercent": 80, "technologicalDQR": "2.1", "temporalDQR": "1.5"},
        "assurance": {"assurance": True, "providerName": "Verifier GmbH"},
    },
}


def v3(**pcf_changes) -> dict:
    document = {
        "id": str(uuid.uuid4()),
        "specVersion": "3.0.0",
        "created": "2025-04-30T00:00:00Z",
        "status": "Active",
        "companyName": "Acme Accelerators",
        "companyIds": ["urn:company:acme"],
        "productDescription": "12 l bottle of bio-ethanol",
        "productIds": ["urn:gtin:1234567890123"],
        "productClassifications": ["urn:pact:productclassification:un-cpc:3341"],
        "productNameCompany": "Ethanol 12 l",
        "pcf": {
            "declaredUnitOfMeasurement": "liter",
            "declaredUnitAmount": "12",
            "productMassPerDeclaredUnit": "9.468",
            "pcfExcludingBiogenicUptake": "18",
            "pcfIncludingBiogenicUptake": "-6",
            "referencePeriodStart": "2024-01-01T00:00:00Z",
            "referencePeriodEnd": "2024-12-31T00:00:00Z",
        },
    }
    document["pcf"].update(pcf_changes)
    return document


# --- the parser ----------------------------------------------------------------------------------


def test_shared_v2_list_response_imports(member, vendor_a):
    document = shared_example("v2-list-footprints-response.json")

    stored = product_footprint_import(actor=member, vendor=vendor_a, document=document)

    footprint = ProductFootprint.objects.get()
    assert stored == [footprint]
    assert str(footprint.pact_id) == "91715e5e-fd0b-4d1c-8fab-76290c46e6ed"
    assert (footprint.spec_version, footprint.pact_version) == ("2.0.0", 1)
    assert footprint.declared_unit == "liter"
    assert footprint.pcf_excluding_biogenic_kgco2e == Decimal("1.63")
    assert footprint.pcf_including_biogenic_kgco2e == Decimal("1.85")
    assert footprint.product_category_cpc == "6398" and footprint.product_name == "Green Ethanol"
    assert footprint.primary_data_share_pct == Decimal("12.9")
    assert footprint.dqi["reliabilityDQR"] == "2.1" and not footprint.assured
    assert footprint.raw_document == document["data"][0]


def test_shared_v3_example_imports(member, vendor_a):
    document = shared_example("v3-example-1.json")

    product_footprint_import(actor=member, vendor=vendor_a, document=json.dumps(document).encode())

    footprint = ProductFootprint.objects.get()
    assert footprint.spec_version == "3.0.0" and footprint.declared_unit == "kilogram"
    assert footprint.pcf_excluding_biogenic_kgco2e == Decimal("0.384")
    assert footprint.pcf_including_biogenic_kgco2e == Decimal("-1.23")
    assert footprint.reference_period_end.year == 2024
    assert footprint.raw_document == document


def test_v2_values_are_per_declared_unit_as_given():
    fields = pact_parse(V2).footprints[0].fields
    assert fields["declared_unit_amount"] == Decimal("2.5")
    assert fields["pcf_excluding_biogenic_kgco2e"] == Decimal("120.5")
    assert fields["pact_version"] == 3 and fields["assured"] is True
    assert fields["primary_data_share_pct"] == Decimal("56.12")


def test_v3_values_for_the_whole_declared_unit_are_stored_per_unit_of_measurement():
    # ADR 0036's example: a 12 l bottle, 18 kgCO2e for the declared unit of 12 liter, is the
    # v2 footprint 1.5 kgCO2e per liter with unitaryProductAmount 12.
    fields = pact_parse(v3()).footprints[0].fields
    assert fields["declared_unit"] == "liter"
    assert fields["declared_unit_amount"] == Decimal("12")
    assert fields["pcf_excluding_biogenic_kgco2e"] == Decimal("1.5")
    assert fields["pcf_including_biogenic_kgco2e"] == Decimal("-0.5")
    assert fields["product_category_cpc"] == "3341"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"data": [dict(V2, pcf={k: v for k, v in V2["pcf"].items() if k != "declaredUnit"})]},
            "data[0].pcf.declaredUnit: required",
        ),
        (
            dict(V2, pcf=dict(V2["pcf"], pCfExcludingBiogenic="-1")),
            "pcf.pCfExcludingBiogenic: must be a decimal string >= 0",
        ),
        (
            dict(V2, pcf=dict(V2["pcf"], pCfExcludingBiogenic="1e309")),
            "pcf.pCfExcludingBiogenic: must be a decimal string >= 0 (e.g. \"1.63\"), not '1e309'",
        ),
        (
            dict(V2, pcf=dict(V2["pcf"], unitaryProductAmount="0")),
            "pcf.unitaryProductAmount: must be a decimal string > 0",
        ),
        (dict(V2, id="not-a-uuid"), "id: must be a UUID"),
        (dict(V2, specVersion="9.0.0"), "specVersion: version 9.0.0 is not supported"),
        (dict(V2, status="Live"), 'status: must be "Active" or "Deprecated"'),
        (
            dict(V2, pcf=dict(V2["pcf"], referencePeriodEnd="2022-01-01T00:00:00Z")),
            "pcf.referencePeriodEnd: must be after referencePeriodStart",
        ),
        (
            dict(V2, pcf=dict(V2["pcf"], referencePeriodStart="2023-01-01")),
            "pcf.referencePeriodStart: must be an ISO 8601 date-time with a time zone",
        ),
        (
            dict(V2, pcf=dict(V2["pcf"], dqi={"temporalDQR": "7"})),
            "pcf.dqi.temporalDQR: must be a data quality rating between 1 and 5",
        ),
        (
            v3(declaredUnitOfMeasurement=None, declaredUnit="liter"),
            "pcf.declaredUnitOfMeasurement: required (the document uses the field names of the "
            "other PACT version",
        ),
        ({"data": []}, "data: must hold at least one ProductFootprint"),
        ([V2], "document: must be a ProductFootprint object or a list response"),
        ({"data": [V2, V2]}, "data[1].id: the same id and version already appears at data[0]"),
    ],
)
def test_errors_name_the_json_path(document, expected):
    result = pact_parse(document)
    assert not result.footprints
    assert any(str(error).startswith(expected) for error in result.errors), result.errors


# --- the service ---------------------------------------------------------------------------------


def test_all_footprints_are_stored_or_none(member, vendor_a):
    broken = copy.deepcopy(V2)
    broken["id"] = str(uuid.uuid4())
    del broken["pcf"]["pCfExcludingBiogenic"]

    with pytest.raises(FootprintImportRefused) as refused:
        product_footprint_import(actor=member, vendor=vendor_a, document={"data": [V2, broken]})

    assert refused.value.errors == ["data[1].pcf.pCfExcludingBiogenic: required"]
    assert not ProductFootprint.objects.exists()


def test_the_same_id_and_version_is_refused_clearly(member, vendor_a, vendor_b, outsider):
    product_footprint_import(actor=member, vendor=vendor_a, document=V2)

    with pytest.raises(FootprintImportRefused) as refused:
        product_footprint_import(actor=member, vendor=vendor_a, document={"data": [V2]})
    assert refused.value.errors[0].startswith(
        "data[0].id: footprint 91715e5e-fd0b-4d1c-8fab-76290c46e6ed version 3 was already uploaded"
    )
    # Another vendor's footprint with the same id is theirs to upload.
    product_footprint_import(actor=outsider, vendor=vendor_b, document=V2)
    newer = dict(V2, version=4)
    product_footprint_import(actor=member, vendor=vendor_a, document=newer)
    assert ProductFootprint.objects.filter(vendor=vendor_a).count() == 2


def test_history_and_audit_events_name_the_uploader(member, vendor_a):
    product_footprint_import(actor=member, vendor=vendor_a, document=V2, source_name="x100.json")
    footprint = ProductFootprint.objects.get()
    assert footprint.history.get().history_user == member
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.CREATED, vendor=vendor_a)
    assert event.details["source"] == "x100.json" and event.actor == member


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "The file is empty"),
        (b"not json", "The file is not valid JSON (Expecting value at line 1, column 1)"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": 1e309}', "the number 1e309 is too large"),
        (b"\xff\xfe{\x00}\x00", "UTF-16"),
        (b'{"a": "caf\xe9"}', "The file is not UTF-8 text"),
        (b"[" * 100 + b"]" * 100, "nested more than 64 levels deep"),
    ],
)
def test_documents_that_are_not_json_are_refused_clearly(member, vendor_a, raw, fragment):
    with pytest.raises(FootprintImportRefused) as refused:
        product_footprint_import(actor=member, vendor=vendor_a, document=raw)
    assert fragment in refused.value.errors[0], refused.value.errors
    assert not ProductFootprint.objects.exists()


def test_size_limit(member, vendor_a, settings):
    settings.PACT_MAX_BYTES = 100
    with pytest.raises(FootprintImportRefused, match="larger than the 100"):
        product_footprint_import(actor=member, vendor=vendor_a, document=json.dumps(V2).encode())


# --- the portal ----------------------------------------------------------------------------------


def pact_file(document, name="footprints.json"):
    return SimpleUploadedFile(name, json.dumps(document).encode(), content_type="text/plain")


def test_portal_upload_imports_and_lists_the_footprint(client_for, member):
    client = client_for(member)
    response = client.post(
        reverse("portal:footprint_upload"), {"file": pact_file({"data": [V2]})}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("portal:uploads")
    body = response.content.decode()
    assert "1 product footprint imported from “footprints.json”" in body
    footprint = ProductFootprint.objects.get()
    detail = client.get(reverse("portal:footprint_detail", args=[footprint.pk]))
    assert detail.status_code == 200
    assert "Verifier GmbH" in detail.content.decode()  # the raw document is shown


def test_portal_upload_shows_every_path_and_stores_nothing(client_for, member):
    response = client_for(member).post(
        reverse("portal:footprint_upload"),
        {"file": pact_file(dict(V2, pcf=dict(V2["pcf"], declaredUnit="bucket")))},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "“footprints.json” was not imported" in body
    assert "pcf.declaredUnit: must be one of cubic meter" in body
    assert not ProductFootprint.objects.exists()


def test_contributors_may_upload_footprints_in_the_portal(client_for, vendor_a):
    contributor = VendorMembershipFactory(
        user=UserFactory(username="contrib"), vendor=vendor_a, role="contributor"
    ).user
    response = client_for(contributor).post(
        reverse("portal:footprint_upload"), {"file": pact_file(V2)}
    )
    assert response.status_code == 302
    assert ProductFootprint.objects.get().created_by == contributor


def test_another_vendors_footprint_is_404(client_for, member, outsider, vendor_b):
    product_footprint_import(actor=outsider, vendor=vendor_b, document=V2)
    footprint = ProductFootprint.objects.get()
    response = client_for(member).get(reverse("portal:footprint_detail", args=[footprint.pk]))
    assert response.status_code == 404
    uploads = client_for(member).get(reverse("portal:uploads"))
    assert "X100" not in uploads.content.decode()


# --- the API -------------------------------------------------------------------------------------

LIST = "/api/v1/product-footprints/"


def test_api_post_json_body(client_for, member, vendor_a):
    response = client_for(member).post(
        LIST, data=json.dumps({"data": [V2]}), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert response.json()[0]["pcf_excluding_biogenic_kgco2e"] == "120.500000"
    assert ProductFootprint.objects.get().vendor == vendor_a


def test_api_post_multipart_file(client_for, member):
    response = client_for(member).post(LIST, {"file": pact_file(v3())})
    assert response.status_code == 201, response.content
    assert response.json()[0]["declared_unit"] == "liter"


def test_api_errors_name_paths_and_store_nothing(client_for, member):
    response = client_for(member).post(
        LIST, data=b'{"data": [{"pcf": {"declaredUnit": 5}}]}', content_type="application/json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "data[0].pcf.declaredUnit: must be text, not a number" in errors
    assert "data[0].id: required" in errors
    assert not ProductFootprint.objects.exists()


def test_api_refuses_bodies_over_the_limit_before_reading(client_for, member, settings):
    settings.PACT_MAX_BYTES = 50
    response = client_for(member).post(LIST, data=json.dumps(V2), content_type="application/json")
    assert response.status_code == 400
    assert "larger than the 50" in response.json()["detail"]


def test_api_reads_are_scoped(client_for, member, outsider, vendor_b, officer, auditor):
    product_footprint_import(actor=outsider, vendor=vendor_b, document=V2)
    footprint = ProductFootprint.objects.get()

    assert client_for(member).get(LIST).json()["count"] == 0
    assert client_for(member).get(f"{LIST}{footprint.pk}/").status_code == 404
    assert client_for(outsider).get(f"{LIST}{footprint.pk}/").status_code == 200
    assert client_for(officer).get(LIST).json()["count"] == 1
    assert client_for(auditor).get(LIST).json()["count"] == 1


def test_api_staff_and_auditors_do_not_upload(client_for, auditor, officer):
    assert client_for(auditor).post(LIST, {"file": pact_file(V2)}).status_code == 403
    assert client_for(officer).post(LIST, {"file": pact_file(V2)}).status_code == 403
    assert not ProductFootprint.objects.exists()
