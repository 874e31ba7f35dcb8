from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from coordination.models import PostcodeArea, User


def test_seed_demo_creates_one_user_per_role_and_is_safe_twice(db):
    call_command("seed_demo", password="geheim-genoeg-123")
    call_command("seed_demo", password="geheim-genoeg-123")

    roles = {u.username: u.roles for u in User.objects.all()}
    assert roles["huisarts"] == ["partner"]
    assert roles["corporatie"] == ["partner"]
    assert roles["schakelpunt"] == ["triage"]
    assert roles["coordinator-noord"] == ["coordinator"]
    assert roles["professional-zuid"] == ["professional"]
    assert roles["auditor"] == ["auditor"]
    assert roles["beheer"] == ["admin"]
    assert User.objects.get(username="professional-noord").teams.get().name == "Noord"
    areas = {(a.district.team.name, a.start, a.end) for a in PostcodeArea.objects.all()}
    assert areas == {("Noord", 1000, 1049), ("Zuid", 1050, 1099)}
    assert User.objects.get(username="auditor").check_password("geheim-genoeg-123")


def test_token_login_with_demo_user(db, client):
    call_command("seed_demo", password="geheim-genoeg-123")

    ok = client.post("/api/v1/auth/token/", {"username": "huisarts", "password": "geheim-genoeg-123"})
    bad = client.post("/api/v1/auth/token/", {"username": "huisarts", "password": "fout"})

    assert ok.status_code == 200
    token = ok.json()["token"]
    assert client.get("/api/v1/signals/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert bad.status_code == 400
    assert "token" not in bad.json()


def test_seed_demo_refuses_a_weak_password(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", password="welkom123")
