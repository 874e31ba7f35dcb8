"""Correcting the record from the case page: the same services as the API, errors at the field."""

from __future__ import annotations

from audit.models import AccessEvent
from cases.models import NetworkMember, PlanAction, PlanGoal


def _goal(world, api_as, case_id: str) -> PlanGoal:
    body = {"description": "Vaste lasten op orde", "actions": [{"description": "Budgetplan maken"}]}
    response = api_as(world.professional_noord).post(
        f"/api/v1/cases/{case_id}/plan/goals/", body, format="json"
    )
    assert response.status_code == 201
    return PlanGoal.objects.get(pk=response.json()["id"])


def test_actions_are_added_marked_done_and_removed(world, web_as, case_in, api_as):
    case_id = case_in("in_progress")
    goal = _goal(world, api_as, case_id)
    client = web_as(world.professional_noord)
    base = f"/casussen/{case_id}/plan/doelen/{goal.pk}/acties/"

    added = client.post(
        base, {"description": "Toeslagen aanvragen", "owner": "Bewoner", "due_date": "2026-12-01"}
    )
    assert added.status_code == 302 and added["Location"].endswith("#plan")
    assert PlanAction.objects.filter(goal=goal).count() == 2
    new = next(a for a in PlanAction.objects.filter(goal=goal) if a.description == "Toeslagen aanvragen")

    assert client.post(f"{base}{new.pk}/", {"done": "true"}).status_code == 302
    new.refresh_from_db()
    assert new.done is True
    page = client.get(f"/casussen/{case_id}/").content.decode()
    assert "Toch niet gedaan" in page

    refused = client.post(f"{base}{new.pk}/verwijderen/", {"reason": ""})
    assert (
        refused.status_code == 400 and f'id="action-remove-{new.pk}-reason-error"' in refused.content.decode()
    )
    assert client.post(f"{base}{new.pk}/verwijderen/", {"reason": "Al geregeld"}).status_code == 302
    assert not PlanAction.objects.filter(pk=new.pk).exists()
    actions = set(AccessEvent.objects.filter(case_id=case_id).values_list("action", flat=True))
    assert {"case.plan.action.create", "case.plan.action.update", "case.plan.action.delete"} <= actions


def test_a_network_member_is_removed_and_the_plan_texts_written(world, web_as, case_in, api_as):
    case_id = case_in("in_progress")
    body = {"organisation": "Schuldhulp Noord", "role": "schuldhulpverlener"}
    member_id = (
        api_as(world.professional_noord)
        .post(f"/api/v1/cases/{case_id}/network/", body, format="json")
        .json()["id"]
    )
    client = web_as(world.professional_noord)

    edited = client.post(
        f"/casussen/{case_id}/netwerk/{member_id}/",
        {"organisation": "Schuldhulp Noord", "role": "budgetcoach", "person": "", "contact": ""},
    )
    assert edited.status_code == 302
    assert NetworkMember.objects.get(pk=member_id).role == "budgetcoach"
    removed = client.post(
        f"/casussen/{case_id}/verwijderen/network/{member_id}/", {"reason": "Niet meer betrokken"}
    )
    plan = client.post(
        f"/casussen/{case_id}/plan/", {"strengths": "Vaste baan", "problems": "Huur\n\nEnergie\n"}
    )

    assert removed.status_code == 302 and plan.status_code == 302
    assert not NetworkMember.objects.filter(pk=member_id).exists()
    page = client.get(f"/casussen/{case_id}/").content.decode()
    assert "Niet meer betrokken" in page and "Netwerklid verwijderd" in page
    assert '<ol class="problems"><li>Huur</li><li>Energie</li></ol>' in page and "Vaste baan" in page


def test_the_coordinator_is_offered_no_corrections(world, web_as, case_in, api_as):
    case_id = case_in("in_progress")
    _goal(world, api_as, case_id)

    page = web_as(world.coordinator_noord).get(f"/casussen/{case_id}/").content.decode()

    assert "Vaste lasten op orde" in page
    assert "corrigeren of verwijderen" not in page and "Markeer als gedaan" not in page


def test_an_unknown_kind_of_record_is_not_found(world, web_as, case_in, api_as):
    case_id = case_in("in_progress")
    goal = _goal(world, api_as, case_id)

    response = web_as(world.professional_noord).post(
        f"/casussen/{case_id}/verwijderen/signal/{goal.pk}/", {"reason": "x"}
    )

    assert response.status_code == 404
    assert PlanGoal.objects.filter(pk=goal.pk).exists()
