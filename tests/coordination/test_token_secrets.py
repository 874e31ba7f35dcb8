"""API tokens are secrets: stored as digests only, shown once, expiring, revoked at logout and
at a new password.

Neither a dump of the token table nor the administrator has a usable credential.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AccessEvent
from coordination.models import ApiToken
from coordination.tokens import digest
from schakelpunt.tokens import create_system_key

LOGIN = "/api/v1/auth/token/"
SIGNALS = "/api/v1/signals/"
PASSWORD = "test-password-123"  # tests.factories.UserFactory's


def _log_in(username: str) -> str:
    response = APIClient().post(LOGIN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}
    assert "no-store" in response["Cache-Control"]
    return str(response.json()["token"])


def _works(token: str) -> bool:
    response = APIClient().get(SIGNALS, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code in (200, 401, 403)
    return response.status_code != 401


def _dump() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(ApiToken._meta.db_table)}")
        return list(cursor.fetchall())


def test_the_token_login_answers_a_new_working_token_each_time(world):
    first, second = _log_in("corporatie"), _log_in("corporatie")

    assert first != second
    assert _works(first) and _works(second)


def test_logging_in_again_and_again_keeps_only_the_newest_tokens(world, settings):
    settings.API_TOKENS_PER_USER = 3
    tokens = [_log_in("corporatie") for _ in range(5)]

    assert [_works(token) for token in tokens] == [False, False, True, True, True]
    revoked = AccessEvent.objects.filter(action="token.revoke")
    assert [entry.detail["reason"] for entry in revoked] == ["replaced", "replaced"]


def test_a_dumped_token_table_holds_no_usable_token(world):
    secrets = [_log_in("corporatie"), _log_in("schakelpunt")]
    secrets.append(create_system_key(actor=world.corporatie, name="Huurincasso").secret)

    dumped = _dump()
    assert len(dumped) == 3
    cells = [str(cell) for row in dumped for cell in row if cell is not None]
    for secret in secrets:
        assert _works(secret)
        assert not any(secret in cell for cell in cells)
    # Nothing in the table, a digest included, is accepted as a token.
    for cell in cells:
        assert not _works(cell)
    assert {row.digest for row in ApiToken.objects.all()} == {digest(s) for s in secrets}


def test_a_token_expires(world, settings):
    settings.API_TOKEN_HOURS = 2
    token = _log_in("corporatie")
    row = ApiToken.objects.get()
    assert timedelta(hours=1, minutes=59) < row.expires_at - timezone.now() <= timedelta(hours=2)

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert not _works(token)


def test_logging_out_through_the_api_revokes_only_that_token(world):
    token, other = _log_in("corporatie"), _log_in("corporatie")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.post("/api/v1/auth/logout/").status_code == 204

    assert not _works(token)
    assert _works(other)


def test_logging_out_of_the_site_revokes_the_persons_tokens_but_not_the_organisations_keys(world):
    token = _log_in("corporatie")
    key = create_system_key(actor=world.corporatie, name="Huurincasso").secret
    client = Client()
    assert client.login(username="corporatie", password=PASSWORD)

    client.post("/accounts/logout/")

    assert not _works(token)
    assert _works(key)


def test_a_new_password_revokes_the_persons_tokens(world):
    token, others = _log_in("corporatie"), _log_in("huisarts")
    key = create_system_key(actor=world.corporatie, name="Huurincasso").secret

    world.corporatie.set_password("een-heel-nieuw-wachtwoord")
    world.corporatie.save()

    assert not _works(token)
    assert _works(others)
    assert _works(key)  # a sending system does not stop when a person changes a password


def test_making_and_revoking_are_in_the_access_log_without_the_secret(world):
    token = _log_in("corporatie")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.post("/api/v1/auth/logout/")

    made, revoked = AccessEvent.objects.filter(action__startswith="token.").order_by("id")
    assert (made.action, made.user_id, made.object_type) == ("token.create", world.corporatie.pk, "api_token")
    assert (revoked.action, revoked.object_id) == ("token.revoke", made.object_id)
    assert revoked.detail == {"kind": "personal", "reason": "logout"}
    for entry in AccessEvent.objects.all():
        text = " ".join(str(getattr(entry, f.attname)) for f in AccessEvent._meta.concrete_fields)
        assert token not in text and digest(token) not in text


@pytest.fixture
def administrator(world):
    world.beheer.is_staff = True
    world.beheer.is_superuser = True
    world.beheer.save()
    client = Client()
    client.force_login(world.beheer)
    return client


def test_the_administrator_cannot_read_or_use_another_users_token(world, administrator):
    token = _log_in("schakelpunt")
    key = create_system_key(actor=world.corporatie, name="Huurincasso").secret
    rows = list(ApiToken.objects.all())

    pages = [
        administrator.get("/admin/coordination/apitoken/"),
        *(administrator.get(f"/admin/coordination/apitoken/{row.pk}/change/") for row in rows),
        administrator.get(f"/admin/coordination/user/{world.triage.pk}/change/"),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for row in rows:
            assert row.digest not in html
        assert token not in html and key not in html
    # DRF's token list is gone, and no token can be made for someone else.
    assert administrator.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert administrator.get("/admin/authtoken/token/").status_code == 404
    assert administrator.get("/admin/coordination/apitoken/add/").status_code == 403
    # The administrator's own token is the administrator's: it reads no case.
    admin_token = _log_in("beheer")
    assert APIClient().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {admin_token}").status_code == 403


def test_the_administrator_can_revoke_and_it_is_logged(world, administrator):
    token = _log_in("schakelpunt")
    row = ApiToken.objects.get()

    response = administrator.post(f"/admin/coordination/apitoken/{row.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not _works(token)
    entry = AccessEvent.objects.get(action="token.revoke")
    assert (entry.user_id, entry.object_id) == (world.beheer.pk, str(row.pk))
    assert entry.detail == {"kind": "personal", "reason": "administrator", "owner": world.triage.pk}


def test_the_old_plaintext_tokens_are_revoked_by_the_migration(world):
    # A table as DRF's authtoken app left it, with a token a dump would show.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id bigint)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", ["a" * 40, world.corporatie.pk])
    migration = importlib.import_module("coordination.migrations.0007_revoke_plaintext_tokens")

    with connection.schema_editor() as editor:
        migration.revoke(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not _works("a" * 40)
