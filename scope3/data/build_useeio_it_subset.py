"""Rebuild ``useeio_it_subset_v1.3.0.csv`` from the EPA file, so its values are copied, not typed.

    .venv/bin/python scope3/data/build_useeio_it_subset.py \
        PATH/TO/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv

The EPA file and its sha256 are named in scope3/data/README.md.

scope3/tests/test_curated_pack.py checks every value of the shipped subset against the EPA file
whenever that file is present, so a hand edit of the subset fails the tests.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "useeio_it_subset_v1.3.0.csv"
EPA_FILE_NAME = "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
EPA_SHA256 = "c7f508646ee091cb2218be65dec0e2bdb6143ba8511773d486c9e87f6df84177"
DOI_URL = "https://doi.org/10.23719/1531143"

# 2017 NAICS-6 codes an IT / AI hardware buyer meets in a purchase ledger.
CODES = [
    # hardware and components
    "334111",  # electronic computers (servers)
    "334112",  # computer storage devices
    "334118",  # computer terminals and peripherals
    "334210",  # telephone apparatus
    "334220",  # radio, broadcasting and wireless communications equipment
    "334290",  # other communications equipment (network gear)
    "334412",  # bare printed circuit boards
    "334413",  # semiconductors (GPUs, accelerators, CPUs, memory)
    "334416",  # capacitors, resistors, coils, transformers
    "334417",  # electronic connectors
    "334418",  # printed circuit assemblies
    "334419",  # other electronic components
    "335911",  # storage batteries (UPS)
    "335313",  # switchgear and switchboards (data-centre power)
    "335921",  # fibre optic cable
    "335929",  # other communication and energy wire
    "333415",  # air-conditioning and refrigeration equipment (cooling)
    "423430",  # computer and software merchant wholesalers (resellers)
    # software, cloud and IT services
    "511210",  # software publishers
    "518210",  # data processing, hosting and related services (cloud, colocation)
    "519130",  # internet publishing and web search portals
    "517311",  # wired telecommunications carriers
    "517312",  # wireless telecommunications carriers
    "532420",  # office machinery and equipment rental and leasing
    "541511",  # custom computer programming
    "541512",  # computer systems design
    "541513",  # computer facilities management
    "541519",  # other computer related services
    "541611",  # management consulting
    "541690",  # other scientific and technical consulting
    "811212",  # computer and office machine repair and maintenance
    # freight and warehousing
    "481112",  # scheduled freight air transportation
    "482111",  # line-haul railroads
    "483111",  # deep sea freight transportation
    "484110",  # general freight trucking, local
    "484121",  # general freight trucking, long-distance, truckload
    "484122",  # general freight trucking, long-distance, less than truckload
    "492110",  # couriers and express delivery
    "493110",  # general warehousing and storage
    # waste services
    "562111",  # solid waste collection
    "562112",  # hazardous waste collection
    "562211",  # hazardous waste treatment and disposal
    "562212",  # solid waste landfill
    "562213",  # solid waste combustors and incinerators
    "562920",  # materials recovery facilities
]

NOTES = (
    "# notes: Values copied by scope3/data/build_useeio_it_subset.py from "
    f"{EPA_FILE_NAME} (sha256 {EPA_SHA256}). Import the full EPA file with "
    "import_factors --kind useeio for every other code."
)
PREAMBLE = f"""\
# kind: useeio
# name: Tenderleaf IT and AI spend subset of US EPA Supply Chain GHG Emission Factors v1.3.0
# version: 1.3.0-it.1
# publisher: US Environmental Protection Agency (values); subset selected by the Tenderleaf project
# source_url: {DOI_URL}
# doi: 10.23719/1531143
# licence: US federal government work, public domain
# unit: kg CO2e/2022 USD, purchaser price
# currency: USD
# gwp_basis: AR5 GWP-100
# region: US
{NOTES}
"""
HEADER = [
    "code",
    "title",
    "value",
    "value_without_margins",
    "margins",
    "unit",
    "source",
    "source_url",
    "notes",
]


def build(epa_path: Path, output: Path = OUTPUT) -> int:
    with epa_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["2017 NAICS Code"]: row for row in csv.DictReader(handle)}
    missing = [code for code in CODES if code not in rows]
    if missing:
        raise SystemExit(f"codes not in {epa_path.name}: {', '.join(missing)}")
    with output.open("w", encoding="utf-8", newline="") as out:
        out.write(PREAMBLE)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for code in CODES:
            row = rows[code]
            writer.writerow(
                [
                    code,
                    row["2017 NAICS Title"],
                    row["Supply Chain Emission Factors with Margins"],
                    row["Supply Chain Emission Factors without Margins"],
                    row["Margins of Supply Chain Emission Factors"],
                    row["Unit"],
                    "US EPA, Supply Chain GHG Emission Factors for US Industries and Commodities "
                    f"v1.3.0 (USEEIO v2.2), {EPA_FILE_NAME}, row for NAICS {code}, column "
                    "'Supply Chain Emission Factors with Margins'",
                    DOI_URL,
                    f"Reference USEEIO code {row['Reference USEEIO Code']}",
                ]
            )
    return len(CODES)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    count = build(Path(sys.argv[1]))
    print(f"wrote {count} rows to {OUTPUT}")
