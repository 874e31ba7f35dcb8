"""Helpers for the access-log tests: tampering the way an intruder with SQL access would."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection

from audit.models import AccessEvent
from audit.services import record


def behind_the_back(sql: str, params: list[Any] | None = None) -> None:
    """Run ``sql`` with the append-only triggers out of the way (needs a superuser, as an intruder would)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def tamper() -> Any:
    return behind_the_back


def write_entries(world: Any, count: int = 12) -> list[AccessEvent]:
    """``count`` entries in this thread's chain, of the kinds the application writes."""
    actors = [world.triage, world.huisarts, world.auditor, None]
    return [
        record(
            actor=actors[i % 4],
            event_type="read",
            action="case.read",
            case_id=uuid.uuid4() if i % 2 else None,
            subject_id=f"household-{i}",
            detail={"n": i},
        )
        for i in range(count)
    ]
