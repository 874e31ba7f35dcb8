"""Request metadata for the access log: a server-made request id, the client's trace and address."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import context

# W3C Trace Context, version 00: version-traceid-parentid-flags, lower-case hex,
# neither id all zeros (https://www.w3.org/TR/trace-context/#traceparent-header).
_TRACEPARENT = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def valid_traceparent(value: str) -> str:
    """The client's ``traceparent`` when it follows the W3C format, else ``""``."""
    value = value.strip()
    return value if _TRACEPARENT.match(value) else ""


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: Iterable[Network]
) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, trusted_proxies: Iterable[str]) -> str:
    """The client's address: the direct peer, unless it is a trusted proxy.

    Only then is ``X-Forwarded-For`` read, from the right: each trusted proxy
    appended the address it was reached from, so the first address from the
    right that is not a trusted proxy is the client. Anything left of it was
    written by the client itself and is never believed.
    """
    networks = _networks(tuple(trusted_proxies))
    if not networks or not _trusted(_address(remote_addr), networks):
        return remote_addr
    client = remote_addr
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            break  # garbage from the client side of the chain: keep the last proxy-vouched address
        client = str(address)
        if not _trusted(address, networks):
            break
    return client


class RequestContextMiddleware:
    """Gives every request a server-made id and records its client for the access log.

    A client cannot choose the request id the log is searched by; its W3C
    ``traceparent`` is kept beside it (when well-formed) to tie the entry to
    the client's own trace.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = context.activate(
            context.RequestContext(
                request_id=request_id,
                client_ip=client_address(
                    request.META.get("REMOTE_ADDR", ""),
                    request.META.get("HTTP_X_FORWARDED_FOR", ""),
                    getattr(settings, "TRUSTED_PROXIES", ()),
                ),
                user_agent=request.headers.get("User-Agent", "")[:400],
                trace_parent=valid_traceparent(request.headers.get("traceparent", "")),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request_id
        return response
