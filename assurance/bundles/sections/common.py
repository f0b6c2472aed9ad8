"""Pieces shared by the scopes: change history tables, evidence file lists, the closing pages."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from assurance.bundles.sections import Section, section_render
from config import numbers

_HISTORY_META = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
    "history_relation",
}
_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    object_id: int
    when: dt.datetime
    who: str
    action: str
    field: str
    old: str
    new: str
    reason: str


# Fields holding money, and where their currency is: the field ``<name>_currency``, or else the
# model's ``currency`` (a KPI report's ``value`` has no currency, so it stays a plain number).
_MONEY_FIELDS = {"amount", "price", "revenue", "value"}
# Integer fields that count things (spend lines, chunks, bytes); other ints are ids and years.
_COUNT_SUFFIXES = ("_total", "_done", "_count", "_bytes")


def display(value, *, field: str = "", record=None) -> str:
    """A stored value as the bundle's tables print it. Figures read with their unit, taken from
    the field's name as the style guide names them (``*_tco2e``, ``*kgco2e``, ``*_pct``), or
    with their currency; other numbers are grouped; ids and years (ints) are left alone."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, decimal.Decimal):
        return _figure(value, field, record)
    if isinstance(value, int) and field.endswith(_COUNT_SUFFIXES):
        return numbers.quantity(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _figure(value: decimal.Decimal, field: str, record) -> str:
    if field.endswith("_tco2e"):
        return numbers.tco2e(value)
    if field.endswith("kgco2e"):
        return numbers.emissions(value)
    if field.endswith("_pct"):
        return numbers.percent(value)
    if field in _MONEY_FIELDS and record is not None:
        currency = getattr(record, f"{field}_currency", None) or getattr(record, "currency", None)
        if currency:
            return numbers.money(value, currency)
    return numbers.quantity(value)


def history_records(model, object_ids) -> dict[int, list]:
    """All history records of the given objects, oldest first, in one query."""
    history_model = model.history.model
    records = defaultdict(list)
    rows = (
        history_model.objects.filter(id__in=list(object_ids))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    for record in rows:
        records[record.id].append(record)
    return records


# A structured value (an inventory run's plan with its pinned specs and vocabulary) can run to
# tens of kilobytes; printed whole at every change it would fill dozens of pages of a bundle.
# Above this size a change names the keys that changed and the value's sha256 instead, which
# identifies the stored value exactly.
LARGE_JSON_CHARACTERS = 400


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _is_large_json(value) -> bool:
    return isinstance(value, dict | list) and len(_canonical_json(value)) > LARGE_JSON_CHARACTERS


def _json_summary(value) -> str:
    if value in (None, "", [], {}):
        return ""
    text = _canonical_json(value)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    size = f"{len(value):,} key(s)" if isinstance(value, dict) else f"{len(value):,} item(s)"
    return f"{size}, {len(text):,} characters, sha256 {digest}"


def _json_change(old, new, *, first: bool) -> tuple[str, str]:
    """A large structured value's change: which keys changed, and each side's size and hash."""
    new_text = _json_summary(new)
    if isinstance(old, dict) and isinstance(new, dict) and not first:
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if keys:
            new_text = f"changed: {', '.join(keys)}; {new_text}"
    return ("" if first else _json_summary(old)), new_text


def history_changes(model, records: list) -> list[Change]:
    """What changed between consecutive history records: one row per field changed.

    The first record (creation) lists the fields set at creation; later records list only the
    fields whose stored value differs from the previous record.
    """
    fields = [
        f
        for f in model.history.model._meta.concrete_fields
        if f.name not in _HISTORY_META and f.attname not in _HISTORY_META
    ]
    changes: list[Change] = []
    previous = None
    for record in records:
        who = record.history_user.get_username() if record.history_user else "unknown"
        reason = record.history_change_reason or ""
        action = _ACTIONS.get(record.history_type, record.history_type)
        changed = []
        for f in fields:
            new = getattr(record, f.attname)
            if previous is None:
                if new not in (None, "", [], {}) and f.attname != "id":
                    changed.append((f, None, new))
            else:
                old = getattr(previous, f.attname)
                if old != new:
                    changed.append((f, old, new))
        if not changed:
            changes.append(Change(record.id, record.history_date, who, action, "—", "", "", reason))
        for f, old, new in changed:
            if _is_large_json(old) or _is_large_json(new):
                old_text, new_text = _json_change(old, new, first=previous is None)
            else:
                old_text = (
                    "" if previous is None else display(old, field=f.attname, record=previous)
                )
                new_text = display(new, field=f.attname, record=record)
            changes.append(
                Change(
                    record.id,
                    record.history_date,
                    who,
                    action,
                    str(f.verbose_name),
                    old_text,
                    new_text,
                    reason,
                )
            )
        previous = record
    return changes


def evidence_files_for(*, ids=(), targets=(), vendor=None) -> list:
    """Evidence files referenced by id or attached (generic relation) to any of ``targets``."""
    from assurance.models import EvidenceFile

    condition = Q(pk__in=[i for i in ids if i])
    by_type = defaultdict(list)
    for obj in targets:
        by_type[ContentType.objects.get_for_model(obj)].append(str(obj.pk))
    for content_type, pks in by_type.items():
        condition |= Q(target_type=content_type, target_id__in=pks)
    files = EvidenceFile.objects.filter(condition).select_related("uploaded_by", "target_type")
    if vendor is not None:
        files = files.filter(Q(vendor=vendor) | Q(vendor__isnull=True))
    return list(files.order_by("original_name", "sha256", "id"))


def evidence_section(files, manifest_names: dict | None = None) -> Section:
    return section_render(
        "evidence-files",
        "Evidence files",
        "evidence_files.html",
        {"files": files, "names": manifest_names or {}},
    )


def manifest_section(manifest) -> Section:
    return section_render(
        "manifest",
        "Manifest of attached files",
        "manifest.html",
        {"entries": manifest.entries, "manifest_sha256": manifest.sha256},
    )


def verification_section(*, manifest, chain, bundle) -> Section:
    return section_render(
        "verification",
        "How to verify this bundle",
        "verification.html",
        {"manifest_sha256": manifest.sha256, "chain": chain, "bundle": bundle},
    )
