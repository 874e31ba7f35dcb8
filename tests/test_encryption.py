"""Personal data at rest: encrypted, bound to its row, rotatable, absent from a dump."""

from __future__ import annotations

import base64
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from helpers import crypto
from helpers.keys import KeyRing, parse_field_keys
from signals.models import Signal
from tests.signals.payloads import VALID_BSN, signal

NEW_KEY = "t2:" + base64.b64encode(b"n" * 32).decode()


def _file(api_as, user, **changes):
    response = api_as(user).post("/api/v1/signals/", signal(**changes), format="json")
    assert response.status_code == 201, response.content
    return Signal.objects.get(pk=response.json()["id"])


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_plaintext_personal_data(world, api_as):
    _file(
        api_as,
        world.corporatie,
        subject__bsn=VALID_BSN,
        subject__surname="Zwanenburg",
        subject__given_names="Wilhelmina",
        subject__date_of_birth="1984-03-12",
        subject__postcode="1012 AB",
        subject__phone="0612345678",
        subject__email="wilhelmina@example.org",
        note="Vertelt over schulden bij familie",
    )
    db = settings.DATABASES["default"]
    dump = subprocess.run(
        ["pg_dump", "--data-only", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], db["NAME"]],
        capture_output=True,
        check=True,
        text=True,
    ).stdout

    assert "Woonstichting Thuis" in dump  # the dump does hold the rows (organisations are not secret)
    for plaintext in (
        "HUUR-2026-0001",
        VALID_BSN,
        "Zwanenburg",
        "zwanenburg",
        "Wilhelmina",
        "1984-03-12",
        "1012AB",
        "1012 AB",
        "0612345678",
        "wilhelmina@example.org",
        "schulden bij familie",
    ):
        assert plaintext not in dump, plaintext


def test_ciphertext_is_bound_to_its_row_and_column(world, api_as):
    first = _file(api_as, world.corporatie, subject__surname="Eerste")
    second = _file(
        api_as,
        world.corporatie,
        partner_reference="R-2",
        subject__surname="Tweede",
        subject__date_of_birth="1950-01-01",
    )
    table = Signal._meta.db_table
    with connection.cursor() as cursor:
        # Move the first row's surname ciphertext into the second row, and into another column.
        cursor.execute(
            f"UPDATE {table} SET surname = (SELECT surname FROM {table} WHERE id = %s) WHERE id = %s",
            [first.pk, second.pk],
        )
        cursor.execute(f"UPDATE {table} SET city = surname WHERE id = %s", [first.pk])

    moved = Signal.objects.get(pk=second.pk)
    with pytest.raises(crypto.DecryptionError):
        _ = moved.surname
    with pytest.raises(crypto.DecryptionError):
        _ = Signal.objects.get(pk=first.pk).city
    assert Signal.objects.get(pk=first.pk).surname == "Eerste"


def test_rotation_re_encrypts_under_the_new_key_and_the_old_key_can_go(world, api_as, settings):
    filed = _file(api_as, world.corporatie)
    old_ring: KeyRing = settings.SCHAKELPUNT_KEYS
    new_key = parse_field_keys(NEW_KEY)
    settings.SCHAKELPUNT_KEYS = KeyRing(
        field_keys=new_key + old_ring.field_keys,
        blind_index_key=old_ring.blind_index_key,
        audit_chain_key=old_ring.audit_chain_key,
    )

    call_command("rotate_field_keys")

    stored = Signal.objects.get(pk=filed.pk)
    field = Signal._meta.get_field("surname")
    assert isinstance(field, crypto.EncryptedField)
    raw = field.raw_ciphertext(stored)
    assert raw is not None and crypto.key_id_of(raw) == "t2"
    settings.SCHAKELPUNT_KEYS = KeyRing(
        field_keys=new_key, blind_index_key=old_ring.blind_index_key, audit_chain_key=old_ring.audit_chain_key
    )
    again = Signal.objects.get(pk=filed.pk)
    assert again.surname == "Jansen-de Vries"
    assert again.note == "Huurder reageert niet op brieven."


def test_an_unknown_key_id_fails_loudly(world, api_as, settings):
    filed = _file(api_as, world.corporatie)
    ring: KeyRing = settings.SCHAKELPUNT_KEYS
    settings.SCHAKELPUNT_KEYS = KeyRing(
        field_keys=parse_field_keys(NEW_KEY),
        blind_index_key=ring.blind_index_key,
        audit_chain_key=ring.audit_chain_key,
    )
    with pytest.raises(crypto.DecryptionError):
        _ = Signal.objects.get(pk=filed.pk).surname
