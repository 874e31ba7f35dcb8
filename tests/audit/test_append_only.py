"""The database itself refuses to change or remove access-log entries."""

from __future__ import annotations

import importlib
import sqlite3
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AccessEvent, ChainHead
from audit.services import record

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")


@pytest.fixture
def entry(db) -> AccessEvent:
    return record(actor=None, event_type="read", action="case.read")


def _refused(sql: str, params: list[Any]) -> None:
    with (
        pytest.raises(DatabaseError, match=r"append-only|only moves forward"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


@postgresql_only
def test_update_of_an_entry_is_refused(entry):
    _refused("UPDATE audit_accessevent SET action = 'case.list' WHERE id = %s", [entry.pk])

    assert AccessEvent.objects.get(pk=entry.pk).action == "case.read"


@postgresql_only
def test_delete_of_an_entry_is_refused(entry):
    _refused("DELETE FROM audit_accessevent WHERE id = %s", [entry.pk])

    assert AccessEvent.objects.filter(pk=entry.pk).exists()


@postgresql_only
def test_the_orm_cannot_change_or_delete_entries_either(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=entry.pk).update(username="someone-else")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=entry.pk).delete()


@postgresql_only
def test_a_chain_head_cannot_be_wound_back_or_deleted(entry):
    _refused("UPDATE audit_chainhead SET seq = seq - 1 WHERE chain = %s", [entry.chain])
    _refused("DELETE FROM audit_chainhead WHERE chain = %s", [entry.chain])

    assert ChainHead.objects.get(chain=entry.chain).seq == entry.seq


@postgresql_only
def test_truncate_is_guarded_by_a_statement_trigger(db):
    # TRUNCATE itself is allowed in test databases (Django empties tables
    # between transactional tests), so check the trigger is in place.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s AND tgenabled = 'O'",
            ["audit_%_no_truncate"],
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert guarded == {"audit_accessevent", "audit_chainhead"}


def test_the_sqlite_triggers_refuse_update_and_delete():
    migration = importlib.import_module("audit.migrations.0002_append_only")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE audit_accessevent (id INTEGER PRIMARY KEY, action TEXT)")
    db.execute("CREATE TABLE audit_chainhead (chain INTEGER PRIMARY KEY, seq INTEGER, hash TEXT)")
    for statement in migration.SQLITE:
        db.execute(statement)
    db.execute("INSERT INTO audit_accessevent (id, action) VALUES (1, 'case.read')")
    db.execute("INSERT INTO audit_chainhead VALUES (0, 5, 'h')")

    for statement in (
        "UPDATE audit_accessevent SET action = 'x'",
        "DELETE FROM audit_accessevent",
        "UPDATE audit_chainhead SET seq = 4",
        "DELETE FROM audit_chainhead",
    ):
        with pytest.raises(sqlite3.DatabaseError):
            db.execute(statement)

    db.execute("UPDATE audit_chainhead SET seq = 6, hash = 'h2'")  # moving forward is how record() works
    assert db.execute("SELECT action FROM audit_accessevent").fetchone() == ("case.read",)
