"""The administrator sets passwords only through Django's own password forms."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.test import Client

from coordination.models import User

DEMO_PASSWORD = "demo-wachtwoord-voor-test"
NEW_PASSWORD = "Vlinder-Kompas-8143"


@pytest.fixture
def admin_client(db) -> Client:
    """The demo administrator (``beheer``, staff as seed_demo makes it), logged in at the login page."""
    call_command("seed_demo", password=DEMO_PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"username": "beheer", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def logs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def test_the_admin_changes_a_password_from_the_users_page_and_the_user_logs_in_with_it(admin_client):
    huisarts = User.objects.get(username="huisarts")
    page = f"/admin/coordination/user/{huisarts.pk}/change/"
    link = re.search(r'<a class="button" href="([^"]+)"', admin_client.get(page).content.decode())
    assert link is not None, "the user's page links to the change-password form"
    url = urljoin(page, link[1])

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302, response.content
    assert logs_in("huisarts", NEW_PASSWORD)
    assert not logs_in("huisarts", DEMO_PASSWORD)


def test_the_user_page_has_no_editable_password_and_links_to_the_password_form(admin_client):
    huisarts = User.objects.get(username="huisarts")

    html = admin_client.get(f"/admin/coordination/user/{huisarts.pk}/change/").content.decode()

    assert not re.search(r'<(input|textarea)[^>]*name="password"', html)
    assert huisarts.password not in html  # not even the hash
    assert "../password/" in html
    assert 'name="roles"' in html and 'name="organisation"' in html  # the rest is still edited here


def test_saving_the_user_page_with_a_password_typed_in_keeps_the_account_working(admin_client):
    huisarts = User.objects.get(username="huisarts")
    url = f"/admin/coordination/user/{huisarts.pk}/change/"
    data = {
        "username": "huisarts",
        "password": NEW_PASSWORD,
        "first_name": "Nieuwe",
        "last_name": "Naam",
        "email": "",
        "organisation": str(huisarts.organisation_id),
        "roles": ["partner"],
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content
    huisarts.refresh_from_db()
    assert huisarts.first_name == "Nieuwe"
    assert huisarts.roles == ["partner"]
    assert logs_in("huisarts", DEMO_PASSWORD)
    assert not logs_in("huisarts", NEW_PASSWORD)
