"""The bundle request form: the scope first, each scope's fields in a fieldset named by it; the
server validates only the chosen scope's fields and ignores the others'."""

import pytest
from django.urls import reverse

from assurance.bundles.forms import BundleRequestForm
from assurance.models import EvidenceBundle
from contracts.tests.factories import ContractFactory

INDEX = "assurance:index"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def contract(vendor_a, officer):
    return ContractFactory(vendor=vendor_a, created_by=officer, reference="ACME-2024-01")


def test_the_form_shows_the_scope_then_one_labelled_fieldset_per_scope(client_for, auditor):
    text = client_for(auditor).get(reverse(INDEX)).content.decode()
    scope = text.index("What the bundle covers")
    fieldsets = [
        (text.index(f'<fieldset id="bundle-scope-{value}"'), legend, fields)
        for value, legend, fields in (
            ("vendor_period", "Vendor and reporting year", ["id_vendor", "id_year", "id_year_to"]),
            ("contract", "Contract", ["id_contract"]),
            ("run", "Scope 3 inventory run", ["id_run"]),
        )
    ]
    assert scope < min(start for start, _legend, _fields in fieldsets)
    ends = [text.index("</fieldset>", start) for start, _l, _f in fieldsets]
    for (start, legend, fields), end in zip(fieldsets, ends, strict=True):
        block = text[start:end]
        assert f"<legend>{legend}</legend>" in block
        for field_id in fields:
            assert f'id="{field_id}"' in block, field_id
    # Without a script every fieldset shows; each radio names the fieldset it controls.
    assert "hidden" not in text[fieldsets[0][0] : ends[-1]].replace('type="hidden"', "")
    for value in ("vendor_period", "contract", "run"):
        assert f'value="{value}"' in text and f'aria-controls="bundle-scope-{value}"' in text
    assert "/static/js/bundle-form.js" in text and "<script>" not in text


def test_the_chosen_scope_is_validated_and_the_others_ignored(
    client_for, auditor, contract, django_capture_on_commit_callbacks
):
    # What was typed under the vendor scope is not even a number: it is ignored.
    response = client_for(auditor).post(
        reverse(INDEX),
        {
            "scope": "contract",
            "contract": contract.pk,
            "vendor": "999999",
            "year": "twenty",
            "year_to": "1",
            "run": "nonsense",
        },
    )
    bundle = EvidenceBundle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assurance:bundle_detail", args=[bundle.pk])
    assert (bundle.scope, bundle.contract, bundle.vendor, bundle.year) == (
        "contract",
        contract,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"scope": "vendor_period", "year": "2024"}, ["Vendor: Choose the vendor."]),
        (
            {"scope": "vendor_period", "year": "2025", "year_to": "2024", "contract": "x"},
            ["Vendor: Choose the vendor.", "Last reporting year: The last year must not be"],
        ),
        (
            {"scope": "vendor_period", "year": "abc"},
            ["Vendor: Choose the vendor.", "Reporting year: Enter a whole number."],
        ),
        ({"scope": "contract", "year": "abc"}, ["Which contract: Choose the contract."]),
        ({"scope": "contract", "contract": "424242"}, ["Which contract: Select a valid choice."]),
        ({"scope": "run", "vendor": "x"}, ["Which inventory run: Choose the inventory run."]),
        ({"year": "abc", "contract": "x"}, ["What the bundle covers: Choose what the bundle"]),
    ],
)
def test_errors_name_the_field_of_the_chosen_scope(client_for, auditor, data, errors):
    response = client_for(auditor).post(reverse(INDEX), data)
    assert response.status_code == 200
    text = response.content.decode()
    start = text.index('class="error-summary"')
    summary = text[start : text.index("</ul>", start)]
    for error in errors:
        assert error in summary, error
    assert summary.count("<li>") == len(errors)
    assert not EvidenceBundle.objects.exists()


def test_the_form_keeps_the_chosen_scope_and_ignores_other_values(vendor_a):
    form = BundleRequestForm(
        {"scope": "vendor_period", "vendor": vendor_a.pk, "year": "2024", "run": "nonsense"}
    )
    assert form.is_valid(), form.errors
    assert form.bundle_kwargs() == {
        "scope": "vendor_period",
        "vendor": vendor_a,
        "year": 2024,
        "year_to": None,
        "contract": None,
        "run": None,
    }
    groups = {g["scope"]: g for g in form.scope_groups()}
    assert groups["vendor_period"]["id"] == "bundle-scope-vendor_period"
    assert [f.name for f in groups["vendor_period"]["fields"]] == ["vendor", "year", "year_to"]
