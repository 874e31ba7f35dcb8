"""Who is asking, from where: request metadata for access-log entries.

Set by ``RequestContextMiddleware`` for web requests; empty in Celery tasks and
management commands, whose entries then carry no IP or user agent.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    client_ip: str = ""
    user_agent: str = ""
    # The client's W3C traceparent, validated; empty when absent or malformed.
    trace_parent: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


def activate(context: RequestContext | None) -> Token[RequestContext | None]:
    return _current.set(context)


def deactivate(token: Token[RequestContext | None]) -> None:
    _current.reset(token)
