"""The case's timeline: transitions carry their codes next to the summary."""

from __future__ import annotations

from tests.cases.flow import advance, file_case


def test_transitions_in_the_timeline_carry_name_source_and_target(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "outreach")

    timeline = api_as(world.triage).get(f"/api/v1/cases/{case_id}/").json()["timeline"]

    steps = [item for item in timeline if item["kind"] == "transition"]
    assert [(s["name"], s["source"], s["target"]) for s in steps] == [
        ("claim", "new", "triage"),
        ("start_outreach", "triage", "outreach"),
    ]
    # Unchanged for readers of the summary.
    assert steps[0]["summary"] == "claim: new → triage"
    assert steps[0]["actor"] == world.triage.display_name
    [signal] = [item for item in timeline if item["kind"] == "signal"]
    assert not {"name", "source", "target"} & set(signal)
