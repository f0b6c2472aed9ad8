"""Live Celery worker processes for the tests that need a real worker and broker.

The broker is the file-system transport under ``TENDERLEAF_VAR_DIR`` by default and Redis when
``REDIS_URL`` (or ``CELERY_BROKER_URL``) is set, as in CI: the worker inherits the environment, so
it uses the same broker as the test process. It opens the test database (not the development
one), so test data must be committed: tests using these helpers are transactional.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
from django.conf import settings
from django.core.mail.backends import filebased
from django.db import connection

from config.celery import app as celery_app

TIMEOUT_SECONDS = 60


def worker_database_url() -> str:
    """The URL of the test database (not the development one) for the worker's environment."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.skip(f"no live worker test for the {connection.vendor} backend")


def broker_ready() -> None:
    """Skip when tasks would not go through the broker; empty the queue otherwise.

    Messages left by earlier runs, or by tests that queued tasks without a worker, would run
    against rows that no longer exist.
    """
    if celery_app.conf.task_always_eager:
        pytest.skip("CELERY_TASK_ALWAYS_EAGER is set: tasks would not go through the broker")
    celery_app.control.purge()


def read_log(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else "(no worker log)"


def start_worker(
    name: str, database_url: str, log_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start ``celery worker`` (one process, solo pool) on the test database; ``env`` adds to
    or overrides the inherited environment (settings read from the environment)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        "celery",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
        "-n",
        f"{name}-{os.getpid()}@%h",
    ]
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def stop_worker(process: subprocess.Popen) -> None:
    """Stop a worker politely, then by force."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until(condition, what: str, logs, *, timeout: float = TIMEOUT_SECONDS, poll=0.05):
    """Poll ``condition()`` until it returns something truthy (returned), or fail with ``logs()``
    (a list of texts, the workers' logs) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(poll)
    pytest.fail(f"{what} did not happen within {timeout} s\n" + "\n".join(logs()))


class LiveWorker:
    """One running worker and its log, for tests that wait on what it writes."""

    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return read_log(self.log_path)

    def wait_for(self, lookup, what: str, *, timeout: float = TIMEOUT_SECONDS):
        """Poll the database until ``lookup()`` returns something, or fail showing the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = lookup()
            if found is not None:
                return found
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited early\n--- worker log ---\n{self.log()}")
            time.sleep(0.25)
        pytest.fail(f"{what} did not appear within {timeout} s\n--- worker log ---\n{self.log()}")

    def stop(self) -> None:
        stop_worker(self.process)


@contextlib.contextmanager
def broker_unreachable():
    """Make publishing from this process fail as it does when the broker is down, then restore.

    File-system broker: its queue folder is moved away, so writing a message fails (the folder
    is what the transport "connects" to). Redis: this process's producers are pointed at a closed
    port. Workers are not affected; start them after the block.
    """
    if celery_app.conf.broker_url.startswith("filesystem://"):
        queue = Path(celery_app.conf.broker_transport_options["data_folder_out"])
        parked = queue.with_name(queue.name + ".down")
        queue.rename(parked)
        try:
            yield
        finally:
            parked.rename(queue)
        return
    original = celery_app.conf.broker_url
    _reset_producers()
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    try:
        yield
    finally:
        _reset_producers()
        celery_app.conf.broker_url = original


def _reset_producers() -> None:
    celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps producer pools per connection in a process-wide registry; the pool closed above
    # would otherwise be handed out again for the real broker URL ("Acquire on closed pool").
    kombu.pools.reset()


class SlowFileEmailBackend(filebased.EmailBackend):
    """Django's file backend, taking ``TEST_EMAIL_DELAY_SECONDS`` per message like a real mail
    server does, so that a drill can kill the worker in the middle of a batch."""

    def write_message(self, message):
        time.sleep(float(os.environ.get("TEST_EMAIL_DELAY_SECONDS", "0")))
        super().write_message(message)


def message_ids_sent(folder: Path) -> list[str]:
    """Every Message-ID header in the files of a file email backend, repeats included."""
    ids = []
    for path in sorted(folder.glob("*.log")):
        ids += re.findall(r"^Message-ID: (\S+)$", path.read_text(errors="replace"), re.M)
    return ids


def drill_env(mail_folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker whose email goes to files in ``mail_folder``."""
    return {
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "TEST_EMAIL_FILE_PATH": str(mail_folder),
        **extra,
    }
