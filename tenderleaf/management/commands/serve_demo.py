"""``manage.py serve_demo``: the web server, a Celery worker and beat, stopped together.

``make demo`` ends with this command. Each process runs in its own process group, so a signal
to the terminal's group (Ctrl-C) or to this command's group reaches this command, which then
stops the three in order and in bounded time:

1. SIGTERM to each (gunicorn stops gracefully, the worker starts a warm shutdown, beat exits);
2. after ``--grace`` seconds (default 2), SIGQUIT to what is left: Celery's cold shutdown, which
   abandons running tasks (they are acknowledged late, ``task_acks_late``, so the broker hands
   them out again on the next start);
3. after ``--stop-timeout`` seconds in all (default 4), SIGKILL to every remaining process of
   the three groups, worker pool children included.

So the demo is gone within 10 seconds of Ctrl-C or SIGTERM, and leaves no process behind. If any
of the three exits on its own, the others are stopped the same way and the command fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

POLL_SECONDS = 0.2


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)


class Command(BaseCommand):
    help = (
        "Run the demo's web server, Celery worker and beat; Ctrl-C or SIGTERM stops all three "
        "within 10 seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--logins", help="A file whose text (the demo sign-ins) is printed once serving."
        )
        parser.add_argument("--web-workers", type=int, default=2)
        # A warm shutdown of the worker on the file-system broker took over 5 s in a measured
        # `make demo`, and make and the interpreter add about 2 s on top: 2 s of grace, then a
        # cold shutdown, keeps the whole stop well inside 10 s.
        parser.add_argument("--grace", type=float, default=2.0)
        parser.add_argument("--stop-timeout", type=float, default=4.0)

    def handle(self, *args, **options):
        if options["stop_timeout"] <= options["grace"]:
            raise CommandError("--stop-timeout must be longer than --grace")
        url = f"http://{options['host']}:{options['port']}"
        python = sys.executable
        commands = {
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "info",
                "-S",
                "django_celery_beat.schedulers:DatabaseScheduler",
            ],
            "web": [
                python,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["web_workers"]),
                "--graceful-timeout",
                str(int(options["grace"])),
                "--access-logfile",
                "-",
            ],
        }
        self._stopping = False
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        processes: dict[str, subprocess.Popen] = {}
        try:
            for name, command in commands.items():
                # A group of its own: the terminal's Ctrl-C reaches only this command, which
                # then stops each group in order (see the module docstring).
                processes[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603
                self.stdout.write(f"started {name} (pid {processes[name].pid})")
            self.stdout.flush()
            self._announce(url, options["logins"], processes)
            while not self._stopping:
                exited = [name for name, p in processes.items() if p.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} exited; stopping the demo.")
                    self._stop(processes, options)
                    raise CommandError(f"{', '.join(exited)} exited unexpectedly")
                time.sleep(POLL_SECONDS)
        finally:
            self._stop(processes, options)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Demo stopped.")

    def _on_signal(self, signum, frame):
        self._stopping = True

    def _announce(self, url: str, logins: str | None, processes) -> None:
        for _ in range(int(180 / POLL_SECONDS)):
            if self._stopping or any(p.poll() is not None for p in processes.values()):
                return
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)  # noqa: S310 (our own URL)
            except OSError:
                time.sleep(POLL_SECONDS)
                continue
            break
        else:
            return
        lines = [
            "",
            "==> Tenderleaf is running. Ctrl-C stops the web server, worker and beat.",
            f"    staff (admin):  {url}/admin/",
            f"    vendor portal:  {url}/portal/",
            f"    API docs:       {url}/api/docs/",
            f"    health:         {url}/healthz",
        ]
        if logins and Path(logins).exists():
            lines.append(Path(logins).read_text(encoding="utf-8"))
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _stop(self, processes: dict[str, subprocess.Popen], options) -> None:
        groups = {name: p.pid for name, p in processes.items()}
        living = {name: group for name, group in groups.items() if _alive(group)}
        if not living:
            return
        start = time.monotonic()
        for group in living.values():
            _signal(group, signal.SIGTERM)
        quit_sent = False
        while living:
            for name, group in list(living.items()):
                processes[name].poll()
                if not _alive(group):
                    del living[name]
            elapsed = time.monotonic() - start
            if elapsed >= options["stop_timeout"]:
                for group in living.values():
                    _signal(group, signal.SIGKILL)
                break
            if not quit_sent and elapsed >= options["grace"]:
                for group in living.values():
                    _signal(group, signal.SIGQUIT)
                quit_sent = True
            time.sleep(POLL_SECONDS)
        for process in processes.values():
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
