"""What every benchmark shares: its own database, fixed keys, Django, gunicorn, figures.

Each benchmark works in a database of its own (``bench_<name>``, or
``bench_<name>_smoke`` at smoke scale) on the PostgreSQL at ``BENCH_PG``
(default ``postgres://postgres@127.0.0.1:5432``). It never touches any other
database. Keys are fixed and derived from a label, so a database kept from an
earlier run (``--reuse``) still decrypts and its access log still verifies.

The result of a script is its last output line, one JSON object:
``{"metric", "value", "unit", "target", "ok"}`` for its headline figure, with
``"figures"`` listing every figure the script measured in the same form.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
# Before the bench starts its own processes: what else the machine was doing.
LOAD_AT_START = os.getloadavg()


def _key(label: str) -> str:
    # Not secret, only stable: bench data must outlive one run.
    return base64.b64encode(hashlib.sha256(f"schakelpunt-bench|{label}".encode()).digest()).decode()


BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/14")
"""The Redis database a bench's Celery workers use (``--workers``), flushed at their start."""


def checkpoint_path(database: str) -> Path:
    """The access log's signed checkpoints for a bench database; they go when it is made anew."""
    return Path(tempfile.gettempdir()) / f"schakelpunt-{database}-checkpoints"


def bench_env(database: str, *, broker: str | None = None) -> dict[str, str]:
    """The environment a bench process (in-process Django, gunicorn, Celery) runs with.

    Without ``broker`` Celery runs tasks in-process after commit (eagerly).
    """
    if not database.startswith("bench_"):
        raise SystemExit(f"refusing to use database {database!r}: bench databases start with bench_")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_URL", "DJANGO_DEBUG", "DATABASE_URL"} and not key.endswith("_FILE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "schakelpunt.settings",
            "DATABASE_URL": f"{PG_URL}/{database}",
            "FIELD_ENCRYPTION_KEYS": "bench1:" + _key("field"),
            "BLIND_INDEX_KEY": _key("blind-index"),
            "AUDIT_CHAIN_KEY": _key("audit-chain"),
            "AUDIT_CHECKPOINT_KEY": _key("audit-checkpoint"),
            "AUDIT_CHECKPOINT_PATH": str(checkpoint_path(database)),
            # Production wants at least 50 characters.
            "SECRET_KEY": _key("django-secret") + _key("django-secret-2"),
            "DJANGO_DEBUG": "0",
            # The bench clients speak plain HTTP to the server on this machine.
            "SECURE_SSL_REDIRECT": "0",
            # Its users are made by the seed, with sessions and tokens made directly:
            # none has enrolled a second factor, which the case roles would need.
            "REQUIRE_SECOND_FACTOR": "0",
            "LOG_LEVEL": "WARNING",
            # Mail (notifications) goes nowhere; Celery tasks run in-process after commit.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "BULK_UPLOAD_DIR": str(Path(tempfile.gettempdir()) / f"schakelpunt-{database}"),
        }
    )
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


_TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
)


def pg_connect(database: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(f"{PG_URL}/{database}", autocommit=True)


def database_exists(database: str) -> bool:
    with pg_connect() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def create_database(database: str) -> None:
    """Drop ``database`` if it exists and create it empty (and forget its checkpoints)."""
    bench_env(database)  # the name check
    checkpoint_path(database).unlink(missing_ok=True)
    from psycopg import sql

    with pg_connect() as conn:
        conn.execute(
            _TERMINATE,
            [database],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def drop_database(database: str) -> None:
    bench_env(database)
    checkpoint_path(database).unlink(missing_ok=True)
    from django.db import connections

    connections.close_all()
    from psycopg import sql

    with pg_connect() as conn:
        conn.execute(
            _TERMINATE,
            [database],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))


def setup_django(database: str, *, broker: str | None = None) -> None:
    """Point this process at ``database`` and start Django (call once, before any app import)."""
    wanted = bench_env(database, broker=broker)
    for key in set(os.environ) - set(wanted):
        del os.environ[key]
    os.environ.update(wanted)
    Path(os.environ["BULK_UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


def migrate_and_seed(password: str) -> None:
    """Migrate the bench database and load the demo organisations, teams and users."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    seed(password)


def seed(password: str) -> None:
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", password=password, stdout=quiet)


def token_for(username: str) -> str:
    """An API token for a seeded user, made directly (no login round trip)."""
    from coordination.models import User
    from schakelpunt.tokens import issue_personal_token

    return issue_personal_token(User.objects.get(username=username))


# --- gunicorn ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    command: list[str]


@contextlib.contextmanager
def gunicorn(
    database: str, *, workers: int, threads: int = 1, timeout: int = 120, log: Path | None = None
) -> Iterator[Server]:
    """gunicorn serving the project on a free 127.0.0.1 port, stopped on leaving."""
    port = free_port()
    command = [
        str(REPO / ".venv" / "bin" / "gunicorn"),
        "schakelpunt.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    sink = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        command, cwd=REPO, env=bench_env(database), stdout=sink, stderr=sink, start_new_session=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield Server(base_url=base_url, process=process, command=command)
    finally:
        _stop(process, sink, grace=30)


def process_cpu_seconds(parent: int) -> float:
    """CPU time (user + system) used so far by the children of ``parent`` (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:  # fields[1] is the ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / tick, sum(values) / tick


@contextlib.contextmanager
def celery_worker(
    database: str, *, concurrency: int, log: Path | None = None, pool: str = "prefork"
) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker (``pool``, ``concurrency`` processes) on ``BROKER``, stopped on leaving."""
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    command = [
        str(REPO / ".venv" / "bin" / "celery"), "-A", "schakelpunt", "worker", f"--pool={pool}",
        f"--concurrency={concurrency}", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
        "--without-heartbeat", f"--hostname=bench-{database}@%h",
    ]  # fmt: skip
    sink = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=bench_env(database, broker=BROKER),
        stdout=sink,
        stderr=sink,
        start_new_session=True,
    )
    try:
        from schakelpunt.celery import app

        deadline = time.monotonic() + 60
        while not app.control.inspect(timeout=0.5).ping():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Celery worker did not start (see {log})")
        yield process
    finally:
        _stop(process, sink, grace=60)


def _stop(process: subprocess.Popen[bytes], sink: Any, *, grace: float) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; close the log it wrote to."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if sink is not subprocess.DEVNULL:
        sink.close()


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before serving")
        try:
            with urllib.request.urlopen(f"{base_url}/health/", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /health/ within 60 s")


# --- figures ----------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def figure(
    metric: str, value: float | None, unit: str, target: float | None, ok: bool | None, **extra: Any
) -> dict[str, Any]:
    """One figure in the result form; ``extra`` holds what explains it (latencies, counts)."""
    rounded = round(value, 4) if isinstance(value, float) else value
    result: dict[str, Any] = {"metric": metric, "value": rounded, "unit": unit, "target": target, "ok": ok}
    result.update(extra)
    print("figure: " + json.dumps(result), flush=True)
    return result


def finish(headline: dict[str, Any], figures: list[dict[str, Any]]) -> None:
    """Print the result line: the headline figure with every figure of the script."""
    line = {key: headline[key] for key in ("metric", "value", "unit", "target", "ok")}
    line["figures"] = figures
    line["machine"] = machine()
    print(json.dumps(line), flush=True)


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    memory_kib = 0
    with contextlib.suppress(OSError):
        for row in Path("/proc/meminfo").read_text().splitlines():
            if row.startswith("MemTotal:"):
                memory_kib = int(row.split()[1])
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in LOAD_AT_START],
        "load_average_at_end": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "postgresql": _pg_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _pg_version() -> str:
    try:
        with pg_connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else ""
    except Exception:  # the figure is still worth printing
        return "?"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--smoke", action="store_true", help="small scale, under a minute; not a measurement")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    return parser


def database_name(name: str, smoke: bool) -> str:
    return f"bench_{name}_smoke" if smoke else f"bench_{name}"


@contextlib.contextmanager
def indexes_dropped(cursor: Any, tables: Sequence[str]) -> Iterator[None]:
    """Drop the plain indexes of ``tables`` for a bulk load and build them again after.

    Indexes that back a constraint (primary key, unique) stay, so the load is
    still checked; the others are rebuilt from their own definitions, so the
    schema ends up exactly as the migrations made it.
    """
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c JOIN pg_class x ON x.oid = c.conindid WHERE x.relname = i.indexname
          )
        """,
        [list(tables)],
    )
    definitions = cursor.fetchall()
    for name, _definition in definitions:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for _name, definition in definitions:
        cursor.execute(definition)
