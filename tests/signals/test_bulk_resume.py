"""A bulk upload that always finishes: redelivered and restarted parts resume
after their last committed batch, database errors are retried, and the beat
hands on whatever stopped moving.

The real worker kill and database crash are in ``test_bulk_faults``; these
tests leave a part the way a dead worker leaves it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.utils import timezone

from schakelpunt.celery import app as celery_app
from signals import bulk
from signals.models import BulkPart, BulkUpload, Signal
from signals.tasks import process_bulk_part, resume_bulk_uploads
from tests.servers import wait_for
from tests.signals.test_bulk_intake import URL, csv_file, row

ROOT = Path(__file__).resolve().parent.parent.parent


class WorkerKilled(BaseException):
    """What the worker process sees of a SIGKILL: nothing after this point runs."""


@pytest.fixture
def held_back(world, api_as, settings, monkeypatch, tmp_path):
    """``held_back(rows)``: an upload of ``rows`` cut into parts of 4 whose tasks are not run yet."""
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    settings.BULK_PART_ROWS = 4
    monkeypatch.setattr(bulk, "BATCH_ROWS", 2)
    sent: list[int] = []
    monkeypatch.setattr(bulk, "_start_part", sent.append)

    def make(count: int) -> tuple[str, list[int]]:
        content = csv_file([row(n) for n in range(1, count + 1)])
        response = api_as(world.corporatie).post(
            URL, {"file": SimpleUploadedFile("maand.csv", content)}, format="multipart"
        )
        upload_id = response.json()["id"]
        bulk.process_upload(upload_id)
        parts = list(sent)
        sent.clear()
        monkeypatch.setattr(bulk, "_start_part", lambda part_id: process_bulk_part.delay(part_id))
        return upload_id, parts

    return make


@contextlib.contextmanager
def another_worker_holds(part_id: int) -> Iterator[None]:
    """A live worker elsewhere filing the part: its own database session holds the part's lock."""
    db = connection.settings_dict
    key = bulk._part_key(part_id)
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]) as other:
        other.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])
        yield
    # The session is gone; the server lets go of its locks a moment later.
    assert wait_for(lambda: bulk._is_free(key), 10)


def _killed_after_first_batch(monkeypatch, part_id: int) -> None:
    """Run the part until its worker dies while filing the second batch."""
    real = bulk.file_signals  # type: ignore[attr-defined]  # the name bulk looks up, replaced below
    calls = []

    def dies_on_second_batch(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(bulk, "file_signals", dies_on_second_batch)
    with pytest.raises(WorkerKilled):
        bulk.process_part(part_id)
    monkeypatch.setattr(bulk, "file_signals", real)


def test_a_redelivered_part_resumes_at_once_after_its_last_committed_batch(held_back, monkeypatch):
    upload_id, [first, second] = held_back(8)
    _killed_after_first_batch(monkeypatch, first)
    part = BulkPart.objects.get(pk=first)
    assert (part.state, part.processed) == ("processing", 2)  # left mid-file, active a moment ago
    assert Signal.objects.count() == 2

    # The broker hands the task to another worker process straight away.
    assert process_bulk_part.delay(first).get() == "done"
    assert process_bulk_part.delay(second).get() == "done"

    progress = BulkUpload.objects.get(pk=upload_id)
    assert (progress.state, progress.processed, progress.accepted, progress.already_filed) == (
        "done",
        8,
        8,
        0,
    )
    assert Signal.objects.count() == 8


def test_a_duplicate_task_leaves_a_part_alone_while_its_worker_lives(held_back):
    upload_id, [first, second] = held_back(8)

    with another_worker_holds(first):
        with pytest.raises(bulk.PartBusy):
            bulk.process_part(first)
        assert BulkPart.objects.get(pk=first).processed == 0
        assert Signal.objects.count() == 0

    # The other worker is gone (its session ended): the part is free at once.
    assert bulk.process_part(first).state == "done"
    assert bulk.process_part(second).state == "done"
    assert BulkUpload.objects.get(pk=upload_id).state == "done"
    assert Signal.objects.count() == 8


def test_a_batch_that_meets_a_database_error_is_retried_and_files_each_row_once(held_back, monkeypatch):
    upload_id, parts = held_back(8)
    real = bulk.file_signals  # type: ignore[attr-defined]  # the name bulk looks up, replaced below
    calls = []

    def database_gone_once(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(bulk, "file_signals", database_gone_once)
    for part_id in parts:
        # As on a worker: a retry is run again (eagerly, without its countdown).
        assert process_bulk_part.apply(args=(part_id,), throw=False).get() == "done"

    progress = BulkUpload.objects.get(pk=upload_id)
    assert (progress.state, progress.processed, progress.accepted, progress.rejected) == ("done", 8, 8, 0)
    assert Signal.objects.count() == 8


def test_the_beat_resumes_parts_that_stopped_moving_and_leaves_live_ones_alone(
    held_back, monkeypatch, settings
):
    settings.BULK_STALL_SECONDS = 120
    upload_id, [first, _second, third] = held_back(12)
    _killed_after_first_batch(monkeypatch, first)  # and its task was lost with the whole worker
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    BulkPart.objects.update(heartbeat_at=long_ago)  # the other parts' tasks were lost too
    BulkPart.objects.filter(pk=third).update(state="processing")

    with another_worker_holds(third):  # this one's worker is alive, only slow
        assert resume_bulk_uploads.delay().get() == 2

    assert list(BulkPart.objects.order_by("first_row").values_list("state", flat=True)) == [
        "done", "done", "processing",
    ]  # fmt: skip
    assert BulkUpload.objects.get(pk=upload_id).state == "processing"
    BulkPart.objects.filter(pk=third).update(heartbeat_at=long_ago)  # its worker died after all
    assert resume_bulk_uploads.delay().get() == 1
    progress = BulkUpload.objects.get(pk=upload_id)
    assert (progress.state, progress.processed, progress.accepted) == ("done", 12, 12)
    assert Signal.objects.count() == 12
    assert resume_bulk_uploads.delay().get() == 0  # nothing left to hand on


def test_the_beat_starts_an_upload_whose_first_task_was_lost(world, api_as, settings, tmp_path):
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    # Filed without running the on-commit start: the broker lost that task.
    response = api_as(world.corporatie).post(
        URL, {"file": SimpleUploadedFile("maand.csv", csv_file([row(1), row(2)]))}, format="multipart"
    )
    upload_id = response.json()["id"]
    BulkUpload.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))

    resume_bulk_uploads.delay().get()

    assert BulkUpload.objects.get(pk=upload_id).state == "done"
    assert Signal.objects.count() == 2
    assert list(tmp_path.iterdir()) == []


def test_the_beat_runs_the_resume_task_every_minute():
    celery_app.loader.import_default_modules()
    entry = celery_app.conf.beat_schedule["resume-bulk-uploads"]
    assert entry["task"] == "signals.tasks.resume_bulk_uploads"
    assert entry["schedule"] == 60.0


def test_the_broker_hands_back_a_dead_workers_tasks_after_the_visibility_timeout(settings):
    options = celery_app.conf.broker_transport_options
    assert options["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT == 1800
    assert options["visibility_timeout"] > settings.BULK_TASK_TIME_LIMIT
    assert process_bulk_part.time_limit == settings.BULK_TASK_TIME_LIMIT
    assert process_bulk_part.acks_late and process_bulk_part.reject_on_worker_lost


def test_a_visibility_timeout_shorter_than_the_task_time_limit_is_refused_at_start():
    env = {**os.environ, "CELERY_VISIBILITY_TIMEOUT": "600", "BULK_TASK_TIME_LIMIT": "900"}
    env["DJANGO_SETTINGS_MODULE"] = "schakelpunt.settings_test"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must be longer than BULK_TASK_TIME_LIMIT" in done.stderr


def test_the_beat_does_not_send_again_a_part_waiting_behind_a_moving_part_of_its_file(held_back):
    _upload_id, [first, second] = held_back(8)
    BulkPart.objects.filter(pk=first).update(state="processing", heartbeat_at=timezone.now())
    BulkPart.objects.filter(pk=second).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=5))

    with another_worker_holds(first):  # filing the first part; the second waits in the queue
        assert resume_bulk_uploads.delay().get() == 0

    assert BulkPart.objects.get(pk=second).state == "pending"
    assert Signal.objects.count() == 0
