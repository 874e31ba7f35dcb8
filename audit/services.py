"""Writing access-log entries."""

from __future__ import annotations

import json
import uuid
from typing import Any, Protocol

from django.db import connections, router, transaction
from django.utils import timezone

from helpers import rows

from . import context
from .chain import (
    BODY_FIELDS,
    FIELD_SEPARATOR,
    RECORD_SEPARATOR,
    body,
    canonical_json,
    chain_for_current_thread,
    message,
    signer,
)
from .models import AccessEvent, ChainHead

MAX_DETAIL_CHARS = 2000
"""``detail`` is for small technical facts (status codes, filter names), never data."""

# NUL is refused by PostgreSQL text columns; the separators would make the
# hashed text ambiguous (see audit.chain).
_UNSAFE = str.maketrans("", "", "\x00" + RECORD_SEPARATOR + FIELD_SEPARATOR)
_LIMITS: dict[str, int] = {}
for _field in AccessEvent._meta.concrete_fields:
    if _field.max_length:
        _LIMITS[_field.name] = _field.max_length


def _text(name: str, value: object) -> str:
    # Cut to the column size rather than fail: an overlong user agent must
    # not stop anyone's work. Text is cleaned before hashing, so the stored
    # and the hashed value are the same.
    return str(value or "").translate(_UNSAFE)[: _LIMITS[name]]


def record(
    *,
    actor: Any,
    event_type: str,
    action: str,
    outcome: str = "success",
    role: str = "",
    object_type: str = "",
    object_id: str = "",
    case_id: uuid.UUID | None = None,
    subject_id: str = "",
    purpose: str = "",
    break_glass: bool = False,
    on_behalf_of: str = "",
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AccessEvent:
    """Append one access-log entry and return it.

    Runs in ``transaction.atomic()`` so it joins the caller's transaction:
    the entry commits together with the change it describes, and vanishes if
    that change is rolled back. Raises if the entry cannot be written —
    callers rely on that to fail closed (no entry, no data served). Inside a
    caller's transaction a failure also marks that transaction for rollback
    (no savepoint), so the change cannot commit without its entry.

    ``actor`` is the acting user, or ``None`` / an anonymous user (failed
    logins, system work; pass ``username`` for the name that was tried).
    ``role`` is the role acted in; empty means all the user's roles.
    ``subject_id`` / ``case_id`` / ``object_id`` are pseudonymous ids — never
    a BSN, a name or any other personal data, and neither is ``detail``.

    The entry's chain head stays locked until the caller's transaction ends,
    and other writers on the same chain wait for it. Call ``record`` after
    taking your own row locks (typically as the last step of a use case):
    locking a case *after* recording can deadlock with a writer that holds
    that case and waits for the chain.
    """
    entry = _build_entry(
        actor=actor,
        event_type=event_type,
        action=action,
        outcome=outcome,
        role=role,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        subject_id=subject_id,
        purpose=purpose,
        break_glass=break_glass,
        on_behalf_of=on_behalf_of,
        username=username,
        detail=detail,
    )
    _append([entry])
    return entry


def record_many(entries: list[dict[str, Any]]) -> list[AccessEvent]:
    """Append several entries at once (a batch of signals), in the caller's transaction.

    Each dict takes ``record``'s keyword arguments. The chain head is moved
    once for the whole batch and the entries are inserted in one statement;
    the chain they form is the same as that of ``record`` called in a loop.
    """
    built = [_build_entry(**fields) for fields in entries]
    if built:
        _append(built)
    return built


class RefusedRequest(Protocol):
    """What ``record_denied`` reads of a request: a Django or a DRF one."""

    method: str | None
    path: str


def record_denied(*, actor: Any, request: RefusedRequest, status: int, code: str) -> AccessEvent:
    """A refused request: one ``denied`` entry with the answer's status and code.

    The one place denials are written, for the API's exception handler and
    the pages' 403 and 404 handlers alike. ``actor`` is whoever was logged in
    (``None`` or an anonymous user when nobody was). The entry names the
    method and path, which hold ids but never personal data, and the case
    the path asked for (so "who saw this household" shows the refusals too).
    """
    return record(
        actor=actor if actor is not None and actor.is_authenticated else None,
        event_type="denied",
        action=f"{request.method} {request.path}"[:200],
        outcome="denied",
        case_id=_asked_case(request),
        detail={"status": status, "code": code},
    )


def _asked_case(request: RefusedRequest) -> uuid.UUID | None:
    """The ``case_id`` of the URL that was refused, if it names one (a DRF request passes
    ``resolver_match`` through to Django's)."""
    match = getattr(request, "resolver_match", None)
    value = match.kwargs.get("case_id") if match is not None else None
    return value if isinstance(value, uuid.UUID) else None


def _build_entry(
    *,
    actor: Any,
    event_type: str,
    action: str,
    outcome: str = "success",
    role: str = "",
    object_type: str = "",
    object_id: str = "",
    case_id: uuid.UUID | None = None,
    subject_id: str = "",
    purpose: str = "",
    break_glass: bool = False,
    on_behalf_of: str = "",
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AccessEvent:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    user_id: int | None = None
    user_name = organisation = ""
    if user is not None:
        user_id = user.pk
        username = username or user.get_username()
        user_name = getattr(user, "display_name", "") or user.get_username()
        role = role or ",".join(getattr(user, "roles", None) or [])
        org = getattr(user, "organisation", None)
        organisation = org.name if org is not None else ""

    detail_text = canonical_json(detail)
    if len(detail_text) > MAX_DETAIL_CHARS:
        raise ValueError(f"Access-log detail is {len(detail_text)} characters; at most {MAX_DETAIL_CHARS}.")

    request = context.current()
    return AccessEvent(
        occurred_at=timezone.now(),
        event_type=_text("event_type", event_type),
        action=_text("action", action),
        outcome=_text("outcome", outcome),
        user_id=user_id,
        username=_text("username", username),
        user_name=_text("user_name", user_name),
        role=_text("role", role),
        organisation=_text("organisation", organisation),
        on_behalf_of=_text("on_behalf_of", on_behalf_of),
        purpose=_text("purpose", purpose),
        break_glass=bool(break_glass),
        subject_id=_text("subject_id", subject_id),
        case_id=case_id if case_id is None or isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id)),
        object_type=_text("object_type", object_type),
        object_id=_text("object_id", object_id),
        client_ip=_text("client_ip", request.client_ip if request else ""),
        user_agent=_text("user_agent", request.user_agent if request else ""),
        request_id=_text("request_id", request.request_id if request else ""),
        trace_parent=request.trace_parent if request else "",
        detail=detail_text,
        chain=chain_for_current_thread(),
    )


def _append(entries: list[AccessEvent]) -> None:
    """Chain and insert entries (all on the current thread's chain) in the caller's transaction."""
    alias = router.db_for_write(AccessEvent)
    connection = connections[alias]
    head_table = connection.ops.quote_name(ChainHead._meta.db_table)
    chain = entries[0].chain
    sign = signer()
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        last_seq, prev_hash = _advance_head(cursor, head_table, chain, alias, by=len(entries))
        for offset, entry in enumerate(entries):
            entry.seq = last_seq - len(entries) + 1 + offset
            entry.prev_hash = prev_hash
            body_text = body(*(getattr(entry, name) for name in BODY_FIELDS))
            entry.hash = prev_hash = sign(message(entry.prev_hash, entry.chain, entry.seq, body_text))
        move_head: tuple[str, list[Any]] = (
            f"UPDATE {head_table} SET hash = %s WHERE chain = %s",  # noqa: S608
            [prev_hash, chain],
        )
        if len(entries) < rows.COPY_FROM_ROWS:
            # The entries and the head's new hash in one statement.
            rows.execute_together([rows.Insert(AccessEvent, entries)], tail=move_head, using=alias)
        else:
            rows.insert(AccessEvent, entries, using=alias)  # a batch file's entries: COPY
            cursor.execute(*move_head)
    for entry in entries:
        entry.detail = json.loads(str(entry.detail))  # what was stored, as a dict again


def _advance_head(cursor: Any, head_table: str, chain: int, alias: str, by: int = 1) -> tuple[int, str]:
    """Lock the chain's head and move it ``by`` on; return (new last seq, previous hash).

    The UPDATE both takes the row lock (PostgreSQL) and, because it is a
    write, the database write lock at once on SQLite — reading first and
    writing later lets two SQLite connections read the same head and one of
    them fail with "database is locked".
    """
    for _attempt in range(2):
        cursor.execute(
            f"UPDATE {head_table} SET seq = seq + %s WHERE chain = %s RETURNING seq, hash",  # noqa: S608
            [by, chain],
        )
        row = cursor.fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
        # Heads for the configured chains come with migration 0002; a chain
        # added later by raising AUDIT_CHAINS (or a test database flushed
        # between tests) gets its head here. get_or_create survives a race.
        ChainHead.objects.using(alias).get_or_create(chain=chain)
    raise RuntimeError(f"Access-log chain {chain} has no head row and none could be created.")
