"""ACT-style embodied carbon of hardware (Gupta et al., ISCA 2022), worked by hand."""

from decimal import Decimal as D

import pytest

from scope3.engine import embodied_kgco2e

ACCELERATOR = {
    "die_area_cm2": D("8"),
    "carbon_per_cm2_kg": D("2.5"),  # test value for the node; the curated table supplies real ones
    "memory_gb": D("80"),
    "kg_per_gb_dram": D("0.3"),
    "storage_gb": D("0"),
    "kg_per_gb_storage": D("0.1"),
    "platform_kg": D("100"),
}


def test_embodied_carbon_of_an_accelerator():
    # Processor: 8 cm² * 2.5 kg/cm² / 0.8 yield = 25 kg. Memory: 80 GB * 0.3 kg/GB = 24 kg.
    # Storage: 0 GB = 0 kg. Packaging 0.15 kg. Platform 100 kg. Total 25 + 24 + 0 + 0.15 + 100
    # = 149.15 kg.
    breakdown = embodied_kgco2e(**ACCELERATOR, fab_yield=D("0.8"), packaging_kg=D("0.15"))

    assert breakdown.processor_kgco2e == D("25.000")
    assert breakdown.memory_kgco2e == D("24.000")
    assert breakdown.storage_kgco2e == D("0.000")
    assert breakdown.packaging_kgco2e == D("0.150")
    assert breakdown.platform_kgco2e == D("100.000")
    assert breakdown.total_kgco2e == D("149.150")


def test_embodied_carbon_of_a_server_with_storage():
    # No yield loss given: processor 4 cm² * 1.2 = 4.8 kg; memory 512 GB * 0.25 = 128 kg;
    # storage 3,840 GB * 0.03 = 115.2 kg; platform 400 kg -> 648 kg.
    breakdown = embodied_kgco2e(
        die_area_cm2=D("4"),
        carbon_per_cm2_kg=D("1.2"),
        memory_gb=D("512"),
        kg_per_gb_dram=D("0.25"),
        storage_gb=D("3840"),
        kg_per_gb_storage=D("0.03"),
        platform_kg=D("400"),
    )

    assert breakdown.total_kgco2e == D("648.000")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"die_area_cm2": D("-1")}, "die_area_cm2"),
        ({"kg_per_gb_dram": D("NaN")}, "kg_per_gb_dram"),
        ({"fab_yield": D("0")}, "fab_yield"),
        ({"fab_yield": D("1.2")}, "fab_yield"),
    ],
)
def test_embodied_carbon_refuses_impossible_parameters(override, message):
    with pytest.raises(ValueError, match=message):
        embodied_kgco2e(**{**ACCELERATOR, **override})
