"""The independent review's cases, as worked examples computed by hand (docs/method.md).

Engine cases first (no database), then one run over the shipped starter pack: the vocabulary
that ships maps "gpu" to a per-GPU factor, and a word nobody knows is named in the line's reason,
the import's batch and the run's summary, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from assurance.history import system_user
from scope3.engine import (
    AverageFactor,
    AverageKind,
    DatasetRef,
    EstimationContext,
    FactorSet,
    Method,
    PriceIndex,
    SpendFactor,
    SpendLineInput,
    estimate_line,
)
from scope3.engine.hardware import (
    TIMES,
    ActParameters,
    DieSpec,
    HardwareSpecInput,
    spec_embodied,
)
from scope3.engine.vocabulary import Vocabulary

FACTORS = FactorSet(
    spend=DatasetRef(key="useeio", version="1.3.0", region="US", reference_year=2022),
    hardware=DatasetRef(key="hardware", version="2026.1", region="GLO", reference_year=2025),
    waste=DatasetRef(key="waste", version="2025.1", region="GB", reference_year=2025),
)
SPEND = [
    SpendFactor(
        dataset_key="useeio",
        code="334413",
        kgco2e_per_unit=D("0.215"),
        currency="USD",
        dollar_year=2022,
    )
]
AVERAGE = [
    AverageFactor(
        dataset_key="hardware",
        kind=AverageKind.HARDWARE,
        code="gpu_a100_bloom",
        kgco2e_per_unit=D("150"),
        unit="unit",
        source="Luccioni et al. 2023, a lower bound cited from another source",
    ),
    AverageFactor(
        dataset_key="waste",
        kind=AverageKind.WASTE,
        code="weee-recycling",
        kgco2e_per_unit=D("21.28"),
        unit="tonne",
    ),
]
# A US GDP deflator with the two years the DQ example needs: 2017 = 100, 2022 = 118.023.
PRICES = PriceIndex(values={2017: D("100"), 2022: D("118.023")}, currency="USD")
# An H100-class board: one 814 mm² die at 5 nm and 80 GB of HBM, ACT parameters for 5 nm
# (2.43075 kg CO2e per cm², yield 0.875) and 0.065 kg per GB of HBM.
H100_CLASS = spec_embodied(
    HardwareSpecInput(
        spec_id=1,
        name="Test H100-class SXM 80GB",
        aliases=("h100 sxm",),
        dies=(DieSpec(D("8.14"), "5nm"),),
        memory=(("hbm", D("80")),),
        source="test spec",
    ),
    ActParameters(
        carbon_per_cm2_by_node={"5nm": D("2.43075")},
        yield_by_node={"5nm": D("0.875")},
        kg_per_gb_by_memory={"hbm": D("0.065")},
        dataset_label="hardware 2026.1",
    ),
)
VOCABULARY = Vocabulary(
    [
        ("hardware", "gpu", "gpu_a100_bloom"),
        ("waste_treatment", "recycling", "weee-recycling"),
    ]
)


def context():
    return EstimationContext(
        factor_set=FACTORS,
        spend_factors=SPEND,
        average_factors=AVERAGE,
        price_index=PRICES,
        hardware_specs=[H100_CLASS],
        vocabulary=VOCABULARY,
    )


def line(**fields):
    values = {
        "line_id": 1,
        "external_id": "L1",
        "vendor_id": 7,
        "date": dt.date(2022, 6, 1),
        "amount": D("10000"),
        "currency": "USD",
        "naics": "334413",
        "country": "US",
        **fields,
    }
    return SpendLineInput(**values)


def test_an_h100_class_board_from_its_spec_shows_every_term():
    # die:    8.14 cm² * 2.43075 kg/cm² / 0.875 = 19.7863050 / 0.875 = 22.6129200 -> 22.613 kg
    # memory: 80 GB * 0.065 kg/GB = 5.200 kg
    # total per board 22.613 + 5.200 = 27.813 kg; 8 boards -> 222.504 kg, average-data.
    result = estimate_line(
        context(), line(hardware_class="H100  SXM", quantity=D("8"), unit="units")
    )

    assert result.method is Method.AVERAGE_DATA
    assert result.kgco2e == D("222.504")
    assert result.factor_kgco2e_per_unit == D("27.813")
    assert result.source_key == "spec:Test H100-class SXM 80GB"
    assert f"8.14 cm² {TIMES} 2.43075 kg/cm² (5nm) ÷ 0.875 yield = 22.613 kg" in result.reason
    assert f"80 GB HBM {TIMES} 0.065 kg/GB = 5.200 kg" in result.reason
    assert "total 27.813 kg per unit" in result.reason


def test_gpu_times_16_through_the_vocabulary():
    # "gpu" maps to gpu_a100_bloom (150 kg per GPU): 16 * 150 = 2,400 kg, average-data, not
    # spend-based (10,000 USD * 0.215 = 2,150 kg) as before.
    result = estimate_line(context(), line(hardware_class="GPU", quantity=D("16")))

    assert result.method is Method.AVERAGE_DATA
    assert result.kgco2e == D("2400.000")
    assert result.factor_code == "gpu_a100_bloom"
    assert "gpu_a100_bloom ('GPU')" in result.reason


def test_recycling_500_kg_through_the_vocabulary():
    # 500 kg = 0.5 t * 21.28 kg per tonne (WEEE recycling) = 10.640 kg.
    result = estimate_line(
        context(), line(waste_treatment="Recycling", weight_kg=D("500"), naics="562920")
    )

    assert result.method is Method.AVERAGE_DATA
    assert result.kgco2e == D("10.640")


def test_an_unknown_hardware_class_is_named_in_the_reason():
    # 'gpu-xl' is no factor code, spec or vocabulary word: the line falls to spend-based
    # (10,000 USD * 0.215 = 2,150 kg) and says why.
    result = estimate_line(context(), line(hardware_class="gpu-xl", quantity=D("16")))

    assert result.method is Method.SPEND_BASED
    assert result.kgco2e == D("2150.000")
    assert result.unknown_terms == ("hardware class 'gpu-xl'",)
    assert "hardware class 'gpu-xl' unknown" in result.reason


def test_data_quality_of_a_taiwanese_2017_purchase_on_us_2022_factors():
    # Both spend-based on the US EEIO factor of 2022 (technology 4, completeness 3,
    # reliability 3). US purchase of 2022: temporal 1, geography 1 -> 4,1,1,3,3: mean 2.4 -> 3.
    # Taiwanese purchase of 2017: 5 years apart -> temporal 2; Taiwan vs US -> geography 4:
    # 4,2,4,3,3: mean 3.2 -> 4.
    us = estimate_line(context(), line())
    taiwan = estimate_line(context(), line(date=dt.date(2017, 6, 1), country="TW"))

    assert (us.dq_indicators, us.dq) == ("41133", 3)
    assert (taiwan.dq_indicators, taiwan.dq) == ("42433", 4)
    scores = taiwan.dq_scores
    assert (scores.temporal, scores.geographical) == (2, 4)


# --- one run over the shipped starter pack ------------------------------------------------------


@pytest.mark.django_db
def test_the_shipped_vocabulary_and_an_unknown_word_in_a_run():
    from scope3.models import SpendLine
    from scope3.services import inventory_run_execute, inventory_run_start
    from scope3.tests import runs_support as support
    from vendors.tests.factories import VendorFactory

    call_command("import_factors", "--starter-pack", stdout=StringIO())
    vendor = VendorFactory(naics_code="334413")
    source = support.batch()
    lines = [
        support.line(
            source, 0, vendor=vendor, amount="40000", quantity=D(16), hardware_class="gpu"
        ),
        *(
            support.line(
                source, n, vendor=vendor, amount="1000", quantity=D(1), hardware_class="gpu-xl"
            )
            for n in range(1, 17)
        ),
    ]
    SpendLine.objects.bulk_create(lines)

    run = inventory_run_execute(
        run=inventory_run_start(actor=system_user(), year=2024, queue=False)
    )

    gpus = run.estimates.get(spend_line__external_id="L000000")
    # The shipped vocabulary: gpu -> gpu_a100_bloom, 150 kg per GPU: 16 * 150 = 2,400 kg.
    assert (gpus.method, gpus.factor_code, gpus.kgco2e) == (
        "average_data",
        "gpu_a100_bloom",
        D("2400.000"),
    )
    assert run.plan["summary"]["unknown_terms"] == [
        {"term": "hardware class 'gpu-xl'", "lines": 16}
    ]
    unknown = run.estimates.get(spend_line__external_id="L000001")
    assert unknown.method == "spend_based"
    assert "hardware class 'gpu-xl' unknown" in unknown.reason
