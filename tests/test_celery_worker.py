"""Background work on a real Celery worker with the machine's Redis as broker."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from cases.models import Notification
from schakelpunt.celery import app as celery_app
from tests.cases.flow import advance, file_case
from tests.servers import ThrowawayRedis, throwaway_redis, wait_for
from tests.signals.payloads import signal

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def redis_server() -> Iterator[ThrowawayRedis]:
    """A Redis of this module's own: the tests stop it, which they never do to the machine's."""
    with throwaway_redis() as server:
        yield server


def _wait(predicate, seconds: float = 30.0) -> bool:
    return wait_for(predicate, seconds, step=0.2)


def _reset_connections() -> None:
    # Forget the pooled broker connections so the next publish uses the current
    # broker URL (kombu keeps one pool per URL; closing one would poison it).
    celery_app._pool = None  # type: ignore[attr-defined]  # kombu keeps its pool private
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]  # kombu keeps its pool private


@contextlib.contextmanager
def celery_on_broker(url: str) -> Iterator[str]:
    """Point this process's Celery at the broker ``url`` (the suite otherwise runs tasks eagerly)."""
    # The app reads Django settings with the CELERY_ namespace: override by those names.
    saved = {k: celery_app.conf[k] for k in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")}
    celery_app.conf.update(CELERY_BROKER_URL=url, CELERY_TASK_ALWAYS_EAGER=False)
    _reset_connections()
    try:
        yield url
    finally:
        celery_app.conf.update(**saved)
        _reset_connections()


@pytest.fixture
def broker(redis_server: ThrowawayRedis) -> Iterator[str]:
    url = redis_server.url(0)
    redis.Redis.from_url(url).flushdb()
    try:
        with celery_on_broker(url):
            yield url
    finally:
        if not redis_server.is_up():
            redis_server.start()  # whatever a test did to it


@contextlib.contextmanager
def _worker_process(broker: str, tmp_path: Path, *options: str, **env: str) -> Iterator[Path]:
    """A real worker process on the test database; its mail lands in the returned folder."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schakelpunt.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        **env,
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "schakelpunt", "worker", *(options or ["--pool=solo"]),
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--hostname=test@%h"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert _wait(lambda: bool(celery_app.control.inspect(timeout=0.5).ping()), 60), (
            tmp_path / "worker.log"
        ).read_text()
        yield mail_dir
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def worker(broker: str, tmp_path: Path) -> Iterator[Path]:
    with _worker_process(broker, tmp_path) as mail_dir:
        yield mail_dir


def _mails(mail_dir: Path) -> list[str]:
    # The file backend writes one file per connection; messages are separated by a line of dashes.
    return [m for f in sorted(mail_dir.iterdir()) for m in f.read_text().split("-" * 79) if "Subject:" in m]


def _case_with_lead(world, api_as) -> str:
    world.professional_noord.email = "piet@gemeente.example"
    world.professional_noord.save()
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    Notification.objects.all().delete()  # referral mails; this test is about the next signal
    return case_id


def test_a_notification_arrives_through_the_worker(world, api_as, worker):
    case_id = _case_with_lead(world, api_as)

    response = api_as(world.energie).post(
        "/api/v1/signals/", signal(signal_type="energy_arrears"), format="json"
    )

    assert response.status_code == 201
    assert _wait(lambda: len(_mails(worker)) == 1), "no mail from the worker"
    [mail] = _mails(worker)
    assert "piet@gemeente.example" in mail
    assert case_id in mail
    assert "Jansen" not in mail
    assert Notification.objects.get().sent_at is not None


def test_signals_are_accepted_while_the_broker_is_down_and_notified_once_when_it_is_back(
    world, api_as, worker, redis_server
):
    case_id = _case_with_lead(world, api_as)
    redis_server.stop()
    try:
        started = time.monotonic()
        first = api_as(world.energie).post(
            "/api/v1/signals/", signal(signal_type="energy_arrears"), format="json"
        )
        second = api_as(world.huisarts).post(
            "/api/v1/signals/", signal(signal_type="gp_observation", consent_given=True), format="json"
        )
        elapsed = time.monotonic() - started
    finally:
        redis_server.start()

    assert first.status_code == second.status_code == 201
    assert elapsed < 20, f"filing waited {elapsed:.1f}s on the broker"
    assert Notification.objects.filter(case_id=case_id, sent_at__isnull=True).count() == 2
    assert _mails(worker) == []

    # What the beat does every minute: drain the outbox.
    from cases.tasks import deliver_notifications

    deliver_notifications.delay()
    assert _wait(lambda: len(_mails(worker)) == 2), "pending notifications were not delivered"
    deliver_notifications.delay()
    time.sleep(2)
    assert len(_mails(worker)) == 2
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_inspect_ping_answers_from_the_command_line(worker, broker):
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "schakelpunt", "inspect", "ping", "--timeout", "5"],
        cwd=ROOT,
        env={
            **os.environ,
            "CELERY_BROKER_URL": broker,
            "DJANGO_SETTINGS_MODULE": "schakelpunt.settings_test",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pong" in result.stdout


def test_two_worker_processes_file_the_parts_of_one_bulk_file_side_by_side(
    world, api_as, broker, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import Count

    from cases.models import Case
    from signals.models import BulkPart, BulkUpload, Signal
    from tests.signals.test_bulk_intake import csv_file, row

    rows = [row(n) for n in range(1, 601)]
    for n in range(9, 600, 10):  # every tenth row: a household of an earlier part
        rows[n] = {**rows[n - 9 if n < 100 else n - 95], "partner_reference": f"AGAIN-{n}"}
    rows[550] = dict(rows[20])  # a reference filed again in another part
    settings.BULK_UPLOAD_DIR = str(tmp_path / "bulk")
    options = ("--pool=prefork", "--concurrency=2")
    with _worker_process(
        broker, tmp_path, *options, BULK_PART_ROWS="50", BULK_UPLOAD_DIR=str(tmp_path / "bulk")
    ):
        response = api_as(world.corporatie).post(
            "/api/v1/signals/bulk/",
            {"file": SimpleUploadedFile("maand.csv", csv_file(rows))},
            format="multipart",
        )
        upload_id = response.json()["id"]
        assert _wait(lambda: BulkUpload.objects.get(pk=upload_id).state == "done", 120), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]

    upload = BulkUpload.objects.get(pk=upload_id)
    assert (upload.total, upload.processed, upload.accepted, upload.rejected) == (600, 600, 599, 0)
    assert upload.already_filed == 1  # row 551 repeats row 21
    assert BulkPart.objects.filter(upload=upload, state="done").count() == 12
    assert Signal.objects.count() == 599
    # One case per household, however the parts interleaved, each counting its signals.
    cases = Case.objects.annotate(filed=Count("signals"))
    assert cases.count() == Signal.objects.values("case__household_id").distinct().count()
    assert all(case.signal_count == case.filed for case in cases)
    assert not (tmp_path / "bulk").exists() or list((tmp_path / "bulk").iterdir()) == []
    # The same people filed again in one process by another partner: every row
    # finds the household the two workers made, so no case is opened.
    before = Case.objects.count()
    celery_app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)
    again = api_as(world.energie).post(
        "/api/v1/signals/bulk/", {"file": SimpleUploadedFile("maand.csv", csv_file(rows))}, format="multipart"
    )
    assert BulkUpload.objects.get(pk=again.json()["id"]).state == "done"
    assert Case.objects.count() == before
