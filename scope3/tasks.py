"""Scope 3 tasks: thin wrappers that take ids and call a service; each is safe to run twice.

Idempotency lives in the services (conditional updates on the run and chunk rows), so a task
redelivered after a worker died, or run twice at once, does nothing harmful. ``acks_late`` and
``reject_on_worker_lost`` (also the settings' defaults) give a killed worker's message back to
the broker where the broker can; where it cannot, the run's watchdog re-queues the chunk.
"""

import socket
import traceback

from celery import shared_task

from config.celery import task_options
from scope3.services import runs, spend

# Planning marks the run failed before re-raising, so it is not retried: a retry would find the
# run failed. Chunks and finishing are conditional updates, safe to retry and to redeliver.
PLAN = task_options(bind=True, autoretry_for=())
STEP = task_options(bind=True)


def _worker_name(task) -> str:
    hostname = getattr(task.request, "hostname", None) or socket.gethostname()
    return f"{hostname}:{task.request.id}"


@shared_task(**PLAN)
def inventory_run_plan(self, run_id: int) -> str:
    try:
        run = runs.inventory_run_plan(run_id=run_id)
    except Exception:
        runs.inventory_run_fail(run_id=run_id, error=traceback.format_exc())
        raise
    return f"{run.chunks_total} chunk(s)"


@shared_task(**STEP)
def inventory_chunk_process(self, chunk_id: int) -> str:
    outcome = runs.inventory_chunk_process(chunk_id=chunk_id, worker=_worker_name(self))
    return outcome.status


@shared_task(**STEP)
def inventory_run_finish(self, run_id: int) -> str:
    """Finish the run once all its chunks are done (queued by the chunk that completes it)."""
    run = runs.inventory_run_finish(run_id=run_id)
    return "completed" if run is not None else "chunks remain"


@shared_task(**STEP)
def inventory_run_watch(self, run_id: int) -> str:
    """The run's watchdog: finish it when all its chunks are done, else re-queue stuck chunks and
    check again later."""
    return runs.inventory_run_watch(run_id=run_id)


@shared_task(**PLAN)
def import_batch_process(self, batch_id: int) -> str:
    """Import a spend file uploaded in the admin (scope3.services.spend, "Uploads")."""
    batch = spend.import_batch_process(batch_id=batch_id)
    return batch.status if batch is not None else "taken by another worker or finished"
