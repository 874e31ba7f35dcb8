"""Named actors shared by the test modules.

Two partner organisations (a GP practice and a housing corporation), the
schakelpunt with a triage officer, teams Noord (1000-1049) and Zuid
(1050-1099) each with a coordinator and a lead professional, an auditor and
an administrator.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.models import ApiToken, Organisation, Policy, Role, User
from coordination.tokens import digest, new_secret

from .factories import OrganisationFactory, UserFactory, team_with_area


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    # Policy, postcode areas and signal types are cached per process for a
    # few seconds; a test's rolled-back rows must not outlive it there.
    from helpers.cache import clear_all

    clear_all()


@pytest.fixture(autouse=True)
def _own_checkpoint_file(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # Each test's database starts empty, so checkpoints of another test's chains
    # would read as a shortened log: every test signs into a file of its own
    # (the environment too, for a worker process a test starts).
    target = str(tmp_path_factory.mktemp("checkpoints") / "audit-checkpoints.jsonl")
    settings.AUDIT_CHECKPOINT_PATH = target
    monkeypatch.setenv("AUDIT_CHECKPOINT_PATH", target)


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    # Transactional tests flush the tables, data migrations included: put the
    # contract's signal types back the way the migration does.
    importlib.import_module("signals.migrations.0002_signal_types").seed(apps, None)
    ddas_types = next(
        Path(__file__).parent.parent.glob("signals/migrations/*_ddas_signal_types_and_fields.py")
    )
    importlib.import_module(f"signals.migrations.{ddas_types.stem}").seed(apps, None)
    gp = OrganisationFactory.create(name="Huisartsenpraktijk De Linde", kind=Organisation.Kind.GP)
    housing = OrganisationFactory.create(name="Woonstichting Thuis", kind=Organisation.Kind.HOUSING)
    energy = OrganisationFactory.create(name="Energie Noord", kind=Organisation.Kind.ENERGY)
    municipality = OrganisationFactory.create(name="Gemeente", kind=Organisation.Kind.MUNICIPALITY)
    noord = team_with_area("Noord", 1000, 1049, municipality)
    zuid = team_with_area("Zuid", 1050, 1099, municipality)

    def user(username: str, org: Organisation, *roles: Role) -> User:
        return UserFactory.create(username=username, organisation=org, roles=[r.value for r in roles])

    w = SimpleNamespace(
        gp=gp,
        housing=housing,
        energy=energy,
        municipality=municipality,
        noord=noord,
        zuid=zuid,
        huisarts=user("huisarts", gp, Role.PARTNER),
        corporatie=user("corporatie", housing, Role.PARTNER),
        energie=user("energie", energy, Role.PARTNER),
        triage=user("schakelpunt", municipality, Role.TRIAGE),
        coordinator_noord=user("coordinator-noord", municipality, Role.COORDINATOR),
        professional_noord=user("professional-noord", municipality, Role.PROFESSIONAL),
        coordinator_zuid=user("coordinator-zuid", municipality, Role.COORDINATOR),
        professional_zuid=user("professional-zuid", municipality, Role.PROFESSIONAL),
        auditor=user("auditor", municipality, Role.AUDITOR),
        beheer=user("beheer", municipality, Role.ADMIN),
        monitor=user("monitor", municipality, Role.MONITOR),
    )
    noord.members.add(w.coordinator_noord, w.professional_noord)
    zuid.members.add(w.coordinator_zuid, w.professional_zuid)
    return w


@pytest.fixture
def api_as():
    """``api_as(user)`` gives an APIClient authenticated with that user's personal token.

    One token per user in a test, made on first use directly in the table, as
    the token login would store it, but without its access-log entry, which
    tests of the log would otherwise have to step over
    (tests/coordination/test_token_secrets.py tests the real path).
    """
    issued: dict[int, str] = {}

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            if user.pk not in issued:
                issued[user.pk] = new_secret()
                ApiToken.objects.create(
                    kind=ApiToken.Kind.PERSONAL,
                    user=user,
                    digest=digest(issued[user.pk]),
                    # Tests of deadlines travel days ahead; a client that logged in
                    # once keeps working there. Expiry has its own tests.
                    expires_at=timezone.now() + timedelta(days=3650),
                )
            client.credentials(HTTP_AUTHORIZATION=f"Token {issued[user.pk]}")
        return client

    return make


@pytest.fixture
def ddas_settings(db: None) -> Policy:
    """The municipality's settings for the delivery to the national monitor, filled in."""
    policy = Policy.current()
    policy.ddas_municipality_code = "0363"
    policy.ddas_municipality_name = "Gemeente Amsterdam"
    policy.ddas_kvk_number = "34366966"
    policy.ddas_supplier_code = "SCHAKELPUNT"
    policy.ddas_contact_name = "Mo Nitor"
    policy.ddas_contact_email = "monitor@example.org"
    policy.save()
    return policy
