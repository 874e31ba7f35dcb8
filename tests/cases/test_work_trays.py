"""Work trays: a case is in the first tray whose criteria it meets (``cases.trays``)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from audit.models import AccessEvent
from cases.demo import seed_demo_trays
from cases.models import AgeBand, Case, Priority, RecommendedAction, WorkTray
from cases.trays import cases_in_tray, retray_open_cases
from coordination import acting
from signals.models import Signal
from tests.signals.payloads import signal

from .flow import advance, file_case

API = "/api/v1/signals/"


def _years_ago(years: int) -> str:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


def _case_of(response) -> Case:
    assert response.status_code == 201, response.content
    case_id = Signal.objects.get(pk=response.json()["id"]).case_id
    assert case_id is not None
    return Case.objects.select_related("tray").get(pk=case_id)


def test_a_young_persons_rent_arrears_land_in_the_young_peoples_tray(world, api_as):
    seed_demo_trays()

    case = _case_of(
        api_as(world.corporatie).post(API, signal(subject__date_of_birth=_years_ago(22)), format="json")
    )

    assert case.tray is not None and case.tray.name == "Jongeren"
    assert case.tray.recommended_action == RecommendedAction.PHONE
    # The band only: the case keeps no date of birth.
    assert case.age_band == AgeBand.UNDER_27
    assert case.signal_types == ",rent_arrears,"


def test_a_threat_lands_in_the_threat_tray_whatever_the_age(world, api_as):
    seed_demo_trays()

    case = _case_of(
        api_as(world.corporatie).post(
            API, signal(threat="eviction", subject__date_of_birth=_years_ago(22)), format="json"
        )
    )

    assert case.tray is not None and case.tray.name == "Dreiging"
    assert case.tray.recommended_action == RecommendedAction.HOME_VISIT
    assert case.priority == Priority.URGENT


def test_others_land_in_the_rest_and_children_in_the_families_tray(world, api_as):
    seed_demo_trays()

    rest = _case_of(api_as(world.corporatie).post(API, signal(), format="json"))
    family = _case_of(
        api_as(world.corporatie).post(
            API,
            signal(
                partner_reference="H-2",
                children_in_household="yes",
                subject__surname="Bakker",
                subject__date_of_birth="1970-05-05",
                subject__postcode="1013 CD",
            ),
            format="json",
        )
    )

    assert rest.tray is not None and rest.tray.name == "Overig"
    assert rest.tray.recommended_action == RecommendedAction.LETTER
    assert family.tray is not None and family.tray.name == "Gezinnen met kinderen"


def test_criteria_combine_and_the_order_decides(world, api_as):
    big = WorkTray.objects.create(
        name="Hoge huurschuld",
        position=1,
        recommended_action=RecommendedAction.HOME_VISIT,
        signal_types=["rent_arrears"],
        arrears_above="1000.00",
    )
    WorkTray.objects.create(name="Rest", position=2, recommended_action=RecommendedAction.LETTER)

    small = _case_of(api_as(world.corporatie).post(API, signal(arrears_amount="850.00"), format="json"))
    large = _case_of(
        api_as(world.corporatie).post(
            API,
            signal(
                partner_reference="H-2",
                arrears_amount="1500.00",
                subject__surname="Bakker",
                subject__date_of_birth="1970-05-05",
            ),
            format="json",
        )
    )

    assert small.tray is not None and small.tray.name == "Rest"
    assert large.tray_id == big.pk
    # A second signal adds up the arrears: the small case moves up.
    api_as(world.corporatie).post(
        API, signal(partner_reference="H-3", arrears_amount="300.00"), format="json"
    )
    small.refresh_from_db()
    assert small.total_arrears == 1150 and small.tray_id == big.pk


def test_changing_the_trays_places_the_open_cases_again_and_is_logged(
    world, api_as, django_capture_on_commit_callbacks
):
    seed_demo_trays()
    case_id = file_case(world, api_as)
    closed_id = file_case(
        world, api_as, partner_reference="H-9", subject__surname="Bakker", subject__date_of_birth="1970-05-05"
    )
    advance(world, api_as, closed_id, "triage")
    api_as(world.triage).post(
        f"/api/v1/cases/{closed_id}/close/", {"outcome": "no_problem_found"}, format="json"
    )
    assert Case.objects.get(pk=case_id).tray.name == "Overig"  # type: ignore[union-attr]

    with django_capture_on_commit_callbacks(execute=True), acting.acting_as(world.beheer):
        WorkTray.objects.create(
            name="Huur",
            position=5,
            recommended_action=RecommendedAction.LETTER,
            signal_types=["rent_arrears"],
        )

    assert Case.objects.get(pk=case_id).tray.name == "Huur"  # type: ignore[union-attr]
    # A closed case keeps the tray it closed in.
    assert Case.objects.get(pk=closed_id).tray.name == "Overig"  # type: ignore[union-attr]
    entry = AccessEvent.objects.get(action="work_tray.create")
    assert entry.username == "beheer" and entry.detail["values"]["signal_types"] == "['rent_arrears']"
    # Nothing changed: nothing is written.
    assert retray_open_cases() == 0
    WorkTray.objects.filter(name="Huur").update(active=False)
    assert retray_open_cases() == 1
    assert Case.objects.get(pk=case_id).tray.name == "Overig"  # type: ignore[union-attr]


def test_sql_and_python_agree_on_every_criterion(world, api_as):
    """The bulk placement (SQL) puts every case where intake (Python) put it."""
    WorkTray.objects.create(name="Crisis", position=1, recommended_action="phone", crisis=True)
    WorkTray.objects.create(name="Kinderen", position=2, recommended_action="home_visit", children=True)
    WorkTray.objects.create(name="Twee", position=3, recommended_action="phone", min_creditor_kinds=2)
    WorkTray.objects.create(
        name="Energie", position=4, recommended_action="letter", threats=["end_of_supply"]
    )
    WorkTray.objects.create(name="Oud", position=5, recommended_action="home_visit", age_bands=["67_plus"])
    WorkTray.objects.create(name="Herhaal", position=6, recommended_action="phone", repeat=True)
    WorkTray.objects.create(name="Rest", position=7, recommended_action="letter", multiple=False)
    for n, (payload_changes, filer) in enumerate(
        [
            ({"children_in_household": "yes"}, world.corporatie),
            ({"subject__date_of_birth": "1940-01-01"}, world.corporatie),
            ({"signal_type": "energy_end_of_supply", "threat": "end_of_supply"}, world.energie),
            ({}, world.corporatie),
        ]
    ):
        api_as(filer).post(
            API,
            signal(
                **{
                    "partner_reference": f"X-{n}",
                    "subject__surname": f"Naam{n}",
                    "subject__date_of_birth": f"19{80 + n}-02-03",
                    **payload_changes,
                }
            ),
            format="json",
        )
    placed = dict(Case.objects.values_list("pk", "tray__name"))
    Case.objects.update(tray=None)

    retray_open_cases()

    assert dict(Case.objects.values_list("pk", "tray__name")) == placed
    assert sorted(placed.values()) == ["Energie", "Kinderen", "Oud", "Rest"]


def test_cases_in_tray_are_the_actors_open_cases_of_that_tray(world, api_as):
    seed_demo_trays()
    young = file_case(world, api_as, subject__date_of_birth=_years_ago(20))
    file_case(
        world, api_as, partner_reference="H-2", subject__surname="Bakker", subject__date_of_birth="1970-05-05"
    )
    tray = WorkTray.objects.get(name="Jongeren")

    assert [str(c.pk) for c in cases_in_tray(world.triage, tray)] == [young]
    assert list(cases_in_tray(world.coordinator_noord, tray)) == []  # still in the intake
    assert list(cases_in_tray(world.corporatie, tray)) == []


def test_seed_demo_makes_the_framework_once(db):
    from django.core.management import call_command

    call_command("seed_demo", password="geheim-genoeg-123")
    call_command("seed_demo", password="geheim-genoeg-123")

    assert list(WorkTray.objects.values_list("name", "recommended_action")) == [
        ("Dreiging", "home_visit"),
        ("Jongeren", "phone"),
        ("Gezinnen met kinderen", "home_visit"),
        ("Meerdere schuldeisers", "phone"),
        ("Overig", "letter"),
    ]


def test_the_age_band_is_counted_on_the_day_of_intake():
    from cases.trays import age_band

    day = datetime.date(2026, 11, 30)
    assert age_band(datetime.date(1999, 12, 1), day) == AgeBand.UNDER_27  # 26 until tomorrow
    assert age_band(datetime.date(1999, 11, 30), day) == AgeBand.FROM_27_TO_66
    assert age_band(datetime.date(1959, 11, 30), day) == AgeBand.FROM_67
    assert age_band(None, day) == ""


def test_a_crisis_signal_marks_the_case_and_the_crisis_tray_takes_it(world):
    from django.db import transaction

    from cases.matching import SubjectFacts
    from cases.placement import Arrival, SignalFacts, place_subjects

    crisis = WorkTray.objects.create(name="Crisis", position=1, recommended_action="phone", crisis=True)
    WorkTray.objects.create(name="Rest", position=2, recommended_action="letter")

    def arrival(surname: str, *, is_crisis: bool) -> Arrival:
        return Arrival(
            subject=SubjectFacts(surname=surname, date_of_birth=datetime.date(1980, 1, 1), postcode="1012AB"),
            facts=SignalFacts(threat="none", children_in_household="no", creditor="", crisis=is_crisis),
            signal_id=surname,
        )

    with transaction.atomic():
        calm, urgent = place_subjects([arrival("Smit", is_crisis=False), arrival("Mulder", is_crisis=True)])

    assert (calm.case.crisis, calm.case.tray_id) == (False, WorkTray.objects.get(name="Rest").pk)
    assert (urgent.case.crisis, urgent.case.tray_id) == (True, crisis.pk)
    assert Case.objects.get(pk=urgent.case.pk).tray_id == crisis.pk
