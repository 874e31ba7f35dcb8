"""Opening a case outside one's scope only with a reason given in a request body:
a grant of a while to that one case, logged as such, the reason stored encrypted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AccessEvent
from cases.models import CaseAccessGrant

from .flow import advance, file_case

REASON = "Bewoner belt met vraag over dossier"


def access(client, case_id: str, reason: str = REASON):
    return client.post(f"/api/v1/cases/{case_id}/access/", {"reason": reason}, format="json")


def test_a_coordinator_opens_another_teams_case_with_a_reason(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    client = api_as(world.coordinator_zuid)

    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 404
    response = access(client, case_id)

    assert response.status_code == 200
    assert response.json()["id"] == case_id
    assert response.json()["available_transitions"] == []
    # For the grant's while, the case opens without saying why again.
    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 200
    grant = AccessEvent.objects.get(action="case.access.grant", username="coordinator-zuid")
    assert grant.break_glass is True and grant.purpose == REASON and str(grant.case_id) == case_id
    reads = AccessEvent.objects.filter(action="case.read", username="coordinator-zuid", outcome="success")
    assert reads.count() == 2
    assert all(entry.break_glass and entry.purpose == REASON for entry in reads)


def test_a_reason_in_the_url_opens_nothing(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    response = api_as(world.coordinator_zuid).get(f"/api/v1/cases/{case_id}/", {"reason": REASON})

    assert response.status_code == 404
    assert not CaseAccessGrant.objects.exists()


def test_the_reason_is_stored_encrypted(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")
    access(api_as(world.triage), case_id)

    grant = CaseAccessGrant.objects.get()
    assert grant.reason == REASON
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason::text FROM {CaseAccessGrant._meta.db_table}")
        (stored,) = cursor.fetchone()
    assert "Bewoner" not in stored


def test_triage_opens_a_referred_case_with_a_reason(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")

    assert access(api_as(world.triage), case_id, "Nazorg").status_code == 200


def test_the_grant_runs_out(world, api_as, settings):
    settings.BREAK_GLASS_MINUTES = 30
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    client = api_as(world.coordinator_zuid)
    access(client, case_id)
    grant = CaseAccessGrant.objects.get()
    assert grant.expires_at - grant.granted_at == timedelta(minutes=30)

    CaseAccessGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 404


def test_a_grant_opens_one_case_for_one_user(world, api_as):
    first = file_case(world, api_as)
    second = file_case(
        world, api_as, partner_reference="X-2", subject__surname="Bakker", subject__date_of_birth="1970-01-01"
    )
    for case_id in (first, second):
        advance(world, api_as, case_id, "in_progress")
    access(api_as(world.coordinator_zuid), first)

    assert api_as(world.coordinator_zuid).get(f"/api/v1/cases/{second}/").status_code == 404
    assert api_as(world.triage).get(f"/api/v1/cases/{first}/").status_code == 404


@pytest.mark.parametrize("actor", ["professional_zuid", "corporatie", "auditor", "beheer"])
def test_other_roles_cannot_break_the_glass(world, api_as, actor):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    assert access(api_as(getattr(world, actor)), case_id).status_code == 403
    assert not CaseAccessGrant.objects.exists()


def test_a_reason_is_required(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    response = access(api_as(world.coordinator_zuid), case_id, "  ")

    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_case_that_does_not_exist_is_404(world, api_as):
    response = access(api_as(world.coordinator_zuid), "00000000-0000-0000-0000-000000000001")

    assert response.status_code == 404


def test_a_case_of_ones_own_needs_no_reason(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    assert access(api_as(world.coordinator_noord), case_id).status_code == 409


def test_breaking_the_glass_gives_no_right_to_act(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "lead_assigned")
    client = api_as(world.coordinator_zuid)
    access(client, case_id)

    response = client.post(
        f"/api/v1/cases/{case_id}/reassign/",
        {"lead": world.professional_zuid.pk, "reason": "x"},
        format="json",
    )

    assert response.status_code == 404
