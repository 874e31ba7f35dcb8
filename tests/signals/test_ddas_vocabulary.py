"""Every code of ours maps to exactly one DDAS v1.2 value that the published enumerations hold."""

from __future__ import annotations

import datetime
import json
import zoneinfo
from pathlib import Path

import pytest

from cases.models import CLOSING_OUTCOMES, LEGACY_OUTCOMES, ContactAttempt, Outcome, State, outcome_code
from signals import ddas
from signals.models import SignalType

SCHEMA = json.loads((Path(ddas.__file__).parent / "ddas_schema.json").read_text())
ENUMS = {name: set(d["enum"]) for name, d in SCHEMA["$defs"].items() if "enum" in d}
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def test_the_module_lists_the_schemas_enumerations():
    assert set(ddas.SIGNAL_PARTNERS) == ENUMS["EnumSignaalpartner"]
    assert set(ddas.CONTACT_KINDS) == ENUMS["EnumContactsoort"]
    assert set(ddas.PARTS_OF_DAY) == ENUMS["EnumDagdeel"]
    assert set(ddas.SIGNAL_STATUSES) == ENUMS["EnumSignaalstatus"]


@pytest.mark.django_db
def test_every_signal_type_maps_to_one_signal_partner(world):
    types = list(SignalType.objects.all())
    assert {t.code for t in types} >= set(ddas.SIGNAL_TYPE_PARTNER)
    for kind in types:
        assert ddas.signal_partner(kind) in ENUMS["EnumSignaalpartner"], kind.code
    # Every DDAS signal partner is reachable from a type of ours.
    assert {ddas.signal_partner(t) for t in types} == ENUMS["EnumSignaalpartner"]
    # A type an administrator adds maps by its kind of creditor.
    for creditor in SignalType.Creditor.values:
        added = SignalType(code="added_by_admin", name="x", creditor=creditor)
        assert ddas.signal_partner(added) in ENUMS["EnumSignaalpartner"]


def test_every_channel_maps_to_one_contact_kind():
    assert set(ddas.CHANNEL_KIND) == set(ContactAttempt.Channel.values)
    for channel in ContactAttempt.Channel.values:
        assert ddas.contact_kind(channel) in ENUMS["EnumContactsoort"]
    # Nine channels, nine kinds: none shares one (Onbekend is for what we do not know).
    assert len(set(ddas.CHANNEL_KIND.values())) == len(ContactAttempt.Channel.values)


def test_every_closing_outcome_is_an_end_result_with_the_standards_own_text():
    closing = [value for value, _label in CLOSING_OUTCOMES]
    assert len(closing) == 16
    assert {ddas.end_result(code) for code in closing} == ENUMS["EnumEindresultaat"]
    for value, label in CLOSING_OUTCOMES:
        assert str(label) == ddas.end_result(value)
    assert ddas.end_result(Outcome.MERGED) is None
    assert set(Outcome.values) == set(closing) | ddas.EXCLUDED_OUTCOMES


def test_old_outcome_codes_become_end_results():
    for old, new in LEGACY_OUTCOMES.items():
        assert outcome_code(old) == new
        assert ddas.end_result(outcome_code(old)) in ENUMS["EnumEindresultaat"]
    for kept in ("declined_help", "unreachable", "moved_away", "deceased"):
        assert outcome_code(kept) == kept


@pytest.mark.parametrize(
    ("hour", "part"),
    [
        (6, "Ochtend"),
        (11, "Ochtend"),
        (12, "Middag"),
        (17, "Middag"),
        (18, "Avond"),
        (23, "Avond"),
        (2, "Avond"),
    ],
)
def test_part_of_day_from_the_local_time(hour, part):
    at = datetime.datetime(2026, 7, 1, hour, 30, tzinfo=AMS).astimezone(datetime.UTC)
    assert ddas.part_of_day(at) == part


def test_every_case_state_and_outcome_gives_a_status():
    for state in State.values:
        for outcome in ["", *Outcome.values]:
            for reopened in (False, True):
                assert ddas.case_status(state, outcome, reopened) in ENUMS["EnumSignaalstatus"]
    assert ddas.case_status(State.NEW, "", False) == "Nog niet opgepakt"
    assert ddas.case_status(State.NEW, "", True) == "Opgepakt"
    assert ddas.case_status(State.OUTREACH, "", False) == "Opgepakt"
    assert (
        ddas.case_status(State.CLOSED, Outcome.NOT_PICKED_UP_REPEAT, False)
        == "Niet opgepakt: herhaalde melding"
    )
    assert ddas.case_status(State.CLOSED, Outcome.REFERRAL, False) == "Opgepakt"
    assert ddas.case_status(State.CLOSED, Outcome.DECEASED, False) == "Inwoner is overleden"
