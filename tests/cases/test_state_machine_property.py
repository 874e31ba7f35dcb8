"""Random transitions by random actors never leave the state table, and every
applied transition is in the access log."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AccessEvent
from cases import casework, workflow
from cases.models import Case, CaseTransition
from helpers.errors import Conflict

from .flow import file_case

# DESIGN.md's table, written out independently of the code under test.
TABLE = {
    "claim": ({"new"}, "triage"),
    "release": ({"triage"}, "new"),
    "start_outreach": ({"triage"}, "outreach"),
    "refer_to_team": ({"triage", "outreach"}, "awaiting_lead"),
    "assign_lead": ({"awaiting_lead"}, "lead_assigned"),
    "accept": ({"lead_assigned"}, "in_progress"),
    "decline": ({"lead_assigned"}, "awaiting_lead"),
    "reassign": ({"lead_assigned", "in_progress"}, "lead_assigned"),
    "start_monitoring": ({"in_progress"}, "monitoring"),
    "resume": ({"monitoring"}, "in_progress"),
    "close": ({"new", "triage", "outreach", "in_progress", "monitoring"}, "closed"),
}
_LEADS = {"professional_noord", "professional_zuid"}
_COORDINATORS = {"coordinator_noord", "coordinator_zuid"}
WHO = {
    "claim": {"triage"},
    "release": {"triage"},
    "start_outreach": {"triage"},
    "refer_to_team": {"triage"},
    "assign_lead": _COORDINATORS,
    "reassign": _COORDINATORS,
    "accept": _LEADS,
    "decline": _LEADS,
    "start_monitoring": _LEADS,
    "resume": _LEADS,
    "close": {"triage"} | _LEADS | _COORDINATORS,
}
ACTORS = ["triage", "coordinator_noord", "professional_noord", "coordinator_zuid", "professional_zuid"]
OPERATIONS = [*TABLE, "add_goal"]

operation = st.tuples(
    st.sampled_from(OPERATIONS),
    st.sampled_from(ACTORS),
    st.sampled_from([None, "noord", "zuid"]),  # team argument
    st.sampled_from([None, "professional_noord", "professional_zuid", "coordinator_noord"]),  # lead argument
    st.sampled_from(["", "omdat het moet"]),  # reason
    st.sampled_from(
        ["referral_financial", "not_picked_up_other", "unreachable", "help_accepted", "nonsense"]
    ),  # outcome
)


def _run(world, op, actor_name, team, lead, reason, outcome, case_id):
    actor = getattr(world, actor_name)
    if op == "add_goal":
        casework.add_plan_goal(actor=actor, case_id=case_id, description="Doel")
        return
    kwargs = {"actor": actor, "case_id": case_id}
    if op == "refer_to_team":
        kwargs.update(team_id=getattr(world, team).pk if team else None, reason=reason)
    elif op in {"assign_lead", "reassign"}:
        kwargs.update(lead_id=getattr(world, lead).pk if lead else None)
        if op == "reassign":
            kwargs.update(reason=reason)
    elif op in {"decline", "release"}:
        kwargs.update(reason=reason)
    elif op == "close":
        kwargs.update(outcome=outcome, reason=reason)
    getattr(workflow, op)(**kwargs)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_transitions_stay_within_the_table(world, api_as, ops):
    # A household of its own for every example: no birth date, no BSN, no match keys.
    case_id = file_case(world, api_as, partner_reference=uuid.uuid4().hex, subject__date_of_birth=None)
    state = "new"
    applied = 0
    for op, actor_name, team, lead, reason, outcome in ops:
        with contextlib.suppress(Http404, PermissionDenied, Conflict, ValidationError):
            _run(world, op, actor_name, team, lead, reason, outcome, case_id)
        case = Case.objects.get(pk=case_id)
        if CaseTransition.objects.filter(case_id=case_id).count() > applied:
            sources, target = TABLE[op]
            assert state in sources, (op, state, case.state)
            assert actor_name in WHO[op], (op, actor_name)
            assert case.state == target, (op, state, case.state)
            applied += 1
            actor = getattr(world, actor_name)
            logged = AccessEvent.objects.filter(case_id=case_id, action=f"case.{op}", username=actor.username)
            assert (
                logged.count() == CaseTransition.objects.filter(case_id=case_id, name=op, actor=actor).count()
            )
        else:
            assert case.state == state, (op, state, case.state)
        state = case.state
    assert CaseTransition.objects.filter(case_id=case_id).count() == applied
    assert AccessEvent.objects.filter(case_id=case_id, event_type="transition").count() == applied
