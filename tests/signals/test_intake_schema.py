"""GET /api/v1/signals/schema.json: the JSON Schema of a signal, agreeing with the API.

Every example below goes through the schema (jsonschema, draft 2020-12, formats
checked) and through ``POST /api/v1/signals/``: both accept it or both refuse it.
"""

from __future__ import annotations

import copy
import datetime
import itertools
from typing import Any

import jsonschema
import pytest
from rest_framework.test import APIClient

from signals.models import SignalType

from .payloads import VALID_BSN, signal

URL = "/api/v1/signals/schema.json"
_numbers = itertools.count(1)


def _minimal(**top: Any) -> dict[str, Any]:
    body = {
        "signal_type": "rent_arrears",
        "partner_reference": "X",
        "subject": {"surname": "Jansen", "date_of_birth": "1980-01-31"},
        "arrears_amount": 120,
    }
    body.update(top)
    return body


def _with(base: dict[str, Any], **subject: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    body["subject"].update(subject)
    return body


def _gp(**top: Any) -> dict[str, Any]:
    return _minimal(**{"signal_type": "gp_observation", "arrears_amount": None, "consent_given": True, **top})


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("the full example", signal()),
    ("the least a rent-arrears signal needs", _minimal()),
    ("amount as a string", _minimal(arrears_amount="850.50")),
    ("a BSN alone finds the household", {**_minimal(), "subject": {"surname": "J", "bsn": VALID_BSN}}),
    (
        "an address alone finds the household",
        {**_minimal(), "subject": {"surname": "J", "postcode": "1012ab", "house_number": "7"}},
    ),
    ("a phone number with separators", _with(_minimal(), phone="+31 (0)6-1234 5678")),
    ("a GP observation with consent", _gp()),
    ("consent as the string 'true'", _gp(consent_given="true")),
    ("a threat and children", _minimal(threat="eviction", children_in_household="yes")),
    ("an empty e-mail", _with(_minimal(), email="")),
    ("a Dutch date", _with(_minimal(), date_of_birth="31-01-1980")),
]

REFUSED: list[tuple[str, dict[str, Any]]] = [
    ("an unknown field", _minimal(surname_prefx="van")),
    ("an unknown subject field", _with(_minimal(), nickname="Jan")),
    ("no subject", {k: v for k, v in _minimal().items() if k != "subject"}),
    ("no partner reference", {k: v for k, v in _minimal().items() if k != "partner_reference"}),
    ("a blank surname", _with(_minimal(), surname="   ")),
    ("an unknown signal type", _minimal(signal_type="huurachterstand")),
    ("a GP observation without consent", _gp(consent_given=False)),
    ("rent arrears without an amount", _minimal(arrears_amount=None)),
    ("a negative amount", _minimal(arrears_amount=-5)),
    ("three decimals", _minimal(arrears_amount="12.345")),
    ("a postcode without a house number", _with(_minimal(), postcode="1012 AB")),
    ("nothing to find the household by", {**_minimal(), "subject": {"surname": "Jansen"}}),
    ("an unknown threat", _minimal(threat="fire")),
    ("not an e-mail address", _with(_minimal(), email="not-an-address")),
    ("a reference that is too long", _minimal(partner_reference="R" * 65)),
    (
        "house number 0",
        {**_minimal(), "subject": {"surname": "J", "postcode": "1012AB", "house_number": "0"}},
    ),
    ("a short phone number", _with(_minimal(), phone="12345")),
    ("consent as 'maybe'", _gp(consent_given="maybe")),
    ("a list instead of an object", []),  # type: ignore[list-item]
]

# What JSON Schema cannot express: the schema accepts these, the API refuses them, and the
# schema's descriptions say so.
BEYOND_THE_SCHEMA: list[tuple[str, dict[str, Any], str]] = [
    ("a BSN failing the elfproef", _with(_minimal(), bsn="123456789"), "elfproef"),
    (
        "a birth date in the future",
        _with(_minimal(), date_of_birth=(datetime.date.today() + datetime.timedelta(days=3)).isoformat()),
        "future",
    ),
]


@pytest.fixture
def schema(world) -> dict[str, Any]:
    response = APIClient().get(URL)  # no token: a software supplier checks files before sending
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def _schema_accepts(schema: dict[str, Any], body: Any) -> bool:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return validator.is_valid(body)


def _api_accepts(world, api_as, body: Any) -> bool:
    filer = world.corporatie
    if isinstance(body, dict):
        if body.get("partner_reference") == "X":  # each filing its own reference
            body = {**body, "partner_reference": f"SCHEMA-{next(_numbers)}"}
        if body.get("signal_type") == "gp_observation":
            filer = world.huisarts
    response = api_as(filer).post("/api/v1/signals/", body, format="json")
    assert response.status_code in (201, 400), (response.status_code, response.content)
    return response.status_code == 201


def test_the_schema_is_draft_2020_12_and_built_from_the_serializer(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["signal_type", "partner_reference", "subject"]
    assert schema["additionalProperties"] is False
    assert "rent_arrears" in schema["properties"]["signal_type"]["enum"]
    assert schema["properties"]["subject"]["properties"]["surname"]["maxLength"] == 200
    assert schema["properties"]["threat"]["enum"] == ["none", "eviction", "disconnection", "end_of_supply"]


@pytest.mark.parametrize(("name", "body"), ACCEPTED, ids=[n for n, _ in ACCEPTED])
def test_what_the_schema_accepts_the_api_files(schema, world, api_as, name, body):
    assert _schema_accepts(schema, body), name
    assert _api_accepts(world, api_as, body), name


@pytest.mark.parametrize(("name", "body"), REFUSED, ids=[n for n, _ in REFUSED])
def test_what_the_schema_refuses_the_api_refuses(schema, world, api_as, name, body):
    assert not _schema_accepts(schema, body), name
    assert not _api_accepts(world, api_as, body), name


@pytest.mark.parametrize(
    ("name", "body", "said"), BEYOND_THE_SCHEMA, ids=[n for n, _, _ in BEYOND_THE_SCHEMA]
)
def test_what_only_the_api_can_check_is_described(schema, world, api_as, name, body, said):
    assert _schema_accepts(schema, body), name
    assert not _api_accepts(world, api_as, body), name
    assert said in schema["description"]


def test_a_type_added_by_the_administrator_is_in_the_schema(schema, world):
    SignalType.objects.create(code="water_cut_notice", name="Afsluitbericht water", is_arrears=True)
    document = APIClient().get(URL).json()

    assert "water_cut_notice" in document["properties"]["signal_type"]["enum"]
    assert _schema_accepts(document, _minimal(signal_type="water_cut_notice"))
    assert not _schema_accepts(document, _minimal(signal_type="water_cut_notice", arrears_amount=None))
