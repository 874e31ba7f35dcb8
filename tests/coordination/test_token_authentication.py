"""API tokens: the user, roles and organisation come with the token, and nothing else gets in."""

from __future__ import annotations

from rest_framework.test import APIClient

from coordination.models import ApiToken
from tests.signals.payloads import signal


def test_a_token_files_for_its_users_organisation(world, api_as):
    response = api_as(world.corporatie).post("/api/v1/signals/", signal(), format="json")

    assert response.status_code == 201
    listed = api_as(world.corporatie).get("/api/v1/signals/").json()["results"]
    assert [s["id"] for s in listed] == [response.json()["id"]]
    assert api_as(world.huisarts).get("/api/v1/signals/").json()["results"] == []


def test_an_unknown_token_is_refused(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert client.get("/api/v1/signals/").status_code == 401


def test_a_deactivated_users_token_stops_working(world, api_as):
    client = api_as(world.corporatie)
    assert client.get("/api/v1/signals/").status_code == 200
    world.corporatie.is_active = False
    world.corporatie.save()

    assert client.get("/api/v1/signals/").status_code == 401


def test_a_deleted_token_stops_working_at_once(world, api_as):
    client = api_as(world.corporatie)
    assert client.get("/api/v1/signals/").status_code == 200
    ApiToken.objects.filter(user=world.corporatie).delete()

    assert client.get("/api/v1/signals/").status_code == 401


def test_roles_come_with_the_token(world, api_as):
    # A triage officer's token may not file signals (roles are read with the token).
    assert api_as(world.triage).post("/api/v1/signals/", signal(), format="json").status_code == 403
