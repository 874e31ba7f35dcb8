"""Helpers for the access-log tests: tampering the way an intruder with SQL access would."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection


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
