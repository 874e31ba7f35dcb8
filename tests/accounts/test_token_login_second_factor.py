"""The API's token login with the second factor: ``{username, password, otp}``.

A token is issued only after the second factor: to whoever has one, with its
code; never to a user who must have one and has none (403,
``second_factor_required``). A wrong code counts as a failed login.
"""

from __future__ import annotations

from rest_framework.test import APIClient

from audit.models import AccessEvent
from coordination.models import ApiToken

from .factor import RECOVERY, current_code, give_factor, wrong_code

PASSWORD = "test-password-123"


def token_login(username: str, **extra: str):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra}, format="json"
    )


def test_a_coordinator_without_a_factor_gets_no_token(world, required):
    response = token_login("coordinator-noord")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    assert "tweede factor" in response.json()["otp"][0]
    assert not ApiToken.objects.filter(user=world.coordinator_noord).exists()


def test_with_a_factor_the_code_is_needed_and_named(world, required):
    give_factor(world.coordinator_noord)

    response = token_login("coordinator-noord")

    assert response.status_code == 400
    assert list(response.json()) == ["otp"]
    assert not ApiToken.objects.filter(user=world.coordinator_noord).exists()


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(world, required):
    device = give_factor(world.coordinator_noord)

    response = token_login("coordinator-noord", otp=wrong_code(device))

    assert response.status_code == 400 and "otp" in response.json()
    assert AccessEvent.objects.filter(event_type="login_failed", username="coordinator-noord").count() == 1
    assert not ApiToken.objects.filter(user=world.coordinator_noord).exists()


def test_the_right_code_gives_a_token_that_works(world, required):
    device = give_factor(world.coordinator_noord)

    response = token_login("coordinator-noord", otp=current_code(device))

    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200


def test_a_recovery_code_gives_a_token_too(world, required):
    give_factor(world.auditor)

    assert token_login("auditor", otp=RECOVERY[1]).status_code == 200
    assert token_login("auditor", otp=RECOVERY[1]).status_code == 400  # used up


def test_five_wrong_codes_lock_the_name(world, required):
    device = give_factor(world.coordinator_noord)
    for _ in range(5):
        token_login("coordinator-noord", otp=wrong_code(device))

    assert token_login("coordinator-noord", otp=current_code(device)).status_code == 429


def test_a_partner_without_a_factor_needs_no_code_and_one_with_a_factor_does(world, required):
    assert token_login("corporatie").status_code == 200

    device = give_factor(world.huisarts)
    assert token_login("huisarts").status_code == 400
    assert token_login("huisarts", otp=current_code(device)).status_code == 200


def test_with_the_setting_off_a_coordinator_without_a_factor_gets_a_token(world, settings):
    settings.REQUIRE_SECOND_FACTOR = False

    assert token_login("coordinator-noord").status_code == 200
