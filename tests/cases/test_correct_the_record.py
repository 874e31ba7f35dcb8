"""The author of a record or the case's lead corrects or removes contact attempts,
goals, actions and network members; a removal keeps its trace in the timeline."""

from __future__ import annotations

import uuid

import pytest

from audit.models import AccessEvent
from cases.models import Case, ContactAttempt, NetworkMember, PlanAction, PlanGoal, RecordChange

from .flow import advance, file_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_id(world, api_as) -> str:
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    return case_id


def _post(api_as, user, url, body, expect=201):
    response = api_as(user).post(url, body, format="json")
    assert response.status_code == expect, response.content
    return response.json()


def _contact(world, api_as, case_id) -> str:
    body = {"channel": "phone", "result": "reached", "note": "Mevrouw belt terug"}
    return _post(api_as, world.professional_noord, f"/api/v1/cases/{case_id}/contacts/", body)["id"]


def _goal(world, api_as, case_id, description="Vaste lasten op orde") -> str:
    body = {"description": description, "actions": [{"description": "Budgetplan maken"}]}
    return _post(api_as, world.professional_noord, f"/api/v1/cases/{case_id}/plan/goals/", body)["id"]


def _member(world, api_as, case_id) -> str:
    body = {"organisation": "Schuldhulp Noord", "role": "schuldhulpverlener", "person": "J. de Vries"}
    return _post(api_as, world.professional_noord, f"/api/v1/cases/{case_id}/network/", body)["id"]


def _timeline(world, api_as, case_id) -> list[dict]:
    return api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/").json()["timeline"]


def test_the_lead_corrects_a_contact_attempt_and_the_deadline_follows(world, api_as, case_id):
    contact_id = _contact(world, api_as, case_id)
    url = f"/api/v1/cases/{case_id}/contacts/{contact_id}/"

    response = api_as(world.professional_noord).patch(
        url, {"result": "not_reached", "note": ""}, format="json"
    )

    assert response.status_code == 200, response.content
    attempt = ContactAttempt.objects.get(pk=contact_id)
    assert attempt.result == "not_reached" and attempt.note is None
    # No conversation is left: the first-conversation deadline runs again.
    case = Case.objects.get(pk=case_id)
    assert case.first_conversation_at is None and case.deadline == "first_conversation"
    assert AccessEvent.objects.filter(
        case_id=case_id, action="case.contact.update", outcome="success"
    ).exists()
    assert any(
        item.get("change") == "edited" and item["kind"] == "contact"
        for item in _timeline(world, api_as, case_id)
    )


def test_a_removed_contact_attempt_stays_in_the_timeline_without_its_content(world, api_as, case_id):
    contact_id = _contact(world, api_as, case_id)
    url = f"/api/v1/cases/{case_id}/contacts/{contact_id}/"

    refused = api_as(world.professional_noord).delete(url, {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    response = api_as(world.professional_noord).delete(
        url, {"reason": "Op de verkeerde casus"}, format="json"
    )

    assert response.status_code == 204
    assert not ContactAttempt.objects.filter(pk=contact_id).exists()
    assert Case.objects.get(pk=case_id).first_contact_at is None
    detail = api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/").json()
    assert detail["contacts"] == []
    removed = [item for item in detail["timeline"] if item.get("change") == "removed"]
    assert len(removed) == 1
    assert removed[0]["reason"] == "Op de verkeerde casus"
    assert removed[0]["actor"] == world.professional_noord.display_name
    assert "Mevrouw" not in str(detail)
    assert AccessEvent.objects.filter(case_id=case_id, action="case.contact.delete").count() == 1


def test_the_author_corrects_their_own_outreach_contact_and_another_officer_may_not(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "outreach")
    body = {"channel": "letter", "result": "not_reached"}
    contact_id = _post(api_as, world.triage, f"/api/v1/cases/{case_id}/contacts/", body)["id"]
    other = world.triage.__class__.objects.create(
        username="schakelpunt-2", roles=["triage"], organisation=world.municipality
    )
    url = f"/api/v1/cases/{case_id}/contacts/{contact_id}/"

    assert api_as(other).patch(url, {"channel": "phone"}, format="json").status_code == 403
    assert api_as(world.triage).patch(url, {"channel": "phone"}, format="json").status_code == 200
    assert AccessEvent.objects.filter(case_id=case_id, action="case.contact.update", role="triage").exists()


def test_goal_actions_and_removal_with_a_reason(world, api_as, case_id):
    first = _goal(world, api_as, case_id, "Dubbel doel")
    second = _goal(world, api_as, case_id, "Inkomen verhogen")
    lead = api_as(world.professional_noord)
    base = f"/api/v1/cases/{case_id}/plan/goals/{second}/"

    added = lead.post(
        f"{base}actions/", {"description": "Toeslagen aanvragen", "owner": "Bewoner"}, format="json"
    )
    assert added.status_code == 201, added.content
    done = lead.patch(f"{base}actions/{added.json()['id']}/", {"done": True}, format="json")
    assert done.status_code == 200 and done.json()["done"] is True
    assert PlanAction.objects.filter(goal_id=uuid.UUID(second)).count() == 2
    assert lead.patch(base, {"achieved": True}, format="json").json()["achieved"] is True

    action = PlanAction.objects.filter(goal_id=uuid.UUID(second)).exclude(pk=added.json()["id"]).get()
    removed_action = lead.delete(f"{base}actions/{action.pk}/", {"reason": "Niet nodig"}, format="json")
    assert removed_action.status_code == 204
    removed = lead.delete(f"/api/v1/cases/{case_id}/plan/goals/{first}/", {"reason": "Dubbel"}, format="json")
    assert removed.status_code == 204

    assert not PlanGoal.objects.filter(pk=first).exists()
    # The goal after it moves up in priority.
    assert PlanGoal.objects.get(pk=second).position == 1
    trace = RecordChange.objects.get(object_id=first)
    assert (trace.kind, trace.change, trace.reason, trace.actor) == (
        "goal",
        "removed",
        "Dubbel",
        world.professional_noord,
    )
    actions = set(AccessEvent.objects.filter(case_id=case_id).values_list("action", flat=True))
    assert {"case.plan.action.create", "case.plan.action.update", "case.plan.action.delete"} <= actions
    assert {"case.plan.goal.update", "case.plan.goal.delete"} <= actions


def test_network_member_corrected_and_removed(world, api_as, case_id):
    member_id = _member(world, api_as, case_id)
    url = f"/api/v1/cases/{case_id}/network/{member_id}/"
    lead = api_as(world.professional_noord)

    patched = lead.patch(url, {"person": "", "role": "budgetcoach"}, format="json")
    assert patched.status_code == 200 and patched.json()["role"] == "budgetcoach"
    assert NetworkMember.objects.get(pk=member_id).person is None
    assert lead.delete(url, {"reason": "Niet meer betrokken"}, format="json").status_code == 204
    assert not NetworkMember.objects.filter(pk=member_id).exists()
    timeline = _timeline(world, api_as, case_id)
    assert [i["reason"] for i in timeline if i.get("change") == "removed"] == ["Niet meer betrokken"]
    assert "Schuldhulp Noord" not in str([i for i in timeline if i.get("change")])


def test_the_plan_says_what_goes_well_and_the_problems_in_order(world, api_as, case_id):
    url = f"/api/v1/cases/{case_id}/plan/"
    body = {"strengths": "Vaste baan", "problems": ["Huurachterstand", "", "Energieschuld"]}

    response = api_as(world.professional_noord).put(url, body, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"strengths": "Vaste baan", "problems": ["Huurachterstand", "Energieschuld"]}
    plan = api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/").json()["plan"]
    assert plan["strengths"] == "Vaste baan" and plan["problems"] == ["Huurachterstand", "Energieschuld"]
    assert AccessEvent.objects.filter(case_id=case_id, action="case.plan.update").count() == 1


@pytest.mark.parametrize("kind", ["contact", "goal", "action", "member", "plan"])
def test_permission_trio(world, api_as, case_id, kind):
    """The lead may; the team's coordinator sees the case but may not (403); team Zuid's
    professional and a partner do not see it (404 / 403 by role)."""
    goal_id = _goal(world, api_as, case_id)
    urls = {
        "contact": f"/api/v1/cases/{case_id}/contacts/{_contact(world, api_as, case_id)}/",
        "goal": f"/api/v1/cases/{case_id}/plan/goals/{goal_id}/",
        "action": f"/api/v1/cases/{case_id}/plan/goals/{goal_id}/actions/"
        f"{PlanAction.objects.filter(goal_id=uuid.UUID(goal_id)).get().pk}/",
        "member": f"/api/v1/cases/{case_id}/network/{_member(world, api_as, case_id)}/",
        "plan": f"/api/v1/cases/{case_id}/plan/",
    }
    url = urls[kind]
    body = {"strengths": "Steun van familie"} if kind == "plan" else {}
    method = "put" if kind == "plan" else "patch"

    def ask(user):
        return getattr(api_as(user), method)(url, body, format="json").status_code

    assert ask(world.coordinator_noord) == 403
    assert ask(world.professional_zuid) == 404
    assert ask(world.corporatie) == 403
    assert ask(world.auditor) == 403
    assert ask(world.professional_noord) == 200
    if kind != "plan":
        removal = {"reason": "Vergissing"}
        assert api_as(world.professional_zuid).delete(url, removal, format="json").status_code == 404
        assert api_as(world.coordinator_noord).delete(url, removal, format="json").status_code == 403
        assert api_as(world.professional_noord).delete(url, removal, format="json").status_code == 204


def test_a_closed_case_is_not_corrected(world, api_as, case_id):
    contact_id = _contact(world, api_as, case_id)
    lead = api_as(world.professional_noord)
    assert (
        lead.post(
            f"/api/v1/cases/{case_id}/close/", {"outcome": "referral_financial"}, format="json"
        ).status_code
        == 200
    )

    response = lead.patch(
        f"/api/v1/cases/{case_id}/contacts/{contact_id}/", {"channel": "email"}, format="json"
    )

    assert response.status_code == 409


def test_erasure_empties_the_plan_texts_and_removal_reasons(world, api_as, case_id):
    from django.utils import timezone

    from cases.models import CasePlan
    from cases.retention import erase_case

    lead = api_as(world.professional_noord)
    assert (
        lead.put(f"/api/v1/cases/{case_id}/plan/", {"strengths": "Vaste baan"}, format="json").status_code
        == 200
    )
    member_id = _member(world, api_as, case_id)
    lead.delete(
        f"/api/v1/cases/{case_id}/network/{member_id}/", {"reason": "Verhuisd naar Zwolle"}, format="json"
    )

    erase_case(Case.objects.get(pk=case_id), timezone.now())

    assert CasePlan.objects.get(case_id=case_id).strengths is None
    assert all(change.reason is None for change in RecordChange.objects.filter(case_id=case_id))
