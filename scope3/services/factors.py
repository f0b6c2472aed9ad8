"""Writes of the scope3 app: importing factor datasets (spend ledgers and runs come later).

Datasets are never updated: a service either creates a complete dataset with all its rows in one
transaction, does nothing (the same file again), or refuses. See scope3/models.py for why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.services import assign_fields
from scope3.importers import (
    CuratedTableReader,
    EpaSupplyChainReader,
    FactorFileError,
    LocalCopy,
    file_sha256,
    reader_for,
)
from scope3.importers.base import is_url
from scope3.models import EmissionFactor, FactorDataset, ReferenceRate

BATCH_SIZE = 1000
# Shipped beside the factor tables but not factor tables (see starter_pack_import).
NON_FACTOR_KINDS = frozenset({"hardware_specs", "vocabulary"})
IMPORT_REASON = "import_factors"
STARTER_PACK_DIR = Path(__file__).resolve().parent.parent / "data"
DATASET_FIELDS = (
    "name",
    "publisher",
    "source_url",
    "doi",
    "licence",
    "unit",
    "currency",
    "dollar_year",
    "gwp_basis",
    "region",
    "notes",
    "relative_uncertainty",
)

__all__ = [
    "FactorFileError",
    "FactorImportResult",
    "factor_dataset_import",
    "factor_dataset_trust_update",
    "factor_starter_pack_files",
    "factor_starter_pack_import",
    "starter_pack_import",
]


@dataclass(frozen=True)
class FactorImportResult:
    dataset: FactorDataset
    created: bool
    message: str


def factor_dataset_import(
    *,
    actor,
    kind: str,
    source: str | Path,
    version: str | None = None,
    curated: bool | None = None,
    reason: str = IMPORT_REASON,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> FactorImportResult:
    """Import one factor file (a path or an http(s) URL) as an immutable dataset.

    Rules: the whole file is validated before anything is stored and any error
    refuses it; the version comes from ``version``, else the file (its name for EPA releases, its
    metadata for curated tables), else the import is refused; the same file again (same sha256)
    is a no-op; a different file under an existing (kind, version) is refused.

    Raises :class:`FactorFileError` with one message per problem. ``progress(done, total, step)``
    is told the rows stored, for a command's progress bar.
    """
    if kind not in FactorDataset.Kind.values:
        raise FactorFileError(
            [f"unknown kind {kind!r} (known: {', '.join(FactorDataset.Kind.values)})"]
        )
    source_name = str(source) if is_url(source) else Path(source).name
    with LocalCopy(source) as path:
        sha256 = file_sha256(path)
        reader = reader_for(kind, path, source_name=source_name, version=version or "")

        same_file = FactorDataset.objects.filter(kind=kind, sha256=sha256).first()
        if same_file is not None:
            if version and version != same_file.version:
                raise FactorFileError(
                    [
                        f"{source_name}: this file (sha256 {sha256}) was already imported as "
                        f"{kind} version {same_file.version}; it is not imported again as "
                        f"version {version}"
                    ]
                )
            return FactorImportResult(
                same_file,
                False,
                f"{source_name} is already imported as {same_file} (same sha256); nothing to do.",
            )

        if isinstance(reader, EpaSupplyChainReader) and not reader.version_hint():
            raise FactorFileError(
                [
                    f"{source_name}: cannot tell the version from the file name (expected a part "
                    "like _v1.3.0_); give it with --version"
                ]
            )
        table = reader.validate()
        resolved_version = reader.version_hint()
        if not resolved_version:
            raise FactorFileError(
                [
                    f"{source_name}: the file does not state its version "
                    '(a "# version: ..." line); give it with --version'
                ]
            )
        existing = FactorDataset.objects.filter(kind=kind, version=resolved_version).first()
        if existing is not None:
            raise FactorFileError(
                [
                    f"{source_name}: {kind} version {resolved_version} already exists with a "
                    f"different file (stored sha256 {existing.sha256}, this file {sha256}); "
                    "datasets are immutable, import it under a new version"
                ]
            )

        is_curated = isinstance(reader, CuratedTableReader) if curated is None else curated
        with acting_as(actor, reason), transaction.atomic():
            try:
                dataset = _dataset_create(
                    actor=actor,
                    kind=kind,
                    version=resolved_version,
                    sha256=sha256,
                    source_name=source_name,
                    row_count=table.row_count,
                    is_curated=is_curated,
                    metadata=table.metadata,
                )
            except IntegrityError as exc:
                # Another import of the same (kind, version) committed first.
                raise FactorFileError(
                    [f"{source_name}: {kind} version {resolved_version} was imported meanwhile"]
                ) from exc
            _rows_insert(dataset, reader, sha256, progress, f"Storing {source_name}")
            audit_event_record(
                actor=actor,
                verb=AuditEvent.Verb.CREATED,
                target=dataset,
                reason=reason,
                details={
                    "kind": kind,
                    "version": resolved_version,
                    "sha256": sha256,
                    "row_count": table.row_count,
                    "source": source_name,
                    "dollar_year": dataset.dollar_year,
                },
            )
    return FactorImportResult(
        dataset,
        True,
        f"Imported {dataset} ({kind}): {dataset.row_count} rows, sha256 {sha256}.",
    )


def _dataset_create(*, actor, kind, version, sha256, source_name, row_count, is_curated, metadata):
    fields = {name: metadata.get(name) for name in DATASET_FIELDS if metadata.get(name)}
    if "dollar_year" in fields:
        fields["dollar_year"] = int(fields["dollar_year"])
    dataset = FactorDataset(
        kind=kind,
        version=version,
        sha256=sha256,
        source_name=source_name[:255],
        row_count=row_count,
        is_curated=is_curated,
        imported_by=actor,
        **fields,
    )
    try:
        dataset.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise FactorFileError(
            [
                f"dataset metadata {field}: {'; '.join(msgs)}"
                for field, msgs in exc.message_dict.items()
            ]
        ) from exc
    dataset.save()
    return dataset


def _rows_insert(dataset: FactorDataset, reader, sha256: str, progress=None, step="") -> None:
    # bulk_create skips history on purpose: these rows are immutable (see scope3/models.py).
    model = ReferenceRate if reader.row_type == "rate" else EmissionFactor
    batch = []
    stored = 0

    def store():
        nonlocal stored
        model.objects.bulk_create(batch)
        stored += len(batch)
        if progress is not None:
            progress(stored, dataset.row_count, step)

    for fields in reader.rows(sha256):
        batch.append(model(dataset=dataset, **fields))
        if len(batch) >= BATCH_SIZE:
            store()
            batch = []
    if batch:
        store()


def factor_starter_pack_files() -> list[tuple[str, Path]]:
    """The curated tables shipped in scope3/data/, each with the kind its metadata declares.

    The hardware specs and vocabulary defaults shipped beside them (``# kind: hardware_specs``,
    ``# kind: vocabulary``) are not factor tables; :func:`starter_pack_import` adds them.
    """
    files = []
    for path in sorted(STARTER_PACK_DIR.glob("*.csv")):
        kind = None
        with path.open(encoding="utf-8-sig") as handle:
            for line in handle:
                if not line.startswith("#"):
                    break
                key, _, value = line.lstrip("#").partition(":")
                if key.strip() == "kind":
                    kind = value.strip()
        if kind is None:
            raise FactorFileError([f"{path.name}: no '# kind: ...' line"])
        if kind in NON_FACTOR_KINDS:
            continue
        files.append((kind, path))
    return files


@dataclass(frozen=True)
class StarterPackResult:
    tables: list[FactorImportResult]
    messages: list[str]


def starter_pack_import(
    *,
    actor,
    reason: str = IMPORT_REASON,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> StarterPackResult:
    """Import the starter pack: every curated table, then the hardware specs and vocabulary.

    Tables already imported are skipped; specs and vocabulary terms already present (or
    changed or removed by an analyst) are left alone. The specs need the hardware table's ACT
    parameters and the vocabulary needs the specs and the factor codes, hence the order. All
    or nothing: if anything is refused, none of this call's imports is kept.
    ``progress(done, total, step)`` is told each step done (a table, the specs, the vocabulary).
    """
    from scope3.services.hardware import SpecFileError, hardware_spec_starter_import
    from scope3.services.vocabulary import vocabulary_defaults_import

    files = factor_starter_pack_files()
    steps = len(files) + 2

    def done(step: int, what: str) -> None:
        if progress is not None:
            progress(step, steps, what)

    with transaction.atomic():
        tables = []
        for kind, path in files:
            tables.append(
                factor_dataset_import(
                    actor=actor, kind=kind, source=path, curated=True, reason=reason
                )
            )
            done(len(tables), path.name)
        try:
            specs = hardware_spec_starter_import(actor=actor)
            done(steps - 1, "hardware specs")
            vocabulary = vocabulary_defaults_import(actor=actor)
            done(steps, "vocabulary")
        except SpecFileError as exc:
            raise FactorFileError([f"hardware specs: {error}" for error in exc.errors]) from exc
        except ValidationError as exc:
            raise FactorFileError([f"vocabulary: {message}" for message in exc.messages]) from exc
    return StarterPackResult(tables, [f"Hardware specs: {specs.message}", vocabulary.message])


def factor_starter_pack_import(*, actor, reason: str = IMPORT_REASON) -> list[FactorImportResult]:
    """Import the starter pack (:func:`starter_pack_import`); returns the tables' results."""
    return starter_pack_import(actor=actor, reason=reason).tables


def factor_dataset_trust_update(
    *, actor, dataset: FactorDataset, reason: str, **fields
) -> list[str]:
    """Change how far a dataset is trusted: its ``relative_uncertainty`` and its ``notes``.

    docs/method.md ("8. Uncertainty"): default relative uncertainties per method are configurable
    per dataset.
    Only ``FactorDataset.MUTABLE_FIELDS`` may be given; the values and provenance stay immutable.
    A reason is required, because the range of every later run changes with it; the change is
    written to the dataset's history and as an audit event. Runs already planned keep the
    uncertainty in force when they were created (``scope3.adapters.factor_set_for``).
    Returns the names of the fields that changed (none: nothing is written).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the dataset's uncertainty or notes change."})
    if fields.get("relative_uncertainty") is not None:
        # As stored (four places), so an equal value is no change and the audit shows the value.
        fields["relative_uncertainty"] = Decimal(fields["relative_uncertainty"]).quantize(
            Decimal("0.0001")
        )
    with transaction.atomic():
        locked = FactorDataset.objects.select_for_update().get(pk=dataset.pk)
        before = {name: getattr(locked, name) for name in fields}
        changed = assign_fields(locked, set(FactorDataset.MUTABLE_FIELDS), fields)
        if not changed:
            return []
        locked.full_clean(validate_unique=False)
        with acting_as(actor, reason):
            locked.save(update_fields=changed)
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=locked,
            reason=reason,
            details={
                name: {"from": _plain(before[name]), "to": _plain(getattr(locked, name))}
                for name in changed
            },
        )
    for name in changed:
        setattr(dataset, name, getattr(locked, name))
    return changed


def _plain(value):
    return None if value is None else str(value)
