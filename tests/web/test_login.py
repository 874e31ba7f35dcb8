"""Logging in on the web: each role lands on its home; lockout after repeated failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from audit.models import AccessEvent

PASSWORD = "test-password-123"

HOMES = [
    ("huisarts", "/signalen/"),
    ("schakelpunt", "/casussen/intake/"),
    ("coordinator-noord", "/casussen/team/"),
    ("professional-noord", "/casussen/mijn/"),
    ("auditor", "/toegangslog/"),
    ("beheer", "/admin/"),
]


def login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def test_the_login_page_uses_djangos_field_names(db):
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert '<label class="field__label" for="id_username">' in html


@pytest.mark.parametrize(("username", "home"), HOMES)
def test_each_role_lands_on_its_home(world, username, home):
    client = Client()

    response = login(client, username)

    assert response.status_code == 302
    assert response["Location"] == home
    assert client.get("/")["Location"] == home


def test_a_next_page_wins_over_the_home(world):
    response = login(Client(), "schakelpunt", next="/casussen/intake/?priority=30")

    assert response["Location"] == "/casussen/intake/?priority=30"


def test_a_visitor_is_sent_to_the_login_page(db):
    response = Client().get("/casussen/intake/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/casussen/intake/"


def test_logout_ends_the_session_and_is_logged(world):
    client = Client()
    login(client, "huisarts")

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "U bent uitgelogd." in response.content.decode()
    assert client.get("/signalen/").status_code == 302
    assert AccessEvent.objects.filter(event_type="logout", username="huisarts").count() == 1


def test_a_wrong_password_shows_an_error_and_is_logged(world):
    response = login(Client(), "huisarts", "verkeerd")

    assert response.status_code == 200
    assert "Inloggen is niet gelukt" in response.content.decode()
    assert AccessEvent.objects.filter(event_type="login_failed", username="huisarts").count() == 1


def test_five_failures_in_a_row_lock_the_name_even_for_the_right_password(world):
    client = Client()
    for _ in range(5):
        login(client, "huisarts", "verkeerd")

    response = login(client, "huisarts")

    assert response.status_code == 200
    assert "Te veel mislukte inlogpogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session
    locked = AccessEvent.objects.filter(event_type="login_failed", username="huisarts").order_by("-id")[0]
    assert locked.detail == {"locked": True}
    assert locked.outcome == "denied"


def test_the_lock_counts_names_case_insensitively_and_only_for_that_name(world):
    for _ in range(5):
        login(Client(), "HUISARTS", "verkeerd")

    assert "Te veel" in login(Client(), "huisarts").content.decode()
    assert login(Client(), "corporatie").status_code == 302


def test_the_lock_lifts_after_fifteen_minutes(world):
    for _ in range(5):
        login(Client(), "huisarts", "verkeerd")

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert login(Client(), "huisarts").status_code == 302


def test_a_successful_login_starts_the_count_again(world):
    for _ in range(4):
        login(Client(), "huisarts", "verkeerd")
    assert login(Client(), "huisarts").status_code == 302
    for _ in range(4):
        login(Client(), "huisarts", "verkeerd")

    assert login(Client(), "huisarts").status_code == 302


def test_a_user_without_a_role_gets_a_page_that_says_so(world, web_as):
    world.huisarts.roles = []
    world.huisarts.save()

    response = web_as(world.huisarts).get("/")

    assert response.status_code == 403
    assert "geen rol" in response.content.decode()


def test_a_session_ends_after_half_an_hour_without_activity(world, settings):
    client = Client()
    login(client, "huisarts")
    start = timezone.now()

    with time_machine.travel(start + timedelta(minutes=settings.SESSION_COOKIE_AGE // 60 - 1)):
        assert client.get("/signalen/").status_code == 200  # activity renews the session
    with time_machine.travel(start + timedelta(minutes=2 * (settings.SESSION_COOKIE_AGE // 60) - 1)):
        assert client.get("/signalen/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=3 * (settings.SESSION_COOKIE_AGE // 60))):
        assert client.get("/signalen/").status_code == 302
