"""Keys made before 0006 stored each half of a double surname among the joining
full-surname keys, where a "Jansen" born on the same day found (and joined) the
household of "Jansen-de Vries". This recomputes the keys of every signal not yet
erased: the halves leave the joining keys (unless a signal of that household has
it as its full surname) and become partial keys, which only suggest; a freed key
goes to the household whose full surname it is. Households joined by the old
keys stay joined: triage splits them (the marks are for signals from now on).
"""

from collections import defaultdict

from django.db import migrations

CHUNK = 5000


def split_surname_halves(apps, schema_editor):
    from cases.matching import SubjectFacts, keys_for, surname_parts
    from helpers.crypto import blind_index

    Signal = apps.get_model("signals", "Signal")
    HouseholdKey = apps.get_model("cases", "HouseholdKey")
    PartialKey = apps.get_model("cases", "PartialKey")

    joining = defaultdict(set)
    partial = defaultdict(set)
    old_halves = defaultdict(set)
    fields = (
        "bsn",
        "surname",
        "surname_prefix",
        "date_of_birth",
        "postcode",
        "house_number",
        "house_number_addition",
    )
    signals = (
        Signal.objects.filter(case__isnull=False, erased_at__isnull=True)
        .select_related("case")
        .only("id", "case__household", *fields)
        .order_by()
    )
    for signal in signals.iterator(chunk_size=CHUNK):
        household = signal.case.household_id
        facts = SubjectFacts(
            **{name: getattr(signal, name) or ("" if name != "date_of_birth" else None) for name in fields}
        )
        keys = keys_for(facts)
        joining[household] |= keys.joining
        partial[household] |= keys.partial
        parts = surname_parts(facts.surname, facts.surname_prefix)
        if facts.date_of_birth and len(parts) > 1:
            dob = facts.date_of_birth.isoformat()
            old_halves[household] |= {blind_index("dob+surname", f"{dob}|{part}") for part in parts}

    stale = {
        (digest, household)
        for household, digests in old_halves.items()
        for digest in digests - joining[household]
    }
    freed = set()
    digests = sorted({digest for digest, _ in stale})
    for start in range(0, len(digests), CHUNK):
        rows = HouseholdKey.objects.filter(digest__in=digests[start : start + CHUNK]).values_list(
            "id", "digest", "household_id"
        )
        doomed = [(pk, digest) for pk, digest, household in rows if (digest, household) in stale]
        HouseholdKey.objects.filter(pk__in=[pk for pk, _ in doomed]).delete()
        freed |= {digest for _, digest in doomed}

    holder = {}
    for household in sorted(joining):
        for digest in joining[household] & freed:
            holder.setdefault(digest, household)
    HouseholdKey.objects.bulk_create(
        [HouseholdKey(digest=digest, household_id=household) for digest, household in holder.items()],
        batch_size=CHUNK,
    )
    PartialKey.objects.bulk_create(
        [
            PartialKey(digest=digest, household_id=household)
            for household, keys in partial.items()
            for digest in keys
        ],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_possible_matches"),
        ("signals", "0005_fewer_indexes"),
    ]

    operations = [migrations.RunPython(split_surname_halves, migrations.RunPython.noop, elidable=True)]
