"""The hash chains of the access log: which chain a writer uses and what is hashed.

Each entry's ``hash`` is ``HMAC-SHA256(key, message)``, where ``message`` is
the predecessor's hash, the entry's chain and seq, and the canonical text of
every other field (``body``). Editing any field, reordering, or removing an
entry from the middle breaks the chain; removing the newest entries is
caught by comparing the chain with its ``ChainHead``. The key keeps someone
with write access to the database, but not to the key, from re-chaining
forged entries.

The canonical text exists twice: ``body`` here (writer, and the verifier on
SQLite) and ``body_sql`` (the verifier on PostgreSQL, where the server builds
the text far cheaper than Python can fetch 20 columns). The tests compare
the two; change both together, and only with a new ``VERSION``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import uuid
import zlib
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

VERSION = "v1"
GENESIS = "0" * 64
"""The ``prev_hash`` of a chain's first entry."""

# Separators that cannot occur inside a field: ``record`` strips them from
# every text it stores, and JSON escapes them in ``detail``. With a fixed
# field count that makes the joined text unambiguous without per-field
# escaping, which keeps verifying ten million entries cheap.
RECORD_SEPARATOR = "\x1e"
FIELD_SEPARATOR = "\x1f"

BODY_FIELDS = (
    "occurred_at",
    "event_type",
    "action",
    "outcome",
    "user_id",
    "username",
    "user_name",
    "role",
    "organisation",
    "on_behalf_of",
    "purpose",
    "break_glass",
    "subject_id",
    "case_id",
    "object_type",
    "object_id",
    "client_ip",
    "user_agent",
    "request_id",
    "detail",
)
"""The fields in ``body``, in the order it takes them. With chain and seq: all of them."""

_PG_TEXT = {
    # Exactly iso_utc(), uuid_text() and body()'s int/bool forms.
    "occurred_at": """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
    "user_id": "coalesce(user_id::text, '')",
    "break_glass": "CASE WHEN break_glass THEN '1' ELSE '0' END",
    "case_id": "coalesce(case_id::text, '')",
}


def body_sql() -> str:
    """A PostgreSQL expression giving ``body()`` of a row of the entry table.

    The other body fields are NOT NULL text columns, taken as they are.
    """
    parts = ", ".join(_PG_TEXT.get(name, name) for name in BODY_FIELDS)
    return f"concat_ws(E'\\x1f', {parts})"


def chain_count() -> int:
    return int(getattr(settings, "AUDIT_CHAINS", 16))


def chain_for_current_thread() -> int:
    """The chain this process/thread appends to.

    Derived from process and thread id so that a gunicorn worker keeps to its
    own chain and concurrent requests in different workers do not wait on
    the same head-row lock. Computed on every call because a fork changes
    the process id.
    """
    key = f"{os.getpid()}:{threading.get_ident()}".encode()
    return zlib.crc32(key) % chain_count()


def canonical_json(value: dict[str, Any] | None) -> str:
    """The one text form of ``detail``: sorted keys, no spaces; hashed and stored as is."""
    return json.dumps(value or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def iso_utc(value: datetime) -> str:
    """``occurred_at`` as hashed: ISO 8601, UTC, microseconds: ``2025-01-31T09:00:00.000000+00:00``."""
    if value.tzinfo is None:
        # SQLite (and Django with USE_TZ) stores naive UTC.
        return value.isoformat(timespec="microseconds") + "+00:00"
    if value.tzinfo is not UTC and value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def uuid_text(value: uuid.UUID | str | None) -> str:
    """``case_id`` as hashed: lower case with dashes, or empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return str(uuid.UUID(value))  # SQLite stores 32 hex digits without dashes
    return str(value)


def body(
    occurred_at: datetime,
    event_type: str,
    action: str,
    outcome: str,
    user_id: int | None,
    username: str,
    user_name: str,
    role: str,
    organisation: str,
    on_behalf_of: str,
    purpose: str,
    break_glass: bool | int,
    subject_id: str,
    case_id: uuid.UUID | str | None,
    object_type: str,
    object_id: str,
    client_ip: str,
    user_agent: str,
    request_id: str,
    detail: str,
) -> str:
    """The canonical text of an entry's fields other than chain and seq.

    Takes the values as the writer has them or as the SQLite driver returns
    them (naive UTC datetime, ``case_id`` as 32 hex digits, ``break_glass``
    as 0/1); ``detail`` is the stored canonical JSON text.
    """
    return (
        f"{iso_utc(occurred_at)}\x1f{event_type}\x1f{action}\x1f{outcome}"
        f"\x1f{'' if user_id is None else user_id}\x1f{username}\x1f{user_name}\x1f{role}"
        f"\x1f{organisation}\x1f{on_behalf_of}\x1f{purpose}\x1f{'1' if break_glass else '0'}\x1f{subject_id}"
        f"\x1f{uuid_text(case_id)}\x1f{object_type}\x1f{object_id}\x1f{client_ip}\x1f{user_agent}"
        f"\x1f{request_id}\x1f{detail}"
    )


def message(prev_hash: str, chain: int, seq: int, body_text: str) -> bytes:
    """The bytes an entry's HMAC is computed over."""
    return f"{VERSION}\x1e{prev_hash}\x1e{chain}\x1f{seq}\x1f{body_text}".encode()


def key() -> bytes:
    ring_key: bytes = settings.SCHAKELPUNT_KEYS.audit_chain_key
    return ring_key


class Signer:
    """HMAC-SHA256 with the key schedule done once.

    Equal to ``hmac.digest(key, data, "sha256").hex()`` (RFC 2104) but about
    three times faster per call: the padded-key states are hashed once and
    copied per message instead of rebuilt each time.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) > 64:  # longer keys are hashed first, as RFC 2104 says
            secret = hashlib.sha256(secret).digest()
        padded = secret.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def __call__(self, data: bytes) -> str:
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


@functools.lru_cache(maxsize=4)
def _signer_for(secret: bytes) -> Signer:
    return Signer(secret)


def signer() -> Signer:
    """The signer for the configured ``audit_chain_key``."""
    return _signer_for(key())
