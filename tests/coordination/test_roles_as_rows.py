"""Roles are rows: who is told is chosen in the database, the admin edits the rows,
and an upgrade carries every user's roles over."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from cases.deadlines import run_deadlines
from cases.models import Case, Notification
from coordination.models import Role, User
from tests.factories import UserFactory

from ..cases.flow import advance, file_case

DEMO_PASSWORD = "demo-wachtwoord-voor-test"


@contextmanager
def user_rows_read() -> Iterator[list[int]]:
    """The number of rows each SELECT on the user table returned while inside."""
    counts: list[int] = []
    table = f'FROM "{User._meta.db_table}"'

    def count(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT") and table in sql:
            counts.append(context["cursor"].rowcount)
        return result

    with connection.execute_wrapper(count):
        yield counts


def overdue_now(case_id: str) -> datetime.datetime:
    due_at = Case.objects.get(pk=case_id).due_at
    assert due_at is not None
    return due_at + datetime.timedelta(minutes=1)


def told(case_id: str) -> set[str]:
    return set(
        Notification.objects.filter(case_id=case_id, kind=Notification.Kind.OVERDUE).values_list(
            "recipient__username", flat=True
        )
    )


def test_an_overdue_intake_case_tells_the_triage_officers_without_reading_every_user(world, api_as):
    second = UserFactory.create(username="schakelpunt-2", organisation=world.municipality, roles=["triage"])
    UserFactory.create(
        username="schakelpunt-oud", organisation=world.municipality, roles=["triage"], is_active=False
    )
    for n in range(40):  # colleagues at the partners, who are never told
        UserFactory.create(username=f"partner-{n}", organisation=world.housing, roles=["partner"])
    case_id = file_case(world, api_as)

    with user_rows_read() as rows:
        assert run_deadlines(now=overdue_now(case_id)).marked_overdue == 1

    assert told(case_id) == {world.triage.username, second.username}
    assert sum(rows) == 2  # the two officers told, not the 50-odd users there are


def test_an_overdue_team_case_tells_the_teams_coordinators_without_reading_the_whole_team(world, api_as):
    second = UserFactory.create(username="coordinator-noord-2", organisation=world.municipality)
    second.roles = [Role.COORDINATOR, Role.PROFESSIONAL]  # also leads cases
    second.save()
    professionals = [
        UserFactory.create(username=f"professional-noord-{n}", organisation=world.municipality)
        for n in range(30)
    ]
    for user in professionals:
        user.roles = [Role.PROFESSIONAL]
        user.save()
    world.noord.members.add(second, *professionals)
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")

    with user_rows_read() as rows:
        assert run_deadlines(now=overdue_now(case_id)).marked_overdue == 1

    assert told(case_id) == {world.coordinator_noord.username, second.username}
    assert sum(rows) == 2  # the team's two coordinators, not its 33 members


@pytest.fixture
def admin_client(db) -> Client:
    call_command("seed_demo", password=DEMO_PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"username": "beheer", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def user_page_data(user: User, roles: list[str]) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "organisation": str(user.organisation_id),
        "roles": roles,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }


def logged_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_the_admin_gives_a_coordinator_a_second_role_and_finds_them_by_role(admin_client):
    coordinator = User.objects.get(username="coordinator-noord")
    page = f"/admin/coordination/user/{coordinator.pk}/change/"
    assert admin_client.get(page).context["adminform"].form["roles"].value() == ["coordinator"]
    assert logged_in("coordinator-noord").get("/casussen/mijn/").status_code == 403

    response = admin_client.post(page, user_page_data(coordinator, ["coordinator", "professional"]))

    assert response.status_code == 302, response.content
    assert User.objects.get(pk=coordinator.pk).roles == ["coordinator", "professional"]
    assert logged_in("coordinator-noord").get("/casussen/mijn/").status_code == 200
    listed = admin_client.get("/admin/coordination/user/", {"user_roles__role": "professional"})
    assert listed.status_code == 200
    names = set(listed.context["cl"].result_list.values_list("username", flat=True))
    assert names == {"coordinator-noord", "professional-noord", "professional-zuid"}


def test_the_admin_takes_every_role_away_and_the_user_is_told_so(admin_client):
    huisarts = User.objects.get(username="huisarts")
    page = f"/admin/coordination/user/{huisarts.pk}/change/"

    response = admin_client.post(page, user_page_data(huisarts, []))

    assert response.status_code == 302, response.content
    assert User.objects.get(pk=huisarts.pk).roles == []
    home = logged_in("huisarts").get("/")
    assert home.status_code == 403 and "geen rol" in home.content.decode()
    listed = admin_client.get("/admin/coordination/user/", {"user_roles__role": "partner"})
    assert "huisarts" not in set(listed.context["cl"].result_list.values_list("username", flat=True))


def _migration(executor: MigrationExecutor, suffix: str) -> tuple[str, str]:
    # Found by name rather than number: migrations are renumbered when branches meet.
    (name,) = [n for app, n in executor.loader.graph.nodes if app == "coordination" and n.endswith(suffix)]
    return ("coordination", name)


def migrate(target: list[tuple[str, str]]) -> Any:
    """Migrate the database to ``target``; returns the User model as it is there."""
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps.get_model("coordination", "User")


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_carries_every_users_json_roles_into_rows_and_a_downgrade_back():
    executor = MigrationExecutor(connection)
    before = [_migration(executor, "_userrole")]  # role rows exist, the JSON list still holds the roles
    latest = executor.loader.graph.leaf_nodes()
    try:
        old = migrate(before)
        old.objects.create(username="noor", roles=["coordinator", "professional"])
        old.objects.create(username="hanna", roles=["partner", "partner"])
        old.objects.create(username="nieuw", roles=[])
        old.objects.create(username="oud", roles=["superuser"])  # never a role: grants nothing

        migrate(latest)

        roles = {u.username: u.roles for u in User.objects.with_roles()}
        assert roles == {
            "noor": ["coordinator", "professional"],
            "hanna": ["partner"],
            "nieuw": [],
            "oud": [],
        }
        assert list(User.objects.holding(Role.COORDINATOR).values_list("username", flat=True)) == ["noor"]

        back = dict(migrate(before).objects.values_list("username", "roles"))
        assert back["noor"] == ["coordinator", "professional"]
        assert back["hanna"] == ["partner"]
    finally:
        migrate(latest)
