"""The login throttle: per name and address, growing delays, an administrator's unlock, exact in a burst."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AccessEvent
from schakelpunt.lockout import forget_old_attempts
from schakelpunt.models import LoginThrottle

URL = "/api/v1/auth/token/"
PASSWORD = "test-password-123"


def token(username: str, password: str = PASSWORD, address: str = "198.51.100.1"):
    return APIClient(REMOTE_ADDR=address).post(
        URL, {"username": username, "password": password}, format="json"
    )


def test_the_delays_grow_and_a_refused_attempt_does_not_lengthen_them(world):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert token("corporatie", "fout").status_code == 400
        waits = []
        for _ in range(5):
            refused = token("corporatie", "fout")
            assert refused.status_code == 429
            waits.append(int(refused["Retry-After"]))
            again = token(
                "corporatie"
            )  # while waiting: refused, even with the right password, and not counted
            assert (again.status_code, int(again["Retry-After"])) == (429, waits[-1])
            clock.shift(waits[-1])
            assert token("corporatie", "fout").status_code == 400  # after the wait: one more try

    assert waits == [30, 60, 120, 240, 480]


def test_the_delay_is_at_most_fifteen_minutes_and_a_quiet_hour_starts_again(world, settings):
    settings.LOGIN_LOCKOUT_FAILURES = 1
    now = timezone.now()
    for minute in range(0, 200, 16):
        with time_machine.travel(now + timedelta(minutes=minute)):
            token("corporatie", "fout")
    with time_machine.travel(now + timedelta(minutes=193)):
        assert int(token("corporatie", "fout")["Retry-After"]) <= 15 * 60
    with time_machine.travel(now + timedelta(minutes=193 + 16 + 61)):
        assert token("corporatie", "fout").status_code == 400
        assert int(token("corporatie", "fout")["Retry-After"]) == 30


def test_counts_nobody_waits_on_are_forgotten_after_a_quiet_hour(world):
    token("corporatie", "fout")
    for _ in range(6):
        token("huisarts", "fout", address="203.0.113.5")
    later = timezone.now() + timedelta(minutes=61)
    # Still waiting then (as after many attempts): kept whatever its age.
    LoginThrottle.objects.filter(username="huisarts").update(blocked_until=later + timedelta(minutes=10))

    with time_machine.travel(later, tick=False):
        token("energie", "fout", address="203.0.113.5")  # keeps that address's count alive
        removed = forget_old_attempts()

    assert removed == 2  # corporatie's name count and its address's count
    left = set(LoginThrottle.objects.values_list("username", "address"))
    assert left == {("huisarts", "203.0.113.5"), ("", "203.0.113.5"), ("energie", "203.0.113.5")}


def test_a_stranger_guessing_elsewhere_does_not_lock_the_user_out(world):
    for _ in range(8):
        token("corporatie", "fout", address="203.0.113.66")
    assert token("corporatie", address="203.0.113.66").status_code == 429

    assert token("corporatie", address="192.0.2.10").status_code == 200


def test_one_address_trying_many_names_is_slowed_down_too(world):
    names = [f"naam{n}" for n in range(20)]
    for name in names:
        assert token(name, "fout", address="203.0.113.99").status_code == 400

    assert token("corporatie", address="203.0.113.99").status_code == 429
    assert token("corporatie", address="192.0.2.10").status_code == 200


def test_a_successful_login_clears_the_names_count(world):
    for _ in range(4):
        token("corporatie", "fout")
    assert token("corporatie").status_code == 200
    for _ in range(4):
        assert token("corporatie", "fout").status_code == 400

    assert token("corporatie").status_code == 200


def test_an_administrator_can_lift_the_delay_and_it_is_logged(world):
    for _ in range(6):
        token("huisarts", "fout")
    assert token("huisarts").status_code == 429
    throttle = LoginThrottle.objects.get(username="huisarts")
    world.beheer.is_staff = world.beheer.is_superuser = True  # as seed_demo makes the administrator
    world.beheer.save()
    admin = Client()
    admin.force_login(world.beheer)

    response = admin.post(
        "/admin/schakelpunt/loginthrottle/",
        {"action": "unlock_selected", "_selected_action": [throttle.pk]},
    )

    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(username="huisarts").exists()
    entry = AccessEvent.objects.get(action="login.unlock")
    assert entry.user_id == world.beheer.pk
    assert entry.detail["username"] == "huisarts"
    assert token("huisarts").status_code == 200


def test_a_partner_cannot_lift_a_delay(world):
    for _ in range(6):
        token("huisarts", "fout")
    partner = Client()
    partner.force_login(world.corporatie)

    partner.post(
        "/admin/schakelpunt/loginthrottle/",
        {
            "action": "unlock_selected",
            "_selected_action": [LoginThrottle.objects.get(username="huisarts").pk],
        },
    )

    assert LoginThrottle.objects.filter(username="huisarts").exists()
    assert not AccessEvent.objects.filter(action="login.unlock").exists()


@pytest.mark.django_db(transaction=True)
def test_a_parallel_burst_gets_exactly_the_free_attempts(world):
    results: list[int] = []
    lock = threading.Lock()
    go = threading.Barrier(16)

    def attempt() -> None:
        try:
            go.wait()
            status = token("corporatie", "fout").status_code
            with lock:
                results.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 16
    assert results.count(400) == 5  # the password was checked five times, no more
    assert results.count(429) == 11
    assert LoginThrottle.objects.get(username="corporatie").attempts == 5
    checked = AccessEvent.objects.filter(username="corporatie", event_type="login_failed")
    assert checked.exclude(detail={"locked": True}).count() == 5
