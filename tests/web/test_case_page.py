"""The case page: scoped like the API, one logged read, the steps the actor may take."""

from __future__ import annotations

import uuid

import pytest

from audit.models import AccessEvent
from cases.models import Case


def test_the_case_page_shows_the_case_and_writes_one_read_entry(world, web_as, case_in):
    case_id = case_in("new")

    response = web_as(world.triage).get(f"/casussen/{case_id}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Jansen-de Vries" in html and "Huurachterstand" in html
    assert "Oppakken" in html  # the one step triage can take on a new case
    entry = AccessEvent.objects.get(action="case.read")
    case = Case.objects.get(pk=case_id)
    assert (entry.username, str(entry.case_id), entry.subject_id) == (
        "schakelpunt",
        case_id,
        str(case.household_id),
    )
    assert entry.break_glass is False


def test_the_lead_sees_timeline_contacts_plan_and_network_with_their_forms(world, web_as, case_in):
    case_id = case_in("in_progress")

    html = web_as(world.professional_noord).get(f"/casussen/{case_id}/").content.decode()

    for part in ("Tijdlijn", "Contactpogingen", "Plan", "Netwerk", "Signalen"):
        assert f">{part}" in html, part
    # The arrow is hidden from screen readers, which read "naar" instead.
    assert (
        'Casus accepteren: Regisseur toegewezen <span aria-hidden="true">→</span>'
        '<span class="visually-hidden">naar</span> In behandeling'
    ) in html
    for form in ("contactpogingen", "plan/doelen", "netwerk", "stap/close", "stap/start_monitoring"):
        assert f"/casussen/{case_id}/{form}/" in html, form


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator_noord", 200),
        ("professional_noord", 200),
        ("coordinator_zuid", 404),
        ("professional_zuid", 404),
        ("triage", 404),  # referred: no longer in the intake
        ("huisarts", 403),
        ("auditor", 403),
        ("beheer", 403),
    ],
)
def test_permission_trio(world, web_as, case_in, actor, status):
    case_id = case_in("lead_assigned")

    response = web_as(getattr(world, actor)).get(f"/casussen/{case_id}/")

    assert response.status_code == status
    assert AccessEvent.objects.filter(action="case.read").count() == (1 if status == 200 else 0)
    if status != 200:
        assert "Jansen" not in response.content.decode()
        assert AccessEvent.objects.get(event_type="denied").detail["status"] == status


def test_a_case_that_does_not_exist_is_not_found(world, web_as):
    assert web_as(world.triage).get(f"/casussen/{uuid.uuid4()}/").status_code == 404


def test_breaking_the_glass_with_a_reason_is_logged_as_such(world, web_as, case_in):
    case_id = case_in("in_progress")

    client = web_as(world.coordinator_zuid)
    client.post(f"/casussen/{case_id}/inzage/", {"reason": "Bewoner belt"})
    response = client.get(f"/casussen/{case_id}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "buiten uw eigen werk" in html
    assert "U kunt nu geen stap zetten" in html
    entry = AccessEvent.objects.get(action="case.read")
    assert (entry.break_glass, entry.purpose) == (True, "Bewoner belt")


def test_professionals_cannot_break_the_glass(world, web_as, case_in):
    case_id = case_in("in_progress")

    client = web_as(world.professional_zuid)
    assert client.post(f"/casussen/{case_id}/inzage/", {"reason": "x"}).status_code == 403
    assert client.get(f"/casussen/{case_id}/").status_code == 404
