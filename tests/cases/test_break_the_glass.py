"""Opening a case outside one's scope only with a reason, logged as such."""

from __future__ import annotations

import pytest

from audit.models import AccessEvent

from .flow import advance, file_case


def test_a_coordinator_opens_another_teams_case_with_a_reason(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    client = api_as(world.coordinator_zuid)

    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 404
    response = client.get(f"/api/v1/cases/{case_id}/", {"reason": "Bewoner belt met vraag over dossier"})

    assert response.status_code == 200
    assert response.json()["available_transitions"] == []
    entry = AccessEvent.objects.get(action="case.read", username="coordinator-zuid")
    assert entry.break_glass is True
    assert entry.purpose == "Bewoner belt met vraag over dossier"
    assert str(entry.case_id) == case_id


def test_triage_opens_a_referred_case_with_a_reason(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")

    assert api_as(world.triage).get(f"/api/v1/cases/{case_id}/", {"reason": "Nazorg"}).status_code == 200


@pytest.mark.parametrize("actor", ["professional_zuid"])
def test_professionals_cannot_break_the_glass(world, api_as, actor):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    response = api_as(getattr(world, actor)).get(f"/api/v1/cases/{case_id}/", {"reason": "nieuwsgierig"})

    assert response.status_code == 404


def test_breaking_the_glass_gives_no_right_to_act(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "lead_assigned")

    response = api_as(world.coordinator_zuid).post(
        f"/api/v1/cases/{case_id}/reassign/?reason=x",
        {"lead": world.professional_zuid.pk, "reason": "x"},
        format="json",
    )

    assert response.status_code == 404
