"""A partner organisation's named system keys: one per sending system, made and revoked by its own staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AccessEvent
from coordination.models import ApiToken, Role
from tests.factories import UserFactory
from tests.signals.payloads import signal

KEYS = "/api/v1/system-keys/"
PAGE = "/systeemsleutels/"


def _system(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def colleague(world):
    """A second partner of the housing corporation."""
    return UserFactory.create(username="corporatie-2", organisation=world.housing, roles=[Role.PARTNER.value])


def test_a_partner_makes_a_key_that_is_shown_once_and_files_signals(world, api_as, settings):
    settings.SYSTEM_KEY_DAYS = 400

    response = api_as(world.corporatie).post(KEYS, {"name": "Huurincasso"}, format="json")

    assert response.status_code == 201
    made = response.json()
    assert set(made) == {"id", "name", "made_by", "created_at", "expires_at", "key"}
    assert (made["name"], made["made_by"]) == ("Huurincasso", "corporatie")
    assert "no-store" in response["Cache-Control"]
    expires = ApiToken.objects.get(pk=made["id"]).expires_at
    assert timedelta(days=399) < expires - timezone.now() <= timedelta(days=400)
    filed = _system(made["key"]).post("/api/v1/signals/", signal(), format="json")
    assert filed.status_code == 201
    # Afterwards the key is nowhere to be read.
    listed = api_as(world.corporatie).get(KEYS)
    assert listed.json() == [{k: v for k, v in made.items() if k != "key"}]
    assert made["key"] not in listed.content.decode()


def test_one_key_per_sending_system(world, api_as):
    api_as(world.corporatie).post(KEYS, {"name": "Huurincasso"}, format="json")

    again = api_as(world.corporatie).post(KEYS, {"name": " huurincasso "}, format="json")
    empty = api_as(world.corporatie).post(KEYS, {"name": "  "}, format="json")

    assert again.status_code == 400 and "name" in again.json()
    assert empty.status_code == 400 and "name" in empty.json()
    assert ApiToken.objects.filter(kind="system").count() == 1


def test_a_colleague_revokes_the_key_and_it_stops_at_once(world, api_as, colleague):
    made = api_as(world.corporatie).post(KEYS, {"name": "Huurincasso"}, format="json").json()
    system = _system(made["key"])
    assert system.get("/api/v1/signals/").status_code == 200

    assert api_as(world.huisarts).delete(f"{KEYS}{made['id']}/").status_code == 404
    assert api_as(world.triage).delete(f"{KEYS}{made['id']}/").status_code == 403
    assert system.get("/api/v1/signals/").status_code == 200
    assert api_as(colleague).delete(f"{KEYS}{made['id']}/").status_code == 204

    assert system.get("/api/v1/signals/").status_code == 401
    entry = AccessEvent.objects.get(action="token.revoke")
    assert (entry.user_id, entry.object_id, entry.detail["reason"]) == (
        colleague.pk,
        str(made["id"]),
        "revoked",
    )


def test_another_organisation_sees_none_of_the_keys(world, api_as):
    api_as(world.corporatie).post(KEYS, {"name": "Huurincasso"}, format="json")

    assert api_as(world.huisarts).get(KEYS).json() == []


def test_a_key_acts_only_as_a_partner_of_its_organisation(world, api_as):
    world.corporatie.roles = [Role.PARTNER, Role.TRIAGE]
    world.corporatie.save()
    made = api_as(world.corporatie).post(KEYS, {"name": "Huurincasso"}, format="json").json()
    system = _system(made["key"])

    assert system.get("/api/v1/cases/").status_code == 403  # the maker's other role does not come along
    assert system.post(KEYS, {"name": "Nog een"}, format="json").status_code == 201
    world.corporatie.organisation = world.energy
    world.corporatie.save()
    assert system.get("/api/v1/signals/").status_code == 401  # the maker left the organisation


def test_a_key_stops_when_its_maker_is_deactivated_or_it_expires(world, api_as):
    first = api_as(world.corporatie).post(KEYS, {"name": "Een"}, format="json").json()
    ApiToken.objects.filter(pk=first["id"]).update(expires_at=timezone.now())
    assert _system(first["key"]).get("/api/v1/signals/").status_code == 401
    # An expired key gives its name back.
    second = api_as(world.corporatie).post(KEYS, {"name": "Een"}, format="json").json()
    assert _system(second["key"]).get("/api/v1/signals/").status_code == 200

    world.corporatie.is_active = False
    world.corporatie.save()

    assert _system(second["key"]).get("/api/v1/signals/").status_code == 401


def test_logging_out_with_a_system_key_does_not_revoke_it(world, api_as):
    made = api_as(world.corporatie).post(KEYS, {"name": "Huurincasso"}, format="json").json()
    system = _system(made["key"])

    assert system.post("/api/v1/auth/logout/").status_code == 204
    assert system.get("/api/v1/signals/").status_code == 200


def test_the_page_makes_a_key_shows_it_once_and_revokes_it(world, colleague):
    client = Client()
    client.force_login(world.corporatie)

    made = client.post(PAGE, {"name": "Huurincasso"})

    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    key = ApiToken.objects.get(kind="system")
    html = made.content.decode()
    secret = html.split('id="issued-key" value="', 1)[1].split('"', 1)[0]
    assert _system(secret).get("/api/v1/signals/").status_code == 200
    again = client.get(PAGE).content.decode()
    assert "Huurincasso" in again and secret not in again

    other = Client()
    other.force_login(colleague)
    response = other.post(f"{PAGE}{key.pk}/intrekken/")

    assert response.status_code == 302
    assert _system(secret).get("/api/v1/signals/").status_code == 401
    assert "Huurincasso" not in other.get(PAGE).content.decode()


def test_the_page_names_what_is_wrong(world):
    client = Client()
    client.force_login(world.corporatie)

    response = client.post(PAGE, {"name": ""})

    assert response.status_code == 400
    assert 'id="key-name-error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_database_holds_one_key_per_name_even_when_two_colleagues_race(world, colleague):
    # What the service's own check cannot see: a key of the same name made at the same moment.
    common = {
        "kind": "system",
        "organisation": world.housing,
        "expires_at": timezone.now() + timedelta(days=1),
    }
    ApiToken.objects.create(user=world.corporatie, name="Huurincasso", digest="a" * 64, **common)

    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=colleague, name="HUURINCASSO", digest="b" * 64, **common)
