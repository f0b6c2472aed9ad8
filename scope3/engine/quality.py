"""Data quality of a line from the GHG Protocol's five data quality indicators.

Source: GHG Protocol *Corporate Value Chain (Scope 3) Accounting and Reporting Standard*
(WRI/WBCSD, 2011), chapter 7, section 7.3 "Guidance for selecting data", subsection "Data
quality". **Table 7.6** ("Data quality indicators") defines the five indicators:

* technological representativeness: "the degree to which the data set reflects the actual
  technology(ies) used";
* temporal representativeness: "... the actual time (e.g., year) or age of the activity";
* geographical representativeness: "... the actual geographic location of the activity (e.g.,
  country or site)";
* completeness: "the degree to which the data is statistically representative of the relevant
  activity" (share of sites, seasonal and other normal fluctuations);
* reliability: "the degree to which the sources, data collection methods and verification
  procedures used to obtain the data are dependable".

**Box 7.2** ("Example of criteria to evaluate the data quality indicators", next to Table 7.6)
grades each indicator *very good / good / fair / poor*; both are adapted from Weidema and Wesnæs,
"Data quality management for life cycle inventories", J. Cleaner Production 4 (3-4), 1996.
The standard leaves the method of applying them to the company ("companies should determine the
most useful method"); this module is Tenderleaf's method, on the 1 (best) .. 5 (worst) scale of
docs/method.md, section 5:

====  ==========  ==================================================================
 1    very good   Box 7.2's "very good"
 2    good        Box 7.2's "good"
 3    fair        Box 7.2's "fair"
 4    poor        Box 7.2's "poor" for what is *known* to be unrepresentative
 5    not known   what Box 7.2 folds into "poor" because it is unknown (the age of the
                  data, the area, the technology); kept apart so that a missing country
                  or year is visible and fixable rather than hidden among poor scores
====  ==========  ==================================================================

Temporal (Box 7.2): "less than 3 years of difference" very good, "less than 6 years" good,
"less than 10 years" fair, "more than 10 years" poor (exactly 10 is poor here), unknown 5.

Geographical (Box 7.2: "same area" very good, "a similar area" good, "a different area" fair,
"an area that is unknown" poor): same country 1; same macro-region (:data:`MACRO_REGIONS`) 2; a
global average 3; a different region 4; unknown 5. The global average takes the middle step
because it contains the activity's country but is not a similar area; a specific other region
(a US factor for a Taiwanese purchase) is therefore one step below Box 7.2's "fair".

The other three indicators depend on the method and the source, not on arithmetic: see
:data:`TECHNOLOGY`, :data:`COMPLETENESS` and :data:`RELIABILITY`.

No Django import: dataclasses and integers in, integers out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_EVEN, Decimal

BEST = 1
WORST = 5
DQ_QUANTUM = Decimal("0.1")

# --- method and source constants (Box 7.2 wording in quotes) --------------------------------------

TECHNOLOGY: dict[str, int] = {
    "supplier_specific": 1,
    "hybrid": 2,
    "average_data_spec": 2,
    "average_data": 3,
    "spend_based": 4,
    "spend_based_vendor_naics": 5,
}
"""Technological representativeness by method.

==========================  =====  ==============================================================
method                      score  why (Box 7.2)
==========================  =====  ==============================================================
supplier_specific           1      the product's own footprint: "data generated using the same
                                   technology"
hybrid                      2      the supplier's own Scope 1, 2 and upstream emissions shared by
                                   revenue: its technology, but averaged over all its products,
                                   "a similar but different technology"
average_data_spec           2      modelled from the purchased unit's own specification (dies,
                                   node, memory): "similar but different technology"
average_data                3      a per-unit figure for the class (one GPU, one server, one
                                   tonne-km): another model or generation, "a different
                                   technology"
spend_based                 4      an EEIO factor per dollar of a whole NAICS industry, a
                                   money-weighted mix that describes no one technology, let
                                   alone the item's: read as "poor" (the item's "technology is
                                   unknown") rather than "a different technology"
spend_based_vendor_naics    5      as spend_based, and even the industry is only the vendor's
                                   default, not the line's: not known
==========================  =====  ==============================================================
"""

COMPLETENESS: dict[str, int] = {
    "supplier_specific": 1,
    "hybrid_complete": 2,
    "hybrid_filled": 3,
    "average_data": 3,
    "spend_based": 3,
}
"""Completeness by method.

==========================  =====  ==============================================================
method                      score  why (Box 7.2)
==========================  =====  ==============================================================
supplier_specific           1      a footprint of the product itself: "data from all relevant
                                   sites over an adequate time period"
hybrid_complete             2      a corporate disclosure covering Scope 1, 2 and upstream
                                   Scope 3 for the period, allocated by revenue: "more than 50
                                   percent of sites for an adequate time period"
hybrid_filled               3      Scope 1 and 2 from the supplier, upstream filled from
                                   secondary data: the primary part covers only part of the
                                   activity, "fair"
average_data                3      published averages whose coverage of the supplier's sites is
                                   not known to be complete: "fair"
spend_based                 3      national industry averages, same reasoning: "fair"
==========================  =====  ==============================================================

``hybrid_filled`` is for a disclosure that qualifies only with an upstream fill from secondary
data (docs/method.md, "Hybrid").
"""

RELIABILITY: dict[str, int] = {
    "verified_primary": 1,
    "unverified_primary": 2,
    "published_secondary": 3,
    "secondary_tabulation": 4,
}
"""Reliability by source.

==========================  =====  ==============================================================
source                      score  why (Box 7.2)
==========================  =====  ==============================================================
verified_primary            1      assured supplier data: "verified data based on measurements"
unverified_primary          2      the supplier's data without assurance: "non-verified data
                                   based on measurements"
published_secondary         3      a factor published by a government body or in a reviewed
                                   publication (EPA, DESNZ, a journal): modelled, partly on
                                   assumptions, "a qualified estimate"
secondary_tabulation        4      a figure known only from a secondary source quoting it, whose
                                   qualification cannot be traced: "non-qualified estimate"
==========================  =====  ==============================================================
"""

# --- regions --------------------------------------------------------------------------------------


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EU27 = _codes("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE")
MACRO_REGIONS: dict[str, frozenset[str]] = {
    "NORTH_AMERICA": _codes("US CA MX"),
    # EU-27, the rest of the EEA (Iceland, Liechtenstein, Norway), the United Kingdom and
    # Switzerland: one market with closely linked electricity grids and supply chains.
    "EUROPE": _EU27 | _codes("IS LI NO GB CH"),
    "EAST_ASIA": _codes("CN HK MO TW JP KR MN"),
    # ASEAN members and Timor-Leste.
    "SOUTH_EAST_ASIA": _codes("BN KH ID LA MY MM PH SG TH VN TL"),
    # SAARC members.
    "SOUTH_ASIA": _codes("AF BD BT IN MV NP PK LK"),
    # Central and South America and the Caribbean (Mexico is counted in North America).
    "LATIN_AMERICA": _codes(
        "AG AR BS BB BZ BO BR CL CO CR CU DM DO EC SV GD GT GY HT HN JM NI PA PY PE KN LC VC "
        "SR TT UY VE"
    ),
    "MIDDLE_EAST_NORTH_AFRICA": _codes(
        "DZ BH DJ EG IR IQ IL JO KW LB LY MA OM PS QA SA SY TN AE YE"
    ),
    "SUB_SAHARAN_AFRICA": _codes(
        "AO BJ BW BF BI CV CM CF TD KM CD CG CI GQ ER SZ ET GA GM GH GN GW KE LS LR MG MW ML MR "
        "MU MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG UG ZM ZW"
    ),
    "OCEANIA": _codes("AU NZ FJ PG SB VU WS TO KI TV NR FM MH PW"),
}
"""Macro-regions for "a similar area" (Box 7.2 "good"). A country in none of them (Russia,
Turkey, Ukraine, Central Asia, ...) is only ever the same country (1) or a different area (4)."""

GLOBAL_REGIONS = frozenset({"", "GLO", "GLOBAL", "WORLD", "WLD"})
"""Labels a factor dataset uses for a global average (``DatasetRef.region`` may be empty)."""

# Other spellings of a region a factor dataset may use.
_REGION_ALIASES = {
    "UK": "GB",  # ISO 3166-1 reserves UK; the code is GB
    "EL": "GR",  # the EU's code for Greece
    "EU": "EUROPE",
    "EU27": "EUROPE",
    "EU-27": "EUROPE",
    "EEA": "EUROPE",
    "RER": "EUROPE",  # ecoinvent's Europe
    "RNA": "NORTH_AMERICA",  # ecoinvent's North America
    "RLA": "LATIN_AMERICA",  # ecoinvent's Latin America and the Caribbean
}
_COUNTRY_REGION = {
    country: region for region, countries in MACRO_REGIONS.items() for country in countries
}


def _normalise(label: str | None) -> str:
    """Upper-case, without a trailing remark: ``"UK (international for air and sea)"`` -> GB."""
    text = (label or "").split("(", 1)[0].strip().upper().replace(" ", "_")
    return _REGION_ALIASES.get(text, text)


def _is_country(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha()


# --- scores ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DqScores:
    """The five indicator scores of one line, each 1 (very good) .. 5 (not known)."""

    technological: int
    temporal: int
    geographical: int
    completeness: int
    reliability: int

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or not BEST <= value <= WORST:
                raise ValueError(
                    f"{field.name} data-quality score must be an integer from {BEST} to {WORST}, "
                    f"not {value!r}"
                )

    @property
    def combined(self) -> int:
        """The line's DQ: the mean of the five scores rounded *up* to a whole score.

        The standard gives no formula for combining the indicators; Tenderleaf takes the
        unweighted mean (Table 7.6 ranks no indicator above another) and rounds it towards
        "worse", so a line's DQ is never better than its indicators are on average:
        4, 2, 4, 3, 3 average 3.2 and give 4, not 3. Only five "very good" indicators give 1.
        """
        return -(-self.total // 5)

    @property
    def total(self) -> int:
        return (
            self.technological
            + self.temporal
            + self.geographical
            + self.completeness
            + self.reliability
        )

    def code(self) -> str:
        """The five scores as five digits in the order of Table 7.6, for storage: ``"42433"``."""
        return (
            f"{self.technological}{self.temporal}{self.geographical}"
            f"{self.completeness}{self.reliability}"
        )

    @classmethod
    def from_code(cls, code: str) -> DqScores | None:
        """Read :meth:`code` back; None if it is not five digits from 1 to 5."""
        code = (code or "").strip()
        if len(code) != 5 or not code.isascii() or not code.isdigit():
            return None
        digits = [int(char) for char in code]
        if not all(BEST <= digit <= WORST for digit in digits):
            return None
        return cls(*digits)


def temporal_score(activity_year: int, data_year: int | None) -> int:
    """Temporal representativeness of data describing ``data_year`` for an activity in
    ``activity_year`` (Box 7.2: less than 3 / 6 / 10 years of difference, else poor; 5 when the
    data's year is not known). The difference counts either way: data newer than the activity
    is as unrepresentative of it as older data."""
    if data_year is None:
        return WORST
    difference = abs(activity_year - data_year)
    if difference < 3:
        return 1
    if difference < 6:
        return 2
    if difference < 10:
        return 3
    return 4


def geographical_score(activity_country: str | None, data_region: str | None) -> int:
    """Geographical representativeness of data for ``data_region`` for an activity in
    ``activity_country`` (ISO 3166-1 alpha-2, the supplier's country).

    ``data_region`` is the factor's region: a country code (``"US"``), a key of
    :data:`MACRO_REGIONS` or one of its aliases (``"EU"``, ``"RER"``), or a global average
    (:data:`GLOBAL_REGIONS`, including empty). Same country 1; same macro-region 2; global
    average 3; a different country or region 4; the activity's country not known, or a region
    label that names no known area, 5.
    """
    country = _normalise(activity_country)
    if not _is_country(country):
        return WORST
    region = _normalise(data_region)
    if region in GLOBAL_REGIONS:
        return 3
    if region == country:
        return 1
    own_region = _COUNTRY_REGION.get(country)
    if region in MACRO_REGIONS:
        return 2 if region == own_region else 4
    if _is_country(region):
        return 2 if own_region is not None and _COUNTRY_REGION.get(region) == own_region else 4
    return WORST


def line_scores(
    *,
    method: str,
    technology: int,
    activity_year: int,
    data_year: int | None,
    activity_country: str | None,
    data_region: str | None,
    completeness: int,
    reliability: int,
) -> DqScores:
    """The five scores of one line; ``method`` only names the line's method in an error."""
    try:
        return DqScores(
            technological=technology,
            temporal=temporal_score(activity_year, data_year),
            geographical=geographical_score(activity_country, data_region),
            completeness=completeness,
            reliability=reliability,
        )
    except ValueError as exc:
        raise ValueError(f"{method}: {exc}") from exc


def weighted_dq(pairs: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """Emissions-weighted mean DQ of a total: ``Σ |kg|·dq / Σ |kg|``, to 0.1 (half-even).

    Weights are absolute, so a credit note still counts for the quality of the data it used
    (a purchase and its full credit note keep their DQ rather than cancelling to no weight).
    Pairs whose DQ is None (unaccounted lines) are skipped; None when no weight is left.
    """
    weight = Decimal(0)
    weighted = Decimal(0)
    for kgco2e, dq in pairs:
        if dq is None:
            continue
        magnitude = abs(Decimal(kgco2e))
        weight += magnitude
        weighted += magnitude * dq
    if not weight:
        return None
    return (weighted / weight).quantize(DQ_QUANTUM, ROUND_HALF_EVEN)
