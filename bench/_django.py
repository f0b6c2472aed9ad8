"""Django set-up shared by the benchmarks: a throwaway database, the settings, migrate, teardown.

    from _django import add_database_argument, django_environment

    parser = argparse.ArgumentParser()
    add_database_argument(parser)
    args = parser.parse_args()
    with django_environment(args.database_url, prefix="tenderleaf-bench-spend-") as bench:
        ...  # Django is set up and migrated; bench.database is "sqlite" or "postgresql"

Without a URL (or with an ``sqlite`` one) the database is an SQLite file in a temporary folder.
With a ``postgres://`` / ``postgresql://`` URL a fresh database with a random name is created next
to the one named (through the server's ``postgres`` database) and dropped at the end, so the
development database is never touched and concurrent runs do not collide. The temporary folder
also serves as ``TENDERLEAF_VAR_DIR`` (media, evidence, Celery's file-system broker) and is
removed at the end.

A child process that must use the same database (to measure its own peak memory, for example)
calls :func:`django_configure` with the URL and folder its parent got; it neither creates,
migrates nor drops anything.
"""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SCHEMES = ("postgres", "postgresql")


@dataclass(frozen=True)
class BenchEnvironment:
    database_url: str  # the throwaway database Django is connected to
    database: str  # "sqlite" or "postgresql"
    workdir: Path  # temporary folder, removed at the end; free for the benchmark's own files


def add_database_argument(parser) -> None:
    """``--database-url`` (default ``$BENCH_DATABASE_URL``; none means a temporary SQLite file)."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="postgres://user@host:port/db (a throwaway database is created next to it) or "
        "sqlite (default: a temporary SQLite file)",
    )


def maxrss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB, macOS bytes)."""
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value / 1024 / (1024 if sys.platform == "darwin" else 1)


def _postgres_admin(parts, sql: str) -> None:
    import psycopg

    # CREATE/DROP DATABASE cannot run inside the database concerned, nor in a transaction.
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def throwaway_database(url: str | None, workdir: Path) -> tuple[str, str, Callable[[], None]]:
    """(DATABASE_URL, "sqlite" | "postgresql", drop) of a fresh, empty database for one run."""
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{workdir / 'bench.sqlite3'}", "sqlite", lambda: None
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise SystemExit(f"unsupported --database-url {url!r}: give postgres://... or sqlite")
    name = f"tenderleaf_bench_{secrets.token_hex(4)}"
    _postgres_admin(parts, f'CREATE DATABASE "{name}"')

    def drop() -> None:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        _postgres_admin(parts, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), "postgresql", drop


def django_configure(database_url: str, workdir: Path) -> None:
    """Point the settings at ``database_url`` and ``workdir`` and run ``django.setup()``."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["TENDERLEAF_VAR_DIR"] = str(Path(workdir) / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    # Benchmarks measure production code paths: no query log growing with every statement.
    os.environ["DEBUG"] = "false"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@contextmanager
def django_environment(
    database_url: str | None = None, *, prefix: str = "tenderleaf-bench-", migrate: bool = True
) -> Iterator[BenchEnvironment]:
    """A throwaway database, Django set up (and migrated) on it; everything removed on exit."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    drop: Callable[[], None] = lambda: None  # noqa: E731
    try:
        url, database, drop = throwaway_database(database_url, workdir)
        django_configure(url, workdir)
        if migrate:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        yield BenchEnvironment(database_url=url, database=database, workdir=workdir)
    finally:
        try:
            drop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
