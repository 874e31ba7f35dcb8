"""Each user's JSON list of roles becomes role rows (and back, when unapplied).

A separate migration from the schema changes around it: on PostgreSQL, rows
inserted under deferred foreign keys block an ALTER TABLE of the same
transaction. Codes that are no role (never offered by the admin form) grant
nothing and are left behind.
"""

from django.db import migrations

ROLES = ("partner", "triage", "coordinator", "professional", "auditor", "admin")


def roles_into_rows(apps, schema_editor):
    User = apps.get_model("coordination", "User")
    UserRole = apps.get_model("coordination", "UserRole")
    rows = []
    for user_id, roles in User.objects.values_list("pk", "roles").iterator(chunk_size=2000):
        held = {str(role) for role in (roles or []) if str(role) in ROLES}
        rows += [UserRole(user_id=user_id, role=role) for role in sorted(held)]
    UserRole.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def rows_into_roles(apps, schema_editor):
    User = apps.get_model("coordination", "User")
    UserRole = apps.get_model("coordination", "UserRole")
    held = {}
    for user_id, role in UserRole.objects.values_list("user_id", "role"):
        held.setdefault(user_id, []).append(role)
    for user_id, roles in held.items():
        User.objects.filter(pk=user_id).update(roles=sorted(roles, key=ROLES.index))


class Migration(migrations.Migration):

    dependencies = [
        ('coordination', '0003_userrole'),
    ]

    operations = [
        migrations.RunPython(roles_into_rows, rows_into_roles),
    ]
