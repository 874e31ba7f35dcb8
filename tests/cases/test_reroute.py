"""A coordinator re-routes a case to another team's queue, with a reason."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AccessEvent
from cases.models import Case, CaseTransition, Notification
from signals.models import Signal

from .flow import advance, file_case, step


def _reroute(api_as, user, case_id, **body):
    return api_as(user).post(f"/api/v1/cases/{case_id}/reroute/", body, format="json")


@pytest.mark.parametrize("state", ["awaiting_lead", "lead_assigned", "in_progress"])
def test_the_case_waits_for_a_lead_in_the_other_teams_queue(
    world, api_as, state, django_capture_on_commit_callbacks
):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, state)

    with django_capture_on_commit_callbacks(execute=False):
        response = _reroute(
            api_as, world.coordinator_noord, case_id, team=str(world.zuid.pk), reason="Woont in Zuid"
        )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "awaiting_lead"
    assert response.json()["team"]["id"] == str(world.zuid.pk)
    case = Case.objects.get(pk=case_id)
    assert (case.state, case.team, case.lead) == ("awaiting_lead", world.zuid, None)
    assert case.deadline == "lead_assignment"
    # The other team's coordinator is told, and now has it in their queue.
    told = Notification.objects.filter(case=case, kind=Notification.Kind.REROUTED)
    assert [n.recipient for n in told] == [world.coordinator_zuid]
    queue = api_as(world.coordinator_zuid).get("/api/v1/cases/").json()["results"]
    assert case_id in [row["id"] for row in queue]
    # Gone from Noord: its coordinator and its former lead no longer see it.
    assert api_as(world.coordinator_noord).get(f"/api/v1/cases/{case_id}/").status_code == 404
    assert api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/").status_code == 404
    # In the timeline with its reason, and in the access log.
    last = CaseTransition.objects.filter(case=case).latest("at")
    assert (last.name, last.source, last.target, last.reason) == (
        "reroute",
        state,
        "awaiting_lead",
        "Woont in Zuid",
    )
    entry = AccessEvent.objects.get(action="case.reroute", case_id=case.pk)
    assert (entry.user_id, entry.role, entry.detail) == (
        world.coordinator_noord.pk,
        "coordinator",
        {"from": state, "to": "awaiting_lead"},
    )
    # The partner's signal stays picked up.
    assert Signal.objects.get(case=case).status == "picked_up"


def test_the_other_coordinator_assigns_their_own_professional(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    _reroute(api_as, world.coordinator_noord, case_id, team=str(world.zuid.pk), reason="Woont in Zuid")

    assert (
        "assign_lead"
        in api_as(world.coordinator_zuid).get(f"/api/v1/cases/{case_id}/").json()["available_transitions"]
    )
    step(api_as, world.coordinator_zuid, case_id, "assign_lead", lead=world.professional_zuid.pk)
    step(api_as, world.professional_zuid, case_id, "accept")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "Woont in Zuid"}, "team"),
        ({"team": "zuid"}, "reason"),
        ({"team": "zuid", "reason": "  "}, "reason"),
        ({"team": "noord", "reason": "Zelfde team"}, "team"),
        ({"team": "00000000-0000-4000-8000-000000000000", "reason": "Onbekend"}, "team"),
    ],
)
def test_a_team_and_a_reason_are_needed(world, api_as, body, field):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")
    if body.get("team") in ("zuid", "noord"):
        body = dict(body, team=str(getattr(world, body["team"]).pk))

    response = _reroute(api_as, world.coordinator_noord, case_id, **body)

    assert response.status_code == 400
    assert field in response.json()
    assert Case.objects.get(pk=case_id).team == world.noord


def test_the_trio_other_team_404_wrong_role_403_wrong_state_409(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "lead_assigned")
    body = {"team": str(world.zuid.pk), "reason": "Woont in Zuid"}

    assert _reroute(api_as, world.coordinator_zuid, case_id, **body).status_code == 404
    assert _reroute(api_as, world.professional_noord, case_id, **body).status_code == 403
    assert _reroute(api_as, world.corporatie, case_id, **body).status_code == 403
    assert _reroute(api_as, world.auditor, case_id, **body).status_code == 403
    assert Case.objects.get(pk=case_id).team == world.noord

    intake = file_case(world, api_as, partner_reference="ANDER-1", subject__date_of_birth="1990-01-01")
    advance(world, api_as, intake, "triage")
    # Triage refers an intake case with refer_to_team (another team with a reason); a
    # case in the intake cannot be re-routed: it is in no team's queue yet.
    assert _reroute(api_as, world.triage, intake, **body).status_code == 409


def test_a_monitoring_case_is_not_re_routed(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    api_as(world.professional_noord).post(
        f"/api/v1/cases/{case_id}/plan/goals/", {"description": "Rust"}, format="json"
    )
    step(api_as, world.professional_noord, case_id, "start_monitoring")

    response = _reroute(api_as, world.coordinator_noord, case_id, team=str(world.zuid.pk), reason="Zuid")

    assert response.status_code == 409


def test_the_case_page_offers_a_re_route_form_with_the_other_teams(world, api_as, client):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")
    client.force_login(world.coordinator_noord)

    page = client.get(f"/casussen/{case_id}/").content.decode()
    form = page.split(f'action="/casussen/{case_id}/stap/reroute/"')[1].split("</form>")[0]
    assert f'value="{world.zuid.pk}"' in form
    assert f'value="{world.noord.pk}"' not in form

    posted = client.post(
        f"/casussen/{case_id}/stap/reroute/",
        {"team": str(world.zuid.pk), "reason": "Woont in Zuid", "seen_state": "awaiting_lead"},
    )
    # The case left the coordinator's scope: back to their queue.
    assert posted.status_code == 302
    assert posted["Location"] == "/casussen/team/"
    assert Case.objects.get(pk=case_id).team == world.zuid


def test_the_case_page_asks_again_without_a_reason(world, api_as, client):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")
    client.force_login(world.coordinator_noord)

    posted = client.post(
        f"/casussen/{case_id}/stap/reroute/", {"team": str(world.zuid.pk), "seen_state": "awaiting_lead"}
    )

    assert posted.status_code == 400
    assert Case.objects.get(pk=case_id).team == world.noord


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_re_route_at_once_one_wins_the_other_gets_a_conflict(world, api_as):
    second = world.coordinator_noord.__class__.objects.create(
        username="coordinator-noord-2", roles=["coordinator"], organisation=world.municipality
    )
    world.noord.members.add(second)
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "lead_assigned")
    clients = [api_as(world.coordinator_noord), api_as(second)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def reroute(client) -> None:
        try:
            barrier.wait()
            body = {"team": str(world.zuid.pk), "reason": "Woont in Zuid"}
            statuses.append(client.post(f"/api/v1/cases/{case_id}/reroute/", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=reroute, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    case = Case.objects.get(pk=case_id)
    assert (case.state, case.team_id) == ("awaiting_lead", world.zuid.pk)
    assert CaseTransition.objects.filter(case=case, name="reroute").count() == 1
    assert AccessEvent.objects.filter(case_id=case.pk, action="case.reroute").count() == 1
    assert Notification.objects.filter(case=case, kind=Notification.Kind.REROUTED).count() == 1
