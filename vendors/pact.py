"""Reading PACT (WBCSD Pathfinder) product footprints, v2 and v3 field names (docs/domain.md,
"Vendor disclosure").

Pure: no database. :func:`pact_parse` takes a parsed JSON document (a single ProductFootprint or a
list response ``{"data": [...]}``) and returns the model field values of every footprint, or every
problem found, each named by its JSON path (``data[0].pcf.declaredUnit: required``). It never
raises on any JSON value.

Field definitions followed:

- v2: PACT Technical Specifications for PCF Data Exchange v2.x, section "CarbonFootprint":
  ``declaredUnit`` (a unit of measurement), ``unitaryProductAmount`` ("the amount of Declared Units
  contained within the product", strictly > 0), ``pCfExcludingBiogenic`` ("calculated per
  declared unit with unit kgCO2e / declaredUnit", >= 0).
- v3: PACT Technical Specifications v3.0 renamed these to ``declaredUnitOfMeasurement``,
  ``declaredUnitAmount`` and ``pcfExcludingBiogenicUptake`` (decision record ADR 0036 "Clarify
  product amount", wbcsd/data-exchange-protocol). In v3 the *declared unit* is, as in ISO 14067
  6.3.3, an amount: ``declaredUnitAmount`` of ``declaredUnitOfMeasurement`` (a 12 l bottle is
  12 liter), and the PCF is given for that whole declared unit (ADR 0036's example: v2 says
  1.5 kgCO2e per liter with unitaryProductAmount 12; v3 says 18 kgCO2e for declaredUnitAmount 12).

Tenderleaf stores ``pcf_excluding_biogenic_kgco2e`` per ONE unit of measurement (kgCO2e per liter,
per kilogram, per piece), so v2 and v3 footprints compare directly: the v2 value is stored as
given, the v3 value is divided by ``declaredUnitAmount`` (rounded to the field's 6 decimal places;
the raw document keeps the exact figures). ``declared_unit_amount`` is the amount in the product.
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

MAX_FOOTPRINTS = 1000
MAX_TEXT_CHARS = {"product_name": 300, "product_category_cpc": 20}
MAX_PRODUCT_IDS = 100
MAX_PRODUCT_ID_CHARS = 500

V2_UNITS = frozenset(
    {
        "liter",
        "kilogram",
        "cubic meter",
        "kilowatt hour",
        "megajoule",
        "ton kilometer",
        "square meter",
    }
)
V3_UNITS = V2_UNITS | {"piece", "hour", "megabit second"}
STATUSES = ("Active", "Deprecated")
DQR_NAMES = (
    "technologicalDQR",
    "temporalDQR",
    "geographicalDQR",
    "completenessDQR",
    "reliabilityDQR",
)

_SPEC_VERSION = re.compile(r"(\d{1,3})\.\d{1,3}\.\d{1,3}(?:-\d{8})?")
# The PACT Decimal type: a JSON string in plain decimal notation (no exponent, no NaN).
_DECIMAL = re.compile(r"[+-]?\d{1,30}(?:\.\d{1,30})?")
_UUID = re.compile(
    r"(?:urn:uuid:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)
_CPC_URN = re.compile(r"urn:pact:productclassification:un-cpc:(\S{1,20})", re.IGNORECASE)
_KG_PLACES = Decimal("0.000001")
_PCT_PLACES = Decimal("0.01")
_MAX_INTEGER_DIGITS = 14  # DecimalField(max_digits=20, decimal_places=6)


@dataclass(frozen=True)
class PactError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class ParsedFootprint:
    path: str
    fields: dict[str, Any]
    raw: dict


@dataclass
class PactParseResult:
    footprints: list[ParsedFootprint] = field(default_factory=list)
    errors: list[PactError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.footprints)


class _Invalid(Exception):
    pass


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _Reader:
    """Reads one footprint object, collecting errors with their paths."""

    def __init__(self, obj: dict, prefix: str, errors: list[PactError]):
        self.obj = obj
        self.prefix = prefix
        self.errors = errors
        self.failed = False

    def error(self, path: str, message: str) -> None:
        self.failed = True
        self.errors.append(PactError(path or "document", message))

    def get(self, container: dict, name: str, prefix: str, *, required: bool):
        path = _join(prefix, name)
        if name not in container or container[name] is None:
            if required:
                self.error(path, "required")
            raise _Invalid
        return container[name], path

    def text(self, container, name, prefix, *, required=True, non_empty=True, limit=None):
        try:
            value, path = self.get(container, name, prefix, required=required)
        except _Invalid:
            return ""
        if not isinstance(value, str):
            self.error(path, f"must be text, not {_describe(value)}")
            return ""
        if non_empty and not value.strip():
            self.error(path, "must not be empty")
            return ""
        if limit is not None and len(value) > limit:
            self.error(path, f"is longer than {limit} characters ({len(value)})")
            return ""
        return value

    def decimal(self, container, name, prefix, *, required=True, minimum=None, positive=False):
        """A PACT Decimal (a JSON string such as "1.63"); a finite JSON number is tolerated."""
        try:
            value, path = self.get(container, name, prefix, required=required)
        except _Invalid:
            return None
        rule = "a decimal string"
        if positive:
            rule += " > 0"
        elif minimum is not None:
            rule += f" >= {minimum}"
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(path, f'must be {rule} (e.g. "1.63"), not {_describe(value)}')
            return None
        if isinstance(value, float):
            if not math.isfinite(value):
                self.error(path, f'must be {rule} (e.g. "1.63"), not a non-finite number')
                return None
            text = repr(value)
            if "e" in text or "E" in text:
                text = format(Decimal(text), "f")
        else:
            text = str(value).strip()
        if not _DECIMAL.fullmatch(text):
            self.error(path, f'must be {rule} (e.g. "1.63"), not {_short(value)}')
            return None
        number = Decimal(text)
        if positive and number <= 0:
            self.error(path, f"must be {rule}")
            return None
        if minimum is not None and number < minimum:
            self.error(path, f"must be {rule}")
            return None
        if abs(number).adjusted() >= _MAX_INTEGER_DIGITS:
            self.error(
                path, f"is too large (at most {_MAX_INTEGER_DIGITS} digits before the point)"
            )
            return None
        return number

    def percent(self, container, name, prefix):
        number = self.decimal(container, name, prefix, required=False, minimum=0)
        if number is not None and number > 100:
            self.error(_join(prefix, name), "must be a percentage between 0 and 100")
            return None
        return number

    def moment(self, container, name, prefix):
        try:
            value, path = self.get(container, name, prefix, required=True)
        except _Invalid:
            return None
        rule = "must be an ISO 8601 date-time with a time zone (e.g. 2024-01-01T00:00:00Z)"
        if not isinstance(value, str) or len(value) > 40:
            self.error(path, rule)
            return None
        try:
            moment = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            self.error(path, rule)
            return None
        if moment.tzinfo is None:
            self.error(path, rule)
            return None
        return moment

    def mapping(self, container, name, prefix, *, required=False) -> dict | None:
        try:
            value, path = self.get(container, name, prefix, required=required)
        except _Invalid:
            return None
        if not isinstance(value, dict):
            self.error(path, f"must be an object, not {_describe(value)}")
            return None
        return value


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _footprint_read(obj, prefix: str, errors: list[PactError]) -> ParsedFootprint | None:
    if not isinstance(obj, dict):
        errors.append(
            PactError(
                prefix or "document", f"must be a ProductFootprint object, not {_describe(obj)}"
            )
        )
        return None
    r = _Reader(obj, prefix, errors)
    fields: dict[str, Any] = {}

    spec_version = r.text(obj, "specVersion", prefix)
    major = None
    if spec_version:
        match = _SPEC_VERSION.fullmatch(spec_version.strip())
        if not match:
            r.error(_join(prefix, "specVersion"), 'must be a version such as "2.0.0" or "3.0.0"')
        elif match.group(1) not in {"2", "3"}:
            r.error(
                _join(prefix, "specVersion"),
                f"version {spec_version} is not supported (2.x and 3.x are accepted)",
            )
        else:
            major = int(match.group(1))
    fields["spec_version"] = spec_version.strip()

    raw_id = r.text(obj, "id", prefix)
    if raw_id:
        match = _UUID.fullmatch(raw_id.strip())
        if match:
            fields["pact_id"] = uuid.UUID(match.group(1))
        else:
            r.error(
                _join(prefix, "id"), "must be a UUID (e.g. 91715e5e-fd0b-4d1c-8fab-76290c46e6ed)"
            )

    # v2 requires an integer version; v3 dropped it (ADR 0041): a new version gets a new id.
    version = obj.get("version")
    if version is None:
        if major == 2:
            r.error(_join(prefix, "version"), "required")
        fields["pact_version"] = 1
    elif isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < 2**31:
        r.error(_join(prefix, "version"), "must be a whole number between 0 and 2147483647")
    else:
        fields["pact_version"] = version

    status = r.text(obj, "status", prefix)
    if status and status not in STATUSES:
        r.error(_join(prefix, "status"), 'must be "Active" or "Deprecated"')
    fields["pact_status"] = status

    r.text(obj, "companyName", prefix)
    fields["product_name"] = r.text(
        obj, "productNameCompany", prefix, limit=MAX_TEXT_CHARS["product_name"]
    )
    fields["product_description"] = r.text(
        obj, "productDescription", prefix, required=False, non_empty=False, limit=10_000
    )
    fields["product_ids"] = _product_ids(r, obj, prefix)
    fields["product_category_cpc"] = _category(r, obj, prefix, major)

    pcf = r.mapping(obj, "pcf", prefix, required=True)
    if pcf is not None:
        fields.update(_pcf_read(r, pcf, _join(prefix, "pcf"), major))
    if r.failed:
        return None
    fields["raw_document"] = obj
    return ParsedFootprint(path=prefix or "document", fields=fields, raw=obj)


def _product_ids(r: _Reader, obj, prefix) -> list[str]:
    path = _join(prefix, "productIds")
    value = obj.get("productIds")
    if value is None:
        r.error(path, "required")
        return []
    if not isinstance(value, list) or not value:
        r.error(path, "must be a non-empty list of product ids (e.g. urn:gtin:5695872369587)")
        return []
    if len(value) > MAX_PRODUCT_IDS:
        r.error(path, f"has more than {MAX_PRODUCT_IDS} ids")
        return []
    ids = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_PRODUCT_ID_CHARS:
            r.error(f"{path}[{index}]", "must be a non-empty product id text (e.g. urn:gtin:...)")
            continue
        ids.append(item.strip())
    return ids


def _category(r: _Reader, obj, prefix, major) -> str:
    if major == 3:
        # v3 replaced productCategoryCpc with productClassifications URNs (ADR 0037).
        classes = obj.get("productClassifications")
        if isinstance(classes, list):
            for item in classes:
                match = _CPC_URN.fullmatch(item) if isinstance(item, str) else None
                if match:
                    return match.group(1)
        return ""
    return r.text(
        obj,
        "productCategoryCpc",
        prefix,
        required=major == 2,
        limit=MAX_TEXT_CHARS["product_category_cpc"],
    )


def _pcf_read(r: _Reader, pcf: dict, prefix: str, major) -> dict[str, Any]:
    if major == 3:
        unit_name, amount_name = "declaredUnitOfMeasurement", "declaredUnitAmount"
        excluding_name, including_name = "pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake"
        units = V3_UNITS
        other = ("declaredUnit", "pCfExcludingBiogenic")
    else:
        unit_name, amount_name = "declaredUnit", "unitaryProductAmount"
        excluding_name, including_name = "pCfExcludingBiogenic", "pCfIncludingBiogenic"
        units = V2_UNITS
        other = ("declaredUnitOfMeasurement", "pcfExcludingBiogenicUptake")
    fields: dict[str, Any] = {}
    if (
        major is not None
        and pcf.get(unit_name) is None
        and any(pcf.get(name) is not None for name in other)
    ):
        r.error(
            _join(prefix, unit_name),
            f"required (the document uses the field names of the other PACT version than its "
            f"specVersion {major}.x; check specVersion)",
        )
        unit = ""
    else:
        unit = r.text(pcf, unit_name, prefix)
    if unit and unit not in units:
        r.error(_join(prefix, unit_name), "must be one of " + ", ".join(sorted(units)))
    fields["declared_unit"] = unit
    amount = r.decimal(pcf, amount_name, prefix, positive=True)
    excluding = r.decimal(pcf, excluding_name, prefix, minimum=0)
    including = r.decimal(pcf, including_name, prefix, required=False)
    if amount is not None:
        fields["declared_unit_amount"] = amount.quantize(_KG_PLACES, ROUND_HALF_EVEN)
        if fields["declared_unit_amount"] == 0:
            r.error(_join(prefix, amount_name), "is too small (6 decimal places are kept)")
    # v3 gives the PCF for the whole declared unit (declaredUnitAmount of the unit of
    # measurement, ADR 0036); stored per one unit of measurement, like v2 (module docstring).
    divisor = amount if (major == 3 and amount) else Decimal(1)
    if excluding is not None:
        fields["pcf_excluding_biogenic_kgco2e"] = (excluding / divisor).quantize(
            _KG_PLACES, ROUND_HALF_EVEN
        )
    fields["pcf_including_biogenic_kgco2e"] = (
        (including / divisor).quantize(_KG_PLACES, ROUND_HALF_EVEN)
        if including is not None
        else None
    )
    start = r.moment(pcf, "referencePeriodStart", prefix)
    end = r.moment(pcf, "referencePeriodEnd", prefix)
    if start is not None and end is not None and end <= start:
        r.error(_join(prefix, "referencePeriodEnd"), "must be after referencePeriodStart")
    fields["reference_period_start"] = start
    fields["reference_period_end"] = end
    share = r.percent(pcf, "primaryDataShare", prefix)
    fields["primary_data_share_pct"] = (
        share.quantize(_PCT_PLACES, ROUND_HALF_EVEN) if share is not None else None
    )
    fields["dqi"] = _dqi_read(r, pcf, prefix)
    fields["assurance"], fields["assured"] = _assurance_read(r, pcf, prefix)
    return fields


def _dqi_read(r: _Reader, pcf: dict, prefix: str) -> dict:
    dqi = r.mapping(pcf, "dqi", prefix)
    if dqi is None:
        return {}
    path = _join(prefix, "dqi")
    cleaned: dict[str, str] = {}
    if dqi.get("coveragePercent") is not None:
        coverage = r.percent(dqi, "coveragePercent", path)
        if coverage is not None:
            cleaned["coveragePercent"] = str(coverage)
    for name in DQR_NAMES:
        if dqi.get(name) is None:
            continue
        rating = r.decimal(dqi, name, path)
        if rating is None:
            continue
        if not Decimal(1) <= rating <= Decimal(5):
            r.error(_join(path, name), "must be a data quality rating between 1 and 5")
            continue
        cleaned[name] = str(rating)
    return cleaned


def _assurance_read(r: _Reader, pcf: dict, prefix: str) -> tuple[dict, bool]:
    # v2: pcf.assurance {assurance: bool, ...}; v3 removed the flag (ADR 0044) and describes a
    # third-party verification instead, whose presence means the footprint was assured.
    assurance = r.mapping(pcf, "assurance", prefix)
    if assurance is not None:
        flag = assurance.get("assurance", False)
        if not isinstance(flag, bool):
            r.error(_join(prefix, "assurance.assurance"), "must be true or false")
            flag = False
        return assurance, flag
    verification = r.mapping(pcf, "verification", prefix)
    if verification is not None:
        return verification, bool(verification)
    return {}, False


def pact_parse(document) -> PactParseResult:
    """Every footprint of a PACT document, or every problem, each named by its JSON path.

    ``document`` is a single ProductFootprint object or a list response ``{"data": [...]}``. The
    same id and version twice in one document is refused. Never raises.
    """
    result = PactParseResult()
    errors = result.errors
    if isinstance(document, dict) and "data" in document and "pcf" not in document:
        items = document["data"]
        if not isinstance(items, list):
            errors.append(
                PactError("data", f"must be a list of footprints, not {_describe(items)}")
            )
            return result
        if not items:
            errors.append(PactError("data", "must hold at least one ProductFootprint"))
            return result
        if len(items) > MAX_FOOTPRINTS:
            errors.append(
                PactError("data", f"holds {len(items)} footprints (limit {MAX_FOOTPRINTS})")
            )
            return result
        entries = [(f"data[{index}]", item) for index, item in enumerate(items)]
    elif isinstance(document, dict):
        entries = [("", document)]
    else:
        errors.append(
            PactError(
                "document",
                'must be a ProductFootprint object or a list response {"data": [...]}, not '
                + _describe(document),
            )
        )
        return result
    seen: dict[tuple, str] = {}
    for prefix, item in entries:
        parsed = _footprint_read(item, prefix, errors)
        if parsed is None:
            continue
        key = (parsed.fields["pact_id"], parsed.fields["pact_version"])
        if key in seen:
            errors.append(
                PactError(
                    _join(prefix, "id"),
                    f"the same id and version already appears at {seen[key]} in this document",
                )
            )
            continue
        seen[key] = parsed.path
        result.footprints.append(parsed)
    if errors:
        result.footprints = []
    return result
