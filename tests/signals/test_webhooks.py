"""Webhooks: a partner's endpoint (a real HTTP server on 127.0.0.1, in a thread) receives its
signals' status changes, signed, in order, and the ones it missed while it was down."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import threading
import uuid
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.db import connection

from audit.models import AccessEvent
from signals.models import Signal, Webhook, WebhookDelivery
from signals.webhooks import deliver_pending

from ..cases.flow import advance, file_case, step

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
T0 = datetime.datetime(2026, 11, 10, 10, 0, tzinfo=AMS)
SECOND = datetime.timedelta(seconds=1)


class Receiver:
    """A partner's endpoint: records each request and answers 204; can be taken down and back up."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/schakelpunt/events"

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    if endpoint.server is not None:
        endpoint.stop()


def verify(secret: str, headers: dict[str, str], body: bytes, now: int, tolerance: int = 300) -> bool:
    """How a partner checks a delivery (the README's example, Standard Webhooks)."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.split(",", 1)[1])
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )


def register(api_as, user, url: str) -> dict[str, Any]:
    response = api_as(user).post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def drain(at: datetime.datetime, webhook_id: str) -> int:
    with time_machine.travel(at, tick=False):
        return deliver_pending(uuid.UUID(webhook_id))


def test_signed_events_arrive_in_order_and_missed_ones_after_the_endpoint_returns(
    world, api_as, receiver, django_capture_on_commit_callbacks
):
    hook = register(api_as, world.corporatie, receiver.url)
    assert hook["secret"].startswith("whsec_") and hook["url"] == receiver.url

    with time_machine.travel(T0, tick=False):
        first = file_case(world, api_as, partner_reference="HUUR-1")
        with django_capture_on_commit_callbacks(execute=True):
            advance(world, api_as, first, "in_progress")
            step(api_as, world.professional_noord, first, "close", outcome="referral_financial")

    first_signal = Signal.objects.get(case_id=first)
    events = receiver.events()
    assert [e["signal"]["status"] for e in events] == ["picked_up", "help_accepted"]
    assert events[1] == {
        "event": "signal.status_changed",
        "signal": {
            "id": str(first_signal.pk),
            "reference": first_signal.reference,
            "partner_reference": "HUUR-1",
            "status": "help_accepted",
            "status_changed_at": events[1]["signal"]["status_changed_at"],
            "help_accepted_on": "2026-11-10",
            "suspend_collection_until": "2026-12-10",
        },
    }
    for request in receiver.received:
        assert request["path"] == "/schakelpunt/events"
        assert request["headers"]["Content-Type"] == "application/json"
        assert verify(hook["secret"], request["headers"], request["body"], now=int(T0.timestamp()))
        tampered = request["body"].replace(b"help_accepted", b"closed")
        assert not verify(hook["secret"], request["headers"], tampered, now=int(T0.timestamp()))
        assert not verify(
            "whsec_" + base64.b64encode(b"x" * 32).decode(), request["headers"], request["body"], 0
        )

    # The endpoint goes down; the next case's events wait for it.
    receiver.stop()
    receiver.received.clear()
    with time_machine.travel(T0 + 60 * SECOND, tick=False):
        second = file_case(
            world,
            api_as,
            partner_reference="HUUR-2",
            subject__bsn="",
            subject__date_of_birth="1990-02-02",
            subject__postcode="1013 AB",
        )
        with django_capture_on_commit_callbacks(execute=True):
            step(api_as, world.triage, second, "claim")
            step(api_as, world.triage, second, "start_outreach")
            step(api_as, world.triage, second, "close", outcome="declined_help")
    pending = list(WebhookDelivery.objects.filter(signal__case_id=second).order_by("id"))
    assert [(d.status, d.state, d.attempts) for d in pending] == [
        ("picked_up", "pending", 1),
        ("not_picked_up", "pending", 0),  # waits behind the failed one: never out of order
    ]
    assert pending[0].last_error == "Geen verbinding met het adres."
    assert pending[0].next_attempt_at == T0 + 90 * SECOND  # 30 s backoff

    assert drain(T0 + 80 * SECOND, hook["id"]) == 0  # nothing due yet
    receiver.start()  # back, on the same address
    assert drain(T0 + 95 * SECOND, hook["id"]) == 2

    second_signal = Signal.objects.get(case_id=second)
    assert [(e["signal"]["id"], e["signal"]["status"]) for e in receiver.events()] == [
        (str(second_signal.pk), "picked_up"),
        (str(second_signal.pk), "not_picked_up"),
    ]
    assert all(
        verify(hook["secret"], r["headers"], r["body"], now=int((T0 + 95 * SECOND).timestamp()))
        for r in receiver.received
    )
    # The retried event keeps its id: a partner can drop a duplicate by webhook-id.
    assert receiver.received[0]["headers"]["webhook-id"] == str(pending[0].pk)

    log = api_as(world.corporatie).get(f"/api/v1/webhooks/{hook['id']}/deliveries/").json()["results"]
    assert [(d["signal_reference"], d["status"], d["state"], d["attempts"]) for d in log] == [
        (second_signal.reference, "not_picked_up", "delivered", 1),
        (second_signal.reference, "picked_up", "delivered", 2),
        (first_signal.reference, "help_accepted", "delivered", 1),
        (first_signal.reference, "picked_up", "delivered", 1),
    ]
    assert log[1]["last_error"] == "" and log[1]["response_status"] == 204
    read = AccessEvent.objects.get(action="webhook.deliveries.list")
    assert (read.username, read.object_id, read.detail) == ("corporatie", hook["id"], {"count": 4})
    created = AccessEvent.objects.get(action="webhook.create")
    assert (created.username, created.event_type, created.object_id) == ("corporatie", "write", hook["id"])


def test_an_event_is_given_up_after_a_day_and_the_next_one_goes(
    world, api_as, receiver, django_capture_on_commit_callbacks, settings
):
    hook = register(api_as, world.corporatie, receiver.url)
    receiver.stop()
    with time_machine.travel(T0, tick=False):
        case_id = file_case(world, api_as)
        with django_capture_on_commit_callbacks(execute=True):
            advance(world, api_as, case_id, "outreach")
            step(api_as, world.triage, case_id, "close", outcome="unreachable")

    at = T0
    while WebhookDelivery.objects.filter(state="pending", status="picked_up").exists():
        at = WebhookDelivery.objects.get(status="picked_up").next_attempt_at + SECOND
        assert at < T0 + datetime.timedelta(hours=25)
        drain(at, hook["id"])
    first = WebhookDelivery.objects.get(status="picked_up")
    assert first.state == "failed" and first.attempts > 5
    assert at > T0 + datetime.timedelta(hours=23)

    receiver.start()
    drain(at + SECOND, hook["id"])
    assert [e["signal"]["status"] for e in receiver.events()] == ["not_picked_up"]


def test_the_secret_is_shown_once_and_stored_encrypted(world, api_as, receiver):
    hook = register(api_as, world.corporatie, receiver.url)

    listed = api_as(world.corporatie).get("/api/v1/webhooks/").json()
    one = api_as(world.corporatie).get(f"/api/v1/webhooks/{hook['id']}/").json()

    assert [h["id"] for h in listed] == [hook["id"]]
    assert "secret" not in listed[0] and "secret" not in one
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM signals_webhook WHERE id = %s", [hook["id"]])
        [stored] = cursor.fetchone()
    assert hook["secret"].encode() not in bytes(stored)
    assert Webhook.objects.get(pk=hook["id"]).secret == hook["secret"]


def test_another_organisation_sees_nothing_and_other_roles_are_refused(world, api_as, receiver):
    hook = register(api_as, world.corporatie, receiver.url)

    for path in (f"/api/v1/webhooks/{hook['id']}/", f"/api/v1/webhooks/{hook['id']}/deliveries/"):
        assert api_as(world.huisarts).get(path).status_code == 404
        assert api_as(world.triage).get(path).status_code == 403
    assert api_as(world.huisarts).get("/api/v1/webhooks/").json() == []
    assert api_as(world.huisarts).delete(f"/api/v1/webhooks/{hook['id']}/").status_code == 404
    assert api_as(world.corporatie).delete(f"/api/v1/webhooks/{hook['id']}/").status_code == 204
    assert not Webhook.objects.exists()


def test_another_organisations_signals_are_not_sent(
    world, api_as, receiver, django_capture_on_commit_callbacks
):
    register(api_as, world.huisarts, receiver.url)
    case_id = file_case(world, api_as)  # the housing corporation's signal
    with django_capture_on_commit_callbacks(execute=True):
        advance(world, api_as, case_id, "outreach")

    assert receiver.received == [] and not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",  # loopback, and not HTTPS
        "https://127.0.0.1/hook",
        "https://localhost/hook",  # a name that resolves to loopback
        "https://[::1]/hook",
        "https://10.1.2.3/hook",  # private
        "https://192.168.1.10/hook",
        "https://172.16.0.1/hook",
        "https://100.64.0.1/hook",  # shared address space
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",  # a private IPv4 address dressed as IPv6
        "https://0.0.0.0/hook",
        "http://93.184.216.34/hook",  # public, but not HTTPS
        "https://user:pass@93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
        "https://partner.invalid/hook",  # cannot be resolved
        "not a url",
    ],
)
def test_production_accepts_only_public_https_addresses(world, api_as, settings, url):
    settings.WEBHOOK_ALLOW_LOOPBACK = False

    response = api_as(world.corporatie).post("/api/v1/webhooks/", {"url": url}, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["url"]
    assert not Webhook.objects.exists()


def test_a_public_https_address_is_accepted(world, api_as, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False

    hook = register(api_as, world.corporatie, "https://93.184.216.34/schakelpunt")

    assert hook["url"] == "https://93.184.216.34/schakelpunt"


def test_the_address_is_checked_again_at_each_delivery(
    world, api_as, receiver, settings, django_capture_on_commit_callbacks
):
    register(api_as, world.corporatie, receiver.url)
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # as in production, after registration

    case_id = file_case(world, api_as)
    with django_capture_on_commit_callbacks(execute=True):
        advance(world, api_as, case_id, "outreach")

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "openbaar" in delivery.last_error


def test_an_organisation_has_at_most_the_set_number_of_webhooks(world, api_as, settings, receiver):
    settings.WEBHOOKS_PER_ORGANISATION = 2
    register(api_as, world.corporatie, receiver.url)
    register(api_as, world.corporatie, receiver.url + "2")

    third = api_as(world.corporatie).post("/api/v1/webhooks/", {"url": receiver.url + "3"}, format="json")

    assert third.status_code == 400 and "url" in third.json()
