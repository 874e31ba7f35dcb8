"""Moving a case through the workflow over the API, for tests that need one in a given state."""

from __future__ import annotations

from typing import Any

from signals.models import Signal
from tests.signals.payloads import signal


def file_case(world: Any, api_as: Any, **changes: Any) -> str:
    """File a rent-arrears signal in team Noord's area; return the new case's id."""
    response = api_as(world.corporatie).post("/api/v1/signals/", signal(**changes), format="json")
    assert response.status_code == 201, response.content
    return str(Signal.objects.get(pk=response.json()["id"]).case_id)


def step(api_as: Any, user: Any, case_id: str, transition: str, expect: int = 200, **body: Any) -> dict:
    response = api_as(user).post(f"/api/v1/cases/{case_id}/{transition}/", body, format="json")
    assert response.status_code == expect, (transition, response.status_code, response.content)
    return response.json()


# The path to each state, as (actor attribute on world, transition, body).
PATH: list[tuple[str, str, dict[str, Any]]] = [
    ("triage", "claim", {}),
    ("triage", "start_outreach", {}),
    ("triage", "refer_to_team", {}),
    ("coordinator_noord", "assign_lead", {"lead": "professional_noord"}),
    ("professional_noord", "accept", {}),
]
REACHES = ["triage", "outreach", "awaiting_lead", "lead_assigned", "in_progress"]


def advance(world: Any, api_as: Any, case_id: str, to_state: str) -> None:
    """Take a new case along the main path until it is in ``to_state``."""
    if to_state == "new":
        return
    for (actor, transition, body), reached in zip(PATH, REACHES, strict=True):
        resolved = {k: getattr(world, v).pk if k == "lead" else v for k, v in body.items()}
        step(api_as, getattr(world, actor), case_id, transition, **resolved)
        if reached == to_state:
            return
    raise ValueError(to_state)
