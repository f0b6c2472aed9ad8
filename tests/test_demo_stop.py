"""``make demo`` stops within 10 seconds of Ctrl-C or SIGTERM and leaves no process behind.

The demo target execs ``manage.py serve_demo`` once the database is migrated and seeded, so the
signal a user sends reaches that command; the test runs the target itself on the embedded
defaults, as a newcomer does, with a real gunicorn, Celery worker and beat, sends the signal to
its process group as a terminal or a process manager would, and times the stop.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 10
# Migrating and seeding a new database takes about 40 s on an idle machine of two cores; much
# longer on a loaded one.
START_SECONDS = 300

# The demo runs on the embedded defaults (a new SQLite database, the file-system broker) whatever
# database this run of the suite uses; the embedded-defaults run covers it once.
pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="make demo runs on the embedded defaults; the SQLite run of the suite tests it",
)
# Variables that would take the demo off its embedded defaults.
NOT_PASSED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
)


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


def _demo_start(env: dict, port: int, log: Path) -> subprocess.Popen:
    """``make demo`` in its own session, as a terminal runs it: migrate, collect the static files,
    seed, then serve (web, worker, beat). The install step is taken as done (``-o``): the suite
    runs in the installed environment."""
    with log.open("w") as out:
        return subprocess.Popen(
            ["make", "-o", ".venv/.installed", "demo", f"DEMO_PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop_and_time(demo: subprocess.Popen, sig: int, log: Path) -> tuple[float, list[int]]:
    deadline = time.monotonic() + START_SECONDS
    while "Tenderleaf is running" not in log.read_text() and time.monotonic() < deadline:
        assert demo.poll() is None, log.read_text()
        time.sleep(0.2)
    text = log.read_text()
    assert "Tenderleaf is running" in text, text
    children = [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", text)]
    assert len(children) == 3, text
    # Let the worker finish starting, as a user would not stop it in the first second.
    time.sleep(2)
    started = time.monotonic()
    os.killpg(demo.pid, sig)
    demo.wait(timeout=STOP_SECONDS + 5)
    return time.monotonic() - started, children


def test_make_demo_stops_everything_within_ten_seconds_of_sigterm_and_of_sigint(tmp_path):
    """The whole target, twice on the same new database, as a newcomer runs it: migrated, seeded,
    served and stopped with SIGTERM (a process manager); started again (migrations and seeding
    find nothing to do) and stopped with Ctrl-C."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED}
    env.update(TENDERLEAF_VAR_DIR=str(tmp_path / "var"), DEBUG="1")
    for attempt, sig in enumerate((signal.SIGTERM, signal.SIGINT)):
        log = tmp_path / f"demo-{attempt}.log"
        demo = _demo_start(env, _free_port(), log)
        try:
            stopped, children = _stop_and_time(demo, sig, log)
        finally:
            if demo.poll() is None:
                os.killpg(demo.pid, signal.SIGKILL)
                demo.wait()
        text = log.read_text()
        assert stopped < STOP_SECONDS, text
        assert "Demo stopped." in text, text
        # Library start-up chatter stays out of the output.
        assert "AXES: BEGIN" not in text and "No hostname was supplied" not in text, text
        if attempt == 1:
            assert "nothing to change" in text, text  # the second seeding changed nothing
        # make, serve_demo and every child's process group are gone, pool processes included.
        time.sleep(0.5)
        assert [g for g in [demo.pid, *children] if _group_alive(g)] == [], text
