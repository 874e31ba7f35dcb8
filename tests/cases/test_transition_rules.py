"""Who may move a case where: roles, scope, guards and conflicts."""

from __future__ import annotations

import pytest

from cases.models import CaseTransition

from .flow import advance, file_case, step


def test_a_transition_from_the_wrong_state_is_a_conflict(world, api_as):
    case_id = file_case(world, api_as)

    response = api_as(world.triage).post(f"/api/v1/cases/{case_id}/start_outreach/", {}, format="json")

    assert response.status_code == 409
    assert not CaseTransition.objects.exists()


def test_claiming_twice_is_a_conflict(world, api_as):
    case_id = file_case(world, api_as)
    step(api_as, world.triage, case_id, "claim")

    step(api_as, world.triage, case_id, "claim", expect=409)


@pytest.mark.parametrize("actor", ["coordinator_zuid", "professional_zuid"])
def test_the_other_team_does_not_find_the_case(world, api_as, actor):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    client = api_as(getattr(world, actor))

    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 404
    for transition in ("reassign", "close", "start_monitoring"):
        assert client.post(f"/api/v1/cases/{case_id}/{transition}/", {}, format="json").status_code == 404
    network = client.post(
        f"/api/v1/cases/{case_id}/network/", {"organisation": "x", "role": "y"}, format="json"
    )
    # A coordinator's role has no network endpoint at all (403); the other lead finds no case (404).
    assert network.status_code == (404 if actor == "professional_zuid" else 403)


@pytest.mark.parametrize("actor", ["huisarts", "corporatie"])
def test_partners_get_no_case_endpoint(world, api_as, actor):
    case_id = file_case(world, api_as)
    client = api_as(getattr(world, actor))

    assert client.get("/api/v1/cases/").status_code == 403
    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/claim/", {}, format="json").status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/contacts/", {}, format="json").status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/plan/goals/", {}, format="json").status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/network/", {}, format="json").status_code == 403


def test_a_coordinator_cannot_claim_from_the_intake(world, api_as):
    case_id = file_case(world, api_as)
    step(api_as, world.coordinator_noord, case_id, "claim", expect=404)


def test_a_lead_cannot_assign_themselves(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "lead_assigned")

    step(
        api_as,
        world.professional_noord,
        case_id,
        "reassign",
        expect=403,
        lead=world.professional_noord.pk,
        reason="mijn casus",
    )


def test_only_the_claimant_releases(world, api_as):
    other = world.triage.__class__.objects.create(
        username="triage-2", roles=["triage"], organisation=world.municipality
    )
    case_id = file_case(world, api_as)
    step(api_as, world.triage, case_id, "claim")

    step(api_as, other, case_id, "release", expect=403)
    assert step(api_as, world.triage, case_id, "release")["state"] == "new"


def test_the_lead_must_be_a_professional_of_the_cases_team(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")

    wrong_team = step(
        api_as, world.coordinator_noord, case_id, "assign_lead", expect=400, lead=world.professional_zuid.pk
    )
    not_professional = step(
        api_as, world.coordinator_noord, case_id, "assign_lead", expect=400, lead=world.coordinator_noord.pk
    )

    assert "lead" in wrong_team and "lead" in not_professional


def test_referring_to_another_team_than_the_postcode_routes_to_needs_a_reason(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "triage")

    refused = step(api_as, world.triage, case_id, "refer_to_team", expect=400, team=str(world.zuid.pk))
    referred = step(
        api_as,
        world.triage,
        case_id,
        "refer_to_team",
        team=str(world.zuid.pk),
        reason="Gezin verblijft tijdelijk bij familie in Zuid",
    )

    assert "reason" in refused
    assert referred["team"]["name"] == "Zuid"
    assert api_as(world.coordinator_zuid).get(f"/api/v1/cases/{case_id}/").status_code == 200
    assert api_as(world.coordinator_noord).get(f"/api/v1/cases/{case_id}/").status_code == 404


def test_a_postcode_outside_every_area_needs_a_chosen_team(world, api_as):
    case_id = file_case(world, api_as, subject__postcode="9999 ZZ")
    advance(world, api_as, case_id, "triage")

    assert "team" in step(api_as, world.triage, case_id, "refer_to_team", expect=400)


def test_decline_and_reassign_need_a_reason(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "lead_assigned")

    assert "reason" in step(api_as, world.professional_noord, case_id, "decline", expect=400)
    assert "reason" in step(
        api_as, world.coordinator_noord, case_id, "reassign", expect=400, lead=world.professional_noord.pk
    )
    declined = step(api_as, world.professional_noord, case_id, "decline", reason="Te zware caseload")
    assert declined["state"] == "awaiting_lead"
    assert declined["lead"] is None


def test_monitoring_needs_a_plan_with_goals(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    step(api_as, world.professional_noord, case_id, "start_monitoring", expect=409)


def test_closing_needs_an_outcome_from_the_list_and_other_needs_a_reason(world, api_as):
    case_id = file_case(world, api_as)

    assert "outcome" in step(api_as, world.triage, case_id, "close", expect=400)
    assert "outcome" in step(api_as, world.triage, case_id, "close", expect=400, outcome="gave_up")
    assert "reason" in step(api_as, world.triage, case_id, "close", expect=400, outcome="not_picked_up_other")
    assert (
        step(
            api_as, world.triage, case_id, "close", outcome="not_picked_up_other", reason="Dubbel ingevoerd"
        )["state"]
        == "closed"
    )


def test_a_case_in_progress_is_closed_by_its_lead_not_by_triage(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    step(api_as, world.triage, case_id, "close", expect=404, outcome="referral_financial")
    assert step(api_as, world.coordinator_noord, case_id, "close", outcome="moved_away")["state"] == "closed"


def test_unknown_fields_and_transitions_are_refused(world, api_as):
    case_id = file_case(world, api_as)

    assert "teem" in step(api_as, world.triage, case_id, "claim", expect=400, teem="x")
    step(api_as, world.triage, case_id, "escalate", expect=404)


def test_available_transitions_follow_role_and_state(world, api_as):
    case_id = file_case(world, api_as)

    assert api_as(world.triage).get(f"/api/v1/cases/{case_id}/").json()["available_transitions"] == [
        "claim",
        "close",
    ]
    advance(world, api_as, case_id, "lead_assigned")
    assert api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/").json()[
        "available_transitions"
    ] == [
        "accept",
        "decline",
    ]
    assert api_as(world.coordinator_noord).get(f"/api/v1/cases/{case_id}/").json()[
        "available_transitions"
    ] == ["reassign", "reroute"]
