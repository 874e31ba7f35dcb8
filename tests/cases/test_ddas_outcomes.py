"""Closing with the DDAS end results: the close form guides the choice, the old codes still
work, closed cases were migrated, and the partner hears the right thing."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client

from cases.models import CLOSING_OUTCOMES, LEGACY_OUTCOMES, OUTCOME_HELP, Case, ContactAttempt, Outcome
from signals.models import Signal

from .flow import advance, file_case, step

HELP_ACCEPTED = ["referral", "referral_financial", "referral_non_financial", "referral_without_resident"]
NOT_PICKED_UP = [
    "not_picked_up_other",
    "not_picked_up_repeat",
    "not_picked_up_unfounded",
    "unreachable",
    "declined_help",
]


def _closed(world, api_as, outcome: str, n: int = 1) -> str:
    case_id = file_case(world, api_as, partner_reference=f"HUUR-{n}")
    advance(world, api_as, case_id, "in_progress")
    step(api_as, world.professional_noord, case_id, "close", outcome=outcome, reason="Zie dossier.")
    return case_id


def _partner_status(api_as, world, case_id: str) -> str:
    signal_id = Signal.objects.get(case_id=case_id).pk
    return str(api_as(world.corporatie).get(f"/api/v1/signals/{signal_id}/").json()["status"])


@pytest.mark.parametrize("outcome", [value for value, _label in CLOSING_OUTCOMES])
def test_every_end_result_tells_the_partner_what_the_covenant_says(world, api_as, outcome):
    case_id = _closed(world, api_as, outcome)
    case = Case.objects.get(pk=case_id)
    assert case.outcome == outcome
    expected = (
        "help_accepted"
        if outcome in HELP_ACCEPTED
        else "not_picked_up"
        if outcome in NOT_PICKED_UP
        else "closed"
    )
    assert _partner_status(api_as, world, case_id) == expected
    assert (case.help_accepted_on is not None) == (outcome in HELP_ACCEPTED)


@pytest.mark.parametrize(("old", "new"), sorted(LEGACY_OUTCOMES.items()))
def test_the_old_codes_still_close_a_case_as_the_end_result_they_became(world, api_as, old, new):
    case_id = _closed(world, api_as, old)
    assert Case.objects.get(pk=case_id).outcome == new


def test_another_reason_must_be_named(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "triage")
    errors = step(api_as, world.triage, case_id, "close", expect=400, outcome="not_picked_up_other")
    assert "reason" in errors
    # The old "other" is the same end result and needs it too.
    assert "reason" in step(api_as, world.triage, case_id, "close", expect=400, outcome="other")
    assert "outcome" in step(api_as, world.triage, case_id, "close", expect=400, outcome="merged")


def test_the_close_form_lists_the_end_results_with_their_help(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    client = Client()
    client.force_login(world.professional_noord)
    page = client.get(f"/casussen/{case_id}/").content.decode()
    for value, label in CLOSING_OUTCOMES:
        assert f'type="radio" id="transition-close-outcome-{value}" name="outcome" value="{value}"' in page
        assert str(label).replace("'", "&#x27;") in page
        assert str(OUTCOME_HELP[value]).replace("'", "&#x27;") in page
    assert 'value="merged"' not in page


def test_closed_cases_are_migrated_to_the_end_results(world, api_as):
    ids = {}
    for n, old in enumerate([*LEGACY_OUTCOMES, "declined_help", "merged"]):
        ids[old] = _closed(world, api_as, "unreachable", n)
        Case.objects.filter(pk=ids[old]).update(outcome=old)  # as stored before the end results
    migration = next(
        Path(__file__).parents[2].glob("cases/migrations/*_ddas_end_results_and_contact_reached.py")
    )
    importlib.import_module(f"cases.migrations.{migration.stem}").forwards(apps, None)
    for old, case_id in ids.items():
        assert Case.objects.get(pk=case_id).outcome == LEGACY_OUTCOMES.get(old, old)


def test_contact_attempts_by_every_channel_record_whether_the_household_was_reached(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "outreach")
    expected = {"reached": True, "appointment": True, "declined": True, "not_reached": False}
    for n, channel in enumerate(ContactAttempt.Channel.values):
        result = list(expected)[n % 4]
        response = api_as(world.triage).post(
            f"/api/v1/cases/{case_id}/contacts/", {"channel": channel, "result": result}, format="json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["reached"] is expected[result]
    attempt = ContactAttempt.objects.filter(case_id=case_id, result="not_reached").first()
    assert attempt is not None and not attempt.reached
    # A correction of the result corrects "reached" with it.
    response = api_as(world.triage).patch(
        f"/api/v1/cases/{case_id}/contacts/{attempt.pk}/", {"result": "reached"}, format="json"
    )
    assert response.status_code == 200, response.content
    attempt.refresh_from_db()
    assert attempt.reached
    assert Outcome.MERGED not in dict(CLOSING_OUTCOMES)
