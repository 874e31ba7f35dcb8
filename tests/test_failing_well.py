"""Failing well: a database that is away or holds a lock answers 503 with Retry-After.

Never an HTML 500, never a worker killed by gunicorn's timeout. The real
service runs in gunicorn (as in production, ``--timeout 30``) and is asked
over HTTP. The outage is a throwaway PostgreSQL server of this test's
own, stopped and started again; the lock wait is on the test database, with
a row lock held by the test while the service tries to claim the case.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction

from audit.models import ChainHead
from cases.models import Case
from schakelpunt.tokens import issue_personal_token
from tests.cases.flow import file_case

from .servers import free_port, throwaway_postgres, wait_for

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "outage-test-password"
UNAVAILABLE_PAGE = "Even niet beschikbaar"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Service:
    """gunicorn serving the project, and a small HTTP client that keeps cookies by hand.

    (The session and CSRF cookies are ``Secure`` outside debug mode; a browser would
    not send them over plain HTTP, so urllib's cookie jar does not either.)
    """

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
        cookies: bool = True,
    ) -> Answer:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)  # noqa: S310
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if cookies and self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        started = time.monotonic()
        try:
            response = urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            answer = Answer(
                response.status, dict(response.headers.items()), response.read(), time.monotonic() - started
            )
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return answer

    def api(self, method: str, path: str, token: str, payload: Any = None) -> Answer:
        """A partner system's call: a token, no browser session."""
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        return self.request(method, path, body=body, headers=headers, cookies=False)

    def log_in(self, username: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        answer = self.request(
            "POST",
            "/accounts/login/",
            body=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status == 302, answer.body[:500]
        assert "sessionid" in self.cookies

    def page(self, path: str) -> Answer:
        return self.request("GET", path)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextlib.contextmanager
def gunicorn(database_url: str, tmp_path: Path, **env: str) -> Iterator[Service]:
    """The project in gunicorn on a free port: one sync worker, gunicorn's default 30 s timeout."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schakelpunt.settings_test",
        "DATABASE_URL": database_url,
        "BULK_UPLOAD_DIR": str(tmp_path / "bulk"),
        **env,
    }
    environment.pop("CELERY_BROKER_URL", None)
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "schakelpunt.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30", "--log-level", "warning",
    ]  # fmt: skip
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=sink, stderr=sink)
    service = Service(f"http://127.0.0.1:{port}", process, log)
    try:
        assert wait_for(lambda: _answers(service), 60), log.read_text()
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(service: Service) -> bool:
    if service.process.poll() is not None:
        raise RuntimeError(service.log.read_text())
    try:
        return service.request("GET", "/health/", timeout=2, cookies=False).status == 200
    except OSError:
        return False


def _manage(database_url: str, *args: str) -> None:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schakelpunt.settings_test",
        "DATABASE_URL": database_url,
    }
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=environment, check=True, capture_output=True
    )


def _assert_unavailable_json(answer: Answer, key: str = "detail") -> None:
    assert answer.status == 503, (answer.status, answer.body[:500])
    assert answer.headers["Content-Type"] == "application/json"
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.json()[key]


def test_while_the_database_is_down_the_service_answers_503_and_recovers_by_itself(tmp_path):
    with throwaway_postgres() as server:
        url = server.create_database("schakelpunt")
        _manage(url, "migrate", "--noinput")
        _manage(url, "seed_demo", "--password", PASSWORD)
        with gunicorn(url, tmp_path) as service:
            token = service.request(
                "POST",
                "/api/v1/auth/token/",
                body=json.dumps({"username": "huisarts", "password": PASSWORD}).encode(),
                headers={"Content-Type": "application/json"},
            ).json()["token"]
            service.log_in("huisarts", PASSWORD)
            assert service.api("GET", "/api/v1/signals/", token).status == 200
            assert service.page("/signalen/").status == 200

            server.stop()

            for answer in (
                service.api("GET", "/api/v1/signals/", token),
                service.api("POST", "/api/v1/signals/", token, {"signal_type": "rent_arrears"}),
            ):
                _assert_unavailable_json(answer)
            health = service.request("GET", "/health/", cookies=False)
            _assert_unavailable_json(health, "status")
            assert health.json() == {"status": "unavailable"}
            page = service.page("/signalen/")
            assert page.status == 503
            assert page.headers["Content-Type"].startswith("text/html")
            assert int(page.headers["Retry-After"]) > 0
            text = page.body.decode()
            assert UNAVAILABLE_PAGE in text
            assert "Traceback" not in text and "OperationalError" not in text and "huisarts" not in text
            # One worker answered all of that: it was never killed or stuck.
            assert service.process.poll() is None

            server.start()

            assert service.request("GET", "/health/").status == 200
            assert service.api("GET", "/api/v1/signals/", token).status == 200
            assert service.page("/signalen/").status == 200
            # A restart between two requests costs no failed request: the kept
            # connection is checked before it is used.
            server.restart()
            assert service.api("GET", "/api/v1/signals/", token).status == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("statement_timeout", "lock_timeout"),
    [("20", "1"), ("1", "0")],
    ids=["lock_timeout", "statement_timeout"],
)
def test_a_held_lock_gives_503_within_the_timeout_and_leaves_the_worker_serving(
    world, api_as, tmp_path, statement_timeout, lock_timeout
):
    case_id = file_case(world, api_as)
    token = issue_personal_token(world.triage)
    database_url = "postgres://postgres@127.0.0.1:5432/" + connection.settings_dict["NAME"]
    env = {"DB_STATEMENT_TIMEOUT": statement_timeout, "DB_LOCK_TIMEOUT": lock_timeout}
    with gunicorn(database_url, tmp_path, **env) as service:
        with transaction.atomic():
            # Someone else holds the case, as a slow request or a stuck session would.
            Case.objects.select_for_update().get(pk=case_id)
            claim = service.api("POST", f"/api/v1/cases/{case_id}/claim/", token, {})
            _assert_unavailable_json(claim)
            assert claim.seconds < 5, claim.seconds
            health = service.request("GET", "/health/")
            assert health.status == 200
            assert health.seconds < 2
        assert service.process.poll() is None

        claim = service.api("POST", f"/api/v1/cases/{case_id}/claim/", token, {})
        assert claim.status == 200, claim.body[:500]
        assert claim.json()["state"] == "triage"
    log = service.log.read_text()
    assert "WORKER TIMEOUT" not in log
    assert re.search(r"SQLSTATE (55P03|57014)", log), log[-2000:]


@pytest.mark.django_db(transaction=True)
def test_a_case_is_not_shown_while_its_reading_cannot_be_logged(world, api_as, tmp_path):
    case_id = file_case(world, api_as)
    token = issue_personal_token(world.triage)
    database_url = "postgres://postgres@127.0.0.1:5432/" + connection.settings_dict["NAME"]
    with gunicorn(database_url, tmp_path, DB_LOCK_TIMEOUT="1") as service:
        with transaction.atomic(), connection.cursor() as cursor:
            # Every access-log writer waits: the read cannot be logged, so it is not served.
            cursor.execute(f"LOCK TABLE {ChainHead._meta.db_table} IN EXCLUSIVE MODE")
            read = service.api("GET", f"/api/v1/cases/{case_id}/", token)
            _assert_unavailable_json(read)
            assert read.seconds < 5, read.seconds
            assert set(read.json()) == {"detail"}
        read = service.api("GET", f"/api/v1/cases/{case_id}/", token)
        assert read.status == 200
        assert read.json()["id"] == case_id
