"""Writes of Scope 3 inventory runs: start, plan, process a chunk, finish, reap stuck chunks.

A run is split into chunks of spend lines (by id range) that Celery workers claim with a
conditional update (STYLE.md, "idempotent tasks"; the healthchecks pattern): any number of
workers, any delivery order, redelivery after a crash. The rules that keep totals exact:

- a chunk's estimates, its ``done`` transition and the run's ``chunks_done`` increment commit in
  one transaction, and the increment happens only when that transaction's conditional update
  moved the chunk to ``done`` (row count 1): a chunk is never counted twice;
- a redone chunk first deletes any estimates an earlier attempt left (none can survive a killed
  worker, since they commit together, but a chunk is then provably rebuilt from scratch);
- a chunk left ``running`` by a dead worker is claimable again once its claim is older than
  ``SCOPE3_STALE_SECONDS``; :func:`inventory_run_reap` re-queues such chunks, and the run's
  watchdog task calls it until the run completes, so completion never depends on a message
  being redelivered.

Every run pins its factor dataset versions and its supplier data when it starts and records its
allocation bases when it is planned, so re-running with the same inputs gives the same numbers
(docs/method.md, "Reproducibility").
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import os
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, localcontext

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from assurance.history import acting_as, acting_as_system
from assurance.models import AuditEvent
from assurance.services import audit_event_record
from scope3 import adapters
from scope3.engine import (
    ENGINE_DECIMAL_CONTEXT,
    GroupSums,
    Method,
    allocation_bases,
    estimate_lines,
    total_from_sums,
)
from scope3.engine.uncertainty import DEFAULT_MONTECARLO_DRAWS, DEFAULT_MONTECARLO_SEED
from scope3.models import EmissionEstimate, FactorDataset, InventoryChunk, InventoryRun
from scope3.selectors import (
    factor_dataset_get,
    factor_dataset_latest,
    run_uncertainty_options,
)

# The estimation method's version, stored on every run: a restatement between runs of different
# versions names the method correction (docs/method.md, "Method versions"). Version 2: hybrid
# only with a cradle-to-gate boundary, allocations split across years over the disclosure
# period, ranges combined by shared source with lognormal bounds, DQ from five indicators,
# hardware specs and the vocabulary.
METHOD_VERSION = 2
DEFAULT_CHUNK_LINES = 5000
DEFAULT_STALE_SECONDS = 900
DEFAULT_SYNC_WORKERS = 2
START_REASON = "inventory run started"
TASK_REASON = "inventory run (task)"

# Names accepted for --factors KIND=VERSION besides the kinds themselves.
KIND_ALIASES = {"spend": FactorDataset.Kind.USEEIO}


def _int_setting(name: str, default: int) -> int:
    # Settings win; the environment variable lets a worker process be tuned without a settings
    # change (the live worker test shortens the stale timeout this way).
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def chunk_lines_setting() -> int:
    return max(1, _int_setting("SCOPE3_CHUNK_LINES", DEFAULT_CHUNK_LINES))


def stale_seconds_setting() -> int:
    return max(1, _int_setting("SCOPE3_STALE_SECONDS", DEFAULT_STALE_SECONDS))


def code_version() -> str:
    try:
        return importlib.metadata.version("tenderleaf")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --- start ---------------------------------------------------------------------------------------


def inventory_run_pins_resolve(pins: Mapping[str, str] | None = None) -> dict[str, FactorDataset]:
    """The dataset of each kind a run pins: the given version, else the highest of the kind.

    Refuses (``ValidationError`` naming the kind and the versions that exist) an unknown kind or
    version, and a run without any spend-based dataset, which could estimate nothing but
    hardware lines and would report the rest of the ledger as unaccounted for a fixable reason.
    """
    errors = []
    chosen: dict[str, FactorDataset] = {}
    for raw_kind, version in (pins or {}).items():
        kind = KIND_ALIASES.get(raw_kind, raw_kind)
        if kind not in FactorDataset.Kind.values:
            errors.append(
                f"unknown factor kind {raw_kind!r} (known: {', '.join(FactorDataset.Kind.values)})"
            )
            continue
        dataset = factor_dataset_get(kind=kind, version=version)
        if dataset is None:
            known = sorted(
                FactorDataset.objects.filter(kind=kind).values_list("version", flat=True)
            )
            errors.append(
                f"no {kind} factor dataset version {version!r} is imported "
                f"(imported: {', '.join(known) or 'none'})"
            )
            continue
        chosen[kind] = dataset
    if errors:
        raise ValidationError(errors)
    for kind in FactorDataset.Kind.values:
        if kind not in chosen:
            latest = factor_dataset_latest(kind=kind)
            if latest is not None:
                chosen[kind] = latest
    if FactorDataset.Kind.USEEIO not in chosen:
        raise ValidationError(
            "No spend-based factor dataset (kind useeio) is imported, so no run can start. "
            "Import one first: manage.py import_factors --starter-pack, or "
            "manage.py import_factors --kind useeio PATH."
        )
    return chosen


def inventory_run_start(
    *,
    actor,
    year: int,
    pins: Mapping[str, str] | None = None,
    chunk_lines: int | None = None,
    reason: str = START_REASON,
    queue: bool = True,
    uncertainty: str = InventoryRun.Uncertainty.ANALYTIC,
    montecarlo_seed: int | None = None,
    montecarlo_draws: int | None = None,
) -> InventoryRun:
    """Start a Scope 3 inventory run of ``year`` (docs/method.md, "Reproducibility").

    Pins one dataset version per kind (:func:`inventory_run_pins_resolve`) and the supplier data
    it will read, records the code version, and (``queue``) plans it in a Celery task once this
    transaction commits. ``queue=False`` leaves planning to the caller (``--sync``).
    """
    if not 1900 <= int(year) <= 2100:
        raise ValidationError({"year": f"{year} is not a reporting year"})
    if uncertainty not in InventoryRun.Uncertainty.values:
        raise ValidationError(
            {
                "uncertainty": f"{uncertainty!r} is not an uncertainty method "
                f"(choose {' or '.join(InventoryRun.Uncertainty.values)})"
            }
        )
    montecarlo = {}
    if uncertainty == InventoryRun.Uncertainty.MONTECARLO:
        draws = int(montecarlo_draws or DEFAULT_MONTECARLO_DRAWS)
        if not 100 <= draws <= 100_000:
            raise ValidationError({"draws": f"{draws} draws: choose between 100 and 100,000"})
        montecarlo = {
            "montecarlo_seed": int(
                montecarlo_seed if montecarlo_seed is not None else DEFAULT_MONTECARLO_SEED
            ),
            "montecarlo_draws": draws,
        }
    datasets = inventory_run_pins_resolve(pins)
    with transaction.atomic(), acting_as(actor, reason):
        run = InventoryRun.objects.create(
            reporting_year=int(year),
            status=InventoryRun.Status.PENDING,
            pins={kind: dataset.version for kind, dataset in sorted(datasets.items())},
            started_by=actor,
            code_version=code_version(),
            uncertainty_method=uncertainty,
            method_version=METHOD_VERSION,
            plan={
                "chunk_lines": int(chunk_lines or chunk_lines_setting()),
                **montecarlo,
                **adapters.supplier_data_ids(year=int(year)),
                **adapters.reference_snapshots(datasets.get(FactorDataset.Kind.HARDWARE)),
            },
        )
        run.datasets.set(datasets.values())
        audit_event_record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            target=run,
            reason=reason,
            details={"year": run.reporting_year, "pins": run.pins},
        )
        if queue:
            from scope3 import tasks

            tasks.inventory_run_plan.delay_on_commit(run.pk)
    return run


# --- plan ----------------------------------------------------------------------------------------


def _chunk_ranges(year: int, size: int):
    """(first id, last id, lines) per ``size`` lines of the year, streaming the ids once."""
    first = last = None
    count = 0
    ids = adapters.year_lines(year).order_by("id").values_list("id", flat=True)
    for line_id in ids.iterator(chunk_size=10000):
        if first is None:
            first = line_id
        last = line_id
        count += 1
        if count == size:
            yield first, last, count
            first, count = None, 0
    if count:
        yield first, last, count


def inventory_run_plan(*, run_id: int, queue: bool = True) -> InventoryRun:
    """Split a pending run into chunks and compute its allocation bases (once).

    Idempotent: a run already planned is returned as is (a redelivered plan task does nothing).
    Allocation bases are computed here over *all* the vendor's lines in each allocating
    disclosure's period, whatever their year, because an allocation is spread over all of them
    (see ``engine.allocation_bases``) and each chunk only sees its own.
    """
    run = InventoryRun.objects.get(pk=run_id)
    if run.status != InventoryRun.Status.PENDING:
        return run
    inputs = adapters.run_inputs(run)
    plan = dict(run.plan)
    if inputs.context.has_allocations:
        bases = allocation_bases(
            inputs.context,
            adapters.iter_allocation_line_inputs(inputs.context, vendor_naics=inputs.vendor_naics),
        )
        plan["allocation_bases"] = {key: base.as_json() for key, base in sorted(bases.items())}
    else:
        plan["allocation_bases"] = {}
    size = int(plan.get("chunk_lines") or chunk_lines_setting())
    with transaction.atomic():
        # The conditional update is the claim: two planners of one run cannot both chunk it.
        claimed = InventoryRun.objects.filter(pk=run.pk, status=InventoryRun.Status.PENDING).update(
            status=InventoryRun.Status.RUNNING
        )
        if claimed != 1:
            return InventoryRun.objects.get(pk=run.pk)
        chunks = [
            InventoryChunk(run=run, index=index, first_line_id=first, last_line_id=last, lines=n)
            for index, (first, last, n) in enumerate(_chunk_ranges(run.reporting_year, size))
        ]
        InventoryChunk.objects.bulk_create(chunks, batch_size=1000)
        run.refresh_from_db()
        run.plan = plan
        run.lines_total = sum(chunk.lines for chunk in chunks)
        run.chunks_total = len(chunks)
        run.started_at = timezone.now()
        with acting_as(run.started_by, TASK_REASON):
            run.save(update_fields=["plan", "lines_total", "chunks_total", "started_at", "status"])
        if queue:
            from scope3 import tasks

            chunk_ids = [chunk.pk for chunk in chunks] or list(
                InventoryChunk.objects.filter(run=run).values_list("pk", flat=True)
            )
            for chunk_id in chunk_ids:
                tasks.inventory_chunk_process.delay_on_commit(chunk_id)
            # The watchdog: finalizes an empty run now, else checks back after the stale timeout
            # and re-queues chunks a dead worker held (see inventory_run_reap).
            countdown = 0 if not chunks else stale_seconds_setting()
            transaction.on_commit(
                lambda: tasks.inventory_run_watch.apply_async((run.pk,), countdown=countdown)
            )
    return run


# --- chunks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkOutcome:
    status: str  # "done", "not claimed" (done or held by another worker), "lost claim", "gone"
    estimates: int = 0
    run_complete: bool = False


# One context per run and process: the pinned datasets are immutable, so a worker that processes
# many chunks of the same run loads them once.
_INPUTS_CACHE: dict[tuple, adapters.RunInputs] = {}


def _inputs_for(run: InventoryRun) -> adapters.RunInputs:
    # Keyed by creation time too: a primary key can be reused after a rollback (tests) and the
    # cache must never serve another run's pins.
    key = (run.pk, run.created_at)
    inputs = _INPUTS_CACHE.get(key)
    if inputs is None:
        _INPUTS_CACHE.clear()
        inputs = _INPUTS_CACHE[key] = adapters.run_inputs(run)
    return inputs


def _chunk_totals(results) -> dict:
    """Exact partial sums of one chunk, as strings (JSON keeps every digit).

    ``sources``: Σ kg per shared source and relative uncertainty, all a range needs
    (``engine.GroupSums``); ``dq``: Σ |kg| and Σ |kg|·DQ for the emissions-weighted DQ;
    ``unknown_terms``: lines per ledger word nobody understood.
    """
    sums = GroupSums()
    unaccounted: dict[str, Decimal] = {}
    unknown: dict[str, int] = {}
    weight = weighted = Decimal(0)
    with localcontext(ENGINE_DECIMAL_CONTEXT):
        for result, currency, amount in results:
            sums.add(result)
            for term in result.unknown_terms:
                unknown[term] = unknown.get(term, 0) + 1
            if result.method is Method.UNACCOUNTED:
                unaccounted[currency] = unaccounted.get(currency, Decimal(0)) + amount
                continue
            if result.dq is not None:
                weight += abs(result.kgco2e)
                weighted += abs(result.kgco2e) * result.dq
    return {
        "kgco2e": str(sum((kg for _s, by_u in sums.items() for kg in by_u.values()), Decimal(0))),
        "sources": sums.as_json(),
        "lines": sums.lines,
        "unaccounted_lines": sums.unaccounted_lines,
        "unaccounted_amount": {key: str(value) for key, value in sorted(unaccounted.items())},
        "unknown_terms": dict(sorted(unknown.items())),
        "dq": {"weight": str(weight), "weighted": str(weighted)},
    }


def inventory_chunk_process(
    *,
    chunk_id: int,
    worker: str,
    stale_seconds: int | None = None,
    queue: bool = True,
    now: Callable[[], dt.datetime] = timezone.now,
) -> ChunkOutcome:
    """Estimate one chunk's lines and store them, exactly once whatever happens to workers.

    1. Claim: ``pending -> running``, or re-claim ``running`` whose claim is older than the stale
       timeout (its worker is presumed dead). No claim, nothing to do.
    2. Compute with the engine outside any transaction (no lock held while computing).
    3. In one transaction: move the chunk ``running -> done`` *only if our claim still holds*
       (a slow worker whose chunk was re-claimed meanwhile discards its work), delete estimates
       of an earlier attempt, insert the new ones, add 1 to the run's ``chunks_done``.
    The worker that completes the last chunk queues the run's finalization.
    """
    stale = stale_seconds if stale_seconds is not None else stale_seconds_setting()
    claimed_at = now()
    token = f"{worker[:150]} {uuid.uuid4().hex[:16]}"
    claimable = Q(status=InventoryChunk.Status.PENDING) | Q(
        status=InventoryChunk.Status.RUNNING,
        claimed_at__lt=claimed_at - dt.timedelta(seconds=stale),
    )
    claimed = (
        InventoryChunk.objects.filter(claimable, pk=chunk_id)
        .filter(run__status=InventoryRun.Status.RUNNING)
        .update(status=InventoryChunk.Status.RUNNING, claimed_at=claimed_at, claimed_by=token)
    )
    if claimed != 1:
        return ChunkOutcome("not claimed")
    chunk = InventoryChunk.objects.select_related("run").get(pk=chunk_id)
    run = chunk.run
    inputs = _inputs_for(run)
    lines = adapters.chunk_line_inputs(
        year=run.reporting_year,
        first_line_id=chunk.first_line_id,
        last_line_id=chunk.last_line_id,
        vendor_naics=inputs.vendor_naics,
        vendor_country=inputs.vendor_country,
    )
    results = estimate_lines(inputs.context, lines)
    rows = [
        adapters.estimate_row(
            result, run_id=run.pk, chunk_id=chunk.pk, dataset_ids=inputs.dataset_ids
        )
        for result in results
    ]
    totals = _chunk_totals(
        (result, line.currency, line.amount) for result, line in zip(results, lines, strict=True)
    )
    with transaction.atomic():
        done = InventoryChunk.objects.filter(
            pk=chunk.pk, status=InventoryChunk.Status.RUNNING, claimed_by=token
        ).update(
            status=InventoryChunk.Status.DONE,
            finished_at=now(),
            lines=len(rows),
            totals=totals,
        )
        if done != 1:
            return ChunkOutcome("lost claim")
        EmissionEstimate.objects.filter(chunk_id=chunk.pk).delete()
        adapters.estimates_insert(rows)
        InventoryRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)
        progress = InventoryRun.objects.filter(pk=run.pk).values_list(
            "chunks_done", "chunks_total"
        )[0]
        complete = progress[0] >= progress[1]
        if complete and queue:
            from scope3 import tasks

            tasks.inventory_run_finish.delay_on_commit(run.pk)
    return ChunkOutcome("done", estimates=len(rows), run_complete=complete)


def inventory_run_reap(
    *,
    run_id: int,
    stale_seconds: int | None = None,
    queue: bool = True,
    now: Callable[[], dt.datetime] = timezone.now,
) -> list[int]:
    """Chunks of a running run that need a (new) task: stale claims, and pending chunks planned
    longer ago than the stale timeout (their message may be lost with a dead worker's prefetch).

    Queues a chunk task for each (``queue``) and returns their ids. A duplicate message is
    harmless: only one claim can succeed.
    """
    stale = stale_seconds if stale_seconds is not None else stale_seconds_setting()
    cutoff = now() - dt.timedelta(seconds=stale)
    run = InventoryRun.objects.filter(pk=run_id).first()
    if run is None or run.status != InventoryRun.Status.RUNNING:
        return []
    stuck = Q(status=InventoryChunk.Status.RUNNING, claimed_at__lt=cutoff)
    if run.started_at is not None and run.started_at < cutoff:
        stuck |= Q(status=InventoryChunk.Status.PENDING)
    chunk_ids = list(
        InventoryChunk.objects.filter(stuck, run_id=run_id).values_list("pk", flat=True)
    )
    if queue and chunk_ids:
        from scope3 import tasks

        for chunk_id in chunk_ids:
            tasks.inventory_chunk_process.delay_on_commit(chunk_id)
    return chunk_ids


# --- finish --------------------------------------------------------------------------------------


def inventory_run_finish(*, run_id: int) -> InventoryRun | None:
    """Add up the chunks' exact partial sums and mark the run completed (once).

    Total = Σ kg; its range combines the chunks' sums per shared source with the run's
    uncertainty method (``engine.total_from_sums``: linear within a source, quadrature across,
    or Monte Carlo with one draw per source); unaccounted spend per currency; the run's summary
    (sources, the widest one, emissions-weighted DQ, unknown ledger words) goes to its plan.
    Returns None while chunks remain; the completed run otherwise. Idempotent: the conditional
    update on ``finished_at`` lets one finalizer through.
    """
    with transaction.atomic():
        claimed = InventoryRun.objects.filter(
            pk=run_id,
            status=InventoryRun.Status.RUNNING,
            finished_at__isnull=True,
            chunks_done__gte=F("chunks_total"),
        ).update(finished_at=timezone.now())
        run = InventoryRun.objects.select_related("started_by").get(pk=run_id)
        if claimed != 1:
            return run if run.status == InventoryRun.Status.COMPLETED else None
        sums = GroupSums()
        unaccounted: dict[str, Decimal] = {}
        unknown: dict[str, int] = {}
        weight = weighted = Decimal(0)
        with localcontext(ENGINE_DECIMAL_CONTEXT):
            for totals in InventoryChunk.objects.filter(run_id=run_id).values_list(
                "totals", flat=True
            ):
                sums.merge(
                    GroupSums.from_json(
                        totals.get("sources", {}),
                        lines=totals.get("lines", 0),
                        unaccounted_lines=totals["unaccounted_lines"],
                    )
                )
                for currency, amount in totals["unaccounted_amount"].items():
                    unaccounted[currency] = unaccounted.get(currency, Decimal(0)) + Decimal(amount)
                for term, count in totals.get("unknown_terms", {}).items():
                    unknown[term] = unknown.get(term, 0) + count
                weight += Decimal(totals.get("dq", {}).get("weight", "0"))
                weighted += Decimal(totals.get("dq", {}).get("weighted", "0"))
            total = total_from_sums(sums, **run_uncertainty_options(run))
        unaccounted_lines = total.unaccounted_lines
        run.total_kgco2e = total.kgco2e
        run.low_kgco2e = total.low_kgco2e
        run.high_kgco2e = total.high_kgco2e
        run.unaccounted_amount = {
            currency: str(amount) for currency, amount in sorted(unaccounted.items())
        }
        plan = dict(run.plan or {})
        plan["summary"] = {
            "sources": total.sources,
            "widest_source": total.widest_source,
            "widest_source_width_kgco2e": str(total.widest_source_width_kgco2e),
            "dq_weighted": str((weighted / weight).quantize(Decimal("0.1"))) if weight else None,
            "unknown_terms": [
                {"term": term, "lines": count}
                for term, count in sorted(unknown.items(), key=lambda item: (-item[1], item[0]))
            ],
        }
        run.plan = plan
        run.status = InventoryRun.Status.COMPLETED
        with acting_as(run.started_by, TASK_REASON):
            run.save()
            audit_event_record(
                actor=run.started_by,
                verb=AuditEvent.Verb.ESTIMATED,
                target=run,
                reason=TASK_REASON,
                details={
                    "year": run.reporting_year,
                    "lines": run.lines_total,
                    "total_kgco2e": str(run.total_kgco2e),
                    "low_kgco2e": str(run.low_kgco2e),
                    "high_kgco2e": str(run.high_kgco2e),
                    "unaccounted_lines": unaccounted_lines,
                    "uncertainty": total.method_label,
                    "pins": run.pins,
                },
            )
    return run


def inventory_run_watch(*, run_id: int, queue: bool = True) -> str:
    """The run's watchdog: finish it when every chunk is done, else re-queue stuck chunks and
    (``queue``) check again after the stale timeout. Returns what it did."""
    run = InventoryRun.objects.filter(pk=run_id).first()
    if run is None:
        return "gone"
    if run.status == InventoryRun.Status.COMPLETED:
        return "completed"
    if run.status != InventoryRun.Status.RUNNING:
        return run.status
    if run.chunks_done >= run.chunks_total:
        return "completed" if inventory_run_finish(run_id=run_id) else "finishing"
    reaped = inventory_run_reap(run_id=run_id, queue=queue)
    if queue:
        from scope3 import tasks

        tasks.inventory_run_watch.apply_async((run_id,), countdown=stale_seconds_setting())
    return f"waiting; re-queued {len(reaped)} chunk(s)"


def inventory_run_fail(*, run_id: int, error: str) -> None:
    run = InventoryRun.objects.select_related("started_by").get(pk=run_id)
    if run.status == InventoryRun.Status.COMPLETED:
        return
    run.status = InventoryRun.Status.FAILED
    run.error = error[:5000]
    with acting_as(run.started_by, TASK_REASON):
        run.save(update_fields=["status", "error"])


# --- in-process execution (--sync, tests, the benchmark) ---------------------------------------


def sync_workers_setting() -> int:
    return max(1, _int_setting("SCOPE3_SYNC_WORKERS", DEFAULT_SYNC_WORKERS))


def _sync_workers() -> int:
    """How many chunks ``inventory_run_execute`` processes at once.

    On PostgreSQL, outside a caller's transaction, several: while one thread computes a chunk
    (holding the GIL), another waits on the database storing its chunk (index updates and
    foreign-key checks at commit, which take as long as the computation), so the two overlap
    as they do between Celery workers. Inside a transaction (tests, a caller's atomic block)
    another connection could not see the caller's rows, and SQLite has one writer at a time:
    one chunk after another there.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return sync_workers_setting()


def _chunk_process_in_thread(chunk_id: int, *, actor, worker: str) -> ChunkOutcome:
    try:
        # A thread starts without the caller's context variables: set the actor again.
        with acting_as(actor, TASK_REASON):
            return inventory_chunk_process(chunk_id=chunk_id, worker=worker, queue=False)
    finally:
        connection.close()  # this thread's own connection


def inventory_run_execute(
    *, run: InventoryRun, worker: str = "sync", progress: Callable | None = None
) -> InventoryRun:
    """Plan (if needed), process every chunk in this process, and finish: the ``--sync`` path,
    the same code the tasks run (chunks claimed and stored the same way, so a chunk is never
    counted twice however many threads process them; see :func:`_sync_workers`)."""
    with acting_as_system(TASK_REASON) as actor:
        run = inventory_run_plan(run_id=run.pk, queue=False)
        chunk_ids = list(
            InventoryChunk.objects.filter(run=run)
            .exclude(status=InventoryChunk.Status.DONE)
            .order_by("index")
            .values_list("pk", flat=True)
        )
        workers = min(_sync_workers(), len(chunk_ids))
        if workers > 1:
            process = functools.partial(_chunk_process_in_thread, actor=actor, worker=worker)
            with ThreadPoolExecutor(workers, thread_name_prefix="scope3-chunk") as pool:
                for _outcome in pool.map(process, chunk_ids):
                    if progress is not None:
                        progress(InventoryRun.objects.get(pk=run.pk))
        else:
            for chunk_id in chunk_ids:
                inventory_chunk_process(chunk_id=chunk_id, worker=worker, queue=False)
                if progress is not None:
                    progress(InventoryRun.objects.get(pk=run.pk))
        finished = inventory_run_finish(run_id=run.pk)
    return finished or InventoryRun.objects.get(pk=run.pk)
