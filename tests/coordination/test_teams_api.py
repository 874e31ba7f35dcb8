from __future__ import annotations

import pytest


def test_teams_with_members_for_triage_and_coordinators(world, api_as):
    for actor in (world.triage, world.coordinator_zuid):
        teams = api_as(actor).get("/api/v1/teams/").json()
        by_name = {t["name"]: t for t in teams}
        assert set(by_name) == {"Noord", "Zuid"}
        members = {m["username"]: m for m in by_name["Noord"]["members"]}
        assert set(members) == {"coordinator-noord", "professional-noord"}
        assert members["professional-noord"]["roles"] == ["professional"]
        assert by_name["Noord"]["id"] == str(world.noord.pk)


@pytest.mark.parametrize("actor", ["huisarts", "professional_noord", "auditor"])
def test_others_get_no_team_list(world, api_as, actor):
    assert api_as(getattr(world, actor)).get("/api/v1/teams/").status_code == 403
