"""Fill ``Case.creditor_kinds`` from the signals each case already has.

Placing a signal no longer reads the signals table: the kinds of creditor a
case has seen (two or more raise its priority) are kept on the case. This
migration lives here, in the app that owns the signals, and runs once.
"""

from collections import defaultdict

from django.db import migrations

BATCH = 1000


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Signal = apps.get_model("signals", "Signal")
    alias = schema_editor.connection.alias
    kinds: dict = defaultdict(set)
    found = (
        Signal.objects.using(alias)
        .filter(case__isnull=False)
        .exclude(signal_type__creditor="")
        .values_list("case_id", "signal_type__creditor")
        .distinct()
    )
    for case_id, creditor in found.iterator(chunk_size=10_000):
        kinds[case_id].add(creditor)
    ids = list(kinds)
    for start in range(0, len(ids), BATCH):
        cases = list(Case.objects.using(alias).filter(pk__in=ids[start : start + BATCH]).only("pk"))
        for case in cases:
            case.creditor_kinds = ",".join(sorted(kinds[case.pk]))
        Case.objects.using(alias).bulk_update(cases, ["creditor_kinds"])


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0007_bulk_resume_and_limits"),
        ("cases", "0010_case_creditor_kinds"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
