"""Pages work under the Content-Security-Policy: no script or style of theirs is refused."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "test-password-123"


@pytest.fixture
def page(chromium, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    page.refused = []
    # Chromium reports every refusal by the policy on the console.
    page.on(
        "console",
        lambda message: page.refused.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    yield page
    context.close()


def login(page: Any, username: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_partner_pages_run_their_script_under_the_policy(world, page):
    login(page, "corporatie")
    page.goto(page.base + "/signalen/nieuw/")
    # The form's own script shows the arrears fields for an arrears type (static/js/schakelpunt.js).
    page.get_by_label("Soort signaal").select_option("rent_arrears")
    assert page.locator("[name=arrears_amount]").is_visible()
    page.goto(page.base + "/signalen/bulk/")

    assert page.refused == []


def test_the_api_docs_load_under_the_policy(world, page):
    login(page, "corporatie")
    page.goto(page.base + "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)

    assert page.refused == []


def test_the_admin_works_under_the_policy(world, page):
    world.beheer.is_staff = world.beheer.is_superuser = True
    world.beheer.save()
    login(page, "beheer")
    page.goto(page.base + "/admin/coordination/user/")
    page.goto(page.base + f"/admin/coordination/user/{world.huisarts.pk}/change/")
    page.wait_for_selector("form")

    assert page.refused == []


def test_redoc_renders_with_its_own_narrow_exception(world, page):
    page.goto(page.base + "/api/redoc/")
    page.get_by_role("heading", name="Schakelpunt API (1.0.0)").wait_for(timeout=20_000)

    # Only Redoc's logo from its own site is refused: the page fetches nothing from elsewhere.
    assert all("Loading the image 'https://" in refusal for refusal in page.refused)
