"""The JSON list of roles is gone: the role rows (0003, filled by 0004) replace it."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('coordination', '0004_roles_into_rows'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='user',
            name='roles',
        ),
    ]
