"""The delivery to the national monitor: filed, worked and closed cases, exported as DDAS v1.2.

Every export is validated against ``signals/ddas_schema.json`` (written from the
published schema) and its values are checked against what was recorded.
"""

from __future__ import annotations

import datetime
import io
import json
import zoneinfo
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessEvent
from cases.models import CLOSING_OUTCOMES, Case, ContactAttempt, Outcome
from cases.retention import blank_encrypted, erase_case
from coordination.models import Organisation, Policy, Role
from signals import ddas
from signals.models import OrganisationSignalTypes, Signal, SignalType
from tests.factories import OrganisationFactory, UserFactory
from tests.signals.payloads import VALID_BSN, signal

from ..cases.flow import step

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
DAY = datetime.datetime(2026, 10, 5, 6, 0, tzinfo=AMS)
SCHEMA = json.loads((Path(ddas.__file__).parent / "ddas_schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
PERIOD = {"start": "2026-10-01", "end": "2026-10-31"}


@pytest.fixture
def monitor(world, ddas_settings):
    return world.monitor


@pytest.fixture
def filer(world):
    """A partner whose organisation may file every signal type."""
    org = OrganisationFactory.create(name="Alle schuldeisers", kind=Organisation.Kind.OTHER)
    allowed = OrganisationSignalTypes.objects.create(organisation=org)
    allowed.signal_types.set(SignalType.objects.all())
    return UserFactory.create(username="filer", organisation=org, roles=[Role.PARTNER])


def _file(api_as, user, n: int, **changes) -> Signal:
    kind = changes.pop("signal_type", "rent_arrears")
    # Surnames differ in letters (digits are no part of a name to match on).
    changes.setdefault("subject__surname", "Persoon " + "".join("abcdefghij"[int(d)] for d in str(n)))
    changes.setdefault("subject__house_number", str(n + 1))
    body = signal(
        signal_type=kind,
        partner_reference=f"REF-{n}",
        consent_given=True,
        **changes,
    )
    response = api_as(user).post("/api/v1/signals/", body, format="json")
    assert response.status_code == 201, response.content
    return Signal.objects.select_related("case").get(pk=response.json()["id"])


def _export(api_as, monitor) -> dict:
    response = api_as(monitor).get("/api/v1/ddas/", PERIOD)
    assert response.status_code == 200, response.content
    document = response.json()
    errors = sorted(VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return document


def test_every_type_channel_and_end_result_exports_as_its_ddas_value(world, api_as, monitor, filer):
    types = list(SignalType.objects.order_by("code"))
    channels = ContactAttempt.Channel.values
    outcomes = [value for value, _label in CLOSING_OUTCOMES]
    filed: dict[str, Signal] = {}
    with time_machine.travel(DAY, tick=False):
        # One signal of every type, each its own household (a BSN for half of them).
        for n, kind in enumerate(types):
            extra = {"subject__bsn": VALID_BSN} if n == 0 else {}
            filed[kind.code] = _file(
                api_as,
                filer,
                n,
                signal_type=kind.code,
                crisis=n % 2 == 0,
                warm_handover=n % 3 == 0,
                signal_date="2026-10-02",
                arrears_amount="850.50" if kind.is_arrears else None,
                **extra,
            )
        # Cases to close with each end result; their own households.
        closing = [_file(api_as, filer, 100 + n) for n in range(len(outcomes))]
    with time_machine.travel(DAY + datetime.timedelta(hours=15), tick=False):
        for n, (sig, outcome) in enumerate(zip(closing, outcomes, strict=True)):
            case_id = str(sig.case_id)
            step(api_as, world.triage, case_id, "claim")
            step(api_as, world.triage, case_id, "start_outreach")
            channel = channels[n % len(channels)]
            result = ("reached", "not_reached")[n % 2]
            response = api_as(world.triage).post(
                f"/api/v1/cases/{case_id}/contacts/",
                {"channel": channel, "result": result, "at": f"2026-10-05T{8 + n % 12:02d}:15:00+02:00"},
                format="json",
            )
            assert response.status_code == 201, response.content
            body: dict[str, Any] = {"outcome": outcome}
            if outcome == Outcome.NOT_PICKED_UP_OTHER:
                body["reason"] = "Onder de drempel van de gemeente."
            step(api_as, world.triage, case_id, "close", **body)

    document = _export(api_as, monitor)

    assert document["startdatumLevering"] == "2026-10-01"
    assert document["einddatumLevering"] == "2026-10-31"
    assert document["codeGegevensleverancier"] == "SCHAKELPUNT"
    [delivery] = document["leveringen"]
    assert delivery["gemeentecode"] == "0363"
    assert delivery["aanleverendeOrganisatie"] == {
        "naam": "Gemeente Amsterdam",
        "kvk-nummer": "34366966",
        "contactpersonen": [{"naam": "Mo Nitor", "email": "monitor@example.org"}],
    }
    signals = {item["ID"]: item for item in delivery["vroegsignalen"]}
    for n, kind in enumerate(types):
        sig = filed[kind.code]
        item = signals[sig.reference]
        assert item["signaalpartner"] == {"type": ddas.SIGNAL_TYPE_PARTNER[kind.code]}
        assert item["crisissignaal"] is (n % 2 == 0)
        assert item["warmeOverdracht"] is (n % 3 == 0)
        assert item["signaaldatum"] == "2026-10-02"
        assert item["status"] == "Nog niet opgepakt"
        if kind.is_arrears:
            assert item["bedrag"] == 851  # whole euros
            assert item["ontstaansdatum"] == "2026-08-01"
        if n == 0:
            assert item["client"] == {"burgerservicenummer": VALID_BSN}
        else:
            assert item["client"] == {
                "postcode": "1012AB",
                "huisnummer": str(n + 1),
                "geboortedatum": "1984-03-12",
            }
    assert {item["signaalpartner"]["type"] for item in signals.values()} == set(ddas.SIGNAL_PARTNERS)

    cases = {
        tuple(ref["ID"] for ref in item.get("vroegsignalen", [])): item
        for item in delivery["vroegsignaalzaken"]
    }
    kinds_seen = set()
    for n, (sig, outcome) in enumerate(zip(closing, outcomes, strict=True)):
        item = cases[(sig.reference,)]
        assert item["resultaat"] == dict(CLOSING_OUTCOMES)[outcome]
        assert item["datumOpgepakt"] == "2026-10-05"
        assert item["matchingsdatum"] == "2026-10-05"
        [attempt] = item["contactpogingen"]
        assert attempt["soort"] == ddas.CHANNEL_KIND[channels[n % len(channels)]]
        assert attempt["bereikt"] is (n % 2 == 0)
        assert attempt["datum"] == "2026-10-05"
        assert attempt["dagdeel"] == (
            "Ochtend" if 8 + n % 12 < 12 else "Middag" if 8 + n % 12 < 18 else "Avond"
        )
        kinds_seen.add(attempt["soort"])
        assert signals[sig.reference]["status"] == ddas.case_status("closed", outcome, False)
    assert {item["resultaat"] for item in delivery["vroegsignaalzaken"] if "resultaat" in item} == set(
        SCHEMA["$defs"]["EnumEindresultaat"]["enum"]
    )
    assert kinds_seen == {ddas.CHANNEL_KIND[c] for c in channels}

    # One access-log entry per household in the export.
    households = set(
        Case.objects.filter(signals__in=[*filed.values(), *closing]).values_list("household_id", flat=True)
    )
    logged = AccessEvent.objects.filter(action="ddas.export")
    assert {e.subject_id for e in logged} == {str(h) for h in households}
    assert logged.count() == len(households)


def test_edge_cases_no_bsn_erased_merged_and_below_threshold(world, api_as, monitor, filer):
    SignalType.objects.filter(code="energy_arrears").update(minimum_amount=100)
    with time_machine.travel(DAY, tick=False):
        no_bsn = _file(api_as, filer, 1, subject__house_number_addition="b")
        erased = _file(api_as, filer, 2, subject__bsn=VALID_BSN)
        kept = _file(api_as, filer, 3)
        merged_away = _file(api_as, filer, 4, subject__surname="Anders")
        below = _file(api_as, filer, 5, signal_type="energy_arrears", arrears_amount="40.00")
        nothing_to_identify = _file(
            api_as, filer, 6, subject__postcode="", subject__house_number="", subject__bsn=""
        )
    assert below.case_id is None
    assert erased.case_id is not None and merged_away.case_id is not None
    with time_machine.travel(DAY + datetime.timedelta(hours=2), tick=False):
        step(api_as, world.triage, str(erased.case_id), "claim")
        step(api_as, world.triage, str(erased.case_id), "close", outcome="duplicate")  # an old code
        step(api_as, world.triage, str(kept.case_id), "claim")
        response = api_as(world.triage).post(
            f"/api/v1/cases/{kept.case_id}/merge/",
            {"case": str(merged_away.case_id), "reason": "Zelfde huishouden."},
            format="json",
        )
        assert response.status_code == 200, response.content
    # The erased case: its personal data gone, as retention erases it (its end result stays).
    with time_machine.travel(DAY + datetime.timedelta(days=1), tick=False):
        now = timezone.now()
        erase_case(Case.objects.get(pk=erased.case_id), now)
        erased_signals = Signal.objects.filter(case_id=erased.case_id)
        blank_encrypted(Signal, erased_signals)
        erased_signals.update(erased_at=now)
        document = _export(api_as, monitor)

    [delivery] = document["leveringen"]
    signals = {item["ID"]: item for item in delivery["vroegsignalen"]}
    assert signals[no_bsn.reference]["client"] == {
        "postcode": "1012AB",
        "huisnummer": "2",
        "huisnummertoevoeging": "b",
        "geboortedatum": "1984-03-12",
    }
    # Erased: no personal data, so no client and no signal; the case stays without references.
    assert erased.reference not in signals
    without_references = [z for z in delivery["vroegsignaalzaken"] if "vroegsignalen" not in z]
    assert len(without_references) == 2  # the erased case, and the one nobody can be named in
    assert [z["resultaat"] for z in without_references if "resultaat" in z] == [
        "Niet opgepakt: herhaalde melding"
    ]
    # Merged: the signal moved to the case it was merged into, which reports both.
    merged = Case.objects.get(pk=merged_away.case_id)
    assert merged.outcome == Outcome.MERGED
    [survivor] = [z for z in delivery["vroegsignaalzaken"] if len(z.get("vroegsignalen", [])) == 2]
    assert {r["ID"] for r in survivor["vroegsignalen"]} == {kept.reference, merged_away.reference}
    assert "resultaat" not in survivor  # still open
    assert signals[kept.reference]["status"] == "Opgepakt"
    assert len(delivery["vroegsignaalzaken"]) == 4  # no_bsn, erased, survivor, nothing_to_identify
    # Below the threshold: a signal without a case, not taken up for another reason.
    assert signals[below.reference]["status"] == "Niet opgepakt: andere reden"
    assert signals[below.reference]["signaalpartner"] == {"type": "Energie"}
    assert signals[below.reference]["bedrag"] == 40
    # Neither a BSN nor an address: DDAS cannot name the client, so the signal stays out.
    assert nothing_to_identify.reference not in signals


def test_only_the_monitor_gets_the_export(world, api_as, monitor):
    for user in (
        world.corporatie,
        world.triage,
        world.coordinator_noord,
        world.professional_noord,
        world.auditor,
        world.beheer,
    ):
        assert api_as(user).get("/api/v1/ddas/", PERIOD).status_code == 403, user.username
    assert api_as(None).get("/api/v1/ddas/", PERIOD).status_code in (401, 403)
    assert api_as(monitor).get("/api/v1/ddas/", PERIOD).status_code == 200


def test_a_wrong_period_or_missing_settings_is_refused(world, api_as, monitor):
    client = api_as(monitor)
    assert client.get("/api/v1/ddas/", {"start": "2026-10-31", "end": "2026-10-01"}).status_code == 400
    assert client.get("/api/v1/ddas/", {"start": "31-10-2026", "end": "2026-11-01"}).status_code == 400
    assert client.get("/api/v1/ddas/", {"start": "2026-10-01"}).status_code == 400
    policy = Policy.objects.get()
    policy.ddas_supplier_code = ""
    policy.save()
    response = client.get("/api/v1/ddas/", PERIOD)
    assert response.status_code == 400
    assert "code gegevensleverancier" in response.content.decode()


def test_the_command_writes_the_same_document(world, monitor, tmp_path):
    out = io.StringIO()
    call_command("export_ddas", "--start", "2026-10-01", "--end", "2026-10-31", stdout=out)
    document = json.loads(out.getvalue())
    assert not list(VALIDATOR.iter_errors(document))
    target = tmp_path / "levering.json"
    call_command(
        "export_ddas",
        "--start",
        "2026-10-01",
        "--end",
        "2026-10-31",
        "--output",
        str(target),
        stderr=io.StringIO(),
    )
    assert json.loads(target.read_text())["leveringen"][0]["gemeentecode"] == "0363"
    assert target.stat().st_mode & 0o077 == 0  # the owner's only
    assert AccessEvent.objects.filter(action="ddas.export").count() == 2
