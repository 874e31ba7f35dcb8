"""The integrity check as a job: started by the auditor (API or page), run in the
background, followed by its id; the latest finished check answers the plain GET.

These tests commit (the job runs on its own connection after the start has
committed), and without a broker the job runs on a thread of this process,
the way ``make run`` does it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import cast

import pytest
import redis
from django.core.management import call_command
from django.db import DataError, connection, connections, transaction
from django.test import Client
from django.utils import timezone

from audit import verification
from audit.integrity import Progress, verify
from audit.models import AccessEvent, VerificationRun
from audit.tasks import verify_audit_log
from coordination.models import User
from tests.servers import throwaway_redis, wait_for
from tests.test_celery_worker import _worker_process, celery_on_broker

from .conftest import behind_the_back, write_entries

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the job shares a snapshot on PostgreSQL"),
]

VERIFY = "/api/v1/audit/verify/"


@pytest.fixture
def log(world) -> list[AccessEvent]:
    return write_entries(world, 12)


def _tamper(sql: str, params: list[object]) -> None:
    with transaction.atomic():  # the SET LOCAL inside needs a transaction
        behind_the_back(sql, params)


def _ended(run_id: str, seconds: float = 60.0) -> VerificationRun:
    """Wait until the run has finished or failed, as its page's script would."""
    done = (VerificationRun.State.FINISHED, VerificationRun.State.FAILED)
    assert wait_for(lambda: VerificationRun.objects.get(pk=run_id).state in done, seconds, step=0.1)
    return VerificationRun.objects.get(pk=run_id)


@pytest.fixture
def web_as():
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def turn_taken() -> Iterator[None]:
    """Another check holds the one-check-at-a-time lock (on a connection of its own)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [verification.TURN_LOCK])
        yield
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [verification.TURN_LOCK])
    finally:
        other.close()


_FORKS: list[int] = []
_WATCHING = threading.Event()


def _on_fork() -> None:
    if _WATCHING.is_set():
        _FORKS.append(os.getpid())


os.register_at_fork(before=_on_fork)


@pytest.fixture
def forks() -> Iterator[list[int]]:
    """The forks this test process makes while the test runs (os.fork's own hook)."""
    _FORKS.clear()
    _WATCHING.set()
    try:
        yield _FORKS
    finally:
        _WATCHING.clear()


def test_post_starts_a_check_and_its_id_shows_it_finished(log, world, api_as):
    client = api_as(world.auditor)

    response = client.post(VERIFY)

    assert response.status_code == 202
    run_id = response.json()["id"]
    assert response["Location"] == f"{VERIFY}{run_id}/"
    _ended(run_id)
    answer = client.get(f"{VERIFY}{run_id}/")
    assert answer.status_code == 200
    body = answer.json()
    # The twelve entries and the start of this check, written before it ran.
    assert (body["state"], body["ok"], body["checked"], body["first_bad"]) == ("finished", True, 13, None)
    assert body["total"] == 13
    assert body["started_at"] and body["finished_at"] and body["started_at"] <= body["finished_at"]


def test_tampering_is_found_by_the_job(log, world, api_as):
    edited = log[4]
    _tamper("UPDATE audit_accessevent SET username = 'iemand-anders' WHERE id = %s", [edited.pk])
    client = api_as(world.auditor)

    run_id = client.post(VERIFY).json()["id"]
    _ended(run_id)

    body = client.get(f"{VERIFY}{run_id}/").json()
    assert (body["state"], body["ok"], body["first_bad"]) == ("finished", False, edited.pk)
    assert client.get(VERIFY).json()["ok"] is False


def test_the_plain_get_answers_from_the_latest_finished_check(log, world, api_as):
    client = api_as(world.auditor)

    before = client.get(VERIFY)
    assert before.status_code == 200
    assert before.json() == {
        "id": None,
        "ok": None,
        "checked": 0,
        "first_bad": None,
        "checkpoints": 0,
        "findings": [],
        "checked_at": None,
    }

    first = client.post(VERIFY).json()["id"]
    _ended(first)
    latest = client.get(VERIFY).json()
    assert (latest["id"], latest["ok"], latest["first_bad"]) == (first, True, None)
    assert latest["checked"] >= 13
    assert latest["checked_at"] == client.get(f"{VERIFY}{first}/").json()["finished_at"]

    # The daily task's check counts as well, and its finding is what the GET says now.
    _tamper("UPDATE audit_accessevent SET action = 'case.list' WHERE id = %s", [log[2].pk])
    outcome = verify_audit_log()
    daily = client.get(VERIFY).json()
    assert (daily["id"], daily["ok"], daily["first_bad"]) == (outcome["id"], False, log[2].pk)
    assert VerificationRun.objects.get(pk=outcome["id"]).via == "task"

    # A check of some chains only does not stand for the whole log.
    call_command("verify_audit_log", "--chain", str((log[0].chain + 1) % 16), stdout=StringIO())
    assert client.get(VERIFY).json()["id"] == outcome["id"]


def test_a_check_does_not_hold_up_the_request(log, world, api_as, turn_taken):
    client = api_as(world.auditor)

    response = client.post(VERIFY)

    # Another check has the turn: this one waits in the background, the answer does not.
    assert response.status_code == 202
    run_id = response.json()["id"]
    assert client.get(f"{VERIFY}{run_id}/").json()["state"] == "queued"
    assert not wait_for(lambda: VerificationRun.objects.get(pk=run_id).state != "queued", 1.0)


def test_a_queued_check_starts_when_the_other_is_done(log, world, api_as):
    client = api_as(world.auditor)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [verification.TURN_LOCK])
        run_id = client.post(VERIFY).json()["id"]
        assert client.get(f"{VERIFY}{run_id}/").json()["state"] == "queued"
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [verification.TURN_LOCK])
    finally:
        other.close()

    assert _ended(run_id).ok is True


def test_the_web_process_never_forks_for_a_check(log, world, api_as, web_as, forks):
    api_run = api_as(world.auditor).post(VERIFY).json()["id"]
    page = web_as(world.auditor).post("/toegangslog/integriteit/")
    web_run = page["Location"].rstrip("/").rsplit("/", 1)[1]

    assert _ended(api_run).ok is True
    assert _ended(web_run).ok is True
    assert forks == []

    # The same check from the command forks its four id ranges: the hook sees forks.
    call_command("verify_audit_log", stdout=StringIO())
    assert len(forks) == 4


def test_progress_is_counted_across_forked_processes(log):
    progress = Progress()

    result = verify(workers=4, progress=progress)

    assert result.ok
    assert (progress.checked, progress.total) == (12, 12)


def test_every_step_is_in_the_access_log(log, world, api_as):
    client = api_as(world.auditor)

    run_id = client.post(VERIFY).json()["id"]
    _ended(run_id)
    client.get(f"{VERIFY}{run_id}/")
    client.get(VERIFY)

    start = AccessEvent.objects.get(action="audit.verify.start")
    assert (start.user_id, start.object_id, start.detail["via"]) == (world.auditor.pk, run_id, "api")
    outcome = AccessEvent.objects.get(action="audit.verify")
    assert (outcome.user_id, outcome.outcome, outcome.object_id) == (world.auditor.pk, "success", run_id)
    assert (outcome.detail["checked"], outcome.detail["via"]) == (13, "api")
    reads = AccessEvent.objects.filter(action="audit.verify.read").order_by("id")
    assert [(r.user_id, r.object_id, r.detail["latest"]) for r in reads] == [
        (world.auditor.pk, run_id, False),
        (world.auditor.pk, run_id, True),
    ]


@pytest.mark.parametrize("actor", ["huisarts", "triage", "coordinator_noord", "professional_noord", "beheer"])
def test_only_auditors_start_or_read_checks(log, world, api_as, actor):
    run = VerificationRun.objects.create(via="api", requested_by=world.auditor)
    client = api_as(getattr(world, actor))

    assert client.post(VERIFY).status_code == 403
    assert client.get(VERIFY).status_code == 403
    assert client.get(f"{VERIFY}{run.pk}/").status_code == 403
    assert VerificationRun.objects.count() == 1
    assert not AccessEvent.objects.filter(action__startswith="audit.verify").exists()
    assert AccessEvent.objects.filter(event_type="denied", user_id=getattr(world, actor).pk).count() == 3


def test_anonymous_callers_are_refused(log, api_as):
    assert api_as(None).post(VERIFY).status_code == 401
    assert api_as(None).get(f"{VERIFY}{VerificationRun().pk}/").status_code == 401
    assert not VerificationRun.objects.exists()


def test_an_unknown_check_is_not_found(world, api_as):
    assert api_as(world.auditor).get(f"{VERIFY}{VerificationRun().pk}/").status_code == 404


def test_a_check_whose_process_died_shows_as_failed_and_a_redelivery_takes_it_over(log, world, api_as):
    long_ago = timezone.now() - timedelta(minutes=10)
    run = VerificationRun.objects.create(
        via="api", requested_by=world.auditor, state="running", started_at=long_ago, heartbeat_at=long_ago
    )
    client = api_as(world.auditor)

    body = client.get(f"{VERIFY}{run.pk}/").json()
    assert (body["state"], body["ok"], body["error"]) == ("failed", None, "stalled")

    verification.execute(run.pk)  # the task, delivered again after its worker died

    run.refresh_from_db()
    assert (run.state, run.ok, run.checked) == ("finished", True, 13)  # the log and the read above


def test_the_auditors_page_starts_a_check_and_shows_how_it_goes(log, world, web_as, turn_taken):
    client = web_as(world.auditor)
    assert "Er is nog geen controle afgerond." in client.get("/toegangslog/integriteit/").content.decode()

    started = client.post("/toegangslog/integriteit/")

    assert started.status_code == 302
    run_page = started["Location"]
    html = client.get(run_page).content.decode()
    assert 'role="status"' in html and "In de wachtrij" in html
    assert "data-running" in html and "Voortgang bijwerken" in html  # the script, or the button by hand
    assert 'http-equiv="refresh"' not in html
    overview = client.get("/toegangslog/integriteit/").content.decode()
    assert "Er loopt een controle" in overview and run_page in overview


def test_the_auditors_page_shows_the_finished_result(log, world, web_as):
    client = web_as(world.auditor)
    _tamper("UPDATE audit_accessevent SET purpose = 'verzonnen' WHERE id = %s", [log[7].pk])

    run_page = client.post("/toegangslog/integriteit/")["Location"]
    run_id = run_page.rstrip("/").rsplit("/", 1)[1]
    _ended(run_id)

    html = client.get(run_page).content.decode()
    assert "Klaar" in html and "niet in orde" in html
    assert f"De eerste afwijkende regel heeft nummer {log[7].pk}." in html
    assert "data-running" not in html
    overview = client.get("/toegangslog/integriteit/").content.decode()
    assert "Niet in orde:" in overview and f"nummer {log[7].pk}" in overview
    start = AccessEvent.objects.get(action="audit.verify.start")
    assert start.detail["via"] == "web"


@pytest.fixture
def broker() -> Iterator[str]:
    """A Redis of this test's own as the broker, instead of running tasks in-process."""
    with throwaway_redis() as server, celery_on_broker(server.url(0)) as url:
        yield url


@pytest.mark.slow
def test_with_a_broker_a_worker_runs_the_check_from_its_id_alone(log, world, api_as, broker, tmp_path: Path):
    client = api_as(world.auditor)

    run_id = client.post(VERIFY).json()["id"]

    # Queued on Redis with nothing but the run's id as argument; no check here.
    (message,) = cast(list[bytes], redis.Redis.from_url(broker).lrange("celery", 0, -1))
    envelope = json.loads(message)
    assert envelope["headers"]["task"] == "audit.tasks.run_verification"
    assert envelope["headers"]["argsrepr"] == repr((run_id,))
    assert VerificationRun.objects.get(pk=run_id).state == "queued"

    with _worker_process(broker, tmp_path):
        run = _ended(run_id)

    assert (run.state, run.ok, run.checked, run.first_bad) == ("finished", True, 13, None)
    assert client.get(VERIFY).json()["id"] == run_id


def test_a_running_check_shows_its_progress(log, world, api_as, web_as):
    now = timezone.now()
    run = VerificationRun.objects.create(
        via="web", requested_by=world.auditor, state="running", started_at=now, heartbeat_at=now
    )
    VerificationRun.objects.filter(pk=run.pk).update(total=200, checked=80)

    body = api_as(world.auditor).get(f"{VERIFY}{run.pk}/").json()
    html = web_as(world.auditor).get(f"/toegangslog/integriteit/{run.pk}/").content.decode()

    assert (body["state"], body["checked"], body["total"], body["ok"]) == ("running", 80, 200, None)
    assert 'max="200" value="80"' in html
    assert "80 van 200 regels gecontroleerd (40%)" in html
    assert "Bezig" in html and "data-running" in html


def test_a_check_that_breaks_down_is_shown_and_logged_as_failed(log, world, api_as):
    run = VerificationRun.objects.create(via="api", requested_by=world.auditor, chains=["geen-keten"])

    with pytest.raises(DataError):
        verification.execute(run.pk)

    body = api_as(world.auditor).get(f"{VERIFY}{run.pk}/").json()
    assert (body["state"], body["ok"], body["error"]) == ("failed", None, "DataError")
    entry = AccessEvent.objects.get(action="audit.verify")
    assert (entry.outcome, entry.object_id, entry.detail["error"]) == ("error", str(run.pk), "DataError")
    assert api_as(world.auditor).get(VERIFY).json()["ok"] is None  # a failed check is no finding
