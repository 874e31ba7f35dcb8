"""Transitions from the case page: the API's services, errors per field, a clear conflict message."""

from __future__ import annotations

from audit.models import AccessEvent
from cases.models import Case, State


def step(client, case_id: str, name: str, **data):
    return client.post(f"/casussen/{case_id}/stap/{name}/", data)


def test_claim_moves_the_case_and_comes_back_to_it(world, web_as, case_in):
    case_id = case_in("new")
    client = web_as(world.triage)

    response = step(client, case_id, "claim", seen_state="new")

    assert response.status_code == 302 and response["Location"] == f"/casussen/{case_id}/"
    case = Case.objects.get(pk=case_id)
    assert (case.state, case.claimed_by) == (State.TRIAGE, world.triage)
    assert "opgepakt" in client.get(response["Location"]).content.decode()
    assert AccessEvent.objects.filter(action="case.claim", case_id=case_id).count() == 1


def test_referring_leaves_the_intake_and_goes_back_to_the_queue(world, web_as, case_in):
    case_id = case_in("triage")

    response = step(web_as(world.triage), case_id, "refer_to_team", seen_state="triage")

    assert response["Location"] == "/casussen/intake/"
    case = Case.objects.get(pk=case_id)
    assert (case.state, case.team) == (State.AWAITING_LEAD, world.noord)


def test_another_team_needs_a_reason_shown_at_the_field(world, web_as, case_in):
    case_id = case_in("triage")

    response = step(
        web_as(world.triage), case_id, "refer_to_team", team=str(world.zuid.pk), seen_state="triage"
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="transition-refer_to_team-reason-error"' in html and "Geef een reden." in html
    assert f'<option value="{world.zuid.pk}" selected>' in html  # the choice is kept
    assert Case.objects.get(pk=case_id).state == State.TRIAGE


def test_assigning_a_lead_from_the_team(world, web_as, case_in):
    case_id = case_in("awaiting_lead")
    client = web_as(world.coordinator_noord)

    wrong = step(
        client, case_id, "assign_lead", lead=str(world.professional_zuid.pk), seen_state="awaiting_lead"
    )
    assert wrong.status_code == 400 and 'id="transition-assign_lead-lead-error"' in wrong.content.decode()

    right = step(
        client, case_id, "assign_lead", lead=str(world.professional_noord.pk), seen_state="awaiting_lead"
    )
    assert right.status_code == 302
    assert Case.objects.get(pk=case_id).lead == world.professional_noord


def test_declining_needs_a_reason(world, web_as, case_in):
    case_id = case_in("lead_assigned")

    response = step(web_as(world.professional_noord), case_id, "decline", seen_state="lead_assigned")

    assert response.status_code == 400
    assert 'id="transition-decline-reason-error"' in response.content.decode()


def test_closing_with_an_outcome(world, web_as, case_in):
    case_id = case_in("in_progress")
    client = web_as(world.professional_noord)

    missing = step(client, case_id, "close", seen_state="in_progress")
    assert missing.status_code == 400 and 'id="transition-close-outcome-error"' in missing.content.decode()

    done = step(client, case_id, "close", outcome="referral_financial", seen_state="in_progress")
    assert done.status_code == 302
    assert Case.objects.get(pk=case_id).state == State.CLOSED


def test_someone_else_acted_first(world, web_as, case_in):
    case_id = case_in("new")
    first, second = web_as(world.triage), web_as(world.triage)
    step(first, case_id, "claim", seen_state="new")

    response = step(second, case_id, "claim", seen_state="new")

    assert response.status_code == 302
    page = second.get(response["Location"]).content.decode()
    assert "Iemand anders was u voor" in page
    assert Case.objects.get(pk=case_id).transitions.count() == 1


def test_a_guard_that_fails_says_why(world, web_as, case_in):
    case_id = case_in("in_progress")
    client = web_as(world.professional_noord)

    response = step(client, case_id, "start_monitoring", seen_state="in_progress")

    page = client.get(response["Location"]).content.decode()
    assert "Het plan heeft nog geen doelen." in page
    assert "Iemand anders" not in page


def test_wrong_roles_and_other_teams_cannot_step(world, web_as, case_in):
    case_id = case_in("awaiting_lead")
    lead = str(world.professional_zuid.pk)

    assert step(web_as(world.coordinator_zuid), case_id, "assign_lead", lead=lead).status_code == 404
    assert step(web_as(world.huisarts), case_id, "assign_lead", lead=lead).status_code == 403
    assert step(web_as(world.professional_noord), case_id, "accept").status_code == 404
    assert step(web_as(world.coordinator_noord), case_id, "nonsense").status_code == 404
    assert web_as(world.coordinator_noord).get(f"/casussen/{case_id}/stap/assign_lead/").status_code == 405
    assert Case.objects.get(pk=case_id).state == State.AWAITING_LEAD
