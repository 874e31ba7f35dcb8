"""A bounded schemathesis run over the OpenAPI schema, as a partner, triage, a coordinator and the monitor.

Every operation gets generated requests (valid and invalid) with each of the
four tokens: none may answer 5xx, and every status it answers must be in the
schema. The schema is read from the running application, so a new endpoint is
covered as soon as it is routed.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import status_code_conformance

from coordination.models import User

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

# About 4 x 20 operations x 40 examples: a few thousand requests in all.
EXAMPLES = 40
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance]


def _token(user: User) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": "test-password-123"}, format="json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


@pytest.fixture
def tokens(world: SimpleNamespace, ddas_settings: Any) -> dict[str, str]:
    return {
        "partner": _token(world.corporatie),
        "triage": _token(world.triage),
        "coordinator": _token(world.coordinator_noord),
        # The delivery to the national monitor is the monitor's alone.
        "monitor": _token(world.monitor),
    }


@pytest.mark.django_db(transaction=True)  # each request commits or rolls back on its own, as served
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_error_and_no_undocumented_status(case: Any, tokens: dict[str, str]) -> None:
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
