"""Make the access log append-only in the database itself, and create the chain heads.

The application never updates or deletes an entry, but "never" must hold for
a careless script, a shell session or an SQL injection elsewhere too, so the
database refuses: UPDATE, DELETE and TRUNCATE of entries raise; a chain head
may only move forward and cannot be deleted.

One exception: TRUNCATE is allowed in Django test databases (``test_*``),
because the test runner empties every table between transactional tests.
Row-level UPDATE and DELETE stay refused there too.

SQLite note: a later migration that alters these tables on SQLite rebuilds
them (create, copy, drop, rename), which drops the triggers; such a
migration must run ``SQLITE`` again. PostgreSQL keeps triggers across
ALTER TABLE.
"""

from typing import Any

from django.conf import settings
from django.db import migrations

POSTGRESQL = [
    r"""
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND current_database() LIKE 'test\_%' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'The access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_accessevent_append_only BEFORE UPDATE OR DELETE ON audit_accessevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE TRIGGER audit_accessevent_no_truncate BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()
    """,
    # Every entry moves its head forward twice; the WHEN condition is checked
    # without calling the function, so the normal case costs next to nothing.
    """
    CREATE TRIGGER audit_chainhead_forward_only BEFORE UPDATE ON audit_chainhead
    FOR EACH ROW WHEN (NEW.seq < OLD.seq OR NEW.chain <> OLD.chain) EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE TRIGGER audit_chainhead_no_delete BEFORE DELETE ON audit_chainhead
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE TRIGGER audit_chainhead_no_truncate BEFORE TRUNCATE ON audit_chainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_accessevent_append_only ON audit_accessevent",
    "DROP TRIGGER IF EXISTS audit_accessevent_no_truncate ON audit_accessevent",
    "DROP TRIGGER IF EXISTS audit_chainhead_forward_only ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_chainhead_no_delete ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_chainhead_no_truncate ON audit_chainhead",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]

# SQLite has no TRUNCATE; "DELETE FROM t" fires the row trigger.
SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_accessevent_no_update BEFORE UPDATE ON audit_accessevent
    BEGIN SELECT RAISE(ABORT, 'The access log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_accessevent_no_delete BEFORE DELETE ON audit_accessevent
    BEGIN SELECT RAISE(ABORT, 'The access log is append-only: DELETE refused'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_chainhead_forward_only BEFORE UPDATE ON audit_chainhead
    WHEN NEW.chain <> OLD.chain OR NEW.seq < OLD.seq
    BEGIN SELECT RAISE(ABORT, 'An access-log chain head only moves forward'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_chainhead_no_delete BEFORE DELETE ON audit_chainhead
    BEGIN SELECT RAISE(ABORT, 'An access-log chain head cannot be deleted'); END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_accessevent_no_update",
    "DROP TRIGGER IF EXISTS audit_accessevent_no_delete",
    "DROP TRIGGER IF EXISTS audit_chainhead_forward_only",
    "DROP TRIGGER IF EXISTS audit_chainhead_no_delete",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No append-only triggers for database vendor {vendor!r}.")
    for statement in statements[vendor]:
        # params=None: the SQL holds literal % signs that are no placeholders.
        schema_editor.execute(statement, params=None)


def add_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL, "sqlite": SQLITE})


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE})


def create_heads(apps: Any, schema_editor: Any) -> None:
    # More chains added later (a higher AUDIT_CHAINS) get their heads on first use.
    ChainHead = apps.get_model("audit", "ChainHead")
    count = int(getattr(settings, "AUDIT_CHAINS", 16))
    ChainHead.objects.using(schema_editor.connection.alias).bulk_create(
        [ChainHead(chain=chain, seq=0, hash="0" * 64) for chain in range(count)], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(create_heads, migrations.RunPython.noop),
    ]
