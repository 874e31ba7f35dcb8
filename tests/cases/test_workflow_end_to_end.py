"""The whole workflow over the API with the demo roles, as in the issue."""

from __future__ import annotations

from audit.models import AccessEvent
from cases.models import Case, CaseTransition

from .flow import file_case, step


def _partner_status(api_as, world) -> str:
    [row] = api_as(world.corporatie).get("/api/v1/signals/").json()["results"]
    return row["status"]


def test_from_signal_to_closed_with_help_accepted(world, api_as):
    case_id = file_case(world, api_as)
    statuses = [_partner_status(api_as, world)]

    assert step(api_as, world.triage, case_id, "claim")["state"] == "triage"
    assert step(api_as, world.triage, case_id, "start_outreach")["state"] == "outreach"
    statuses.append(_partner_status(api_as, world))
    contact = api_as(world.triage).post(
        f"/api/v1/cases/{case_id}/contacts/", {"channel": "phone", "result": "reached"}, format="json"
    )
    assert contact.status_code == 201, contact.content
    referred = step(api_as, world.triage, case_id, "refer_to_team", team=str(world.noord.pk))
    assert referred["state"] == "awaiting_lead"
    assert referred["team"]["name"] == "Noord"

    assigned = step(api_as, world.coordinator_noord, case_id, "assign_lead", lead=world.professional_noord.pk)
    assert assigned["state"] == "lead_assigned"
    assert assigned["lead"]["id"] == world.professional_noord.pk

    accepted = step(api_as, world.professional_noord, case_id, "accept")
    assert accepted["state"] == "in_progress"
    assert "start_monitoring" in accepted["available_transitions"]
    goal = api_as(world.professional_noord).post(
        f"/api/v1/cases/{case_id}/plan/goals/",
        {
            "description": "Vaste lasten op orde",
            "actions": [{"description": "Budgetgesprek", "owner": "bewoner", "due_date": "2026-12-15"}],
        },
        format="json",
    )
    assert goal.status_code == 201, goal.content
    network = api_as(world.professional_noord).post(
        f"/api/v1/cases/{case_id}/network/",
        {"organisation": "Schuldhulp", "role": "schuldhulpverlener", "person": "M. de Boer"},
        format="json",
    )
    assert network.status_code == 201, network.content
    assert step(api_as, world.professional_noord, case_id, "start_monitoring")["state"] == "monitoring"
    statuses.append(_partner_status(api_as, world))
    closed = step(api_as, world.professional_noord, case_id, "close", outcome="referral_financial")
    statuses.append(_partner_status(api_as, world))

    assert closed["state"] == "closed"
    assert closed["outcome"] == "referral_financial"
    assert closed["available_transitions"] == ["reopen"]
    # Closing with a referral to help is the covenant's one fact for the partner.
    assert statuses == ["received", "picked_up", "picked_up", "help_accepted"]

    detail = api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/").json()
    kinds = [item["kind"] for item in detail["timeline"]]
    assert kinds[0] == "signal"
    assert kinds.count("transition") == 7
    assert {"contact", "plan", "network"} <= set(kinds)
    assert detail["plan"]["goals"][0]["actions"][0]["owner"] == "bewoner"
    assert detail["network"][0]["person"] == "M. de Boer"
    assert detail["contacts"][0]["channel"] == "phone"

    case = Case.objects.get(pk=case_id)
    names = list(CaseTransition.objects.filter(case=case).order_by("at").values_list("name", flat=True))
    assert names == [
        "claim",
        "start_outreach",
        "refer_to_team",
        "assign_lead",
        "accept",
        "start_monitoring",
        "close",
    ]
    logged = set(
        AccessEvent.objects.filter(case_id=case.pk, event_type="transition").values_list("action", flat=True)
    )
    assert logged == {f"case.{name}" for name in names}


def test_partner_never_sees_case_content_along_the_way(world, api_as):
    case_id = file_case(world, api_as)
    step(api_as, world.triage, case_id, "claim")
    step(api_as, world.triage, case_id, "start_outreach")

    [row] = api_as(world.corporatie).get("/api/v1/signals/").json()["results"]

    assert set(row) == {
        "id",
        "reference",
        "partner_reference",
        "signal_type",
        "status",
        "received_at",
        "status_changed_at",
        "help_accepted_on",
        "suspend_collection_until",
    }
    assert row["help_accepted_on"] is None and row["suspend_collection_until"] is None


def test_closing_unreachable_tells_the_partner_not_picked_up(world, api_as):
    case_id = file_case(world, api_as)
    step(api_as, world.triage, case_id, "claim")
    step(api_as, world.triage, case_id, "start_outreach")
    step(api_as, world.triage, case_id, "close", outcome="unreachable")

    assert _partner_status(api_as, world) == "not_picked_up"
