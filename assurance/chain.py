"""The tamper-evident audit trail: one global hash chain over history records and audit events.

Design
------
*What is chained.* Every row of every django-simple-history table (every model whose name starts
with ``Historical`` and has an integer history id, the many-to-many history tables included) and
every :class:`~assurance.models.AuditEvent`. The list is computed from the app registry, so a
tracked model added later is chained without a code change.

*The chain.* One global, append-only :class:`~assurance.models.ChainLink` table. Link ``n`` stores
the source table label, the source primary key, ``row_digest = sha256(canonical row)`` and::

    h_n = sha256(h_{n-1} || row_digest)      (hex strings concatenated; h_0 = 64 zeros)

The *canonical row* is the UTF-8 JSON of ``{"source": "<app_label.Model>", "fields": {...}}``
with sorted keys and no whitespace, where ``fields`` holds, by attribute name (foreign keys as
ids), every field of the *schema* of the table in force at the link (below): Decimals as strings,
datetimes as ISO 8601 in UTC, dates and times in ISO 8601, UUIDs as strings. Naming the source
table in the digest means a row cannot be passed off as a row of another table.

*Schemas.* A table's columns change between releases, and a row linked before a column was added
must still hash as it did. :class:`~assurance.models.ChainSchema` records, per source table, the
sorted attribute names its rows are hashed with from link ``from_seq`` on; the schema of link
``n`` is the one with the latest ``from_seq <= n`` for its table. The extender compares each
table's concrete fields with its latest schema before it links rows of it and, when they differ
(or none is recorded), records a new schema starting at the first link it appends for that table,
in the same transaction; so the schema always equals every concrete field of the table at the
time of linking, excluding nothing. Migration ``0008`` recorded the schemas of the links made
before schemas existed (``from_seq`` 0). Consequences: a column added later is not covered for
rows linked before it (they did not have it); a dropped or renamed column that an older schema
names fails verification, naming the column, because those rows can no longer be re-hashed.
Schemas need no protection of their own: hashing a row with other fields than it was linked with
changes its digest, so an altered schema is reported like an altered row.

*One writer, no forks.* :func:`audit_chain_extend` is the only code that appends, and it does so
inside a transaction holding an exclusive lock: ``pg_advisory_xact_lock`` on PostgreSQL; on
SQLite the ``BEGIN IMMEDIATE`` that the settings configure (``transaction_mode``) already takes
the database's single write lock. Two extenders therefore run one after the other; the second
sees the first's head, and ``seq`` is unique besides. It runs every minute from Celery beat
(schedule created by migration ``0005``), and synchronously before a bundle is generated or the
trail is verified, so the head printed on a bundle covers everything written before it.

*Finding new rows.* Per source, rows above the highest linked primary key minus a look-back
window (:data:`LOOKBACK_IDS`) that have no link yet. The window covers PostgreSQL sequences
handing out ids in an order different from commit order (a long transaction commits a low id
after a higher one was linked); a commit later than that many ids would be missed, and
verification reports such rows as unlinked.

*Verification* (:func:`audit_chain_verify`) streams the links in ``seq`` order with
``iterator(chunk_size=...)``, fetches the source rows of each chunk with one query per table,
recomputes each row digest (with the schema in force at the link; the schemas, a few rows,
are loaded once) and each chain hash, and stops at the first link that does not
match, naming its table, primary key and ``seq``: a changed row, a deleted row, a missing or
altered link. Memory is bounded by the chunk size, so a million-row trail verifies in constant
memory. Every generated bundle also records the head it printed on its cover (``chain_seq``,
``chain_head``); verification checks those anchors too, so truncating or rewriting the whole
tail of the chain is detected as long as one bundle (or any copy of a head hash) exists outside
the database.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef

GENESIS = "0" * 64
LOOKBACK_IDS = 10_000
# A 64-bit key for pg_advisory_xact_lock, derived from a fixed name.
_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"tenderleaf.audit_chain").digest()[:8], "big", signed=True
)
_INTEGER_PKS = (models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField)


def chained_models() -> list[type[models.Model]]:
    """Every history model and AuditEvent, ordered by label (a stable order for batching)."""
    from assurance.models import AuditEvent

    found = [AuditEvent]
    for model in apps.get_models():
        if not model.__name__.startswith("Historical"):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if not ({"history_id", "history_date"} <= names or "m2m_history_id" in names):
            continue
        if isinstance(model._meta.pk, _INTEGER_PKS):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _encode(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def row_canonical(label: str, fields: dict) -> bytes:
    """The canonical bytes of one row (see the module docstring)."""
    return json.dumps(
        {"source": label, "fields": fields},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_encode,
    ).encode("utf-8")


def row_digest(label: str, fields: dict) -> str:
    return hashlib.sha256(row_canonical(label, fields)).hexdigest()


def link_hash(previous: str, digest: str) -> str:
    return hashlib.sha256((previous + digest).encode("ascii")).hexdigest()


def _attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _latest_schemas(labels) -> dict[str, list[str]]:
    """The fields of the latest recorded schema of each source in ``labels``."""
    from assurance.models import ChainSchema

    rows = ChainSchema.objects.filter(source__in=labels).order_by("source", "from_seq")
    return dict(rows.values_list("source", "fields"))


class _Schemas:
    """Every recorded schema, loaded once, and the one in force at a given link."""

    def __init__(self):
        from assurance.models import ChainSchema

        self._starts: dict[str, list[int]] = defaultdict(list)
        self._fields: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        rows = ChainSchema.objects.order_by("source", "from_seq")
        for source, fields, from_seq in rows.values_list("source", "fields", "from_seq"):
            self._starts[source].append(from_seq)
            self._fields[source].append(tuple(fields))

    def at(self, source: str, seq: int) -> tuple[str, ...] | None:
        """The fields link ``seq`` of ``source`` was hashed with; None: no schema recorded."""
        index = bisect_right(self._starts.get(source, ()), seq) - 1
        return self._fields[source][index] if index >= 0 else None


def _dropped(missing: list[str]) -> str:
    if len(missing) == 1:
        return f"column {missing[0]} was dropped after the row was linked"
    return f"columns {', '.join(missing)} were dropped after the row was linked"


def _time_of(model) -> str | None:
    names = {f.name for f in model._meta.concrete_fields}
    for name in ("history_date", "occurred_at"):
        if name in names:
            return name
    return None


def _chain_lock() -> None:
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    # SQLite: the transaction began with BEGIN IMMEDIATE (settings), which holds the write lock.


@dataclass
class ChainHead:
    seq: int
    chain_hash: str


def chain_head() -> ChainHead:
    from assurance.models import ChainLink

    last = ChainLink.objects.order_by("-seq").values_list("seq", "chain_hash").first()
    return ChainHead(*last) if last else ChainHead(0, GENESIS)


def audit_chain_extend(*, batch_size: int = 2000) -> int:
    """Link every history record and audit event not linked yet; return how many were linked.

    Each batch is one transaction under the chain lock, so a crash leaves a valid, shorter chain
    and the next run continues from it. Before a table's rows are linked, its current fields are
    compared with its latest recorded schema; when they differ, a new schema starting at the
    table's first link of the batch is recorded in the same transaction (module docstring).
    """
    from assurance.models import ChainLink, ChainSchema

    linked = 0
    sources = chained_models()
    current = {m._meta.label: sorted(_attnames(m)) for m in sources}
    _epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    while True:
        with transaction.atomic():
            _chain_lock()
            head = chain_head()
            candidates = []
            for model in sources:
                label = model._meta.label
                high = ChainLink.objects.filter(source=label).aggregate(top=Max("source_pk"))["top"]
                rows = model._base_manager.all()
                if high is not None:
                    rows = rows.filter(pk__gt=high - LOOKBACK_IDS).filter(
                        ~Exists(ChainLink.objects.filter(source=label, source_pk=OuterRef("pk")))
                    )
                pk_name = model._meta.pk.attname
                time_name = _time_of(model)
                for row in rows.order_by("pk").values(*_attnames(model))[:batch_size]:
                    when = row[time_name] if time_name else None
                    candidates.append((when or _epoch, label, row[pk_name], row))
            if not candidates:
                break
            candidates.sort(key=lambda c: c[:3])
            batch = candidates[:batch_size]
            links = []
            first_seq: dict[str, int] = {}
            previous, seq = head.chain_hash, head.seq
            for _when, label, pk, row in batch:
                digest = row_digest(label, row)
                previous = link_hash(previous, digest)
                seq += 1
                first_seq.setdefault(label, seq)
                links.append(
                    ChainLink(
                        seq=seq,
                        source=label,
                        source_pk=pk,
                        row_digest=digest,
                        chain_hash=previous,
                    )
                )
            recorded = _latest_schemas(list(first_seq))
            ChainSchema.objects.bulk_create(
                ChainSchema(source=label, fields=current[label], from_seq=start)
                for label, start in first_seq.items()
                if recorded.get(label) != current[label]
            )
            ChainLink.objects.bulk_create(links)
            linked += len(links)
        if len(candidates) <= batch_size:
            break
    return linked


@dataclass
class ChainBreak:
    seq: int
    source: str
    source_pk: int | None
    reason: str

    def __str__(self):
        return f"link #{self.seq}: {self.source} row {self.source_pk}: {self.reason}"


@dataclass
class ChainVerification:
    ok: bool
    links_checked: int
    head: ChainHead
    first_break: ChainBreak | None = None
    unlinked: dict[str, int] = field(default_factory=dict)
    anchors_checked: int = 0

    @property
    def summary(self) -> str:
        if self.ok:
            return (
                f"Audit trail verified: {self.links_checked} links, head #{self.head.seq} "
                f"{self.head.chain_hash}."
            )
        return f"Audit trail does NOT verify: {self.first_break}."


def audit_chain_verify(
    *, chunk_size: int = 1000, progress: Callable[[int], None] | None = None
) -> ChainVerification:
    """Re-verify the chain from its first link; stop at the first link that does not match.

    Each row is hashed with the fields of its table's schema in force at the link, or with all
    its current fields when its table has no schema recorded (module docstring).
    """
    from assurance.models import ChainLink, EvidenceBundle

    models_by_label = {m._meta.label: m for m in chained_models()}
    schemas = _Schemas()
    anchors = dict(
        EvidenceBundle.objects.filter(chain_seq__isnull=False, chain_seq__gt=0).values_list(
            "chain_seq", "chain_head"
        )
    )
    state = {"previous": GENESIS, "expected_seq": 1, "checked": 0, "anchors": 0}
    links = ChainLink.objects.order_by("seq").values_list(
        "seq", "source", "source_pk", "row_digest", "chain_hash"
    )
    chunk: list[tuple] = []
    failure = None
    for link in links.iterator(chunk_size=chunk_size):
        chunk.append(link)
        if len(chunk) >= chunk_size:
            failure = _verify_chunk(chunk, models_by_label, schemas, anchors, state)
            chunk = []
            if progress is not None:
                progress(state["checked"])
            if failure:
                break
    if failure is None and chunk:
        failure = _verify_chunk(chunk, models_by_label, schemas, anchors, state)
    head = ChainHead(state["expected_seq"] - 1, state["previous"])
    if failure is None:
        missing = [seq for seq in anchors if seq > head.seq]
        if missing:
            seq = min(missing)
            failure = ChainBreak(
                seq, "assurance.ChainLink", None, "link named on an evidence bundle is missing"
            )
    return ChainVerification(
        ok=failure is None,
        links_checked=state["checked"],
        head=head if failure is None else chain_head(),
        first_break=failure,
        unlinked=_unlinked_counts(models_by_label) if failure is None else {},
        anchors_checked=state["anchors"],
    )


def _verify_chunk(chunk, models_by_label, schemas, anchors, state) -> ChainBreak | None:
    wanted: dict[str, list[int]] = defaultdict(list)
    for _seq, source, source_pk, _digest, _hash in chunk:
        wanted[source].append(source_pk)
    rows: dict[tuple[str, int], dict] = {}
    for source, pks in wanted.items():
        model = models_by_label.get(source)
        if model is None:
            continue
        pk_name = model._meta.pk.attname
        for row in model._base_manager.filter(pk__in=pks).values(*_attnames(model)):
            rows[(source, row[pk_name])] = row
    for seq, source, source_pk, digest, stored_hash in chunk:
        if seq != state["expected_seq"]:
            return ChainBreak(
                state["expected_seq"], source, source_pk, f"link missing (next link is #{seq})"
            )
        if source not in models_by_label:
            return ChainBreak(seq, source, source_pk, "unknown source table")
        row = rows.get((source, source_pk))
        if row is None:
            return ChainBreak(seq, source, source_pk, "source row was deleted")
        fields = schemas.at(source, seq)
        if fields is not None:
            missing = [name for name in fields if name not in row]
            if missing:
                return ChainBreak(seq, source, source_pk, _dropped(missing))
            row = {name: row[name] for name in fields}
        if row_digest(source, row) != digest:
            return ChainBreak(seq, source, source_pk, "source row was changed after it was linked")
        expected_hash = link_hash(state["previous"], digest)
        if expected_hash != stored_hash:
            return ChainBreak(seq, source, source_pk, "chain hash of the link was altered")
        if seq in anchors:
            state["anchors"] += 1
            if anchors[seq] != stored_hash:
                return ChainBreak(
                    seq, source, source_pk, "differs from the head printed on an evidence bundle"
                )
        state["previous"] = stored_hash
        state["expected_seq"] += 1
        state["checked"] += 1
    return None


def _unlinked_counts(models_by_label: dict) -> dict[str, int]:
    """Rows that have no link yet, per table (normally zero right after an extend)."""
    from assurance.models import ChainLink

    linked = dict(
        ChainLink.objects.values("source").annotate(n=models.Count("id")).values_list("source", "n")
    )
    counts = {}
    for label, model in models_by_label.items():
        total = model._base_manager.count()
        if total != linked.get(label, 0):
            counts[label] = total - linked.get(label, 0)
    return counts
