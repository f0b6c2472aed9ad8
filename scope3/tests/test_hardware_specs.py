"""Hardware specs: the ACT model per product (docs/method.md, "Hardware").

The engine is tested without a database against worked examples computed by hand; the rest
through the services, the CSV import, the starter pack, the admin and /api/v1/hardware-specs/.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal as D
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.history import system_user
from assurance.models import AuditEvent
from scope3 import adapters
from scope3.engine import (
    ActParameters,
    AverageKind,
    DatasetRef,
    DieSpec,
    EstimationContext,
    FactorSet,
    HardwareSpecInput,
    SpecIndex,
    Vocabulary,
    spec_embodied,
)
from scope3.engine.hardware import TIMES as X
from scope3.models import EmissionFactor, FactorDataset, HardwareSpec
from scope3.services.factors import factor_dataset_import
from scope3.services.hardware import (
    SpecFileError,
    hardware_spec_create,
    hardware_spec_update,
    hardware_specs_import,
)
from vendors.tests.factories import UserFactory

DATA = Path(__file__).resolve().parents[1] / "data"
API = "/api/v1/hardware-specs/"

# Parameters of the worked examples: ACT's 5 nm and 7 nm carbon per cm² before yield (see
# scope3/data/hardware_embodied_2026.csv), ACT's default yield, per-GB values.
PARAMS = ActParameters(
    carbon_per_cm2_by_node={"5nm": D("2.43075"), "7nm": D("2.02845")},
    yield_by_node={"5nm": D("0.875"), "7nm": D("0.875")},
    kg_per_gb_by_memory={"hbm": D("0.065"), "dram": D("0.065")},
    kg_per_gb_storage=D("0.01"),
    sources={"cpa:5nm": "act_cpa_5nm (test)"},
    dataset_label="hardware test",
)


def h100(**changes) -> HardwareSpecInput:
    fields = {
        "spec_id": 1,
        "name": "NVIDIA H100 SXM5 80GB",
        "aliases": ("H100 SXM", "H100 SXM5"),
        "dies": (DieSpec(D("8.14"), "5nm"),),
        "memory": (("hbm", D("80")),),
        "platform_kgco2e": D("40"),
        "platform_source": "test LCA, table 2",
        "boundary": "die, memory and board",
        "source": "NVIDIA H100 whitepaper",
        **changes,
    }
    return HardwareSpecInput(**fields)


# --- the engine, by hand -------------------------------------------------------------------------


def test_an_h100_class_board_shows_every_term_and_the_total_is_their_sum():
    # die 1:   8.14 cm² * 2.43075 kg/cm² = 19.786305 kg; ÷ 0.875 yield = 22.61292 -> 22.613 kg
    # memory:  80 GB * 0.065 kg/GB = 5.2 kg -> 5.200 kg
    # platform share: 40 kg (a cited LCA) -> 40.000 kg
    # total:   22.613 + 5.200 + 40.000 = 67.813 kg
    embodied = spec_embodied(h100(), PARAMS)

    assert [(t.label, t.kgco2e, t.formula) for t in embodied.terms] == [
        ("die 1", D("22.613"), f"8.14 cm² {X} 2.43075 kg/cm² (5nm) ÷ 0.875 yield"),
        ("memory", D("5.200"), f"80 GB HBM {X} 0.065 kg/GB"),
        (
            "platform share",
            D("40.000"),
            "40 kg (board, chassis, power supply share, test LCA, table 2)",
        ),
    ]
    assert embodied.total_kgco2e == D("67.813") == sum(t.kgco2e for t in embodied.terms)
    assert embodied.terms[0].source == "act_cpa_5nm (test)"
    assert embodied.dataset_label == "hardware test"


def test_several_dies_memory_kinds_and_storage():
    # dies:    2 * 1.5 cm² * 2.02845 kg/cm² ÷ 0.875 = 6.08535 ÷ 0.875 = 6.954685... -> 6.955 kg
    #          4 * 0.5 cm² * 2.43075 kg/cm² ÷ 0.875 = 4.8615 ÷ 0.875 = 5.556 kg
    # memory:  512 GB DRAM * 0.065 = 33.28 kg; 96 GB HBM * 0.065 = 6.24 kg
    # storage: 3,840 GB * 0.01 kg/GB = 38.4 kg
    # no platform share given: no term. Total 6.955 + 5.556 + 33.280 + 6.240 + 38.400 = 90.431
    spec = HardwareSpecInput(
        spec_id="s",
        name="Test server",
        dies=(DieSpec(D("1.5"), "7nm", 2), DieSpec(D("0.5"), "5 NM", 4)),
        memory=(("dram", D("512")), ("HBM", D("96"))),
        storage_gb=D("3840"),
    )
    embodied = spec_embodied(spec, PARAMS)

    assert [t.kgco2e for t in embodied.terms] == [
        D("6.955"),
        D("5.556"),
        D("33.280"),
        D("6.240"),
        D("38.400"),
    ]
    assert embodied.terms[0].formula == f"2 {X} 1.5 cm² {X} 2.02845 kg/cm² (7nm) ÷ 0.875 yield"
    assert embodied.terms[4].formula == f"3840 GB SSD {X} 0.01 kg/GB"
    assert embodied.total_kgco2e == D("90.431")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (h100(dies=(DieSpec(D("8.14"), "4nm"),)), "carbon per cm² for process node '4nm'"),
        (h100(memory=(("gddr6", D("24")),)), "kg per GB of gddr6"),
        (h100(storage_gb=D("1")), None),  # storage has a parameter: computes
        (h100(dies=(DieSpec(D("0"), "5nm"),)), "no area"),
    ],
)
def test_a_missing_parameter_names_the_spec_and_the_parameter(spec, message):
    if message is None:
        assert spec_embodied(spec, PARAMS).terms[-2].label == "storage"
        return
    with pytest.raises(ValueError, match="NVIDIA H100 SXM5 80GB") as error:
        spec_embodied(spec, PARAMS)
    assert message in str(error.value)


def test_a_node_with_a_carbon_per_area_but_no_yield_is_refused_not_taken_as_one():
    params = ActParameters(
        carbon_per_cm2_by_node={"5nm": D("2.43075")},
        yield_by_node={},
        kg_per_gb_by_memory={"hbm": D("0.065")},
        dataset_label="hardware 2025.1",
    )
    with pytest.raises(
        ValueError, match=r"no fab yield for process node '5nm' in hardware 2025\.1"
    ):
        spec_embodied(h100(), params)


@pytest.mark.parametrize(
    "word", ["h100  sxm", "H100-SXM", "h100_sxm", " H100 SXM5 ", "nvidia h100 sxm5 80gb"]
)
def test_aliases_match_whatever_the_case_and_spacing(word):
    embodied = spec_embodied(h100(), PARAMS)
    context = EstimationContext(factor_set=FactorSet(), hardware_specs=[embodied])
    assert context.hardware_spec(word) is embodied
    assert context.hardware_spec("spec:NVIDIA H100 SXM5 80GB") is embodied
    assert context.hardware_spec("h100") is None


def test_one_word_never_names_two_specs():
    first = spec_embodied(h100(), PARAMS)
    second = spec_embodied(h100(spec_id=2, name="Other", aliases=("h100-sxm",)), PARAMS)
    with pytest.raises(ValueError, match="names both"):
        SpecIndex([first, second])


def test_the_context_keeps_specs_and_vocabulary_in_chunk_copies():
    embodied = spec_embodied(h100(), PARAMS)
    vocabulary = Vocabulary([("hardware", "gpu", "gpu_a100_bloom")])
    context = EstimationContext(
        factor_set=FactorSet(), hardware_specs=[embodied], vocabulary=vocabulary
    )
    copy = context.with_allocation_bases({})
    assert copy.hardware_spec("H100 SXM") is embodied
    assert copy.vocabulary.resolve("hardware", "GPU") == "gpu_a100_bloom"
    assert EstimationContext(factor_set=FactorSet()).vocabulary == Vocabulary()


# --- the curated data ----------------------------------------------------------------------------


@pytest.fixture
def hardware_2026(db):
    return factor_dataset_import(
        actor=system_user(), kind="hardware", source=DATA / "hardware_embodied_2026.csv"
    ).dataset


@pytest.mark.django_db
def test_a_per_cm2_parameter_is_never_used_as_a_per_unit_factor(hardware_2026):
    factors = adapters.load_average_factors([hardware_2026])
    assert {factor.code for factor in factors} == {
        "gpu_a100_bloom",
        "server_no_gpu_bloom",
        "hgx_h100_8gpu_nvidia_pcf",
    }
    parameters = EmissionFactor.objects.filter(dataset=hardware_2026, code__startswith="act_")
    assert parameters.count() == 19  # 8 nodes * (carbon per cm², yield) + DRAM, HBM, SSD
    assert all(row.extra.get("parameter") for row in parameters)
    context = EstimationContext(
        factor_set=FactorSet(hardware=DatasetRef(key="hardware", version="2026.1")),
        average_factors=factors,
    )
    assert context.average_factor(AverageKind.HARDWARE, "act_cpa_5nm") is None
    assert context.average_factor(AverageKind.HARDWARE, "act_yield_5nm") is None


@pytest.mark.django_db
def test_act_parameters_come_from_the_pinned_dataset_with_their_citations(hardware_2026):
    params = adapters.act_parameters(hardware_2026)
    # 5 nm: 2.75 kWh/cm² * 0.583 kg/kWh + (430 + 225) ÷ 2 g + 500 g = 1.60325 + 0.3275 + 0.5
    assert params.carbon_per_cm2_by_node["5nm"] == D("2.43075")
    # 7 nm: 2.15 * 0.583 + (350 + 200) ÷ 2 g + 500 g = 1.25345 + 0.275 + 0.5 = 2.02845
    assert params.carbon_per_cm2_by_node["7nm"] == D("2.02845")
    assert params.yield_by_node["5nm"] == D("0.875")
    assert params.kg_per_gb_by_memory == {"hbm": D("0.065"), "dram": D("0.065")}
    assert params.kg_per_gb_storage == D("0.01")
    assert params.dataset_label == "hardware 2026.1"
    assert "facebookresearch/ACT" in params.sources["cpa:5nm"]


def test_every_row_of_the_new_tables_cites_its_source():
    for name in ("hardware_embodied_2026.csv", "hardware_specs_2026.csv"):
        with (DATA / name).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
        assert rows, name
        for row in rows:
            assert row["source"].strip(), row
            assert row["source_url"].startswith("https://"), row


@pytest.mark.django_db
def test_the_starter_pack_adds_the_specs_once_with_hand_checked_estimates():
    first, second = StringIO(), StringIO()
    call_command("import_factors", "--starter-pack", stdout=first)
    call_command("import_factors", "--starter-pack", stdout=second)

    assert "Hardware specs: 3 specs created" in first.getvalue()
    assert "Hardware specs: 0 specs created, 0 updated, 3 unchanged" in second.getvalue()
    assert FactorDataset.objects.filter(kind="hardware").count() == 2  # 2025.1 stays importable
    hardware = FactorDataset.objects.get(kind="hardware", version="2026.1")
    snapshot = adapters.hardware_specs_snapshot(hardware)
    totals = {spec["name"]: spec["total_kgco2e"] for spec in snapshot["specs"]}
    # H100: 8.14 * 2.43075 ÷ 0.875 = 22.613 + 80 GB * 0.065 = 5.200 -> 27.813
    # A100 80GB: 8.26 * 2.02845 ÷ 0.875 = 16.754997 ÷ 0.875 = 19.149 + 5.200 -> 24.349
    # A100 40GB: 19.149 + 40 GB * 0.065 = 2.600 -> 21.749
    assert totals == {
        "NVIDIA A100 SXM4 40GB": "21.749",
        "NVIDIA A100 SXM4 80GB": "24.349",
        "NVIDIA H100 SXM5 80GB": "27.813",
    }
    assert snapshot["unavailable"] == []
    assert all(spec.shipped for spec in HardwareSpec.objects.all())
    spec = HardwareSpec.objects.get(name="NVIDIA H100 SXM5 80GB")
    assert "manufacturing of the listed components only" in spec.boundary.lower()
    assert spec.history.first().history_user.username == system_user().username


@pytest.mark.django_db
def test_a_removed_starter_spec_is_not_brought_back(hardware_2026):
    call_command("import_factors", "--starter-pack", stdout=StringIO())
    HardwareSpec.objects.filter(name="NVIDIA A100 SXM4 40GB").first().delete()
    call_command("import_factors", "--starter-pack", stdout=StringIO())
    assert not HardwareSpec.objects.filter(name="NVIDIA A100 SXM4 40GB").exists()


# --- snapshots for runs --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_snapshot_pins_the_specs_and_survives_json(hardware_2026):
    spec = hardware_spec_create(
        actor=system_user(),
        name="Test H100",
        aliases=["th100"],
        kind="accelerator",
        dies=[{"area_mm2": 814, "node": "5nm", "count": 1}],
        memory=[{"type": "hbm", "gb": 80}],
        boundary="die and memory only",
        source="test",
        source_url="https://example.org/spec",
    )
    # A spec whose node the dataset lacks (stored directly, as an older database might hold).
    HardwareSpec.objects.create(
        name="Odd",
        kind="other",
        dies=[{"area_mm2": 10, "node": "2nm", "count": 1}],
        boundary="b",
        source="s",
        source_url="https://example.org/odd",
    )
    data = json.loads(json.dumps(adapters.hardware_specs_snapshot(hardware_2026)))

    specs = adapters.hardware_specs_from_snapshot(data)
    assert [s.name for s in specs] == ["Test H100"]
    assert specs[0].total_kgco2e == D("27.813") and specs[0].dataset_label == "hardware 2026.1"
    assert data["unavailable"][0]["name"] == "Odd"
    assert "'2nm'" in data["unavailable"][0]["reason"]

    hardware_spec_update(actor=system_user(), spec=spec, memory=[{"type": "hbm", "gb": 40}])
    # The run's plan still holds 80 GB: its chunks keep computing alike.
    assert adapters.hardware_specs_from_snapshot(data)[0].total_kgco2e == D("27.813")
    data["specs"][0]["total_kgco2e"] = "1.000"
    with pytest.raises(ValueError, match="not the sum of its terms"):
        adapters.hardware_specs_from_snapshot(data)


# --- validation ----------------------------------------------------------------------------------


def _spec_fields(**changes):
    return {
        "name": "Test accelerator",
        "aliases": ["TA 1"],
        "kind": "accelerator",
        "dies": [{"area_mm2": 100, "node": "7nm", "count": 1}],
        "memory": [{"type": "hbm", "gb": 16}],
        "boundary": "die and memory",
        "source": "datasheet",
        "source_url": "https://example.org/ta1",
        **changes,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"dies": [{"area_mm2": -5, "node": "7nm", "count": 1}]}, "dies", "dies[0].area_mm2 -5"),
        ({"dies": [{"area_mm2": 5, "node": "7nm"}]}, "dies", "missing count"),
        ({"dies": [{"area_mm2": 5, "node": "4n", "count": 1}]}, "dies", "'4n' is not a process"),
        ({"dies": [{"area_mm2": "5", "node": "7nm", "count": 1}]}, "dies", "must be a number"),
        ({"memory": [{"type": "gddr6", "gb": 24}]}, "memory", "memory[0].type 'gddr6'"),
        ({"memory": [{"type": "hbm", "gb": 0}]}, "memory", "greater than zero"),
        ({"aliases": ["x", " X "]}, "aliases", "repeats"),
        ({"aliases": "TA 1"}, "aliases", "must be a list"),
        ({"dies": [], "memory": []}, "dies", "at least one die"),
        ({"platform_kgco2e": D("10")}, "platform_source", "cite the source"),
    ],
)
def test_json_shapes_are_checked_strictly_naming_the_field_and_value(
    hardware_2026, changes, field, text
):
    with pytest.raises(ValidationError) as error:
        hardware_spec_create(actor=system_user(), **_spec_fields(**changes))
    assert field in error.value.message_dict
    assert text in " ".join(error.value.message_dict[field])
    assert not HardwareSpec.objects.exists()


@pytest.mark.django_db
def test_no_alias_may_collide_with_another_specs_name_or_alias(hardware_2026):
    hardware_spec_create(actor=system_user(), **_spec_fields())
    with pytest.raises(ValidationError) as error:
        hardware_spec_create(actor=system_user(), **_spec_fields(name="Another", aliases=["ta-1"]))
    assert "'ta-1' already names hardware spec 'Test accelerator'" in str(error.value)
    with pytest.raises(ValidationError, match="already names"):
        hardware_spec_create(actor=system_user(), **_spec_fields(name="TA_1", aliases=[]))


@pytest.mark.django_db
def test_a_spec_is_saved_with_history_and_an_audit_event(hardware_2026):
    analyst = UserFactory(username="ana", is_staff=True)
    spec = hardware_spec_create(
        actor=analyst,
        reason="new product",
        **_spec_fields(dies=[{"area_mm2": 100, "node": "7 NM", "count": 1}]),
    )
    assert spec.dies == [{"area_mm2": 100, "node": "7nm", "count": 1}]
    record = spec.history.get()
    assert record.history_user == analyst and record.history_change_reason == "new product"
    assert AuditEvent.objects.filter(target_id=str(spec.pk), verb="created").exists()


# --- the CSV import ------------------------------------------------------------------------------

HEADER = (
    "name,aliases,kind,dies,memory,storage_gb,mass_kg,platform_kgco2e,boundary,source,"
    "source_url,notes\n"
)


def _spec_file(tmp_path, *rows: str) -> Path:
    path = tmp_path / "specs.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


GOOD = (
    "Chip A,A1|A-one,accelerator,8 x 115.5mm2@5nm + 370mm2@7nm,192GB HBM3,,,,b,s,https://e.org/a,"
)


@pytest.mark.django_db
def test_the_csv_import_creates_specs_in_the_documented_cell_syntax(hardware_2026, tmp_path):
    result = hardware_specs_import(actor=system_user(), path=_spec_file(tmp_path, GOOD))
    assert result.created == ["Chip A"]
    spec = HardwareSpec.objects.get()
    assert spec.aliases == ["A1", "A-one"]
    assert spec.dies == [
        {"area_mm2": 115.5, "node": "5nm", "count": 8},
        {"area_mm2": 370, "node": "7nm", "count": 1},
    ]
    assert spec.memory == [{"type": "hbm", "gb": 192}]
    # Importing the same file again changes nothing.
    again = hardware_specs_import(actor=system_user(), path=_spec_file(tmp_path, GOOD))
    assert again.unchanged == ["Chip A"] and spec.history.count() == 1


@pytest.mark.django_db
def test_csv_errors_name_the_line_and_column_and_nothing_is_stored(hardware_2026, tmp_path):
    path = _spec_file(
        tmp_path,
        GOOD,
        "Chip B,,accelerator,814mm@5nm,80GB HBM3,,,,b,s,https://e.org/b,",
        "Chip C,,accelerator,100mm2@5nm,24GB GDDR6,-1,,,b,s,https://e.org/c,",
        "Chip D,,accelerator,100mm2@4n,,,,,b,s,https://e.org/d,",
        "Chip E,A1,accelerator,100mm2@5nm,,,,,b,,,",
    )
    with pytest.raises(SpecFileError) as error:
        hardware_specs_import(actor=system_user(), path=path)

    found = {(e.line, e.column) for e in error.value.errors}
    assert {
        (3, "dies"),
        (4, "memory"),
        (4, "storage_gb"),
        (6, "source"),
        (6, "source_url"),
    } <= found
    messages = [str(e) for e in error.value.errors]
    assert any("line 3, column 'dies', value '814mm@5nm'" in m for m in messages)
    assert any("unknown memory type 'GDDR6'" in m for m in messages)
    assert any("must not be negative" in m for m in messages)
    assert not HardwareSpec.objects.exists()


@pytest.mark.django_db
def test_rows_failing_the_services_rules_are_reported_by_line_and_roll_back(
    hardware_2026, tmp_path
):
    path = _spec_file(
        tmp_path,
        GOOD,
        "Chip D,,accelerator,100mm2@4n,,,,,b,s,https://e.org/d,",
        "Chip E,a one,accelerator,100mm2@5nm,,,,,b,s,https://e.org/e,",
    )
    with pytest.raises(SpecFileError) as error:
        hardware_specs_import(actor=system_user(), path=path)
    by_line = {(e.line, e.column): e.rule for e in error.value.errors}
    assert (
        "'4n' is not a process node with ACT parameters in hardware 2026.1" in by_line[(3, "dies")]
    )
    assert "already names hardware spec 'Chip A'" in by_line[(4, "aliases")]
    assert not HardwareSpec.objects.exists()


@pytest.mark.django_db
def test_the_command_reports_errors_safely(hardware_2026, tmp_path):
    bad = _spec_file(tmp_path, "Chip X,,accelerator,=HYPERLINK(1),,,,,b,s,https://e.org/x,")
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match=r"Nothing was imported from specs\.csv"):
        call_command("import_hardware_specs", str(bad), "--report", str(report))
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert rows[0] == ["line", "column", "value", "rule"]
    assert rows[1][:3] == ["2", "dies", "'=HYPERLINK(1)"]  # a spreadsheet shows it as text

    out = StringIO()
    call_command("import_hardware_specs", str(_spec_file(tmp_path, GOOD)), stdout=out)
    assert "1 specs created" in out.getvalue()


@pytest.mark.django_db
def test_hostile_files_are_refused_before_parsing(hardware_2026, tmp_path, monkeypatch):
    binary = tmp_path / "specs.csv"
    binary.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(SpecFileError, match="not CSV text"):
        hardware_specs_import(actor=system_user(), path=binary)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(HEADER.encode("utf-16"))
    with pytest.raises(SpecFileError, match="UTF-16"):
        hardware_specs_import(actor=system_user(), path=utf16)
    monkeypatch.setattr("scope3.importers.hardware_specs.MAX_FILE_BYTES", 10)
    with pytest.raises(SpecFileError, match="limit"):
        hardware_specs_import(actor=system_user(), path=_spec_file(tmp_path, GOOD))
    assert not HardwareSpec.objects.exists()


# --- admin and API -------------------------------------------------------------------------------


@pytest.fixture
def spec(hardware_2026):
    return hardware_spec_create(
        actor=system_user(), **_spec_fields(notes="<script>alert(1)</script>")
    )


def test_analysts_add_specs_in_the_admin_in_cell_syntax(client_for, analyst, hardware_2026):
    client = client_for(analyst)
    url = reverse("admin:scope3_hardwarespec_add")
    assert client.get(url).status_code == 200
    form = {
        "name": "Admin chip",
        "aliases_text": "AC|A-C 2",
        "kind": "accelerator",
        "dies_text": "2 x 100mm2@7nm",
        "memory_text": "24GB HBM3",
        "storage_gb": "0",
        "boundary": "die and memory",
        "source": "datasheet",
        "source_url": "https://example.org/ac",
    }
    bad = client.post(url, {**form, "dies_text": "2 x 100mm2@4n"})
    assert bad.status_code == 200
    assert "not a process node with ACT parameters" in bad.content.decode()
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    spec = HardwareSpec.objects.get(name="Admin chip")
    assert spec.dies == [{"area_mm2": 100, "node": "7nm", "count": 2}]
    assert spec.history.get().history_user == analyst


def test_the_admin_page_shows_the_estimate_and_escapes_html(client_for, analyst, spec):
    page = client_for(analyst).get(reverse("admin:scope3_hardwarespec_change", args=[spec.pk]))
    body = page.content.decode()
    # 1.00 cm² * 2.02845 kg/cm² ÷ 0.875 = 2.318 kg; 16 GB * 0.065 = 1.040 kg; total 3.358 kg
    assert "2.318 kg CO2e" in body and "3.358 kg CO2e" in body
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_auditors_read_specs_but_cannot_change_them(client_for, auditor, spec):
    client = client_for(auditor)
    assert client.get(reverse("admin:scope3_hardwarespec_changelist")).status_code == 200
    assert client.get(reverse("admin:scope3_hardwarespec_add")).status_code == 403
    response = client.post(
        reverse("admin:scope3_hardwarespec_change", args=[spec.pk]), {"name": "x"}
    )
    assert response.status_code == 403
    assert client.get(API).status_code == 200
    created = client.post(API, _spec_fields(name="Z"), content_type="application/json")
    assert created.status_code == 403


def test_the_api_lists_specs_with_estimates_and_analysts_write(client_for, analyst, spec):
    client = client_for(analyst)
    body = client.get(API).json()
    row = body["results"][0]
    assert row["name"] == "Test accelerator"
    assert row["estimate"]["dataset"] == "hardware 2026.1"
    assert row["estimate"]["total_kgco2e"] == "3.358"
    created = client.post(
        API,
        _spec_fields(name="API chip", aliases=["apic"]),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    refused = client.patch(
        f"{API}{created.json()['id']}/",
        {"dies": [{"area_mm2": 10, "node": "4n", "count": 1}]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "not a process node" in json.dumps(refused.json()["dies"])


def test_vendor_users_and_staff_without_permission_get_403(
    client_for, member, outsider, spec, client
):
    for user in (member, outsider):
        for path in (API, f"{API}{spec.pk}/", f"{API}999999/"):
            assert client_for(user).get(path).status_code == 403
    clerk = UserFactory(username="clerk", is_staff=True)
    assert client_for(clerk).get(API).status_code == 403


def test_anonymous_users_are_refused(client, spec):
    assert client.get(API).status_code in {401, 403}


def test_the_api_list_costs_the_same_queries_at_two_sizes(client_for, officer, spec):
    client = client_for(officer)
    client.get(API)
    with CaptureQueriesContext(connection) as small:
        assert client.get(API).status_code == 200
    for n in range(5):
        hardware_spec_create(
            actor=system_user(), **_spec_fields(name=f"Chip {n}", aliases=[f"c{n}"])
        )
    with CaptureQueriesContext(connection) as large:
        assert client.get(API).json()["count"] == 6
    assert len(small) == len(large)


def test_the_spec_and_vocabulary_engine_loads_with_frameworks_blocked():
    # STYLE.md: scope3/engine is pure Python; the new modules must not pull Django in.
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"django", "rest_framework", "celery"}:
                    raise ImportError("blocked: " + name)
                return None

        sys.meta_path.insert(0, Block())
        from scope3.engine.hardware import spec_embodied, SpecIndex
        from scope3.engine.vocabulary import Vocabulary
        print(Vocabulary([("hardware", "GPU", "gpu_a100_bloom")]).resolve("hardware", "gpu"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "gpu_a100_bloom"


@pytest.mark.django_db
def test_a_runs_plan_feeds_its_pinned_specs_and_vocabulary_to_the_engine():
    from scope3.models import InventoryRun

    call_command("import_factors", "--starter-pack", stdout=StringIO())
    hardware = FactorDataset.objects.get(kind="hardware", version="2026.1")
    run = InventoryRun.objects.create(
        reporting_year=2025,
        started_by=system_user(),
        plan={
            "hardware_specs": adapters.hardware_specs_snapshot(hardware),
            "vocabulary": adapters.vocabulary_snapshot(),
        },
    )
    run.datasets.add(hardware)
    context = adapters.run_inputs(run).context
    assert context.hardware_spec("H100-SXM5").total_kgco2e == D("27.813")
    assert context.vocabulary.resolve("hardware", "GPU") == "gpu_a100_bloom"
