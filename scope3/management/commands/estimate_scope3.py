"""``manage.py estimate_scope3``: run a Scope 3 inventory of a reporting year.

manage.py estimate_scope3 --year 2024                        queue on Celery and return
manage.py estimate_scope3 --year 2024 --wait                 queue, then show progress until done
manage.py estimate_scope3 --year 2024 --sync --output r.csv  run in this process, write results
manage.py estimate_scope3 --year 2024 --factors useeio=1.3.0 --factors fx=2024.1
manage.py estimate_scope3 --year 2024 --sync --uncertainty montecarlo --seed 7 --draws 20000
manage.py estimate_scope3 --resume 42                        re-queue chunks a dead worker held
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assurance.history import acting_as_system
from config.progress import CommandProgress
from scope3 import adapters, selectors
from scope3.models import InventoryRun
from scope3.services import runs

REASON = "estimate_scope3"
POLL_SECONDS = 2.0


def _pins(values: list[str]) -> dict[str, str]:
    pins = {}
    for value in values:
        kind, sep, version = value.partition("=")
        if not sep or not kind.strip() or not version.strip():
            raise CommandError(f"--factors expects KIND=VERSION, e.g. useeio=1.3.0; got {value!r}")
        if kind.strip() in pins:
            raise CommandError(f"--factors pins {kind.strip()} twice")
        pins[kind.strip()] = version.strip()
    return pins


class Command(BaseCommand):
    help = (
        "Estimate the Scope 3 emissions of a reporting year from the spend ledger, pinning one "
        "factor dataset version per kind (the highest unless --factors says otherwise)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Reporting year (spend lines dated in it).")
        parser.add_argument(
            "--factors",
            action="append",
            default=[],
            metavar="KIND=VERSION",
            help="Pin a dataset version of a kind (useeio, hardware, freight, waste, fx, "
            "price_index); repeatable.",
        )
        parser.add_argument("--output", help="Write one CSV row per estimate to this file.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--sync",
            action="store_true",
            help="Run every chunk in this process instead of on Celery workers.",
        )
        mode.add_argument(
            "--wait", action="store_true", help="Queue on Celery, then show progress until done."
        )
        parser.add_argument(
            "--resume",
            type=int,
            metavar="RUN_ID",
            help="Re-queue the chunks of a running run that a dead worker left (or, with "
            "--sync, process them here) and finish it.",
        )
        parser.add_argument(
            "--chunk-lines", type=int, help="Lines per chunk (default SCOPE3_CHUNK_LINES)."
        )
        parser.add_argument(
            "--uncertainty",
            choices=InventoryRun.Uncertainty.values,
            default=InventoryRun.Uncertainty.ANALYTIC,
            help="How line ranges combine into totals: analytic (linear within a shared "
            "source, quadrature across; the default) or montecarlo (one draw per shared source, "
            "fixed seed). See docs/method.md.",
        )
        parser.add_argument(
            "--seed", type=int, help="Monte Carlo seed (default 20261203); stored on the run."
        )
        parser.add_argument(
            "--draws", type=int, help="Monte Carlo draws, 100 to 100,000 (default 10,000)."
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        self._bar = None
        try:
            run = self._resume(options) if options["resume"] else self._start(options)
        finally:
            self._bar_close()
        if options["output"]:
            if run.status != InventoryRun.Status.COMPLETED:
                raise CommandError(
                    f"run #{run.pk} is {run.get_status_display().lower()}; --output needs a "
                    "completed run (use --sync or --wait)"
                )
            path = Path(options["output"])
            with path.open("w", newline="", encoding="utf-8") as stream:
                count = adapters.estimates_write_csv(
                    selectors.inventory_run_estimate_rows(run=run), stream
                )
            self.stdout.write(f"Wrote {count} estimate(s) to {path}.")

    def _start(self, options) -> InventoryRun:
        if options["year"] is None:
            raise CommandError("give --year YYYY (or --resume RUN_ID)")
        pins = _pins(options["factors"])
        with acting_as_system(REASON) as system:
            try:
                run = runs.inventory_run_start(
                    actor=system,
                    year=options["year"],
                    pins=pins,
                    chunk_lines=options["chunk_lines"],
                    reason=REASON,
                    queue=not options["sync"],
                    uncertainty=options["uncertainty"],
                    montecarlo_seed=options["seed"],
                    montecarlo_draws=options["draws"],
                )
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            f"Run #{run.pk} of {run.reporting_year} pins "
            + ", ".join(f"{kind}={version}" for kind, version in run.pins.items())
        )
        if options["sync"]:
            run = runs.inventory_run_execute(run=run, progress=self._progress)
            self._summary(run)
        elif options["wait"]:
            run = self._wait(run)
        else:
            self.stdout.write(
                f"Queued on Celery. Follow it in the admin or with: manage.py estimate_scope3 "
                f"--resume {run.pk} --wait"
            )
        return run

    def _resume(self, options) -> InventoryRun:
        run = selectors.inventory_run_get(run_id=options["resume"])
        if run is None:
            raise CommandError(f"no inventory run #{options['resume']}")
        if run.status == InventoryRun.Status.COMPLETED:
            self.stdout.write(f"Run #{run.pk} is already completed.")
            self._summary(run)
            return run
        if options["sync"]:
            if run.status == InventoryRun.Status.RUNNING:
                # Stuck chunks are claimable once stale; reclaim every chunk not done now.
                with acting_as_system(REASON):
                    for chunk in run.chunks.exclude(status="done").order_by("index"):
                        runs.inventory_chunk_process(
                            chunk_id=chunk.pk, worker="resume", stale_seconds=0, queue=False
                        )
            run = runs.inventory_run_execute(run=run, progress=self._progress)
            self._summary(run)
            return run
        if run.status == InventoryRun.Status.PENDING:
            from scope3 import tasks

            tasks.inventory_run_plan.delay(run.pk)
            self.stdout.write(f"Re-queued the planning of run #{run.pk}.")
        else:
            reaped = runs.inventory_run_reap(run_id=run.pk)
            from scope3 import tasks

            tasks.inventory_run_watch.delay(run.pk)
            self.stdout.write(
                f"Re-queued {len(reaped)} stuck chunk(s) of run #{run.pk} and its watchdog."
            )
        return self._wait(run) if options["wait"] else run

    def _progress(self, run: InventoryRun) -> None:
        """A bar on a terminal, else a line per chunk; nothing at -v 0 (see CommandProgress)."""
        if self._bar is None:
            self._bar = CommandProgress(
                self.stdout, verbosity=self.verbosity, desc=f"Run #{run.pk}", unit="chunk"
            )
        self._bar.update(
            run.chunks_done,
            run.chunks_total,
            line=f"  {run.chunks_done}/{run.chunks_total} chunks ({run.lines_total} lines)",
        )

    def _bar_close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _wait(self, run: InventoryRun) -> InventoryRun:
        last = None
        while True:
            run.refresh_from_db()
            state = (run.status, run.chunks_done)
            if state != last:
                self._progress(run)
                last = state
            if run.status == InventoryRun.Status.COMPLETED:
                self._summary(run)
                return run
            if run.status == InventoryRun.Status.FAILED:
                raise CommandError(f"run #{run.pk} failed: {run.error}")
            time.sleep(POLL_SECONDS)

    def _summary(self, run: InventoryRun) -> None:
        self._bar_close()
        unaccounted = ", ".join(f"{amount} {cur}" for cur, amount in run.unaccounted_amount.items())
        summary = (run.plan or {}).get("summary", {})
        self.stdout.write(
            self.style.SUCCESS(
                f"Run #{run.pk} completed: {run.total_kgco2e} kgCO2e "
                f"(range {run.low_kgco2e} to {run.high_kgco2e}, "
                f"{selectors.run_uncertainty_label(run)}) over {run.lines_total} lines; "
                f"emissions-weighted DQ {summary.get('dq_weighted') or 'n/a'}; "
                f"unaccounted spend: {unaccounted or 'none'}."
            )
        )
        for item in summary.get("unknown_terms", []):
            self.stdout.write(
                self.style.WARNING(f"  {item['lines']} line(s): {item['term']} unknown")
            )
