"""Writes of the ledger vocabulary, its shipped defaults, and the unknown-word report of an import.

docs/method.md, "Vocabulary": ledger words map to factor codes and hardware specs through
analyst-editable terms with shipped defaults; a word nothing resolves is named in the import
report (and in a line's reason), never silently downgraded. A term may only point at a code the
latest dataset of its kind offers as a per-unit factor, or at an existing hardware spec.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from assurance.history import acting_as
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from config.services import assign_fields
from scope3 import adapters, selectors
from scope3.engine.context import normalise_code
from scope3.engine.vocabulary import normalise_term, spec_name
from scope3.models import FactorDataset, HardwareSpec, SpendLine, VocabularyTerm

TERM_FIELDS = {"kind", "word", "target_code", "target_spec", "notes"}
KIND_DATASET = {
    VocabularyTerm.Kind.HARDWARE: FactorDataset.Kind.HARDWARE,
    VocabularyTerm.Kind.FREIGHT_MODE: FactorDataset.Kind.FREIGHT,
    VocabularyTerm.Kind.WASTE_TREATMENT: FactorDataset.Kind.WASTE,
}
# SpendLine field -> the vocabulary kind its words belong to, and how reports name the field.
LEDGER_FIELDS = (
    ("hardware_class", VocabularyTerm.Kind.HARDWARE, "hardware class"),
    ("mode", VocabularyTerm.Kind.FREIGHT_MODE, "freight mode"),
    ("waste_treatment", VocabularyTerm.Kind.WASTE_TREATMENT, "waste treatment"),
)
FIELD_LABEL = {field: label for field, _kind, label in LEDGER_FIELDS}
DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "data" / "vocabulary_defaults.csv"
DEFAULTS_COLUMNS = ["kind", "word", "target", "notes"]
DEFAULTS_REASON = "vocabulary defaults"

__all__ = [
    "VocabularyDefaultsResult",
    "import_batch_unknown_terms",
    "unknown_terms_describe",
    "vocabulary_defaults_import",
    "vocabulary_term_check",
    "vocabulary_term_create",
    "vocabulary_term_delete",
    "vocabulary_term_update",
]


@dataclass(frozen=True)
class VocabularyDefaultsResult:
    created: int
    skipped: int

    @property
    def message(self) -> str:
        return (
            f"Vocabulary defaults: {self.created} terms added, {self.skipped} already present or "
            "changed by an analyst (left as they are)."
        )


def _factor_codes(kinds) -> dict[str, set[str]]:
    """Normalised per-unit factor codes of the latest dataset of each vocabulary kind.

    Read through ``adapters.load_average_factors``: exactly the codes a run would offer, so ACT
    model parameters (per cm², per GB) are never mistaken for something a word can map to.
    """
    wanted = {KIND_DATASET[kind]: kind for kind in kinds}
    latest: dict[str, FactorDataset] = {}
    for dataset in FactorDataset.objects.filter(kind__in=list(wanted)):
        current = latest.get(dataset.kind)
        if current is None or selectors.dataset_version_key(
            dataset
        ) > selectors.dataset_version_key(current):
            latest[dataset.kind] = dataset
    codes: dict[str, set[str]] = {kind: set() for kind in kinds}
    for factor in adapters.load_average_factors(latest.values()):
        codes[wanted[_dataset_kind(factor.kind)]].add(normalise_code(factor.code))
    return codes


def _dataset_kind(average_kind) -> str:
    return {value: key for key, value in adapters.AVERAGE_KIND.items()}[average_kind]


def _check_target(term: VocabularyTerm) -> None:
    if term.target_spec_id or not term.target_code or term.kind not in KIND_DATASET:
        return
    codes = _factor_codes([term.kind])[term.kind]
    if not codes:
        raise ValidationError(
            {
                "target_code": f"no {KIND_DATASET[term.kind]} factor dataset with per-unit "
                "factors is imported; import the starter pack first"
            }
        )
    if normalise_code(term.target_code) not in codes:
        raise ValidationError(
            {
                "target_code": f"{term.target_code!r} is not a factor code of the latest "
                f"{KIND_DATASET[term.kind]} dataset (codes: {', '.join(sorted(codes))})"
            }
        )
    term.target_code = normalise_code(term.target_code)


def vocabulary_term_check(term: VocabularyTerm) -> None:
    """Every rule a term must pass to be saved (raises ``ValidationError`` by field)."""
    term.full_clean()
    _check_target(term)


def vocabulary_term_create(
    *, actor, reason: str = "", shipped: bool = False, **fields
) -> VocabularyTerm:
    """Map a ledger word to a factor code or a hardware spec (see the module docstring)."""
    term = VocabularyTerm(shipped=shipped)
    assign_fields(term, TERM_FIELDS, fields)
    vocabulary_term_check(term)
    with transaction.atomic(), acting_as(actor, reason or "vocabulary term added"):
        term.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=term,
            reason=reason,
            details={"kind": term.kind, "word": term.word, "target": term.target},
        )
    return term


def vocabulary_term_update(
    *, actor, term: VocabularyTerm, reason: str = "", **fields
) -> VocabularyTerm:
    """Change a term; a shipped default an analyst changes becomes theirs (``shipped`` off)."""
    before = term.target if term.pk else ""
    changed = assign_fields(term, TERM_FIELDS, fields)
    if not changed:
        return term
    vocabulary_term_check(term)
    term.shipped = False
    with transaction.atomic(), acting_as(actor, reason or "vocabulary term changed"):
        term.save()
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=term,
            reason=reason,
            details={"fields": sorted(changed), "from": before, "to": term.target},
        )
    return term


def vocabulary_term_delete(*, actor, term: VocabularyTerm, reason: str = "") -> None:
    with transaction.atomic(), acting_as(actor, reason or "vocabulary term removed"):
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            target=term,
            reason=reason,
            details={"removed_word": term.word, "kind": term.kind, "target": term.target},
        )
        term.delete()


def _read_defaults(path: Path) -> list[tuple[int, dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames != DEFAULTS_COLUMNS:
        raise ValidationError(f"{path.name}: the header must be {','.join(DEFAULTS_COLUMNS)}")
    return [(number, row) for number, row in enumerate(reader, start=2)]


def vocabulary_defaults_import(
    *, actor, reason: str = DEFAULTS_REASON, path: Path = DEFAULTS_FILE
) -> VocabularyDefaultsResult:
    """Add the shipped default terms that are missing (idempotent; runs with the starter pack).

    A default whose word already has a term, or once had one (the term's history says so: an
    analyst removed or changed it), is skipped: an analyst's edit is never written over. A
    default naming a code or spec that does not exist is an error in the shipped file and
    refuses the whole import.
    """
    rows = _read_defaults(path)
    seen = set(VocabularyTerm.history.values_list("kind", "word").distinct())
    specs = {spec.name: spec for spec in HardwareSpec.objects.all()}
    created = skipped = 0
    with transaction.atomic():
        for line, row in rows:
            kind, word = row["kind"].strip(), normalise_term(row["word"])
            if (kind, word) in seen:
                skipped += 1
                continue
            target = row["target"].strip()
            fields = {"kind": kind, "word": word, "notes": row["notes"].strip()}
            name = spec_name(target)
            if name is not None:
                if name not in specs:
                    raise ValidationError(f"{path.name} line {line}: no hardware spec {name!r}")
                fields["target_spec"] = specs[name]
            else:
                fields["target_code"] = target
            try:
                vocabulary_term_create(actor=actor, reason=reason, shipped=True, **fields)
            except ValidationError as exc:
                raise ValidationError(
                    f"{path.name} line {line}: {'; '.join(exc.messages)}"
                ) from exc
            seen.add((kind, word))
            created += 1
    return VocabularyDefaultsResult(created, skipped)


# --- the import report --------------------------------------------------------------------------


def import_batch_unknown_terms(*, batch_id: int) -> list[dict]:
    """The batch's ledger words that nothing resolves, with their line counts.

    For each of hardware_class, mode and waste_treatment: one grouped query over the batch's
    lines (distinct words and their counts), then each word is looked up in the vocabulary
    (``normalise_term``), the per-unit factor codes of the latest dataset of its kind
    (``normalise_code``, as the engine matches codes) and, for hardware, the hardware specs'
    names and aliases. Spellings of one word ("GPU-XL", "gpu xl") are reported together under
    the most frequent spelling. A few queries whatever the batch size.
    """
    kinds = [kind for _field, kind, _label in LEDGER_FIELDS]
    vocabulary = set(VocabularyTerm.objects.values_list("kind", "word"))
    codes = _factor_codes(kinds)
    spec_words = {
        normalise_term(word)
        for name, aliases in HardwareSpec.objects.values_list("name", "aliases")
        for word in [name, *(aliases or [])]
        if isinstance(word, str)
    }
    unknown = []
    for field, kind, _label in LEDGER_FIELDS:
        rows = (
            SpendLine.objects.filter(batch_id=batch_id)
            .exclude(**{field: ""})
            .values_list(field)
            .annotate(lines=Count("pk"))
            .order_by()
        )
        grouped: dict[str, Counter] = {}
        for word, lines in rows:
            term = normalise_term(word)
            if not term or (kind, term) in vocabulary or normalise_code(word) in codes[kind]:
                continue
            if kind == VocabularyTerm.Kind.HARDWARE and term in spec_words:
                continue
            grouped.setdefault(term, Counter())[word.strip()] += lines
        for spellings in grouped.values():
            shown = sorted(spellings.items(), key=lambda item: (-item[1], item[0]))[0][0]
            unknown.append({"field": field, "word": shown, "lines": sum(spellings.values())})
    order = {field: index for index, (field, _kind, _label) in enumerate(LEDGER_FIELDS)}
    return sorted(unknown, key=lambda u: (order[u["field"]], -u["lines"], u["word"]))


def unknown_terms_describe(unknown_terms) -> list[str]:
    """``["16 lines: hardware class 'gpu-xl' unknown", ...]`` for admin, API and commands."""
    out = []
    for item in unknown_terms or []:
        lines = item.get("lines", 0)
        label = FIELD_LABEL.get(item.get("field"), str(item.get("field")))
        noun = "line" if lines == 1 else "lines"
        out.append(f"{lines} {noun}: {label} {str(item.get('word'))!r} unknown")
    return out
