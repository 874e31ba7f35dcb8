"""Separation of duties: the administrator manages others, never itself; what it changes is
in the access log; it does not read that log, and the admin shows no case content."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse

from audit.models import AccessEvent
from coordination.acting import acting_as
from coordination.models import Organisation, Policy, Role, Team, User
from signals.models import SignalType
from tests.cases.flow import file_case
from tests.signals.payloads import VALID_BSN, signal


@pytest.fixture
def beheer(world: Any) -> User:
    """The functional administrator as seed_demo makes it: staff and superuser."""
    user: User = world.beheer
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def admin_client(beheer: User) -> Client:
    client = Client()
    client.force_login(beheer)
    return client


def _user_form(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": str(user.organisation_id or ""),
        "roles": user.roles,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


def _changes_by(user: User, action: str) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(user_id=user.pk, action=action, event_type="write").order_by("id"))


def test_an_administrator_cannot_grant_itself_triage_in_the_admin(admin_client, beheer, api_as):
    page = f"/admin/coordination/user/{beheer.pk}/change/"
    html = admin_client.get(page).content.decode()
    shown = re.findall(r'<input[^>]*name="(?:roles|is_superuser|is_staff)"[^>]*>', html)
    assert len(shown) >= 3  # shown, but not to be changed:
    assert all(" disabled" in tag for tag in shown)

    response = admin_client.post(page, _user_form(beheer, roles=["admin", "triage"]))

    assert response.status_code == 302, response.content
    beheer.refresh_from_db()
    assert beheer.roles == ["admin"]
    assert api_as(beheer).get("/api/v1/cases/").status_code == 403
    assert not _changes_by(beheer, "user.roles.change")


def test_no_path_lets_anyone_grant_itself_a_role_or_a_privilege(beheer, world):
    """The rule sits under every page and API: the save itself refuses."""
    group = Group.objects.create(name="alles")
    permission = Permission.objects.get(codename="change_user")
    # Each attempt in its own transaction, as every request is.
    with acting_as(beheer):
        beheer.roles = ["admin", "triage"]
        with pytest.raises(PermissionDenied), transaction.atomic():
            beheer.save()
        with pytest.raises(PermissionDenied), transaction.atomic():
            beheer.groups.add(group)
        with pytest.raises(PermissionDenied), transaction.atomic():
            group.user_set.add(beheer)
        with pytest.raises(PermissionDenied), transaction.atomic():
            beheer.user_permissions.add(permission)

    auditor = world.auditor
    with acting_as(auditor):
        auditor.is_staff = True
        with pytest.raises(PermissionDenied), transaction.atomic():
            auditor.save()

    beheer.refresh_from_db()
    assert beheer.roles == ["admin"]
    assert not beheer.groups.exists() and not beheer.user_permissions.exists()
    assert User.objects.get(pk=auditor.pk).is_staff is False


def test_giving_up_a_role_of_ones_own_is_allowed(world):
    both = world.auditor
    both.roles = ["auditor", "admin"]
    both.save()

    with acting_as(both):
        both.roles = ["auditor"]
        both.save()

    assert User.objects.get(pk=both.pk).roles == ["auditor"]


def test_granting_another_user_a_role_is_logged_without_personal_data(admin_client, beheer, world):
    target = world.professional_noord
    target.first_name, target.last_name, target.email = "Petra", "Bakker", "petra@example.org"
    target.save()

    response = admin_client.post(
        f"/admin/coordination/user/{target.pk}/change/",
        _user_form(target, roles=["professional", "triage"], organisation=str(world.gp.pk)),
    )

    assert response.status_code == 302, response.content
    assert User.objects.get(pk=target.pk).roles == ["triage", "professional"]
    (roles,) = _changes_by(beheer, "user.roles.change")
    assert (roles.object_type, roles.object_id) == ("user", str(target.pk))
    assert roles.detail == {"added": ["triage"], "removed": []}
    (moved,) = _changes_by(beheer, "user.change")
    assert moved.detail == {"changed": {"organisation_id": [world.municipality.pk, world.gp.pk]}}
    for entry in (roles, moved):
        logged = str(entry.detail) + entry.object_id + entry.subject_id
        assert not any(text in logged for text in ("Petra", "Bakker", "petra@"))


def test_team_membership_policy_signal_types_and_organisations_are_logged(admin_client, beheer, world):
    noord: Team = world.noord
    response = admin_client.post(
        f"/admin/coordination/team/{noord.pk}/change/",
        {
            "name": noord.name,
            "organisation": str(noord.organisation_id),
            "members": [str(world.coordinator_noord.pk), str(world.professional_zuid.pk)],
        },
    )
    assert response.status_code == 302, response.content
    (members_added, members_removed) = sorted(
        _changes_by(beheer, "team.members.change"), key=lambda e: list(e.detail)
    )
    assert members_added.object_id == str(noord.pk)
    assert members_added.detail == {"added": [world.professional_zuid.pk]}
    assert members_removed.detail == {"removed": [world.professional_noord.pk]}

    with acting_as(beheer):
        policy = Policy.current()
        policy.first_contact_days = 10
        policy.save()
        rent = SignalType.objects.get(code="rent_arrears")
        rent.minimum_amount = rent.minimum_amount + 25
        rent.save()
        Organisation.objects.create(name="Waterbedrijf", kind=Organisation.Kind.WATER)
        world.zuid.members.remove(world.coordinator_zuid)

    (changed_policy,) = _changes_by(beheer, "policy.change")
    assert changed_policy.detail == {"changed": {"first_contact_days": [14, 10]}}
    (changed_type,) = _changes_by(beheer, "signal_type.change")
    assert changed_type.object_id == str(rent.pk)
    assert list(changed_type.detail["changed"]) == ["minimum_amount"]
    (created,) = _changes_by(beheer, "organisation.create")
    assert created.detail == {"values": {"name": "Waterbedrijf", "kind": "water"}}
    assert _changes_by(beheer, "team.members.change")[-1].detail == {"removed": [world.coordinator_zuid.pk]}


def test_the_access_log_is_not_in_the_admin(admin_client, world):
    from audit.services import record

    record(actor=world.triage, event_type="read", action="case.read")

    assert AccessEvent not in admin.site._registry
    assert admin_client.get("/admin/audit/accessevent/").status_code == 404
    assert "accessevent" not in admin_client.get("/admin/").content.decode()


def test_no_admin_page_shows_case_content(admin_client, world, api_as):
    """Every registered model's list and first object's page, with a real case in the database."""
    case_id = file_case(
        world,
        api_as,
        subject__bsn=VALID_BSN,
        subject__surname="Zwanenburg",
        subject__email="zwanenburg@example.org",
        note="Huurder heeft schulden bij de energieleverancier.",
    )
    assert case_id
    secrets = ("Zwanenburg", VALID_BSN, "zwanenburg@example.org", "schulden bij de energieleverancier")
    assert signal()["subject"]["surname"] != "Zwanenburg"

    seen = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        listing = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert listing.status_code in (200, 403), meta.label
        pages = [listing]
        first = model_admin.get_queryset(listing.wsgi_request).first()
        if first is not None:
            pages.append(
                admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
            )
        for page in pages:
            html = page.content.decode()
            assert not [text for text in secrets if text in html], meta.label
            seen += 1
    assert seen > 10
    registered = {model._meta.label for model in admin.site._registry}
    assert not {"signals.Signal", "cases.Case", "cases.Household", "signals.BulkUpload"} & registered
    assert Role.ADMIN in world.beheer.roles
