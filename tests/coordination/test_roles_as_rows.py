"""Roles are rows: who is told is chosen in the database."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from cases.deadlines import run_deadlines
from cases.models import Case, Notification
from coordination.models import Role, User
from tests.factories import UserFactory

from ..cases.flow import advance, file_case


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
