"""Helpers for the web page tests: a logged-in browser session per named actor."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.cases.flow import advance, file_case

from .browser import AXE, CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def web_as():
    """``web_as(user)`` gives a Django test client with that user logged in (``None``: a visitor)."""

    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


def household(n: int) -> dict[str, Any]:
    """Signal changes for the n-th household of a test: no match with the base signal's."""
    return {
        "partner_reference": f"HH-{n}",
        "subject__surname": f"Huishouden{n}",
        "subject__date_of_birth": f"19{50 + n}-02-0{1 + n % 9}",
    }


@pytest.fixture
def case_in(world, api_as):
    """``case_in("awaiting_lead", **signal_changes)``: a case of team Noord in that state (its id)."""

    def make(state: str = "new", **changes: Any) -> str:
        case_id = file_case(world, api_as, **changes)
        advance(world, api_as, case_id, state)
        return case_id

    return make


def _missing(what: str) -> None:
    # On CI a missing browser or axe-core is a broken setup, not a reason to skip.
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it")
    pytest.skip(f"{what} is missing (run .ci/run or see README)")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    if not AXE.exists():
        _missing(str(AXE))
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop on this thread; the ORM calls the
    # tests make between browser steps are plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
