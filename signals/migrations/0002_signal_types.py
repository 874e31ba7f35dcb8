from decimal import Decimal

from django.db import migrations

# The five statutory Wgs signals need no consent; observations do.
SIGNAL_TYPES = [
    ("rent_arrears", "Huurachterstand", True, False, True, "housing", "75"),
    ("energy_arrears", "Energieachterstand", True, False, True, "energy", "75"),
    ("energy_end_of_supply", "Einde levering energie", True, False, False, "energy", "0"),
    ("water_arrears", "Achterstand drinkwater", True, False, True, "water", "75"),
    ("health_insurance_arrears", "Premieachterstand zorgverzekering", True, False, True, "health_insurance", "75"),
    ("gp_observation", "Signaal huisarts", False, True, False, "", "0"),
    ("school_observation", "Signaal school", False, True, False, "", "0"),
    ("other_observation", "Ander signaal (werkgever, maatschappelijk werk)", False, True, False, "", "0"),
]


def seed(apps, schema_editor):
    SignalType = apps.get_model("signals", "SignalType")
    for code, name, statutory, consent, arrears, creditor, minimum in SIGNAL_TYPES:
        SignalType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "statutory": statutory,
                "requires_consent": consent,
                "is_arrears": arrears,
                "creditor": creditor,
                "minimum_amount": Decimal(minimum),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("signals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
