"""A partner sees its own organisation's signals, with the minimal status only."""

from __future__ import annotations

from .payloads import signal

URL = "/api/v1/signals/"


def test_partner_lists_only_its_own_organisations_signals(world, api_as):
    mine = api_as(world.huisarts).post(
        URL, signal(signal_type="gp_observation", consent_given=True), format="json"
    )
    api_as(world.corporatie).post(URL, signal(partner_reference="HUUR-9"), format="json")

    listing = api_as(world.huisarts).get(URL).json()

    assert [row["id"] for row in listing["results"]] == [mine.json()["id"]]
    assert set(listing["results"][0]) == {
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


def test_partner_cannot_open_another_organisations_signal(world, api_as):
    theirs = api_as(world.corporatie).post(URL, signal(), format="json").json()

    response = api_as(world.huisarts).get(f"{URL}{theirs['id']}/")
    missing = api_as(world.huisarts).get(f"{URL}00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert response.json() == missing.json()


def test_partner_reads_its_own_signal_status_without_case_content(world, api_as):
    filed = api_as(world.corporatie).post(URL, signal(), format="json").json()

    body = api_as(world.corporatie).get(f"{URL}{filed['id']}/").json()

    assert body["status"] == "received"
    assert body["partner_reference"] == "HUUR-2026-0001"
    assert "subject" not in body and "case" not in body and "note" not in body
