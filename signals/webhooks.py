"""Webhooks: partner systems are told when the status of one of their signals changes.

Registering gives the partner a secret once (``whsec_`` + base64 of 32 random
bytes, the Standard Webhooks format); it is stored encrypted because every
delivery is signed with it.

Events go through an outbox (``WebhookDelivery``), written in the
transaction of the status change (``enqueue_status_changes``) and sent after
commit by ``signals.tasks.deliver_webhook``, one task per endpoint, taking
its id only; the beat sends whatever is due every minute. Each send is
claimed first with a conditional update, made outside any transaction, and
its outcome recorded; a failure is tried again with backoff until
``WEBHOOK_RETRY_HOURS`` after the event was written, then given up. A
signal's later event is not sent while an earlier one for the same endpoint
is pending, so a partner receives a signal's events in order, each at least
once.

Each request carries the Standard Webhooks headers: ``webhook-id`` (the
delivery's id, the same on every retry), ``webhook-timestamp`` (Unix
seconds) and ``webhook-signature`` (``v1,`` + base64 of the HMAC-SHA256,
keyed with the secret's bytes, of ``"{id}.{timestamp}.{body}"``).

Endpoints must be public HTTPS addresses: the host's addresses are resolved
and checked at registration and again at every delivery, and the request
goes to the address that was checked (TLS still verifies the host name),
so a name that later resolves to a private address reaches nothing.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.parse
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from coordination.models import Organisation, Role, User

from .models import Signal, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

EVENT_STATUS_CHANGED = "signal.status_changed"
SECRET_PREFIX = "whsec_"  # noqa: S105  (the format's prefix, not a secret)


class UnsafeTarget(Exception):
    """The endpoint's address is not one Schakelpunt may send to."""


# ---------------------------------------------------------------- the endpoint's address


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked IP address the request goes to


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if not settings.WEBHOOK_RESOLVE_NAMES and host.lower() != "localhost":
        raise UnsafeTarget(_("Dit adres is niet te vinden."))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeTarget(_("Dit adres is niet te vinden.")) from None
    found = []
    for info in infos:
        # Drop an IPv6 scope ("fe80::1%eth0"): the address itself decides.
        found.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
    if not found:
        raise UnsafeTarget(_("Dit adres is niet te vinden."))
    return found


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_target(url: str) -> Target:
    """Where ``url`` may be sent, or UnsafeTarget saying why not.

    Public HTTPS only: every address the host resolves to must be public (no
    private, loopback, link-local, shared or reserved ranges). With
    ``WEBHOOK_ALLOW_LOOPBACK`` (debug mode) a loopback address is allowed
    too, over HTTP or HTTPS, for trying a receiver out locally.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget(_("Dit is geen geldig adres.")) from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeTarget(_("Geef een adres dat met https:// begint."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget(_("Een adres met een gebruikersnaam of wachtwoord erin kan niet."))
    if parts.fragment:
        raise UnsafeTarget(_("Een adres met een # erin kan niet."))
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _addresses(host, port)
    if all(_is_public(a) for a in addresses):
        if parts.scheme != "https":
            raise UnsafeTarget(_("Geef een adres dat met https:// begint."))
    elif not (settings.WEBHOOK_ALLOW_LOOPBACK and all(a.is_loopback for a in addresses)):
        raise UnsafeTarget(_("Dit adres is niet openbaar bereikbaar; alleen openbare adressen kunnen."))
    return Target(scheme=parts.scheme, host=host, port=port, address=str(addresses[0]))


# ---------------------------------------------------------------- registering


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def webhooks_for(actor: User) -> QuerySet[Webhook]:
    """The actor's organisation's webhooks; none for anyone else."""
    if not actor.has_role(Role.PARTNER) or actor.organisation_id is None:
        return Webhook.objects.none()
    return Webhook.objects.filter(organisation_id=actor.organisation_id).order_by("created_at", "id")


def webhook_for(actor: User, webhook_id: uuid.UUID) -> Webhook:
    """One of the actor's organisation's webhooks, or 404 (also when it is another's)."""
    found = webhooks_for(actor).filter(pk=webhook_id).first()
    if found is None:
        raise Http404
    return found


@transaction.atomic(durable=True)
def register(*, actor: User, url: str) -> tuple[Webhook, str]:
    """A partner registers an endpoint; returns it with its secret, which is shown only now."""
    try:
        check_target(url)
    except UnsafeTarget as exc:
        raise ValidationError({"url": str(exc)}) from None
    if actor.organisation_id is None:
        raise Http404
    # One registration at a time per organisation, so the limit holds.
    Organisation.objects.select_for_update().filter(pk=actor.organisation_id).first()
    if webhooks_for(actor).count() >= settings.WEBHOOKS_PER_ORGANISATION:
        raise ValidationError(
            {
                "url": _("Uw organisatie heeft al %(n)s webhooks; verwijder er eerst een.")
                % {"n": settings.WEBHOOKS_PER_ORGANISATION}
            }
        )
    secret = new_secret()
    webhook = Webhook.objects.create(
        organisation_id=actor.organisation_id, url=url, secret=secret, created_by=actor
    )
    _log(actor, "webhook.create", webhook)
    return webhook, secret


@transaction.atomic(durable=True)
def remove(*, actor: User, webhook_id: uuid.UUID) -> None:
    """A partner removes an endpoint; its pending events are dropped with it."""
    webhook = webhook_for(actor, webhook_id)
    _log(actor, "webhook.delete", webhook)
    webhook.delete()


def deliveries_for(actor: User, webhook_id: uuid.UUID) -> QuerySet[WebhookDelivery]:
    """The delivery log of one of the actor's webhooks, newest first."""
    webhook = webhook_for(actor, webhook_id)
    return (
        WebhookDelivery.objects.filter(webhook=webhook)
        .select_related("signal")
        .only(
            *(f.name for f in WebhookDelivery._meta.concrete_fields if f.name != "signal"),
            "signal__id",
            "signal__reference",
        )
        .order_by("-id")
    )


def log_deliveries_read(*, actor: User, webhook_id: uuid.UUID, count: int) -> None:
    """The delivery log names signals by reference: its reads are logged like the signal list."""
    record(
        actor=actor,
        role=Role.PARTNER,
        event_type="read",
        action="webhook.deliveries.list",
        object_type="webhook",
        object_id=str(webhook_id),
        detail={"count": count},
    )


def _log(actor: User, action: str, webhook: Webhook) -> None:
    record(
        actor=actor,
        role=Role.PARTNER,
        event_type="write",
        action=action,
        object_type="webhook",
        object_id=str(webhook.pk),
    )


# ---------------------------------------------------------------- the outbox


def enqueue_status_changes(*, signal_ids: Iterable[uuid.UUID], status: str, at: datetime.datetime) -> int:
    """Write one event per signal and webhook of its organisation, in the caller's transaction;
    the endpoints are sent to after commit."""
    ids = list(signal_ids)
    if not ids:
        return 0
    pairs = list(
        Webhook.objects.filter(
            organisation_id__in=Signal.objects.filter(pk__in=ids).values("organisation_id")
        ).values_list("pk", "organisation_id")
    )
    if not pairs:
        return 0
    org_of = dict(Signal.objects.filter(pk__in=ids).values_list("pk", "organisation_id"))
    rows = [
        WebhookDelivery(
            webhook_id=webhook_id,
            signal_id=signal_id,
            event=EVENT_STATUS_CHANGED,
            status=status,
            status_changed_at=at,
            next_attempt_at=at,
        )
        for signal_id in ids
        for webhook_id, organisation_id in pairs
        if org_of.get(signal_id) == organisation_id
    ]
    WebhookDelivery.objects.bulk_create(rows)
    webhook_ids = sorted({str(r.webhook_id) for r in rows})
    # robust: a broker outage must not turn a committed change into an error;
    # the beat sends the events a minute later.
    transaction.on_commit(lambda: _send_soon(webhook_ids), robust=True)
    return len(rows)


def _send_soon(webhook_ids: list[str]) -> None:
    from .tasks import deliver_webhook

    for webhook_id in webhook_ids:
        deliver_webhook.delay(webhook_id)


def due_webhooks() -> list[str]:
    """The webhooks with an event due now (the beat starts a task for each)."""
    return [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
        )
        .values_list("webhook_id", flat=True)
        .distinct()
    ]


def deliver_pending(webhook_id: uuid.UUID) -> int:
    """Send one endpoint's due events, each claimed first; returns how many were delivered.

    After a failure the drain stops for this endpoint: it is probably down, and
    its other events wait for their own next attempt.
    """
    delivered = 0
    while (delivery_id := _claim_next(webhook_id)) is not None:
        if not _deliver(delivery_id):
            break
        delivered += 1
    return delivered


def _claim_next(webhook_id: uuid.UUID) -> int | None:
    """Claim the endpoint's next due event whose signal has no earlier one pending.

    The claim pushes ``next_attempt_at`` past the claim timeout: a second
    drain skips the row (and, the row still pending, every later event of
    the same signal), and a drain that died mid-send leaves it due again.
    """
    earlier = WebhookDelivery.objects.filter(
        webhook_id=webhook_id,
        signal_id=OuterRef("signal_id"),
        state=WebhookDelivery.State.PENDING,
        id__lt=OuterRef("id"),
    )
    while True:
        now = timezone.now()
        candidate = (
            WebhookDelivery.objects.filter(
                webhook_id=webhook_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
            )
            .exclude(Exists(earlier))
            .order_by("id")
            .values_list("pk", "next_attempt_at")
            .first()
        )
        if candidate is None:
            return None
        pk, due = candidate
        claimed = WebhookDelivery.objects.filter(
            pk=pk, state=WebhookDelivery.State.PENDING, next_attempt_at=due
        ).update(
            next_attempt_at=now + datetime.timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT_SECONDS),
            last_attempt_at=now,
            attempts=F("attempts") + 1,
        )
        if claimed:
            return pk


def payload(delivery: WebhookDelivery) -> dict[str, Any]:
    """The event as the partner receives it: the signal's status, nothing about the case."""
    signal = Signal.objects.only(
        "id", "reference", "partner_reference", "help_accepted_on", "suspend_collection_until"
    ).get(pk=delivery.signal_id)
    covenant = delivery.status == "help_accepted"
    return {
        "event": delivery.event,
        "signal": {
            "id": str(signal.pk),
            "reference": signal.reference,
            "partner_reference": signal.partner_reference,
            "status": delivery.status,
            "status_changed_at": delivery.status_changed_at.isoformat(),
            "help_accepted_on": signal.help_accepted_on.isoformat()
            if covenant and signal.help_accepted_on
            else None,
            "suspend_collection_until": signal.suspend_collection_until.isoformat()
            if covenant and signal.suspend_collection_until
            else None,
        },
    }


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: ``v1,`` and the base64 HMAC-SHA256 of id, time and body."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def _deliver(delivery_id: int) -> bool:
    """Send one claimed event outside any transaction and record the outcome."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    body = json.dumps(payload(delivery), separators=(",", ":")).encode()
    message_id = str(delivery.pk)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Schakelpunt-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(str(delivery.webhook.secret), message_id, timestamp, body),
        "X-Schakelpunt-Event": delivery.event,
    }
    response_status: int | None = None
    try:
        response_status = _post(delivery.webhook.url, body, headers)
        if not 200 <= response_status < 300:
            raise _Refused(response_status)
    except Exception as exc:  # any failure of one event is recorded, never fatal
        _failed(delivery, exc, response_status)
        return False
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.DELIVERED,
        delivered_at=timezone.now(),
        response_status=response_status,
        last_error="",
    )
    return True


class _Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to the checked address of ``url`` (checked now, again); the answer's status.

    The connection goes to the IP address that was checked, with the URL's
    host in the Host header and, for HTTPS, as the TLS server name that the
    certificate is verified against. Redirects are not followed.
    """
    target = check_target(url)
    parts = urllib.parse.urlsplit(url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    pinned = urllib.parse.urlunsplit(
        (parts.scheme, f"{address}:{target.port}", parts.path or "/", parts.query, "")
    )
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    with httpx.Client(
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
    ) as client:
        response = client.post(
            pinned, content=body, headers={**headers, "Host": host_header or ""}, extensions=extensions
        )
    return response.status_code


def _failed(delivery: WebhookDelivery, exc: Exception, response_status: int | None) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"last_error": _error_text(exc), "response_status": response_status}
    give_up_at = delivery.created_at + datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    retry_at = now + retry_delay(delivery.attempts)
    if retry_at > give_up_at:
        fields["state"] = WebhookDelivery.State.FAILED
        logger.warning("webhook delivery %s given up after %s attempts", delivery.pk, delivery.attempts)
    else:
        fields["next_attempt_at"] = retry_at
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Backoff after the n-th failed attempt: the base, doubled each time, capped."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 20)
    return datetime.timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


def _error_text(exc: Exception) -> str:
    """What the partner reads in its delivery log: the kind of failure, no request content."""
    if isinstance(exc, _Refused | UnsafeTarget):
        text = str(exc)
    elif isinstance(exc, httpx.TimeoutException):
        text = _("Geen antwoord binnen %(s)s seconden.") % {"s": settings.WEBHOOK_TIMEOUT_SECONDS}
    elif isinstance(exc, httpx.ConnectError):
        text = _("Geen verbinding met het adres.")
    else:
        text = type(exc).__name__
    return text[: WebhookDelivery._meta.get_field("last_error").max_length]
