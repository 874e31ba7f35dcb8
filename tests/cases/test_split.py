"""A signal joined to the wrong household is split off into a case of its own, and is not joined again."""

from __future__ import annotations

from audit.models import AccessEvent
from cases.models import Case, CaseTransition, HouseholdKey
from signals.models import Signal

from .flow import advance, file_case, step

# Born on the same day at the same address as the base signal's subject, but another person.
NEIGHBOUR = {"partner_reference": "BUUR-1", "subject__surname": "Bakker", "subject__given_names": "Bram"}


def _split(api_as, user, case_id, signals, reason="Andere bewoner"):
    body = {"signals": [str(s) for s in signals], "reason": reason}
    return api_as(user).post(f"/api/v1/cases/{case_id}/split/", body, format="json")


def _wrong_signal(case_id):
    return next(s for s in Signal.objects.filter(case_id=case_id) if s.surname == "Bakker")


def test_triage_splits_a_wrongly_joined_signal_and_the_next_one_is_not_joined_again(world, api_as):
    case_id = file_case(world, api_as)
    assert file_case(world, api_as, **NEIGHBOUR) == case_id  # joined on address + date of birth
    wrong = _wrong_signal(case_id)
    household = Case.objects.get(pk=case_id).household_id
    keys_before = HouseholdKey.objects.filter(household_id=household).count()

    response = _split(api_as, world.triage, case_id, [wrong.pk])

    assert response.status_code == 200, response.content
    new_id = response.json()["new_case"]["id"]
    case, new = Case.objects.get(pk=case_id), Case.objects.get(pk=new_id)
    assert (case.signal_count, new.signal_count) == (1, 1)
    assert new.household_id != household and new.state == "new" and new.team is None
    assert Signal.objects.get(pk=wrong.pk).case_id == new.pk
    assert Signal.objects.get(pk=wrong.pk).status == "received"
    # The shared address key is gone; the neighbour's own surname key went with them.
    assert HouseholdKey.objects.filter(household_id=household).count() == keys_before - 2
    assert HouseholdKey.objects.filter(household_id=new.household_id).count() == 1
    # In both timelines and in the access log.
    assert CaseTransition.objects.get(case=case, name="split").reason == "Andere bewoner"
    assert CaseTransition.objects.get(case=new, name="split").reason == "Andere bewoner"
    assert AccessEvent.objects.get(action="case.split").case_id == case.pk
    assert AccessEvent.objects.get(action="case.split_from").case_id == new.pk

    # The neighbour's next signal (elsewhere now) finds their own case ...
    moved = dict(NEIGHBOUR, partner_reference="BUUR-2", subject__postcode="1013 AA")
    assert file_case(world, api_as, **moved) == new_id
    # ... the original resident's still finds theirs ...
    assert file_case(world, api_as, partner_reference="HUUR-2") == case_id
    # ... and a third person at the address with that birthday joins neither.
    third = file_case(world, api_as, partner_reference="DERDE-1", subject__surname="Visser")
    assert third not in (case_id, new_id)


def test_a_coordinator_splits_within_the_team_and_the_new_case_waits_for_a_lead_there(world, api_as):
    case_id = file_case(world, api_as)
    file_case(world, api_as, **NEIGHBOUR)
    advance(world, api_as, case_id, "in_progress")
    wrong = _wrong_signal(case_id)

    response = _split(api_as, world.coordinator_noord, case_id, [wrong.pk])

    assert response.status_code == 200, response.content
    new = Case.objects.get(pk=response.json()["new_case"]["id"])
    assert (new.state, new.team, new.lead) == ("awaiting_lead", world.noord, None)
    assert Signal.objects.get(pk=wrong.pk).status == "picked_up"
    assert Case.objects.get(pk=case_id).state == "in_progress"
    step(api_as, world.coordinator_noord, str(new.pk), "assign_lead", lead=world.professional_noord.pk)


def test_the_trio(world, api_as):
    case_id = file_case(world, api_as)
    file_case(world, api_as, **NEIGHBOUR)
    advance(world, api_as, case_id, "lead_assigned")
    wrong = _wrong_signal(case_id)

    assert _split(api_as, world.coordinator_zuid, case_id, [wrong.pk]).status_code == 404
    assert _split(api_as, world.triage, case_id, [wrong.pk]).status_code == 404
    assert _split(api_as, world.professional_noord, case_id, [wrong.pk]).status_code == 403
    assert _split(api_as, world.corporatie, case_id, [wrong.pk]).status_code == 403
    assert Case.objects.count() == 1


def test_what_is_split_off_must_be_some_but_not_all_of_the_cases_signals(world, api_as):
    case_id = file_case(world, api_as)
    file_case(world, api_as, **NEIGHBOUR)
    elsewhere = file_case(world, api_as, partner_reference="ELDERS", subject__date_of_birth="1970-01-01")
    all_ids = list(Signal.objects.filter(case_id=case_id).values_list("pk", flat=True))
    foreign = Signal.objects.get(case_id=elsewhere).pk

    assert _split(api_as, world.triage, case_id, []).status_code == 400
    assert _split(api_as, world.triage, case_id, all_ids).status_code == 400
    assert _split(api_as, world.triage, case_id, [foreign]).status_code == 400
    assert _split(api_as, world.triage, case_id, all_ids[:1], reason="").status_code == 400
    assert Case.objects.count() == 2


def test_a_closed_case_is_not_split(world, api_as):
    case_id = file_case(world, api_as)
    file_case(world, api_as, **NEIGHBOUR)
    wrong = _wrong_signal(case_id)
    step(api_as, world.triage, case_id, "close", outcome="not_picked_up_unfounded")

    assert _split(api_as, world.triage, case_id, [wrong.pk]).status_code == 409
