"""Administrators keep letter templates; their placeholders are checked, their changes logged."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from audit.models import AccessEvent
from letters import placeholders
from letters.models import LetterTemplate

DEMO_PASSWORD = "demo-wachtwoord-voor-test"


@pytest.fixture
def admin_client(db) -> Client:
    call_command("seed_demo", password=DEMO_PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"username": "beheer", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


@pytest.mark.parametrize(
    "text",
    [
        "Beste {naam.__class__}",
        "Beste {naam!r}",
        "{datum:%Y}",
        "Beste {bsn}",
        "{0}",
        "Beste {naam",
        "een } los",
    ],
)
def test_anything_but_a_known_placeholder_is_refused(text):
    with pytest.raises(ValidationError):
        placeholders.check(text)


def test_known_placeholders_are_filled_and_double_braces_are_literal():
    values = {key: key.upper() for key in placeholders.PLACEHOLDERS}
    placeholders.check("{naam} {adres} {kenmerk} {medewerker} {telefoon} {datum} {{x}}")

    filled = placeholders.fill("Beste {naam}, {{x}} {kenmerk}", values)

    assert filled == "Beste NAAM, {x} KENMERK"


def test_the_admin_shows_a_clear_error_for_an_unknown_placeholder_and_stores_nothing(admin_client):
    response = admin_client.post(
        "/admin/letters/lettertemplate/add/",
        {"name": "Fout", "language": "nl", "title": "Betreft", "body": "Beste {voornaam}", "active": "on"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Onbekende invulvelden: {voornaam}" in page
    assert "{naam}" in page  # the error says which may be used
    assert not LetterTemplate.objects.filter(name="Fout").exists()


def test_a_change_in_the_admin_is_one_logged_configuration_change(admin_client):
    template = LetterTemplate.objects.get(language="en")

    response = admin_client.post(
        f"/admin/letters/lettertemplate/{template.pk}/change/",
        {
            "name": template.name,
            "language": "en",
            "title": "Please call us",
            "body": template.body,
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content
    entry = AccessEvent.objects.get(action="letter_template.change")
    assert entry.username == "beheer"
    assert entry.object_id == str(template.pk)
    assert entry.detail["changed"]["title"][1] == "Please call us"


def test_the_migration_gives_a_dutch_and_an_english_template(db):
    languages = set(LetterTemplate.objects.values_list("language", flat=True))
    assert {"nl", "en"} <= languages
    for template in LetterTemplate.objects.all():
        placeholders.check(template.title)
        placeholders.check(template.body)


def test_case_roles_list_the_active_templates_and_others_are_refused(world, api_as, template):
    LetterTemplate.objects.create(name="Oud", language="nl", title="t", body="b", active=False)

    for user in (world.triage, world.coordinator_noord, world.professional_noord):
        response = api_as(user).get("/api/v1/letters/templates/")
        assert response.status_code == 200
        listed = response.json()
        assert {"id": template.pk, "name": "Testbrief", "language": "nl"} in listed
        assert "Oud" not in {row["name"] for row in listed}
    for user in (world.corporatie, world.auditor, world.beheer):
        assert api_as(user).get("/api/v1/letters/templates/").status_code == 403
