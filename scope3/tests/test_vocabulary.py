"""The ledger vocabulary (docs/method.md, "Vocabulary"): words to factor codes and specs,
shipped defaults that never overwrite an analyst, and the unknown words of a spend import."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.history import system_user
from scope3 import adapters
from scope3.engine import Vocabulary, normalise_term
from scope3.models import HardwareSpec, ImportBatch, VocabularyTerm
from scope3.services.spend import spend_import
from scope3.services.vocabulary import (
    import_batch_unknown_terms,
    unknown_terms_describe,
    vocabulary_defaults_import,
    vocabulary_term_create,
    vocabulary_term_delete,
    vocabulary_term_update,
)
from scope3.tests.spend_files import row, write_csv
from vendors.tests.factories import UserFactory

API = "/api/v1/vocabulary/"


# --- normalisation and the engine's Vocabulary (no database) -------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("GPU", "gpu"),
        (" gpu ", "gpu"),
        ("Gpu-Server", "gpu server"),
        ("gpu server", "gpu server"),
        ("GPU__server", "gpu server"),
        ("  GPU \t SERVER ", "gpu server"),
        ("e-waste", "e waste"),
        ("", ""),
        (None, ""),
    ],
)
def test_words_compare_without_case_spaces_hyphens_or_underscores(written, normalised):
    assert normalise_term(written) == normalised


def test_the_vocabulary_resolves_any_spelling_of_a_word():
    vocabulary = Vocabulary(
        [
            ("hardware", "GPU", "gpu_a100_bloom"),
            ("hardware", "Gpu-Server", "spec:Test server"),
            ("freight_mode", "Air freight", "air"),
        ]
    )
    assert vocabulary.resolve("hardware", " gpu ") == "gpu_a100_bloom"
    assert vocabulary.resolve("hardware", "GPU SERVER") == "spec:Test server"
    assert vocabulary.resolve("hardware", "gpu_server") == "spec:Test server"
    assert vocabulary.resolve("freight_mode", "air-freight") == "air"
    # A word of another kind, or an unknown word, resolves to nothing (never a guess).
    assert vocabulary.resolve("waste_treatment", "gpu") is None
    assert vocabulary.resolve("hardware", "gpu-xl") is None
    # Built from the same terms in another order: the same vocabulary.
    assert vocabulary == Vocabulary(reversed(list(vocabulary)))


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("hardware", "gpu", "a"), ("hardware", "GPU", "b")], "maps to both"),
        ([("freight_mode", "air", "spec:Plane")], "cannot name a hardware spec"),
        ([("colour", "red", "x")], "unknown vocabulary kind"),
        ([("hardware", " - ", "x")], "empty"),
        ([("hardware", "gpu", "")], "no target"),
    ],
)
def test_contradictory_vocabularies_are_refused(entries, message):
    with pytest.raises(ValueError, match=message):
        Vocabulary(entries)


# --- terms through the services ------------------------------------------------------------------


@pytest.fixture
def pack(db):
    call_command("import_factors", "--starter-pack", stdout=StringIO())


@pytest.mark.django_db
def test_a_term_is_stored_normalised_and_unique_per_kind(pack):
    term = vocabulary_term_create(
        actor=system_user(), kind="hardware", word="  Big-GPU ", target_code="GPU_A100_BLOOM"
    )
    assert (term.word, term.target_code, term.target) == (
        "big gpu",
        "gpu_a100_bloom",
        "gpu_a100_bloom",
    )
    with pytest.raises(ValidationError, match="already mapped"):
        vocabulary_term_create(
            actor=system_user(), kind="hardware", word="BIG GPU", target_code="gpu_a100_bloom"
        )
    # The same word may mean something in another kind.
    vocabulary_term_create(
        actor=system_user(), kind="freight_mode", word="big gpu", target_code="air"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"kind": "hardware", "target_code": "nonexistent"}, "target_code", "not a factor code"),
        # A model parameter (per cm² of die) is not something a ledger quantity can multiply.
        ({"kind": "hardware", "target_code": "act_cpa_5nm"}, "target_code", "not a factor code"),
        ({"kind": "freight_mode", "target_code": "gpu_a100_bloom"}, "target_code", "air"),
        ({"kind": "hardware"}, "target_code", "either a factor code or a hardware spec"),
    ],
)
def test_a_term_must_point_at_a_code_that_exists(pack, fields, field, text):
    with pytest.raises(ValidationError) as error:
        vocabulary_term_create(actor=system_user(), word="thing", **fields)
    assert text in " ".join(error.value.message_dict[field])


@pytest.mark.django_db
def test_only_hardware_words_name_a_spec(pack):
    spec = HardwareSpec.objects.get(name="NVIDIA H100 SXM5 80GB")
    term = vocabulary_term_create(
        actor=system_user(), kind="hardware", word="hopper board", target_spec=spec
    )
    assert term.target == "spec:NVIDIA H100 SXM5 80GB"
    with pytest.raises(ValidationError, match="only hardware words"):
        vocabulary_term_create(
            actor=system_user(), kind="freight_mode", word="hopper", target_spec=spec
        )


@pytest.mark.django_db
def test_the_defaults_load_once_and_never_overwrite_an_analyst(pack):
    assert VocabularyTerm.objects.filter(shipped=True).count() == VocabularyTerm.objects.count()
    gpu = VocabularyTerm.objects.get(kind="hardware", word="gpu")
    assert gpu.target == "gpu_a100_bloom"
    assert VocabularyTerm.objects.get(kind="waste_treatment", word="e waste").target == (
        "weee-recycling"
    )
    # Only codes that exist: every default resolves in the starter pack's datasets.
    codes = {f.code for f in adapters.load_average_factors(_latest_average_datasets())}
    assert all(t.target_code in codes for t in VocabularyTerm.objects.exclude(target_code=""))

    analyst = UserFactory(username="ana", is_staff=True)
    vocabulary_term_update(actor=analyst, term=gpu, target_code="server_no_gpu_bloom")
    vocabulary_term_delete(actor=analyst, term=VocabularyTerm.objects.get(word="airfreight"))
    result = vocabulary_defaults_import(actor=system_user())

    assert result.created == 0
    gpu.refresh_from_db()
    assert gpu.target_code == "server_no_gpu_bloom" and not gpu.shipped
    assert not VocabularyTerm.objects.filter(word="airfreight").exists()


def _latest_average_datasets():
    from scope3.selectors import factor_dataset_latest

    return [factor_dataset_latest(kind=kind) for kind in ("hardware", "freight", "waste")]


@pytest.mark.django_db
def test_the_vocabulary_snapshot_pins_the_terms_for_a_run(pack):
    snapshot = adapters.vocabulary_snapshot()
    vocabulary = adapters.vocabulary_from_snapshot(snapshot)
    assert vocabulary.resolve("hardware", "GPU") == "gpu_a100_bloom"
    assert vocabulary.resolve("freight_mode", "Air Freight") == "air"
    assert adapters.vocabulary_from_snapshot(None) == Vocabulary()


# --- unknown words on the import batch -----------------------------------------------------------


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def _ledger(tmp_path: Path, name="ledger.csv", *, prefix="", extra=0) -> Path:
    rows = []
    # 16 lines name "gpu-xl", in three spellings; the vocabulary and the factors know the rest:
    # "GPU" and "Air Freight" (vocabulary), "h100  sxm" (a spec's alias), "gpu_a100_bloom" and
    # "air" (factor codes), "WEEE" (vocabulary).
    for n, word in enumerate(["GPU-XL"] * 10 + ["gpu xl"] * 4 + ["gpu_xl"] * 2):
        rows.append(
            row(external_id=f"{prefix}X{n}", hardware_class=word, mode="", waste_treatment="")
        )
    known = [
        {"hardware_class": "GPU", "mode": "Air Freight"},
        {"hardware_class": "h100  sxm", "mode": "air"},
        {"hardware_class": "gpu_a100_bloom", "mode": "hovercraft"},
        {"hardware_class": "", "mode": "", "waste_treatment": "Incineration"},
        {"hardware_class": "", "mode": "", "waste_treatment": "WEEE"},
    ]
    for n, fields in enumerate(known):
        rows.append(row(external_id=f"{prefix}K{n}", **fields))
    for n in range(extra):
        rows.append(row(external_id=f"{prefix}E{n}", hardware_class="gpu", mode="sea"))
    return write_csv(tmp_path / name, rows)


EXPECTED = [
    {"field": "hardware_class", "word": "GPU-XL", "lines": 16},
    {"field": "mode", "word": "hovercraft", "lines": 1},
    {"field": "waste_treatment", "word": "Incineration", "lines": 1},
]


@pytest.mark.django_db
def test_the_import_batch_names_unknown_words_with_line_counts(pack, vendor_a, tmp_path):
    batch = spend_import(actor=system_user(), path_or_file=_ledger(tmp_path))

    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.unknown_terms == EXPECTED
    batch.refresh_from_db()
    assert batch.unknown_terms == EXPECTED
    assert unknown_terms_describe(batch.unknown_terms) == [
        "16 lines: hardware class 'GPU-XL' unknown",
        "1 line: freight mode 'hovercraft' unknown",
        "1 line: waste treatment 'Incineration' unknown",
    ]
    # Mapping the word makes it known for the next import.
    vocabulary_term_create(
        actor=system_user(), kind="hardware", word="gpu xl", target_code="gpu_a100_bloom"
    )
    assert import_batch_unknown_terms(batch_id=batch.pk) == EXPECTED[1:]


@pytest.mark.django_db
def test_the_unknown_word_report_costs_the_same_queries_at_two_sizes(pack, vendor_a, tmp_path):
    small = spend_import(actor=system_user(), path_or_file=_ledger(tmp_path, "a.csv"))
    large_path = _ledger(tmp_path, "b.csv", prefix="B", extra=300)
    large = spend_import(actor=system_user(), path_or_file=large_path)
    assert large.status == ImportBatch.Status.IMPORTED, large.error_summary
    counts = []
    for batch in (small, large):
        with CaptureQueriesContext(connection) as queries:
            import_batch_unknown_terms(batch_id=batch.pk)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12


@pytest.mark.django_db
def test_unknown_words_show_on_the_admin_page_the_api_and_the_command(
    pack, vendor_a, tmp_path, client_for, analyst
):
    out = StringIO()
    call_command("import_spend", str(_ledger(tmp_path)), stdout=out)
    assert "unknown word: 16 lines: hardware class 'GPU-XL' unknown" in out.getvalue()
    batch = ImportBatch.objects.get()
    client = client_for(analyst)
    page = client.get(reverse("admin:scope3_importbatch_change", args=[batch.pk]))
    assert "16 lines: hardware class &#x27;GPU-XL&#x27; unknown" in page.content.decode()
    body = client.get(f"/api/v1/spend-imports/{batch.pk}/").json()
    assert body["unknown_terms"] == EXPECTED


@pytest.mark.django_db
def test_hostile_words_are_escaped_on_the_admin_page(pack, vendor_a, tmp_path, client_for, analyst):
    path = write_csv(
        tmp_path / "h.csv", [row(external_id="H1", hardware_class="<b>x</b>", mode="")]
    )
    batch = spend_import(actor=system_user(), path_or_file=path)
    page = client_for(analyst).get(reverse("admin:scope3_importbatch_change", args=[batch.pk]))
    body = page.content.decode()
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body


# --- admin and API -------------------------------------------------------------------------------


def test_analysts_edit_terms_in_the_admin_and_auditors_read(client_for, analyst, auditor, pack):
    client = client_for(analyst)
    listing = client.get(reverse("admin:scope3_vocabularyterm_changelist"), {"kind": "hardware"})
    assert listing.status_code == 200 and "gpu_a100_bloom" in listing.content.decode()
    searched = client.get(reverse("admin:scope3_vocabularyterm_changelist"), {"q": "ocean"})
    assert "ocean" in searched.content.decode()
    add = reverse("admin:scope3_vocabularyterm_add")
    bad = client.post(add, {"kind": "hardware", "word": "tpu", "target_code": "tpu_v4"})
    assert bad.status_code == 200 and "not a factor code" in bad.content.decode()
    good = client.post(add, {"kind": "hardware", "word": "TPU", "target_code": "gpu_a100_bloom"})
    assert good.status_code == 302
    term = VocabularyTerm.objects.get(kind="hardware", word="tpu")
    assert term.history.get().history_user == analyst

    reader = client_for(auditor)
    assert reader.get(reverse("admin:scope3_vocabularyterm_changelist")).status_code == 200
    assert reader.get(add).status_code == 403


def test_the_api_lists_creates_and_updates_terms(client_for, analyst, pack):
    client = client_for(analyst)
    body = client.get(API, {"kind": "freight_mode", "page_size": 200}).json()
    assert {row["kind"] for row in body["results"]} == {"freight_mode"}
    created = client.post(
        API,
        {"kind": "waste_treatment", "word": "Shredded", "target_code": "weee-recycling"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["word"] == "shredded"
    duplicate = client.post(
        API,
        {"kind": "waste_treatment", "word": "SHREDDED", "target_code": "weee-landfill"},
        content_type="application/json",
    )
    assert duplicate.status_code == 400
    changed = client.patch(
        f"{API}{created.json()['id']}/",
        {"target_code": "weee-landfill"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["target"] == "weee-landfill"


def test_vendor_users_auditors_and_outsiders_cannot_write(
    client_for, auditor, officer, member, outsider, pack
):
    term = VocabularyTerm.objects.first()
    for user in (member, outsider):
        for path in (API, f"{API}{term.pk}/", f"{API}999999/"):
            assert client_for(user).get(path).status_code == 403
    for user in (auditor, officer):
        client = client_for(user)
        assert client.get(API).status_code == 200
        posted = client.post(
            API,
            {"kind": "hardware", "word": "z", "target_code": "gpu_a100_bloom"},
            content_type="application/json",
        )
        assert posted.status_code == 403
