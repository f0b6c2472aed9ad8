"""Reads of the scope3 app: factor datasets and their rows."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from config import numbers
from config.progress import Progress
from scope3.models import EmissionFactor, FactorDataset, ReferenceRate

_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def dataset_version_key(dataset: FactorDataset) -> tuple:
    """Sort key for "the highest version of a kind".

    Numeric release first ("1.10" > "1.9"); at an equal release a publisher's full dataset ranks
    above a curated subset of it (the starter pack's "1.3.0-it.1" is below EPA's "1.3.0"); the
    rest of the version string breaks remaining ties.
    """
    match = _RELEASE.match(dataset.version)
    release = tuple(int(part) for part in match.group(0).split(".")) if match else ()
    return (release, not dataset.is_curated, dataset.version)


def factor_dataset_list(*, kind: str | None = None) -> QuerySet[FactorDataset]:
    datasets = FactorDataset.objects.select_related("imported_by")
    if kind:
        datasets = datasets.filter(kind=kind)
    return datasets.order_by("kind", "-imported_at")


def factor_dataset_get(*, kind: str, version: str) -> FactorDataset | None:
    return FactorDataset.objects.filter(kind=kind, version=version).first()


def factor_dataset_latest(*, kind: str) -> FactorDataset | None:
    """The dataset a run pins by default for ``kind`` (docs/method.md, "Reproducibility")."""
    datasets = list(FactorDataset.objects.filter(kind=kind))
    return max(datasets, key=dataset_version_key, default=None)


def reference_rates(*, dataset: FactorDataset) -> dict[tuple[str, int], ReferenceRate]:
    """``{(key, year): rate}`` for an FX or price-index dataset."""
    return {(rate.key, rate.year): rate for rate in ReferenceRate.objects.filter(dataset=dataset)}


# --- spend ledger ------------------------------------------------------------------------------


def import_batch_list() -> QuerySet:
    from scope3.models import ImportBatch

    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-pk")


def import_batch_already_imported(*, sha256: str):
    """The batch that already brought this file in (imported, partly imported or in progress)."""
    from scope3.models import ImportBatch

    return (
        ImportBatch.objects.filter(file_sha256=sha256)
        .exclude(status=ImportBatch.Status.REJECTED)
        .first()
    )


def spend_external_ids_existing(*, external_ids) -> set[str]:
    """Which of ``external_ids`` are already in the ledger (one query for the whole chunk)."""
    from scope3.models import SpendLine

    ids = [external_id for external_id in external_ids if external_id]
    if not ids:
        return set()
    return set(SpendLine.objects.filter(external_id__in=ids).values_list("external_id", flat=True))


def spend_vendor_lookup() -> dict[str, dict]:
    """Every vendor keyed the four ways a ledger names them, loaded once per import.

    ``ids`` is the set of primary keys; ``tax_ids``, ``names`` and ``normalised`` map a key to a
    vendor id, or to ``None`` when two vendors share it (an ambiguous key matches nobody rather
    than the wrong vendor).
    """
    from scope3.importers.spend import tax_id_normalise, vendor_name_normalise
    from vendors.models import Vendor

    ids: set[int] = set()
    tax_ids: dict[str, int | None] = {}
    names: dict[str, int | None] = {}
    normalised: dict[str, int | None] = {}

    def put(mapping, key, pk):
        if key:
            mapping[key] = pk if mapping.get(key, pk) == pk else None

    for pk, name, legal_name, tax_id in Vendor.objects.values_list(
        "pk", "name", "legal_name", "tax_id"
    ).iterator(chunk_size=5000):
        ids.add(pk)
        put(tax_ids, tax_id_normalise(tax_id or ""), pk)
        for written in (name, legal_name):
            if written:
                put(names, written.strip().casefold(), pk)
                put(normalised, vendor_name_normalise(written), pk)
    return {"ids": ids, "tax_ids": tax_ids, "names": names, "normalised": normalised}


def spend_vendor_matcher(lookup: dict | None = None):
    """``match(vendor, tax_id) -> (vendor id or None, how)``: the vendor-matching rules of the
    spend import, for anything else that names vendors the way a ledger does (the asset register,
    the reconciliation of unmatched spend). ``lookup`` is :func:`spend_vendor_lookup`'s result,
    loaded here when not given.

    In order: the vendor column as a vendor id, the tax id, the exact name, the normalised name;
    an ambiguous key matches nobody.
    """
    from scope3.importers.spend import VENDOR_ID_PATTERN, tax_id_normalise, vendor_name_normalise
    from scope3.models import SpendLine

    lookup = lookup if lookup is not None else spend_vendor_lookup()
    ids, tax_ids = lookup["ids"], lookup["tax_ids"]
    names, normalised = lookup["names"], lookup["normalised"]
    how = SpendLine.VendorMatch

    def match(vendor: str, tax_id: str) -> tuple[int | None, str]:
        # A vendor column holding a number is an id only if such a vendor exists; otherwise it
        # may be a name like "3M" or "1&1" and goes on to the other rules.
        if vendor and VENDOR_ID_PATTERN.fullmatch(vendor) and int(vendor) in ids:
            return int(vendor), how.ID.value
        if tax_id:
            pk = tax_ids.get(tax_id_normalise(tax_id))
            if pk:
                return pk, how.TAX_ID.value
        if vendor:
            pk = names.get(vendor.casefold())
            if pk:
                return pk, how.NAME.value
            pk = normalised.get(vendor_name_normalise(vendor))
            if pk:
                return pk, how.NORMALISED_NAME.value
        return None, how.UNMATCHED.value

    return match


# --- inventory runs ----------------------------------------------------------------------------

from dataclasses import dataclass, field  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum  # noqa: E402
from django.db.models.functions import Abs  # noqa: E402

from scope3.engine import Method  # noqa: E402
from scope3.models import EmissionEstimate, InventoryRun  # noqa: E402

_METHOD_RANK = {method.value: method.rank for method in Method}
_GRAM = Decimal("0.001")


def inventory_run_list(*, year: int | None = None) -> QuerySet[InventoryRun]:
    runs = InventoryRun.objects.select_related("started_by")
    if year is not None:
        runs = runs.filter(reporting_year=year)
    return runs.order_by("-created_at", "-pk")


def inventory_run_get(*, run_id: int) -> InventoryRun | None:
    return InventoryRun.objects.select_related("started_by").filter(pk=run_id).first()


def inventory_run_previous(*, run: InventoryRun) -> InventoryRun | None:
    """The completed run of the same year started before ``run``: what a restatement compares."""
    return (
        InventoryRun.objects.filter(
            reporting_year=run.reporting_year,
            status=InventoryRun.Status.COMPLETED,
            pk__lt=run.pk,
        )
        .order_by("-pk")
        .first()
    )


def inventory_run_estimates(*, run: InventoryRun) -> QuerySet[EmissionEstimate]:
    return (
        EmissionEstimate.objects.filter(run=run)
        .select_related("spend_line", "vendor", "factor_dataset")
        .order_by("spend_line_id", "category")
    )


def inventory_run_estimate_rows(*, run: InventoryRun):
    """Rows of ``adapters.ESTIMATE_CSV_COLUMNS`` for the run's export, streamed in line order."""
    return (
        EmissionEstimate.objects.filter(run=run)
        .order_by("spend_line_id", "category")
        .values_list(
            "spend_line__external_id",
            "category",
            "method",
            "kgco2e",
            "low_kgco2e",
            "high_kgco2e",
            "dq",
            "factor_dataset__name",
            "factor_dataset__version",
            "factor_code",
            "reason",
        )
        .iterator(chunk_size=5000)
    )


@dataclass
class RunTotalRow:
    """A total of a run by some key, with its range combined by shared source.

    ``dq`` is the emissions-weighted data-quality score of the row's lines (1 best .. 5).
    ``uncertainty`` says how the range was combined, shown beside it.
    """

    key: object
    label: str
    kgco2e: Decimal
    low_kgco2e: Decimal
    high_kgco2e: Decimal
    lines: int
    dq: Decimal | None = None
    uncertainty: str = ""


def run_uncertainty_options(run: InventoryRun) -> dict:
    """The run's uncertainty method, Monte Carlo seed and draws, for ``total_from_sums``."""
    from scope3.engine.uncertainty import DEFAULT_MONTECARLO_DRAWS, DEFAULT_MONTECARLO_SEED

    plan = run.plan or {}
    return {
        "method": run.uncertainty_method,
        "seed": int(plan.get("montecarlo_seed", DEFAULT_MONTECARLO_SEED)),
        "draws": int(plan.get("montecarlo_draws", DEFAULT_MONTECARLO_DRAWS)),
    }


def run_uncertainty_label(run: InventoryRun) -> str:
    """How the run's ranges were combined, in words (shown beside every range)."""
    from scope3.engine import method_label

    options = run_uncertainty_options(run)
    return method_label(options["method"], seed=options["seed"], draws=options["draws"])


def _as_grams(value) -> Decimal:
    # SQLite sums decimals as floats: back to the column's grams before adding up.
    return Decimal(str(value or 0)).quantize(_GRAM)


@dataclass
class GroupTotal:
    """Totals of the run's accounted lines sharing ``key`` (a tuple of the grouped fields).

    ``total`` is an ``engine.Total`` (range combined by shared source); ``dq`` the
    emissions-weighted DQ; ``indicators`` the emissions-weighted mean of each of the five
    data-quality indicators (technological, temporal, geographical, completeness,
    reliability); ``dq_min``/``dq_max`` the spread of line scores.
    """

    key: tuple
    first: dict
    total: object
    dq: Decimal | None
    indicators: tuple[Decimal, ...] | None
    dq_min: int | None
    dq_max: int | None


def _half_width_squares():
    """Σ (high - low)² of the rows: 4 * Σ half-width², for runs that recorded no sources."""
    width = ExpressionWrapper(
        (F("high_kgco2e") - F("low_kgco2e")) * (F("high_kgco2e") - F("low_kgco2e")),
        output_field=DecimalField(max_digits=60, decimal_places=6),
    )
    return Sum(width)


def inventory_run_group_totals(
    *, run: InventoryRun, fields: tuple[str, ...], extra: tuple[str, ...] = ()
) -> list[GroupTotal]:
    """Accounted totals of ``run`` grouped by ``fields``, in one aggregate query.

    Rows are summed per (group, shared source, relative uncertainty, DQ code) in the database;
    each group's range is then combined as the run's total is (``engine.total_from_sums``:
    linear within a source, quadrature across, or the run's Monte Carlo), so a vendor's or a
    category's range is never narrower than its widest shared source. ``extra`` fields (e.g. a
    vendor's name) come along with the first row of each group.
    """
    from scope3.engine import GroupSums, total_from_sums

    rows = (
        EmissionEstimate.objects.filter(run=run)
        .exclude(method=Method.UNACCOUNTED)
        .values(*fields, *extra, "source_key", "relative_uncertainty", "dq", "dq_indicators")
        .annotate(
            kg=Sum("kgco2e"),
            abs_kg=Sum(Abs("kgco2e")),
            lines=Count("id"),
            half_squares=_half_width_squares(),
        )
        .order_by()
    )
    groups: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in fields)
        entry = groups.setdefault(
            key,
            {
                "sums": GroupSums(),
                "first": row,
                "weight": Decimal(0),
                "dq": Decimal(0),
                "indicators": [Decimal(0)] * 5,
                "indicator_weight": Decimal(0),
                "scores": set(),
            },
        )
        if row["source_key"]:
            entry["sums"].add_sum(
                row["source_key"],
                row["relative_uncertainty"] or Decimal(0),
                _as_grams(row["kg"]),
                lines=row["lines"],
            )
        else:
            # A run of method version 1 recorded no sources: its lines stay independent
            # terms, as the run's own total combined them.
            squares = Decimal(str(row["half_squares"] or 0)) / 4
            entry["sums"].add_independent(_as_grams(row["kg"]), squares, row["lines"])
        weight = _as_grams(row["abs_kg"])
        if row["dq"] is not None:
            entry["weight"] += weight
            entry["dq"] += weight * row["dq"]
            entry["scores"].add(row["dq"])
        code = row["dq_indicators"] or ""
        if len(code) == 5 and code.isdigit():
            entry["indicator_weight"] += weight
            entry["indicators"] = [
                acc + weight * int(digit)
                for acc, digit in zip(entry["indicators"], code, strict=True)
            ]
    options = run_uncertainty_options(run)
    if len(groups) > 1:
        # A breakdown has many rows: fewer Monte Carlo draws each (the label says how many).
        options["draws"] = min(options["draws"], 2000)
    tenth = Decimal("0.1")
    out = []
    for key, entry in groups.items():
        indicator_weight = entry["indicator_weight"]
        out.append(
            GroupTotal(
                key=key,
                first=entry["first"],
                total=total_from_sums(entry["sums"], **options),
                dq=(entry["dq"] / entry["weight"]).quantize(tenth) if entry["weight"] else None,
                indicators=tuple(
                    (v / indicator_weight).quantize(tenth) for v in entry["indicators"]
                )
                if indicator_weight
                else None,
                dq_min=min(entry["scores"]) if entry["scores"] else None,
                dq_max=max(entry["scores"]) if entry["scores"] else None,
            )
        )
    return out


def _totals(run: InventoryRun, group: str, label_of) -> list[RunTotalRow]:
    """Totals by one field (see ``inventory_run_group_totals``)."""
    out = []
    for entry in inventory_run_group_totals(run=run, fields=(group,)):
        total = entry.total
        out.append(
            RunTotalRow(
                key=entry.key[0],
                label=label_of(entry.first),
                kgco2e=total.kgco2e,
                low_kgco2e=total.low_kgco2e,
                high_kgco2e=total.high_kgco2e,
                lines=total.lines,
                dq=entry.dq,
                uncertainty=total.method_label,
            )
        )
    out.sort(key=lambda r: (-r.kgco2e, str(r.key)))
    return out


def inventory_run_totals_by_category(*, run: InventoryRun) -> list[RunTotalRow]:
    labels = dict(EmissionEstimate.Category.choices)
    return _totals(run, "category", lambda row: labels.get(row["category"], str(row["category"])))


def inventory_run_totals_by_method(*, run: InventoryRun) -> list[RunTotalRow]:
    labels = dict(EmissionEstimate.Method.choices)
    return _totals(run, "method", lambda row: labels.get(row["method"], row["method"]))


def inventory_run_totals_by_vendor(*, run: InventoryRun, limit: int = 20) -> list[RunTotalRow]:
    rows = _totals(run, "vendor_id", lambda row: "")[:limit]
    from vendors.models import Vendor

    names = dict(
        Vendor.objects.filter(pk__in=[r.key for r in rows if r.key]).values_list("pk", "name")
    )
    for row in rows:
        row.label = names.get(row.key, "(unmatched vendor)")
    return rows


@dataclass
class RestatementRow:
    """Old and new value of one vendor and category between two runs of a year, and why."""

    vendor_id: int | None
    vendor_name: str
    category: int
    old_kgco2e: Decimal
    new_kgco2e: Decimal
    reasons: list[str] = field(default_factory=list)

    @property
    def change_kgco2e(self) -> Decimal:
        return self.new_kgco2e - self.old_kgco2e

    @property
    def category_label(self) -> str:
        return dict(EmissionEstimate.Category.choices).get(self.category, str(self.category))


@dataclass
class _Group:
    kg: Decimal = Decimal(0)
    lines: int = 0
    methods: set = field(default_factory=set)
    datasets: set = field(default_factory=set)
    disclosures: set = field(default_factory=set)
    allocations: set = field(default_factory=set)
    hybrid_lines: int = 0
    vendor_name: str = ""


def _groups(run: InventoryRun) -> dict[tuple, _Group]:
    rows = (
        EmissionEstimate.objects.filter(run=run)
        .values(
            "vendor_id",
            "vendor__name",
            "category",
            "method",
            "factor_dataset_id",
            "source_disclosure_id",
        )
        .annotate(kg=Sum("kgco2e"), lines=Count("id"))
        .order_by()
    )
    groups: dict[tuple, _Group] = {}
    for row in rows:
        group = groups.setdefault((row["vendor_id"], row["category"]), _Group())
        # SQLite sums decimals as floats: back to the column's grams before adding up.
        group.kg += Decimal(str(row["kg"] or 0)).quantize(_GRAM)
        group.lines += row["lines"]
        group.methods.add(row["method"])
        group.vendor_name = row["vendor__name"] or "(unmatched vendor)"
        if row["factor_dataset_id"]:
            group.datasets.add(row["factor_dataset_id"])
        if row["source_disclosure_id"]:
            group.disclosures.add(row["source_disclosure_id"])
        if row["method"] == Method.HYBRID:
            group.hybrid_lines += row["lines"]
    # Which disclosures a group used through the vendor's allocation (not its intensity).
    allocations = (
        EmissionEstimate.objects.filter(
            run=run, method=Method.HYBRID, reason__contains="allocation to us"
        )
        .values_list("vendor_id", "category", "source_disclosure_id")
        .distinct()
        .order_by()
    )
    for vendor_id, category, disclosure_id in allocations:
        if (vendor_id, category) in groups:
            groups[(vendor_id, category)].allocations.add(disclosure_id)
    return groups


def _method_corrections(old: _Group, new: _Group) -> list[str]:
    """Which method corrections explain a group's change between two method versions."""
    reasons = []
    if old.hybrid_lines > new.hybrid_lines:
        reasons.append(
            "method correction: hybrid boundary (a disclosure without upstream Scope 3 is no "
            "longer counted as cradle-to-gate; those lines fall to the next method)"
        )
    if old.allocations & new.allocations and old.kg != new.kg:
        reasons.append(
            "method correction: allocation split across years (the allocation is spread over "
            "all the vendor's lines in the disclosure period; this year counts its own share)"
        )
    return reasons


# What each method version changed, for the restatement's header (docs/method.md).
METHOD_VERSION_CHANGES = {
    2: [
        "hybrid boundary: supplier data counts only when cradle-to-gate (Scope 1 + 2 + upstream "
        "Scope 3 categories 1-4, or an allocation that covers them)",
        "allocation split across years over the disclosure period",
        "ranges combined by shared source (linear within one, quadrature across), lognormal bounds",
        "data quality from the five indicators",
        "hardware specs (ACT model) and the ledger vocabulary",
    ],
}


def inventory_run_method_changes(*, run: InventoryRun, previous: InventoryRun | None) -> list:
    """The method corrections between ``previous`` and ``run`` (empty when the same version)."""
    if previous is None or previous.method_version == run.method_version:
        return []
    low, high = sorted((previous.method_version, run.method_version))
    return [
        change
        for version in range(low + 1, high + 1)
        for change in METHOD_VERSION_CHANGES.get(version, [])
    ]


def _best_method(methods: set) -> str | None:
    ranked = [m for m in methods if _METHOD_RANK.get(m) is not None]
    return min(ranked, key=lambda m: _METHOD_RANK[m]) if ranked else None


def inventory_run_restatement(
    *, run: InventoryRun, previous: InventoryRun | None = None
) -> list[RestatementRow]:
    """Per vendor and category: the previous run's value, this run's, and why they differ.

    Why (docs/method.md, "Method versions and restatements"): *new factor version* when the
    group used a dataset of a kind whose pinned version changed; *method upgrade* when the best
    method used for the group's lines ranks better than before; *method correction* when the
    runs used different versions of the method (``inventory_run_method_changes``) and the
    group's numbers moved because of it (hybrid boundary, allocation split across years); *new
    disclosure* when the disclosures used changed; *ledger changed* when the number of lines
    differs. Three queries whatever the ledger size.
    Rows are ordered by the size of the change, largest first.
    """
    previous = previous or inventory_run_previous(run=run)
    if previous is None:
        return []
    old_groups = _groups(previous)
    new_groups = _groups(run)
    method_changed = run.method_version != previous.method_version
    dataset_ids = {d for g in (*old_groups.values(), *new_groups.values()) for d in g.datasets}
    datasets = {
        d.pk: d for d in FactorDataset.objects.filter(pk__in=dataset_ids).only("kind", "version")
    }
    labels = dict(EmissionEstimate.Method.choices)
    rows = []
    for key in set(old_groups) | set(new_groups):
        old = old_groups.get(key, _Group())
        new = new_groups.get(key, _Group())
        reasons = []
        old_versions = {datasets[d].kind: datasets[d].version for d in old.datasets}
        new_versions = {datasets[d].kind: datasets[d].version for d in new.datasets}
        for kind, version in sorted(new_versions.items()):
            before = old_versions.get(kind) or previous.pins.get(kind)
            if before and before != version:
                reasons.append(f"new factor version: {kind} {before} → {version}")
        old_best, new_best = _best_method(old.methods), _best_method(new.methods)
        if new_best and (old_best is None or _METHOD_RANK[new_best] < _METHOD_RANK[old_best]):
            before = labels.get(old_best, "unaccounted") if old_best else "unaccounted"
            reasons.append(f"method upgrade: {before} → {labels[new_best]}")
        if method_changed:
            reasons.extend(_method_corrections(old, new))
        added = new.disclosures - old.disclosures
        if added:
            reasons.append("new disclosure: " + ", ".join(f"#{d}" for d in sorted(added)))
        if old.lines != new.lines:
            reasons.append(f"ledger changed: {old.lines} → {new.lines} line(s)")
        if not reasons and old.kg == new.kg:
            continue
        if not reasons:
            reasons.append("factor values or inputs changed")
        rows.append(
            RestatementRow(
                vendor_id=key[0],
                vendor_name=new.vendor_name or old.vendor_name,
                category=key[1],
                old_kgco2e=old.kg,
                new_kgco2e=new.kg,
                reasons=reasons,
            )
        )
    rows.sort(key=lambda r: (-abs(r.change_kgco2e), r.vendor_name, r.category))
    return rows


# --- dashboard ---------------------------------------------------------------------------------


def inventory_run_totals_by_dq(*, run: InventoryRun) -> list[RunTotalRow]:
    """Accounted kgCO2e by data-quality score (1 best .. 5 worst), best score first."""
    rows = _totals(run, "dq", lambda row: f"DQ {row['dq']}" if row["dq"] else "not scored")
    return sorted(rows, key=lambda r: (r.key is None, r.key or 0))


def inventory_run_unaccounted_by_currency(*, run: InventoryRun) -> list[dict]:
    """Spend the run could not estimate, per currency: ``{currency, amount, lines}``."""
    rows = (
        EmissionEstimate.objects.filter(run=run, method=Method.UNACCOUNTED)
        .values("spend_line__currency")
        .annotate(amount=Sum("spend_line__amount"), lines=Count("id"))
        .order_by("spend_line__currency")
    )
    return [
        {
            "currency": row["spend_line__currency"],
            # SQLite sums decimals as floats: back to the column's four places.
            "amount": Decimal(str(row["amount"] or 0)).quantize(Decimal("0.0001")),
            "lines": row["lines"],
        }
        for row in rows
    ]


def inventory_runs_completed() -> QuerySet[InventoryRun]:
    return InventoryRun.objects.filter(status=InventoryRun.Status.COMPLETED).order_by(
        "-reporting_year", "-pk"
    )


def inventory_runs_latest_per_year() -> list[InventoryRun]:
    """The latest completed run of each reporting year, oldest year first (one query)."""
    latest: dict[int, InventoryRun] = {}
    for run in inventory_runs_completed():
        latest.setdefault(run.reporting_year, run)
    return [latest[year] for year in sorted(latest)]


# --- hardware specs and the ledger vocabulary -----------------------------------------------


def hardware_spec_list() -> QuerySet:
    from scope3.models import HardwareSpec

    return HardwareSpec.objects.order_by("name", "pk")


def vocabulary_term_list(*, kind: str | None = None) -> QuerySet:
    from scope3.models import VocabularyTerm

    terms = VocabularyTerm.objects.select_related("target_spec").order_by("kind", "word", "pk")
    if kind:
        terms = terms.filter(kind=kind)
    return terms


def inventory_run_progress(run: InventoryRun) -> Progress:
    """How far a run is: chunks done of the chunks planned (config.progress words it)."""
    status = InventoryRun.Status
    return Progress(
        status=run.status,
        status_label=run.get_status_display(),
        value=run.chunks_done,
        total=run.chunks_total,
        unit="chunks",
        done=run.status in (status.COMPLETED, status.FAILED),
        failed=run.status == status.FAILED,
        started_at=run.started_at,
        finished_at=run.finished_at,
        note="Waiting for a worker to plan the run" if run.status == status.PENDING else "",
    )


def import_batch_progress(batch) -> Progress:
    """How far a spend import has got, in per cent: checking the rows is the first 90 % (rows
    checked of the rows a CSV appears to hold), storing the lines the rest. An upload waits for a
    worker at 0 %; a batch imported by the command or the API was recorded when it ended."""
    from scope3.models import ImportBatch
    from scope3.services.spend import STORING

    status = ImportBatch.Status
    done = batch.status not in (status.PENDING, status.RUNNING)
    common = {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
    }
    if done:
        return Progress(
            **common,
            value=batch.total_rows,
            total=batch.total_rows,
            unit="rows",
            done=True,
            failed=batch.status == status.REJECTED,
        )
    if batch.status == status.PENDING:
        return Progress(
            **common, value=0, total=100, unit="%", done=False, note="waiting for a worker"
        )
    checked = batch.rows_checked
    expected = batch.rows_expected
    if batch.step == STORING:
        value, note = 90, f"storing the lines of {numbers.grouped(checked, 0)} rows checked"
    elif expected:
        value = min(89, 90 * checked // expected)
        note = f"{numbers.grouped(checked, 0)} of about {numbers.grouped(expected, 0)} rows checked"
    else:
        value, note = 0, f"{numbers.grouped(checked, 0)} rows checked"
    return Progress(**common, value=value, total=100, unit="%", done=False, note=note)


# --- sector factors and exchange rates ---------------------------------------------------------
# The one lookup of the spend-based factor of a vendor's sector and of exchange rates to USD, for
# the disclosure plausibility warnings (vendors) and the reconciliation checks.


@dataclass(frozen=True)
class SectorFactors:
    """The spend-based factors (kgCO2e per USD) of some NAICS codes in the newest dataset."""

    source: str
    kg_per_usd: dict[str, Decimal]


def sector_factors(*, naics_codes) -> SectorFactors | None:
    """Factors of the newest spend-based (USEEIO) dataset for ``naics_codes``; None without one.

    A vendor's revenue is at its own (producer) prices, so the factor without trade and transport
    margins is used where the dataset gives it.
    """
    dataset = factor_dataset_latest(kind=FactorDataset.Kind.USEEIO)
    if dataset is None:
        return None
    codes = {code for code in naics_codes if code}
    rows = EmissionFactor.objects.filter(dataset=dataset, code__in=codes).values_list(
        "code", "value", "value_without_margins"
    )
    return SectorFactors(
        source=f"{dataset.name} {dataset.version}",
        kg_per_usd={
            code: without if without is not None else value for code, value, without in rows
        },
    )


@dataclass(frozen=True)
class FxRates:
    """Units of a currency per one USD by (currency, year), from the newest FX dataset."""

    source: str
    rates: dict[tuple[str, int], Decimal]

    def units_per_usd(self, currency: str, year: int) -> Decimal | None:
        """The rate of ``year``, else of the latest earlier year; None when there is none."""
        currency = currency.strip().upper()
        if currency == "USD":
            return Decimal(1)
        years = [y for (code, y) in self.rates if code == currency and y <= year]
        if not years:
            return None
        return self.rates[(currency, max(years))]


def fx_rates(*, currencies=None) -> FxRates:
    """Rates of the newest FX dataset quoted per USD (no rates without one), of ``currencies``
    only when given."""
    dataset = factor_dataset_latest(kind=FactorDataset.Kind.FX)
    if dataset is None or (dataset.currency or "USD") != "USD":
        return FxRates(source="", rates={})
    rows = ReferenceRate.objects.filter(dataset=dataset)
    if currencies is not None:
        rows = rows.filter(key__in={c.strip().upper() for c in currencies if c})
    rates = {
        (key.upper(), year): value for key, year, value in rows.values_list("key", "year", "value")
    }
    return FxRates(source=f"{dataset.name} {dataset.version}", rates=rates)


def disclosure_sector_factor(naics_code: str) -> tuple[Decimal, str] | None:
    """The spend-based factor of ``naics_code`` and its source for the disclosure plausibility
    rules; None without one. Registered with ``vendors.extensions.sector_factor``."""
    factors = sector_factors(naics_codes={naics_code})
    value = factors.kg_per_usd.get(naics_code) if factors else None
    return (value, factors.source) if value is not None else None


def disclosure_fx_rate(currency: str, year: int) -> Decimal | None:
    """Units of ``currency`` per USD in ``year`` (or the latest earlier year) for the disclosure
    plausibility rules; None without a rate. Registered with ``vendors.extensions.fx_rate``."""
    return fx_rates(currencies={currency}).units_per_usd(currency, year)
