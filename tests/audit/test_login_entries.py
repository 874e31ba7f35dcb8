"""Logins, failed logins and logouts are logged; the password never is."""

from __future__ import annotations

from django.test import Client

from audit.models import AccessEvent


def test_login_and_logout_are_logged(world):
    client = Client()

    assert client.login(username="huisarts", password="test-password-123")
    client.logout()

    login, logout = AccessEvent.objects.order_by("id")
    assert (login.event_type, login.outcome, login.user_id, login.username) == (
        "login",
        "success",
        world.huisarts.pk,
        "huisarts",
    )
    assert login.organisation == world.gp.name
    assert (logout.event_type, logout.user_id) == ("logout", world.huisarts.pk)


def test_a_failed_login_is_logged_with_the_name_tried_and_without_the_password(world):
    assert not Client().login(username="huisarts", password="wrong-password")

    entry = AccessEvent.objects.get()
    assert (entry.event_type, entry.outcome, entry.user_id, entry.username) == (
        "login_failed",
        "denied",
        None,
        "huisarts",
    )
    assert "wrong-password" not in str(entry.detail)


def test_a_denied_api_request_is_logged(world, api_as):
    response = api_as(world.huisarts).get("/api/v1/audit/events/")

    assert response.status_code == 403
    entry = AccessEvent.objects.get()
    assert (entry.event_type, entry.outcome, entry.user_id) == ("denied", "denied", world.huisarts.pk)
    assert entry.detail["status"] == 403
