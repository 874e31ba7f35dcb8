"""The API token endpoint throttles a name like the login page does, and logs every attempt."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AccessEvent

URL = "/api/v1/auth/token/"
PASSWORD = "test-password-123"


def token(username: str, password: str = PASSWORD):
    return APIClient().post(URL, {"username": username, "password": password}, format="json")


def failures(username: str) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(event_type="login_failed", username=username).order_by("id"))


def test_five_failures_in_a_row_refuse_the_right_password_with_429_and_log_it(world):
    for _ in range(5):
        assert token("corporatie", "verkeerd").status_code == 400

    response = token("corporatie")

    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.json()["detail"]
    assert int(response["Retry-After"]) == 30  # the first of the growing delays
    assert "token" not in response.json()
    logged = failures("corporatie")
    assert len(logged) == 6
    assert (logged[-1].outcome, logged[-1].detail) == ("denied", {"locked": True})
    assert not AccessEvent.objects.filter(event_type="login", username="corporatie").exists()


def test_failures_on_the_login_page_lock_the_token_endpoint_too(world):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "Corporatie", "password": "verkeerd"})

    assert token("corporatie").status_code == 429
    assert token("huisarts").status_code == 200  # another name is not affected


def test_the_lock_lifts_after_fifteen_minutes_and_a_success_starts_the_count_again(world):
    for _ in range(5):
        token("corporatie", "verkeerd")

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert token("corporatie").status_code == 200
        for _ in range(4):
            token("corporatie", "verkeerd")
        assert token("corporatie").status_code == 200
