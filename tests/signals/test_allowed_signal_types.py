"""Each organisation files its own signal types: a GP practice GP observations, a
housing corporation rent arrears, a collection agency every arrears type; the
administrator may set others. The form offers only those; the API and files refuse
the rest with an error naming the allowed types."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from audit.models import AccessEvent
from coordination import acting
from coordination.models import Organisation, Role, User
from signals.allowed import allowed_codes
from signals.models import OrganisationSignalTypes, Signal, SignalType
from tests.factories import OrganisationFactory, UserFactory
from tests.signals.payloads import signal

API = "/api/v1/signals/"
ARREARS = [
    "rent_arrears",
    "energy_arrears",
    "water_arrears",
    "health_insurance_arrears",
    # The DDAS signal partners' arrears types.
    "mortgage_arrears",
    "tax_arrears",
    "benefits_recovery",
    "cak_personal_contribution",
    "cak_health_insurance",
    "duo_arrears",
    "other_arrears",
]


def test_a_gps_assistant_cannot_file_rent_arrears_through_the_api(world, api_as):
    response = api_as(world.huisarts).post(API, signal(), format="json")

    assert response.status_code == 400
    assert response.json()["signal_type"] == [
        "Uw organisatie mag geen signaalsoort 'rent_arrears' doorgeven. Kies een van: gp_observation."
    ]
    assert Signal.objects.count() == 0


def test_a_gps_file_with_rent_arrears_has_those_lines_refused(
    world, api_as, django_capture_on_commit_callbacks
):
    content = (
        b"signal_type,partner_reference,subject_surname,subject_date_of_birth,arrears_amount,consent_given\n"
        b"rent_arrears,G-1,Jansen,1980-01-01,850,\n"
        b"gp_observation,G-2,Bakker,1981-01-01,,ja\n"
    )
    client = api_as(world.huisarts)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/v1/signals/bulk/", {"file": SimpleUploadedFile("g.csv", content)})
    progress = client.get(f"/api/v1/signals/bulk/{answer.json()['id']}/").json()

    assert (progress["accepted"], progress["rejected"]) == (1, 1)
    assert progress["errors"] == [
        {
            "row": 2,
            "field": "signal_type",
            "column": "signal_type",
            "message": (
                "Uw organisatie mag geen signaalsoort 'rent_arrears' doorgeven. Kies een van: gp_observation."
            ),
        }
    ]
    assert Signal.objects.get().signal_type.code == "gp_observation"


def test_defaults_follow_the_kind_of_organisation(world):
    agency = OrganisationFactory.create(name="Incasso BV", kind=Organisation.Kind.COLLECTION_AGENCY)

    assert allowed_codes(world.gp) == ["gp_observation"]
    assert allowed_codes(world.housing) == ["rent_arrears"]
    assert sorted(allowed_codes(world.energy)) == ["energy_arrears", "energy_end_of_supply"]
    assert sorted(allowed_codes(agency)) == sorted(ARREARS)
    assert allowed_codes(world.municipality) == []


def test_the_administrators_setting_replaces_the_default_and_is_logged(world, api_as):
    setting = OrganisationSignalTypes.objects.create(organisation=world.gp)
    with acting.acting_as(world.beheer):
        setting.signal_types.set(SignalType.objects.filter(code__in=["gp_observation", "other_observation"]))

    allowed = sorted(allowed_codes(world.gp))
    response = api_as(world.huisarts).post(
        API, signal(signal_type="other_observation", consent_given=True, arrears_amount=None), format="json"
    )

    assert allowed == ["gp_observation", "other_observation"]
    assert response.status_code == 201, response.content
    entry = AccessEvent.objects.get(action="organisation_signal_types.change")
    assert entry.username == "beheer" and entry.object_id == str(world.gp.pk)


def test_an_organisation_set_to_no_types_is_told_to_ask_the_administrator(world, api_as):
    OrganisationSignalTypes.objects.create(organisation=world.housing)

    response = api_as(world.corporatie).post(API, signal(), format="json")

    assert response.status_code == 400
    assert "vraag de beheerder van Schakelpunt" in response.json()["signal_type"][0]


def test_seed_demo_adds_a_collection_agency_that_files_every_arrears_type(db, client):
    call_command("seed_demo", password="geheim-genoeg-123")
    incasso = User.objects.select_related("organisation").get(username="incasso")

    assert incasso.roles == [Role.PARTNER]
    assert incasso.organisation is not None
    assert incasso.organisation.kind == Organisation.Kind.COLLECTION_AGENCY
    assert sorted(allowed_codes(incasso.organisation)) == sorted(ARREARS)
    token = client.post("/api/v1/auth/token/", {"username": "incasso", "password": "geheim-genoeg-123"})
    for n, code in enumerate(["rent_arrears", "water_arrears"]):
        response = client.post(
            API,
            signal(signal_type=code, partner_reference=f"INC-{n}"),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token.json()['token']}",
        )
        assert response.status_code == 201, response.content


def test_a_partner_of_another_kind_is_refused_too(world, api_as):
    school = OrganisationFactory.create(name="Basisschool", kind=Organisation.Kind.SCHOOL)
    teacher = UserFactory.create(username="juf", organisation=school, roles=[Role.PARTNER])

    response = api_as(teacher).post(API, signal(signal_type="energy_arrears"), format="json")

    assert response.json()["signal_type"] == [
        "Uw organisatie mag geen signaalsoort 'energy_arrears' doorgeven. Kies een van: school_observation."
    ]
