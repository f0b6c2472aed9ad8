"""Load test (docs/performance.md): gunicorn, PostgreSQL, Redis, a Celery worker on loopback; locust
headless.

    .venv/bin/python bench/load/run.py [--vendors 2000] [--disclosures 20000] [--rfps 200]
        [--spend-lines 1000000] [--users 20,50] [--duration 120] [--database-url URL]
        [--redis-db 12] [--port 8765]

Steps: a throwaway PostgreSQL database next to ``--database-url`` (default
``postgres://postgres@127.0.0.1:5432/postgres``), migrated and seeded with bulk inserts/COPY
(``seed.py``); gunicorn on 127.0.0.1 with ``config.settings.production`` (DEBUG off, HTTPS with a
self-signed certificate made for the run, workers = CPU cores); a Celery worker on Redis database
``--redis-db``; then locust headless for ``--duration`` seconds at each user count. Everything is
stopped, the database dropped and the Redis database flushed at the end, whatever happens.

Per user count it prints p50/p95/p99 and the error rate per endpoint group, and ``/healthz``'s p95
from the same run. Goal: no errors, and every group's p95 <= 10x the ``/healthz`` p95. The
``login`` group (sign-ins, one per simulated user, dominated by the deliberately slow password
hash) is printed but not held to the ratio. The last line is one JSON object: ``ratio`` (worst
group p95 / healthz p95 over all runs), ``goal`` 10, ``pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _django import ROOT, django_configure, throwaway_database  # noqa: E402

GOAL = 10
EXEMPT_GROUPS = {"login"}
BIN = Path(sys.executable).parent


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the openssl on PATH
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def wait_healthy(url: str, timeout: float = 60) -> None:
    import ssl

    context = ssl._create_unverified_context()  # noqa: S323 - our own loopback certificate
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", context=context, timeout=5) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url}/healthz did not answer 200 within {timeout} s")


def summarise(samples_file: Path, users: int, duration: int) -> dict:
    groups: dict[str, list[dict]] = {}
    for line in samples_file.read_text(encoding="utf-8").splitlines():
        sample = json.loads(line)
        groups.setdefault(sample["group"], []).append(sample)
    healthz_p95 = percentile([s["ms"] for s in groups.get("healthz", [])], 95)
    print(f"\n== {users} users, {duration} s measured once all had signed in ==")
    print(f"{'group':<10} {'requests':>8} {'rps':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'p95/healthz':>11}")  # fmt: skip
    result = {"users": users, "healthz_p95_ms": healthz_p95, "groups": {}}
    for group in sorted(groups):
        times = [s["ms"] for s in groups[group]]
        errors = [s for s in groups[group] if s["error"]]
        p95 = percentile(times, 95)
        ratio = p95 / healthz_p95 if healthz_p95 else float("inf")
        result["groups"][group] = {
            "requests": len(times),
            "p50_ms": percentile(times, 50),
            "p95_ms": p95,
            "p99_ms": percentile(times, 99),
            "error_rate": len(errors) / len(times),
            "ratio": ratio,
        }
        mark = " (not held to the goal)" if group in EXEMPT_GROUPS else ""
        print(
            f"{group:<10} {len(times):>8} {len(times) / duration:>6.1f} "
            f"{percentile(times, 50):>8.0f} {p95:>8.0f} {percentile(times, 99):>8.0f} "
            f"{len(errors) / len(times):>7.2%} {ratio:>11.1f}{mark}"
        )
        for error in sorted({e["name"] + ": " + e["error"] for e in errors})[:5]:
            print(f"    error: {error}")
    names: dict[str, list[float]] = {}
    for group in groups.values():
        for s in group:
            names.setdefault(s["name"], []).append(s["ms"])
    print("per endpoint p95 (ms): " + ", ".join(
        f"{name} {percentile(times, 95):.0f}" for name, times in sorted(names.items())
    ))  # fmt: skip
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendors", type=int, default=2000)
    parser.add_argument("--disclosures", type=int, default=20_000)
    parser.add_argument("--rfps", type=int, default=200)
    parser.add_argument("--spend-lines", type=int, default=1_000_000)
    parser.add_argument(
        "--users", default="20,50", help="comma-separated user counts, one run each"
    )
    parser.add_argument("--duration", type=int, default=120, help="seconds per user count")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    user_counts = [int(u) for u in args.users.split(",")]
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the load test runs on PostgreSQL: give --database-url postgres://...")

    cores = os.cpu_count() or 1
    workdir = Path(tempfile.mkdtemp(prefix="tenderleaf-load-"))
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    processes: list[subprocess.Popen] = []
    drop = lambda: None  # noqa: E731
    runs = []
    try:
        url, _kind, drop = throwaway_database(args.database_url, workdir)
        print(f"database {url.rsplit('/', 1)[1]}, {cores} cores, workdir {workdir}", flush=True)
        django_configure(url, workdir)
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        # As a deployment does: WhiteNoise serves the admin's and the portal's assets from here.
        call_command("collectstatic", "--noinput", verbosity=0)
        print(f"migrated and collected static files in {time.perf_counter() - started:.1f} s")
        from seed import seed

        credentials = seed(
            vendors=args.vendors,
            disclosures=args.disclosures,
            rfps=args.rfps,
            spend_lines=args.spend_lines,
            users=max(user_counts),
        )
        from django.db import connections

        connections.close_all()
        users_file = workdir / "users.json"
        users_file.write_text(json.dumps(credentials), encoding="utf-8")

        cert, key = self_signed_certificate(workdir)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "TENDERLEAF_VAR_DIR": str(workdir / "var"),
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "consolemail://",
            "SECURITY_LOG_FILE": str(workdir / "security.log"),
        }
        logs = workdir / "logs"
        logs.mkdir()
        processes.append(
            subprocess.Popen(  # noqa: S603 - fixed arguments
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{args.port}",
                    "--workers",
                    str(cores),
                    "--certfile",
                    str(cert),
                    "--keyfile",
                    str(key),
                    "--access-logfile",
                    "-",
                    "--error-logfile",
                    str(logs / "gunicorn-error.log"),
                ],
                cwd=ROOT,
                env=env,
                stdout=open(logs / "gunicorn-access.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        processes.append(
            subprocess.Popen(  # noqa: S603 - fixed arguments
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--loglevel",
                    "WARNING",
                    "--concurrency",
                    "1",
                    "--without-heartbeat",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
                stdout=open(logs / "celery.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        base = f"https://127.0.0.1:{args.port}"
        wait_healthy(base)
        print(f"gunicorn ({cores} workers) and the Celery worker are up at {base}", flush=True)

        for users in user_counts:
            samples = workdir / f"samples-{users}.jsonl"
            samples.touch()
            locust_env = {
                **env,
                "LOAD_USERS_FILE": str(users_file),
                "LOAD_SAMPLES_FILE": str(samples),
            }
            done = subprocess.run(  # noqa: S603 - fixed arguments
                [
                    str(BIN / "locust"),
                    "-f",
                    str(HERE / "locustfile.py"),
                    "--headless",
                    "--host",
                    base,
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(max(5, users // 5)),
                    "--run-time",
                    f"{args.duration + 600}s",
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    "--stop-timeout",
                    "10",
                ],
                cwd=ROOT,
                env=locust_env,
                capture_output=True,
                text=True,
            )
            (logs / f"locust-{users}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
            if "Traceback" in done.stderr:
                print(done.stderr[-3000:])
            runs.append(summarise(samples, users, args.duration))
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        try:
            drop()
        finally:
            subprocess.run(  # noqa: S603 - fixed arguments
                ["redis-cli", "-n", str(args.redis_db), "FLUSHDB"],  # noqa: S607
                capture_output=True,
            )
            if os.environ.get("LOAD_KEEP_WORKDIR"):
                print(f"kept {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)

    worst, worst_group, errors = 0.0, None, 0.0
    for run in runs:
        for group, figures in run["groups"].items():
            errors = max(errors, figures["error_rate"])
            if group in EXEMPT_GROUPS or group == "healthz":
                continue
            if figures["ratio"] > worst:
                worst, worst_group = figures["ratio"], f"{group} at {run['users']} users"
    result = {
        "bench": "load",
        "vendors": args.vendors,
        "disclosures": args.disclosures,
        "rfps": args.rfps,
        "spend_lines": args.spend_lines,
        "users": user_counts,
        "duration_s": args.duration,
        "healthz_p95_ms": {str(r["users"]): r["healthz_p95_ms"] for r in runs},
        "worst": worst_group,
        "max_error_rate": round(errors, 4),
        "ratio": round(worst, 2),
        "goal": GOAL,
        "pass": bool(runs) and worst <= GOAL and errors == 0,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
