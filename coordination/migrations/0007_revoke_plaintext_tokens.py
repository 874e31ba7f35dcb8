"""Revoke every API token of the old kind (DRF's authtoken table, kept in plaintext).

Revoked, not hashed: every administrator could read these tokens in the admin
and every backup taken so far holds them, so a hashed copy would keep those
leaked copies working. Partner systems log in again (the same
``POST /api/v1/auth/token/``) or get a named system key. The table goes with
its rows, and DRF's authtoken app with its content types and permissions,
so no plaintext credential is left in the database.
"""

from typing import Any

from django.db import migrations

OLD_TABLE = "authtoken_token"


def revoke(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    # Its permissions go with the content types (cascade); and the app's
    # migration records, so that installing it again would start clean.
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0006_api_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Nothing to bring back: the tokens are gone for good.
    operations = [migrations.RunPython(revoke, migrations.RunPython.noop, elidable=True)]
