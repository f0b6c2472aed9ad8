"""Writes of hardware specs: one spec (admin, API), a CSV file of them, the shipped starter set.

A spec is saved only if the ACT model can compute it with the latest hardware dataset's
parameters (every die's node has a carbon per cm² and a yield, every memory type a kg per GB):
a spec that no run could use is refused with the field, value and rule, rather than stored to
fail later. Every write records history with the actor and reason, and an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.services import assign_fields
from scope3 import adapters, selectors
from scope3.engine.hardware import normalise_node, spec_embodied
from scope3.importers.hardware_specs import (
    SpecFileError,
    SpecRowError,
    json_number,
    read_spec_file,
)
from scope3.models import FactorDataset, HardwareSpec

SPEC_FIELDS = {
    "name",
    "aliases",
    "kind",
    "dies",
    "memory",
    "storage_gb",
    "mass_kg",
    "platform_kgco2e",
    "platform_source",
    "boundary",
    "source",
    "source_url",
    "notes",
}
IMPORT_REASON = "import_hardware_specs"
STARTER_REASON = "hardware spec starter set"
STARTER_FILE = Path(__file__).resolve().parent.parent / "data" / "hardware_specs_2026.csv"

__all__ = [
    "SpecFileError",
    "SpecImportResult",
    "hardware_spec_check",
    "hardware_spec_create",
    "hardware_spec_delete",
    "hardware_spec_starter_import",
    "hardware_spec_update",
    "hardware_specs_import",
]


@dataclass(frozen=True)
class SpecImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]

    @property
    def message(self) -> str:
        return (
            f"{len(self.created)} specs created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged."
        )


def _normalised(fields: dict) -> dict:
    """Dies with normalised nodes, aliases trimmed: one spelling per value in the database."""
    fields = dict(fields)
    if isinstance(fields.get("dies"), list):
        fields["dies"] = [
            {**die, "node": normalise_node(die["node"])}
            if isinstance(die, dict) and isinstance(die.get("node"), str)
            else die
            for die in fields["dies"]
        ]
    if isinstance(fields.get("aliases"), list):
        fields["aliases"] = [a.strip() if isinstance(a, str) else a for a in fields["aliases"]]
    for key in ("dies", "memory"):
        # Decimals from parsers become JSON numbers (the JSON encoder refuses Decimal).
        if isinstance(fields.get(key), list):
            fields[key] = [
                {k: json_number(v) if hasattr(v, "is_finite") else v for k, v in item.items()}
                if isinstance(item, dict)
                else item
                for item in fields[key]
            ]
    return fields


def _computable(spec: HardwareSpec) -> None:
    """Refuse a spec the latest hardware dataset's ACT parameters cannot compute."""
    dataset = selectors.factor_dataset_latest(kind=FactorDataset.Kind.HARDWARE)
    params = adapters.act_parameters(dataset)
    if params is None:
        raise ValidationError(
            {
                "dies": "no hardware factor dataset is imported, so no ACT parameters exist; "
                "import the starter pack first (manage.py import_factors --starter-pack)"
            }
        )
    for index, die in enumerate(spec.dies or []):
        node = die["node"]
        if node not in params.nodes():
            raise ValidationError(
                {
                    "dies": f"dies[{index}].node {node!r} is not a process node with ACT "
                    f"parameters in {params.dataset_label} (known: "
                    f"{', '.join(sorted(params.nodes())) or 'none'})"
                }
            )
    try:
        spec_embodied(adapters.hardware_spec_input(spec), params)
    except ValueError as exc:
        message = str(exc)
        if "kg per GB of storage" in message:
            field = "storage_gb"
        elif "kg per GB of" in message:
            field = "memory"
        else:
            field = "dies"
        raise ValidationError({field: message}) from None


def hardware_spec_check(spec: HardwareSpec) -> None:
    """Every rule a spec must pass to be saved (raises ``ValidationError`` by field).

    The model's rules (shapes, one word per spec), then the ACT parameters of the latest
    hardware dataset must compute it. The admin form calls this too, to show errors in place.
    """
    spec.full_clean()
    _computable(spec)


def hardware_spec_create(
    *, actor, reason: str = "", shipped: bool = False, **fields
) -> HardwareSpec:
    """Add a spec (docs/method.md, "Hardware"); see the module docstring."""
    spec = HardwareSpec(shipped=shipped)
    assign_fields(spec, SPEC_FIELDS, _normalised(fields))
    hardware_spec_check(spec)
    with transaction.atomic(), acting_as(actor, reason or "hardware spec added"):
        spec.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=spec,
            reason=reason,
            details={"name": spec.name, "shipped": shipped},
        )
    return spec


def hardware_spec_update(*, actor, spec: HardwareSpec, reason: str = "", **fields) -> HardwareSpec:
    """Change a spec. Runs already planned keep the specs they pinned (their plan's snapshot)."""
    changed = assign_fields(spec, SPEC_FIELDS, _normalised(fields))
    if not changed:
        return spec
    hardware_spec_check(spec)
    with transaction.atomic(), acting_as(actor, reason or "hardware spec changed"):
        spec.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=spec,
            reason=reason,
            details={"fields": sorted(changed)},
        )
    return spec


def hardware_spec_delete(*, actor, spec: HardwareSpec, reason: str = "") -> None:
    """Remove a spec no vocabulary term names (a term would be left pointing at nothing)."""
    words = list(spec.vocabulary_terms.values_list("word", flat=True)[:5])
    if words:
        raise ValidationError(
            f"hardware spec {spec.name!r} is named by vocabulary terms ({', '.join(words)}); "
            "point them elsewhere first"
        )
    with transaction.atomic(), acting_as(actor, reason or "hardware spec removed"):
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=spec,
            reason=reason,
            details={"removed_spec": spec.name},
        )
        spec.delete()


# --- files ------------------------------------------------------------------------------------

_FIELD_COLUMN = {"__all__": ""}


def _row_errors(line: int, error: ValidationError, fields: dict) -> list[SpecRowError]:
    out = []
    for field, messages in getattr(error, "message_dict", {"": error.messages}).items():
        column = _FIELD_COLUMN.get(field, field)
        value = fields.get(column, "") if column else ""
        for message in messages:
            out.append(SpecRowError(line, column, str(value)[:80] if value else "", message))
    return out


def hardware_specs_import(
    *, actor, path: str | Path, reason: str = IMPORT_REASON, shipped: bool = False
) -> SpecImportResult:
    """Import a spec CSV (``scope3.importers.hardware_specs``): all rows or none.

    A row whose name is already a spec updates it; others create one. Each row goes through the
    same checks as the admin (shapes, no word naming two specs, ACT parameters for every node);
    any error anywhere rolls the whole file back and raises :class:`SpecFileError` with every
    row's errors (line, column, value, rule).
    """
    rows = read_spec_file(Path(path))
    created, updated, unchanged = [], [], []
    errors: list[SpecRowError] = []
    existing = {spec.name: spec for spec in HardwareSpec.objects.all()}
    with transaction.atomic():
        for row in rows:
            spec = existing.get(row.fields["name"])
            try:
                with transaction.atomic():
                    if spec is None:
                        hardware_spec_create(
                            actor=actor, reason=reason, shipped=shipped, **row.fields
                        )
                        created.append(row.fields["name"])
                    else:
                        before = spec.updated_at
                        hardware_spec_update(actor=actor, spec=spec, reason=reason, **row.fields)
                        (updated if spec.updated_at != before else unchanged).append(spec.name)
            except ValidationError as exc:
                errors.extend(_row_errors(row.line, exc, row.fields))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise SpecFileError(errors)
    return SpecImportResult(created, updated, unchanged)


def hardware_spec_starter_import(*, actor, reason: str = STARTER_REASON) -> SpecImportResult:
    """Add the shipped starter specs that are not there yet (idempotent).

    A starter spec already present, or ever present and removed (its history says so), is left
    as it is: an analyst's change or removal is never undone by re-importing the pack.
    """
    rows = read_spec_file(STARTER_FILE)
    known = set(HardwareSpec.history.values_list("name", flat=True).distinct())
    created, skipped = [], []
    errors: list[SpecRowError] = []
    with transaction.atomic():
        for row in rows:
            name = row.fields["name"]
            if name in known:
                skipped.append(name)
                continue
            try:
                hardware_spec_create(actor=actor, reason=reason, shipped=True, **row.fields)
            except ValidationError as exc:
                errors.extend(_row_errors(row.line, exc, row.fields))
            else:
                created.append(name)
        if errors:
            raise SpecFileError(errors)
    return SpecImportResult(created, [], skipped)
