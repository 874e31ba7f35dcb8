"""The notifications a user is sent, on screen: listed, marked read, counted in the header."""

from __future__ import annotations

import json

import pytest

from audit.models import AccessEvent
from cases.models import Case, Notification

from .flow import advance, file_case

INBOX = "/api/v1/notifications/"


@pytest.fixture
def referred(world, api_as) -> str:
    """A case referred to team Noord: its coordinator is told it is in the team's queue."""
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")
    return case_id


def test_the_coordinator_sees_the_new_case_in_their_inbox(world, api_as, referred):
    answer = api_as(world.coordinator_noord).get(INBOX)

    assert answer.status_code == 200
    body = answer.json()
    assert body["unread"] == 1
    [note] = body["results"]
    assert note["kind"] == "new_in_queue"
    assert note["case"] == {"id": referred, "reference": Case.objects.get(pk=referred).reference}
    assert note["read_at"] is None
    text = json.dumps(body)
    assert "Jansen" not in text and "1012" not in text and "Kerkstraat" not in text


def test_marking_read(world, api_as, referred):
    client = api_as(world.coordinator_noord)
    note_id = client.get(INBOX).json()["results"][0]["id"]

    answer = client.post(f"{INBOX}{note_id}/read/")

    assert answer.status_code == 200
    assert answer.json()["read_at"] is not None
    assert client.get(INBOX).json()["unread"] == 0
    assert client.get(INBOX, {"unread": "true"}).json()["results"] == []
    assert client.post(f"{INBOX}{note_id}/read/").status_code == 200  # read stays read
    assert AccessEvent.objects.filter(action="notification.read", username="coordinator-noord").exists()


def test_each_user_sees_only_their_own(world, api_as, referred):
    note = Notification.objects.get(recipient=world.coordinator_noord)

    assert api_as(world.coordinator_zuid).get(INBOX).json() == {"unread": 0, "results": []}
    assert api_as(world.coordinator_zuid).post(f"{INBOX}{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.parametrize("actor", ["corporatie", "auditor", "beheer"])
def test_roles_without_cases_have_no_inbox(world, api_as, referred, actor):
    note = Notification.objects.get(recipient=world.coordinator_noord)

    assert api_as(getattr(world, actor)).get(INBOX).status_code == 403
    assert api_as(getattr(world, actor)).post(f"{INBOX}{note.pk}/read/").status_code == 403


def test_the_list_is_logged_without_content(world, api_as, referred):
    api_as(world.coordinator_noord).get(INBOX)

    entry = AccessEvent.objects.get(action="notification.list", username="coordinator-noord")
    assert entry.detail == {"count": 1}
