"""Bad vendor data is refused by the services with an error naming the field, and nothing is kept.

docs/architecture.md ("Errors users can act on"): bad input gets an error naming the row, field,
value and rule, and stores nothing half-done - so each case also checks that no vendor, no history
row and no audit event was written."""

import pytest
from django.core.exceptions import ValidationError

from assurance.models import AuditEvent
from vendors.models import Vendor
from vendors.services import vendor_create, vendor_update

# 5493001KJTIIGC8Y1R12 is a real, valid LEI (ISO 17442 check digits "12").
VALID_LEI = "5493001KJTIIGC8Y1R12"

VALID = {
    "name": "Northwind Accelerators",
    "legal_name": "Northwind Accelerators, Inc.",
    "country": "US",
    "naics_code": "334413",
    "category": Vendor.Category.ACCELERATORS,
}


def _stored():
    return (Vendor.objects.count(), Vendor.history.count(), AuditEvent.objects.count())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lei", "5493001KJTIIGC8Y1R17", "check digits"),  # last digit changed
        ("lei", "5493001KJTIIGC8Y1R1", "20 characters"),  # one character short
        ("lei", "5493001KJTIIGC8Y1R1", "LEI"),  # named, whichever rule reports it
        ("lei", "5493001KJTIIGC8Y1R123", "at most 20 characters"),
        ("lei", "5493001KJTIIGC8Y1R1!", "only digits and capital letters"),
        ("country", "XX", "not a valid choice"),
        ("country", "USA", "alpha-2"),
        ("naics_code", "33441", "exactly six digits"),
        ("naics_code", "33441A", "exactly six digits"),
    ],
)
def test_invalid_field_is_named_and_nothing_is_stored(officer, field, value, message):
    before = _stored()

    with pytest.raises(ValidationError) as excinfo:
        vendor_create(actor=officer, **{**VALID, field: value})

    errors = excinfo.value.message_dict
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert _stored() == before


def test_name_differing_only_in_case_is_a_duplicate(officer):
    vendor_create(actor=officer, **VALID)
    before = _stored()

    with pytest.raises(ValidationError) as excinfo:
        vendor_create(actor=officer, **{**VALID, "name": "NORTHWIND accelerators"})

    errors = excinfo.value.message_dict
    assert set(errors) & {"name", "__all__"}, errors
    assert "already exists" in " ".join(errors.get("name", []) + errors.get("__all__", []))
    assert _stored() == before


def test_renaming_onto_another_vendors_name_is_refused(officer):
    vendor_create(actor=officer, **VALID)
    other = vendor_create(actor=officer, **{**VALID, "name": "Kestrel Compute Systems"})
    before = _stored()

    with pytest.raises(ValidationError):
        vendor_update(actor=officer, vendor=other, name="northwind ACCELERATORS")

    assert _stored() == before
    assert Vendor.objects.get(pk=other.pk).name == "Kestrel Compute Systems"


def test_invalid_update_keeps_the_stored_row(officer):
    vendor = vendor_create(actor=officer, **VALID)
    before = _stored()

    with pytest.raises(ValidationError) as excinfo:
        vendor_update(actor=officer, vendor=vendor, naics_code="3344")

    assert "naics_code" in excinfo.value.message_dict
    assert _stored() == before
    assert Vendor.objects.get(pk=vendor.pk).naics_code == "334413"


def test_valid_vendor_is_stored_with_attributed_history(officer):
    vendor = vendor_create(actor=officer, reason="onboarding call", lei=VALID_LEI, **VALID)

    stored = Vendor.objects.get(pk=vendor.pk)
    assert stored.lei == VALID_LEI
    record = stored.history.get()
    assert record.history_type == "+"
    assert record.history_user == officer
    assert record.history_change_reason == "onboarding call"
    event = AuditEvent.objects.get(target_id=str(vendor.pk), verb=AuditEvent.Verb.CREATED)
    assert event.actor == officer
    assert event.vendor_id == vendor.pk


def test_history_reason_defaults_when_none_is_given(officer):
    vendor = vendor_create(actor=officer, **VALID)

    assert vendor.history.get().history_change_reason == "vendor created"


def test_lei_and_country_are_normalised_before_validation(officer):
    vendor = vendor_create(actor=officer, **{**VALID, "lei": VALID_LEI.lower(), "country": "us"})

    stored = Vendor.objects.get(pk=vendor.pk)
    assert stored.lei == VALID_LEI
    assert stored.country.code == "US"
