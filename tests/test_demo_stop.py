"""``make demo`` stops within 10 seconds of Ctrl-C or SIGTERM and leaves no process behind.

The demo target execs ``manage.py serve_demo`` once the database is migrated and seeded, so the
signal a user sends reaches that command; these tests run it against the test database with a
real gunicorn, Celery worker and beat, send the signal to its process group as a terminal or a
process manager would, and time the stop.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.workers import broker_ready, worker_database_url

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 10
START_SECONDS = 90

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_target_hands_the_terminal_to_serve_demo():
    recipe = (ROOT / "Makefile").read_text()
    demo = recipe[recipe.index("\ndemo: migrate") :]
    assert "exec $(MANAGE) serve_demo" in demo.split("\nclean:")[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_demo_stops_everything_within_ten_seconds(sig, tmp_path):
    broker_ready()
    log = tmp_path / "demo.log"
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "DEBUG": "1"}
    port = _free_port()
    with log.open("w") as out:
        demo = subprocess.Popen(
            [sys.executable, "manage.py", "serve_demo", "--port", str(port), "--web-workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while "Tenderleaf is running" not in log.read_text() and time.monotonic() < deadline:
            assert demo.poll() is None, log.read_text()
            time.sleep(0.2)
        text = log.read_text()
        assert "Tenderleaf is running" in text, text
        children = [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", text)]
        assert len(children) == 3
        # Let the worker finish starting, as a user would not stop it in the first second.
        time.sleep(2)

        started = time.monotonic()
        os.killpg(demo.pid, sig)
        demo.wait(timeout=STOP_SECONDS + 5)
        stopped = time.monotonic() - started
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()

    assert stopped < STOP_SECONDS, log.read_text()
    assert demo.returncode == 0, log.read_text()
    assert "Demo stopped." in log.read_text()
    # Every child's process group is gone, the worker's pool processes included.
    time.sleep(0.5)
    assert [group for group in children if _group_alive(group)] == []
