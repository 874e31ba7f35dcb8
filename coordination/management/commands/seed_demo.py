"""Demo organisations, teams, areas and one user per role. Safe to run twice."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from coordination import events
from coordination.models import District, Organisation, Policy, PostcodeArea, Role, Team, User

ORGANISATIONS = {
    "gp": ("Huisartsenpraktijk De Linde", Organisation.Kind.GP),
    "housing": ("Woonstichting Thuis", Organisation.Kind.HOUSING),
    "energy": ("Energie Samen", Organisation.Kind.ENERGY),
    "school": ("Basisschool De Regenboog", Organisation.Kind.SCHOOL),
    # An intermediary filing for several creditors: its kind allows every arrears type.
    "collection": ("Incassobureau Samen Oplossen", Organisation.Kind.COLLECTION_AGENCY),
    "municipality": ("Schakelpunt Gemeente", Organisation.Kind.MUNICIPALITY),
}

# username, organisation, roles, first name, last name, team
USERS = [
    ("huisarts", "gp", [Role.PARTNER], "Hanna", "de Huisarts", None),
    ("corporatie", "housing", [Role.PARTNER], "Cor", "Poratie", None),
    ("energie", "energy", [Role.PARTNER], "Erik", "Nergie", None),
    ("school", "school", [Role.PARTNER], "Sanne", "School", None),
    ("incasso", "collection", [Role.PARTNER], "Ingrid", "Incasso", None),
    ("schakelpunt", "municipality", [Role.TRIAGE], "Sam", "Schakel", None),
    ("coordinator-noord", "municipality", [Role.COORDINATOR], "Noor", "Coördinator", "Noord"),
    ("professional-noord", "municipality", [Role.PROFESSIONAL], "Piet", "Noord", "Noord"),
    ("coordinator-zuid", "municipality", [Role.COORDINATOR], "Zoë", "Coördinator", "Zuid"),
    ("professional-zuid", "municipality", [Role.PROFESSIONAL], "Zeynep", "Zuid", "Zuid"),
    ("auditor", "municipality", [Role.AUDITOR], "Aart", "Auditor", None),
    ("beheer", "municipality", [Role.ADMIN], "Bea", "Beheer", None),
    ("monitor", "municipality", [Role.MONITOR], "Monique", "Monitor", None),
]

TEAMS = {"Noord": (1000, 1049), "Zuid": (1050, 1099)}


class Command(BaseCommand):
    help = "Create demo organisations, district teams Noord and Zuid and one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default="demo-wachtwoord", help="password for every demo user")

    @transaction.atomic
    def handle(self, *args: Any, password: str, **options: Any) -> None:
        try:
            # The same rules as every other password: at least 12 characters, not a common one.
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        orgs = {
            key: Organisation.objects.update_or_create(name=name, defaults={"kind": kind})[0]
            for key, (name, kind) in ORGANISATIONS.items()
        }
        teams: dict[str, Team] = {}
        for name, (start, end) in TEAMS.items():
            team, _ = Team.objects.get_or_create(name=name, defaults={"organisation": orgs["municipality"]})
            district, _ = District.objects.get_or_create(name=f"Wijk {name}", defaults={"team": team})
            PostcodeArea.objects.get_or_create(district=district, start=start, end=end)
            teams[name] = team
        for username, org, roles, first, last, team_name in USERS:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "organisation": orgs[org],
                    "roles": [r.value for r in roles],
                    "first_name": first,
                    "last_name": last,
                    # The number residents call back on, printed in the letters staff send.
                    "phone": "020 555 01 00" if org == "municipality" else "",
                    "is_staff": Role.ADMIN in roles,
                    "is_superuser": Role.ADMIN in roles,
                },
            )
            user.set_password(password)
            user.save()
            if team_name:
                teams[team_name].members.add(user)
        # The apps above add theirs (cases: the work trays of a sensible weighing framework).
        events.demo_seeded.send(sender=self.__class__)
        # Made-up settings for the delivery to the national monitor, so the monitor's export works.
        policy = Policy.current()
        if not policy.ddas_municipality_code:
            policy.ddas_municipality_code = "9999"
            policy.ddas_municipality_name = "Gemeente Voorbeeld (demo)"
            policy.ddas_supplier_code = "SCHAKELPUNT-DEMO"
            policy.ddas_contact_name = "Monique Monitor"
            policy.ddas_contact_email = "monitor@example.org"
            policy.save()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(USERS)} users, teams Noord and Zuid."))
