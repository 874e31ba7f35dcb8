"""Bad input is a 400 (or 405 for a method a view does not serve), never a 500.

Every API URL (the matrix of ``test_url_matrix``, so a new URL is covered
as soon as it has its entry there) gets, from each role that can reach it
and on objects in that role's scope: NUL characters in a JSON body, a form
and a multipart body, the query string, the path, a header and a cookie;
JSON nested far too deep; and every method the view does not serve.
The pages' forms get the same NUL characters.
"""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.urls.converters import IntConverter
from rest_framework.test import APIClient

from schakelpunt.tokens import create_system_key
from signals.models import Signal
from tests.cases.flow import advance, file_case
from tests.signals.payloads import signal
from tests.test_url_matrix import MATRIX

NUL = "\x00"
# Every field name the API takes, each holding a NUL.
FIELDS = [
    "username", "password", "signal_type", "partner_reference", "reason", "outcome", "team", "lead",
    "channel", "result", "at", "note", "description", "organisation", "role", "person", "contact",
]  # fmt: skip
NUL_BODIES: list[Any] = [
    {name: f"x{NUL}y" for name in FIELDS},
    {f"sub{NUL}ject": "x"},
    {"subject": {"surname": f"Jansen{NUL}"}, "partner_reference": "REF-1"},
    {"description": "Doel", "actions": [{"description": f"Actie{NUL}", "owner": "x"}]},
    f"tekst{NUL}",
]


def _nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


DEEP_BODIES = [
    "[" * 100_000 + "]" * 100_000,  # past Python's recursion limit
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    json.dumps({"subject": {"surname": _nested(40)}}),  # parses, but deeper than anything the API takes
    json.dumps({"reason": _nested(500)}),
]
METHODS = ["get", "post", "put", "patch", "delete"]

ACTORS = {
    "anyone": None,
    "partner": "corporatie",
    "triage": "triage",
    "coordinator": "coordinator_noord",
    "professional": "professional_noord",
    "auditor": "auditor",
    "admin": "beheer",
    "monitor": "monitor",
}
CASES = [(name, role) for name, (_, roles) in sorted(MATRIX.items()) for role in sorted(roles)]


@pytest.fixture
def scope(world, api_as, request) -> SimpleNamespace:
    """Objects the test's role can reach: the partner's signal and upload, triage's case, the team's case."""
    role = request.node.callspec.params["role"]
    reach = SimpleNamespace(case_id=None, signal_id=None, upload_id=None, key_id=None)
    if role in ("triage", "coordinator", "professional"):
        reach.case_id = file_case(world, api_as)
        advance(world, api_as, reach.case_id, "outreach" if role == "triage" else "in_progress")
    if role == "partner":
        file_case(world, api_as)
        reach.signal_id = Signal.objects.get(organisation=world.housing).pk
        upload = api_as(world.corporatie).post(
            "/api/v1/signals/bulk/",
            {"file": SimpleUploadedFile("batch.csv", b"signal_type,partner_reference\n", "text/csv")},
            format="multipart",
        )
        assert upload.status_code == 202, upload.content
        reach.upload_id = upload.json()["id"]
        reach.key_id = create_system_key(actor=world.corporatie, name="Huurincasso").key.pk
    return reach


def _url(name: str, scope: SimpleNamespace) -> str:
    """The URL on objects in scope; an argument this test does not know gets a random id."""
    pattern = next(p for p in _patterns() if p.name == name)
    kwargs = {
        key: "claim" if key == "transition" else getattr(scope, key, None) or _unknown_id(converter)
        for key, converter in pattern.pattern.converters.items()
    }
    return reverse(name, kwargs=kwargs)


def _unknown_id(converter: Any) -> Any:
    """An id nothing has, in the form the URL takes (a number for ``<int:…>``)."""
    return 987654321 if isinstance(converter, IntConverter) else uuid.uuid4()


def _patterns(resolver: Any = None, prefix: str = "") -> list[URLPattern]:
    found: list[URLPattern] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLPattern):
            if (prefix + str(entry.pattern)).startswith("api/v1/"):
                found.append(entry)
        else:
            found += _patterns(entry, prefix + str(entry.pattern))
    return found


def _client(world: SimpleNamespace, api_as: Any, role: str) -> APIClient:
    """The role's token client; a 500 is answered, not raised, as a user would see it."""
    actor = ACTORS[role]
    client = api_as(getattr(world, actor) if actor else None)
    client.raise_request_exception = False
    return client


def _send(client: APIClient, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    if isinstance(body, str):
        return getattr(client, method)(url, body, content_type="application/json", **extra)
    return getattr(client, method)(url, body, format="json", **extra)


def _served_by(name: str) -> set[str]:
    view = next(p for p in _patterns() if p.name == name).callback.view_class  # type: ignore[attr-defined]
    return {method for method in METHODS if hasattr(view, method)}


# The URLs that take a body, each from every role that can reach it.
BODY_CASES = [(name, role) for name, role in CASES if _served_by(name) - {"get"}]


@pytest.mark.parametrize(("name", "role"), BODY_CASES)
def test_nul_characters_and_deep_nesting_are_refused_with_400(world, api_as, scope, name, role):
    client = _client(world, api_as, role)
    url = _url(name, scope)
    for method in sorted(_served_by(name) - {"get"}):
        for body in NUL_BODIES + DEEP_BODIES:
            response = _send(client, method, url, body)
            # 415: the bulk upload takes only a multipart file.
            assert response.status_code in (400, 415), (method, url, repr(body)[:80], response.content[:300])
        for body in ({"reason": f"a{NUL}b", "note": "x"}, {f"re{NUL}ason": "x"}):
            for fmt in ("multipart", None):
                if fmt:
                    response = getattr(client, method)(url, body, format=fmt)
                else:
                    form = "&".join(f"{k}={v}" for k, v in body.items()).replace(NUL, "%00")
                    response = getattr(client, method)(
                        url, form, content_type="application/x-www-form-urlencoded"
                    )
                assert response.status_code in (400, 415), (method, url, fmt, response.content[:300])


@pytest.mark.parametrize(("name", "role"), CASES)
def test_nul_characters_outside_the_body_are_refused_with_400(world, api_as, scope, name, role):
    client = _client(world, api_as, role)
    url = _url(name, scope)
    nul_query = "reason=%00&state=new%00&format=csv%00&action=login%00&page=1%00&cursor=%00&x%00=1"
    for method in sorted(_served_by(name)):
        response = _send(client, method, f"{url}?{nul_query}", {})
        assert response.status_code == 400, (method, url, "query", response.content[:300])
        assert response.json() == {"detail": "Null-tekens zijn niet toegestaan."}
        response = _send(client, method, url, {}, HTTP_IDEMPOTENCY_KEY=f"key{NUL}")
        assert response.status_code == 400, (method, url, "header", response.content[:300])
    # Not a URL of the service, but a NUL in the path reaches the denied-request log entry.
    response = client.get(url.rstrip("/") + "%00/")
    assert response.status_code == 400, (url, "path", response.content[:300])
    cookie_client = _client(world, api_as, role)
    cookie_client.cookies["sessionid"] = f"abcdefgh{NUL}ijklmnop"
    response = cookie_client.get(url)
    assert response.status_code == 400, (url, "cookie", response.content[:300])
    token_client = _client(world, api_as, "anyone")
    response = token_client.get(url, HTTP_AUTHORIZATION=f"Token abc{NUL}def")
    assert response.status_code == 400, (url, "token", response.content[:300])


@pytest.mark.parametrize(("name", "role"), CASES)
def test_methods_a_view_does_not_serve_are_405_and_options_answers(world, api_as, scope, name, role):
    client = _client(world, api_as, role)
    url = _url(name, scope)
    served = _served_by(name)
    for method in METHODS:
        if method not in served:
            response = _send(client, method, url, {"reason": "x"})
            assert response.status_code == 405, (method, url, response.content[:300])
            assert "detail" in response.json()
    response = client.options(url)
    assert response.status_code < 500, (url, response.content[:300])
    if role != "anyone" or name == "auth-token":
        assert response.status_code == 200, (url, response.content[:300])
        assert {m.upper() for m in served} <= set(response["Allow"].split(", "))


def test_a_nul_in_a_json_field_is_an_error_on_that_field(world, api_as):
    anyone = _client(world, api_as, "anyone")
    credentials = {"username": f"huisarts{NUL}", "password": "x"}
    response = anyone.post("/api/v1/auth/token/", credentials, format="json")
    assert response.status_code == 400
    assert response.json() == {"username": ["Null-tekens zijn niet toegestaan."]}

    partner = _client(world, api_as, "partner")
    response = partner.post("/api/v1/signals/", signal(subject__surname=f"Jansen{NUL}"), format="json")
    assert response.status_code == 400
    assert response.json() == {"subject": {"surname": ["Null-tekens zijn niet toegestaan."]}}
    assert not Signal.objects.exists()


def test_deeply_nested_json_is_refused_with_a_plain_reason(world, api_as):
    client = _client(world, api_as, "partner")
    response = _send(client, "post", "/api/v1/signals/", DEEP_BODIES[0])
    assert response.status_code == 400
    assert response.json() == {"detail": "De gegevens zijn te diep genest."}


# --- the pages ----------------------------------------------------------------

PARTNER_FORM = {
    "signal_type": "rent_arrears",
    "partner_reference": "HUUR-2026-0001",
    "subject_surname": "Jansen",
    "subject_date_of_birth": "1984-03-12",
    "subject_postcode": "1012 AB",
    "subject_house_number": "12",
    "arrears_amount": "850,00",
    "arrears_since": "2026-08-01",
    "threat": "none",
    "children_in_household": "unknown",
    "note": "Huurder reageert niet op brieven.",
}
PAGES = [
    ("/accounts/login/", None, {"username": "huisarts", "password": "test-password-123"}),
    ("/signalen/nieuw/", "huisarts", PARTNER_FORM),
]


@pytest.mark.parametrize(("url", "user", "form"), PAGES)
def test_pages_answer_a_nul_anywhere_with_a_form_error_or_400(world, url, user, form):
    client = Client(raise_request_exception=False)
    if user:
        client.force_login(getattr(world, user))
    for field in form:
        response = client.post(url, {**form, field: form[field] + NUL})
        # The form marks the field and keeps the rest of what was typed.
        assert response.status_code in (200, 400), (field, response.status_code)
        tag = re.search(rf'<(input|select|textarea)[^>]* name="{field}"[^>]*>', response.content.decode())
        assert tag is not None and 'aria-invalid="true"' in tag.group(0), field
    assert not Signal.objects.exists()
    assert "_auth_user_id" not in client.session or user

    response = client.get(f"{url}?next=/%00")
    assert response.status_code == 400
    assert "Ongeldig verzoek" in response.content.decode()
    client.cookies["sessionid"] = f"abcdefgh{NUL}ijklmnop"
    response = client.get(url)
    assert response.status_code == 400
    assert "Ongeldig verzoek" in response.content.decode()
