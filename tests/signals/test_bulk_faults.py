"""A bulk upload finishes by itself through faults: its worker's processes
killed mid-file, its database restarted mid-file.

The service runs here as it does in production: a real prefork Celery
worker, a Redis broker and a PostgreSQL of the module's own
(``tests/servers.py``; it is stopped and started, which is never done to the
machine's shared one). The Django side of the upload runs in a process of
its own on that server (``bulk_fault_site``); this test reads the outcome
from the database directly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from schakelpunt.celery import app as celery_app
from tests.servers import ThrowawayPostgres, ThrowawayRedis, throwaway_postgres, throwaway_redis, wait_for
from tests.signals.test_bulk_intake import csv_file, row

ROOT = Path(__file__).resolve().parent.parent.parent
ROWS = 20_000

pytestmark = [pytest.mark.slow]


@dataclass
class Site:
    pg: ThrowawayPostgres
    redis: ThrowawayRedis
    database_url: str
    folder: Path
    env: dict[str, str]

    def query(self, sql: str, *params: object) -> tuple:
        with psycopg.connect(self.database_url, connect_timeout=2) as db:
            found = db.execute(sql, params).fetchone()
            assert found is not None
            return found

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tests.signals.bulk_fault_site", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("bulk-faults")
    with throwaway_postgres() as pg, throwaway_redis() as broker:
        url = pg.create_database("schakelpunt")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "schakelpunt.settings_test",
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": broker.url(0),
            "BULK_UPLOAD_DIR": str(folder / "bulk"),
            "BULK_PART_ROWS": "2500",
        }
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stderr
        here = Site(pg, broker, url, folder, env)
        here.run("seed", "faults")
        yield here


@contextlib.contextmanager
def _worker(site: Site) -> Iterator[subprocess.Popen[bytes]]:
    """A prefork worker with two pool processes, as deployed."""
    log = (site.folder / "worker.log").open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "schakelpunt", "worker", "--pool=prefork", "--concurrency=2",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--hostname=faults@%h"],
        cwd=ROOT, env=site.env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    saved = {k: celery_app.conf[k] for k in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")}
    celery_app.conf.update(CELERY_BROKER_URL=site.redis.url(0), CELERY_TASK_ALWAYS_EAGER=False)
    celery_app._pool = None  # type: ignore[attr-defined]  # kombu keeps its pool private
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]  # kombu keeps its pool private
    try:
        assert wait_for(lambda: bool(celery_app.control.inspect(timeout=0.5).ping()), 60, step=0.2), _log(
            site
        )
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        celery_app.conf.update(**saved)
        celery_app._pool = None  # type: ignore[attr-defined]  # kombu keeps its pool private
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]  # kombu keeps its pool private


def _log(site: Site) -> str:
    return (site.folder / "worker.log").read_text()[-4000:]


def _pool_processes() -> list[int]:
    stats = celery_app.control.inspect(timeout=2).stats() or {}
    return [pid for worker in stats.values() for pid in worker["pool"]["processes"]]


def _upload(site: Site, username: str, first: int) -> str:
    path = site.folder / f"{username}.csv"
    path.write_bytes(csv_file([row(n) for n in range(first, first + ROWS)]))
    return site.run("upload", username, str(path)).strip()


def _progress(site: Site, upload_id: str) -> tuple[str, int | None, int, int, int, int]:
    try:
        return site.query(
            "SELECT state, total, processed, accepted, already_filed, rejected"
            " FROM signals_bulkupload WHERE id = %s",
            upload_id,
        )
    except psycopg.OperationalError:
        return ("unreachable", None, 0, 0, 0, 0)


def _filed(site: Site, username: str) -> tuple[int, int]:
    """The partner's signals, and their distinct partner references."""
    return site.query(
        "SELECT count(*), count(DISTINCT s.partner_reference_index) FROM signals_signal s"
        " JOIN coordination_user u ON u.organisation_id = s.organisation_id WHERE u.username = %s",
        username,
    )


def _wait_while_moving(site: Site, upload_id: str, until, stalled_after: float = 90.0) -> None:
    """Wait until ``until(progress)``; fail when nothing has moved for ``stalled_after`` seconds."""
    last, moved = None, time.monotonic()
    while True:
        progress = _progress(site, upload_id)
        if until(progress):
            return
        if progress != last:
            last, moved = progress, time.monotonic()
        assert time.monotonic() - moved < stalled_after, f"stuck at {progress}\n{_log(site)}"
        time.sleep(0.5)


def test_a_twenty_thousand_row_upload_finishes_with_exactly_its_signals_through_a_kill_and_a_database_crash(
    site,
):
    with _worker(site):
        upload_id = _upload(site, "faults", 1)

        _wait_while_moving(site, upload_id, lambda p: p[2] >= 3_000)
        killed = _pool_processes()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)  # mid-batch: both pool processes are filing a part

        _wait_while_moving(site, upload_id, lambda p: p[2] >= 9_000)
        site.pg.stop("immediate")  # a crash: every session cut off mid-batch
        time.sleep(3)
        site.pg.start()

        _wait_while_moving(site, upload_id, lambda p: p[0] in ("done", "failed"))

    assert killed
    log = (site.folder / "worker.log").read_text()
    assert "WorkerLostError(" in log, _log(site)  # the kill did hit running parts
    assert "OperationalError" in log or "InterfaceError" in log, _log(site)  # and so did the crash
    assert _progress(site, upload_id) == ("done", ROWS, ROWS, ROWS, 0, 0), _log(site)
    assert _filed(site, "faults") == (ROWS, ROWS)
    unfinished = "SELECT count(*) FROM signals_bulkpart WHERE upload_id = %s AND state <> 'done'"
    assert site.query(unfinished, upload_id) == (0,)
    assert list((site.folder / "bulk").iterdir()) == []  # the sealed file is gone
