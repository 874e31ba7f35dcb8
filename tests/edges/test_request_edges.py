"""The edges of every request: body size, caching, Content-Security-Policy, request ids, client address."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from audit.middleware import client_address, valid_traceparent
from audit.models import AccessEvent
from schakelpunt.middleware import body_limit
from signals.models import BulkUpload, Signal

PASSWORD = "test-password-123"


def test_a_json_body_over_the_limit_is_refused_with_413_before_it_is_parsed(world, api_as):
    body = json.dumps({"signal_type": "rent_arrears", "note": "x" * (3 * 1024 * 1024)})

    response = api_as(world.corporatie).post("/api/v1/signals/", body, content_type="application/json")

    assert response.status_code == 413
    assert "te groot" in response.json()["detail"]
    assert not Signal.objects.exists()


def test_an_upload_is_refused_by_its_content_length_before_a_byte_is_read(world, api_as, settings):
    settings.BULK_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    # The body claims 200 MB but holds a few bytes: reading it would fail, so a 413 shows nothing was read.
    response = api_as(world.corporatie).generic(
        "POST",
        "/api/v1/signals/bulk/",
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert "10 MB" in response.json()["detail"]
    assert not BulkUpload.objects.exists()


def test_both_upload_views_take_a_file_larger_than_a_form_and_no_other_view_does():
    assert body_limit("/api/v1/signals/bulk/", "multipart/form-data; boundary=x") > 50 * 1024 * 1024
    assert body_limit("/signalen/bulk/", "multipart/form-data; boundary=x") > 50 * 1024 * 1024
    assert body_limit("/signalen/nieuw/", "multipart/form-data; boundary=x") <= 2 * 1024 * 1024
    assert body_limit("/api/v1/signals/bulk/", "application/json") <= 2 * 1024 * 1024


def test_an_upload_within_the_limit_is_accepted(world, api_as, settings, tmp_path):
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    settings.BULK_UPLOAD_MAX_BYTES = 1024 * 1024
    content = b"signal_type,partner_reference\n" + b"rent_arrears,R-1\n" * 30_000  # ~500 kB

    response = api_as(world.corporatie).post(
        "/api/v1/signals/bulk/", {"file": SimpleUploadedFile("m.csv", content)}, format="multipart"
    )

    assert response.status_code == 202


def test_a_large_form_post_to_a_page_is_refused_with_413(world):
    client = Client()
    client.force_login(world.corporatie)

    response = client.post("/signalen/nieuw/", {"note": "x" * (3 * 1024 * 1024)})

    assert response.status_code == 413


def test_api_answers_and_signed_in_pages_are_never_stored(world, api_as):
    api = api_as(world.corporatie).get("/api/v1/signals/")
    page_client = Client()
    page_client.force_login(world.corporatie)
    page = page_client.get("/signalen/")

    for response in (api, page):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_every_page_carries_a_policy_without_inline_script_or_style(world):
    client = Client()
    login = client.get("/accounts/login/")
    client.force_login(world.corporatie)
    page = client.get("/signalen/nieuw/")

    for response in (login, page):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
        assert "<style" not in html
        assert not re.search(r"\sstyle=", html), "inline style attribute"
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_the_api_docs_load_their_script_from_a_url(world, api_as):
    client = Client()
    client.force_login(world.corporatie)
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_request_id_is_made_by_the_server_and_a_valid_traceparent_is_kept(world):
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "corporatie", "password": PASSWORD},
        format="json",
        HTTP_X_REQUEST_ID="chosen-by-the-client",
        HTTP_TRACEPARENT=traceparent,
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] != "chosen-by-the-client"
    entry = AccessEvent.objects.get(event_type="login", username="corporatie")
    assert entry.request_id == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", entry.request_id)
    assert entry.trace_parent == traceparent


@pytest.mark.parametrize(
    "value",
    [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # no flags
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01; drop table",
        "Jan Jansen 123456782",
    ],
)
def test_a_malformed_traceparent_is_dropped(value):
    assert valid_traceparent(value) == ""


def test_the_access_log_takes_the_client_address_from_a_trusted_proxy_only(world, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    APIClient(REMOTE_ADDR="10.1.2.3").post(
        "/api/v1/auth/token/",
        {"username": "corporatie", "password": "fout"},
        format="json",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.9.9.9",
    )
    APIClient(REMOTE_ADDR="198.51.100.4").post(
        "/api/v1/auth/token/",
        {"username": "huisarts", "password": "fout"},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )

    via_proxy = AccessEvent.objects.get(event_type="login_failed", username="corporatie")
    direct = AccessEvent.objects.get(event_type="login_failed", username="huisarts")
    assert via_proxy.client_ip == "203.0.113.7"  # the client-written 6.6.6.6 is not believed
    assert direct.client_ip == "198.51.100.4"  # not a trusted peer: its header is ignored


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("10.0.0.1", "203.0.113.7", [], "10.0.0.1"),
        ("10.0.0.1", "203.0.113.7", ["10.0.0.1"], "203.0.113.7"),
        ("10.0.0.1", "", ["10.0.0.1"], "10.0.0.1"),
        ("10.0.0.1", "10.0.0.2, 10.0.0.3", ["10.0.0.0/24"], "10.0.0.2"),
        ("10.0.0.1", "not-an-address, 203.0.113.7", ["10.0.0.1"], "203.0.113.7"),
        ("10.0.0.1", "203.0.113.7, garbage", ["10.0.0.1"], "10.0.0.1"),
        ("::1", "2001:db8::5", ["::1"], "2001:db8::5"),
    ],
)
def test_client_address(remote, forwarded, proxies, expected):
    assert client_address(remote, forwarded, proxies) == expected


def test_only_the_redoc_page_allows_inline_style(world):
    client = Client()
    client.force_login(world.corporatie)

    redoc = client.get("/api/redoc/")["Content-Security-Policy"]
    docs = client.get("/api/docs/")["Content-Security-Policy"]

    assert "style-src 'self' 'unsafe-inline'" in redoc
    assert "script-src 'self';" in redoc + ";"
    assert "unsafe-inline" not in docs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_real_server_answers_413_without_waiting_for_the_body(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schakelpunt.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "schakelpunt.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        with connection:
            # 200 MB announced, a few bytes sent: the answer must come without the rest.
            connection.sendall(
                b"POST /api/v1/signals/bulk/ HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n"
                + f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode()
                + b"--x\r\n"
            )
            started = time.monotonic()
            answer = connection.recv(4096).decode("latin-1")
        assert answer.startswith("HTTP/1.1 413"), answer[:200]
        assert time.monotonic() - started < 5
    finally:
        server.terminate()
        server.wait(timeout=10)
