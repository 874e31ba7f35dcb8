"""The second factor in a real browser.

``coordinator-noord``, who must have a second factor and has none, logs in,
is sent to the enrolment page, sets up an authenticator app from the secret
shown beside the QR code, sees the recovery codes once and opens a case;
then logs out and in again with the app's code. The account pages (password
change, forgotten password) are visited too. Every page is checked with
axe-core and photographed at both sizes (``screenshots/tweede-factor-*``).
"""

from __future__ import annotations

from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factor import current_code

from .browser import Inspector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "test-password-123"


@pytest.fixture
def browse(chromium, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def app_code(world: Any) -> str:
    """The code the coordinator's app shows now."""
    return current_code(TOTPDevice.objects.get(user=world.coordinator_noord))


def password_step(page: Any, username: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1] != "login")


def test_a_coordinator_sets_up_the_second_factor_and_logs_in_with_it(world, browse, case_in, settings):
    case_id = case_in("awaiting_lead")  # made by the flow's actors before the factor is required
    settings.REQUIRE_SECOND_FACTOR = True
    page = browse
    inspect = Inspector(prefix="tweede-factor-")

    page.goto(page.base + "/accounts/login/")
    inspect.check(page, "inloggen")
    assert "de tweede factor staat uit" not in page.content()
    password_step(page, "coordinator-noord")

    # No factor yet: every page leads to the enrolment page.
    assert page.url.endswith("/accounts/tweede-factor/")
    page.goto(page.base + f"/casussen/{case_id}/")
    assert page.url.endswith("/accounts/tweede-factor/")
    assert page.get_by_role("img", name="QR-code voor uw authenticator-app").is_visible()
    inspect.check(page, "instellen")

    # The app is set up by hand from the secret shown beside the QR code.
    secret = page.locator("#secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_role("textbox", name="Code").fill(f"{(TOTP(key).token() + 500_000) % 1_000_000:06d}")
    page.get_by_role("button", name="Bevestigen").click()
    assert page.get_by_text("De code klopt niet").first.is_visible()
    inspect.check(page, "instellen-fout")
    page.get_by_role("textbox", name="Code").fill(app_code(world))
    page.get_by_role("button", name="Bevestigen").click()
    page.get_by_role("heading", name="Uw herstelcodes").wait_for()
    assert page.locator(".recovery-codes code").count() == 10
    inspect.check(page, "herstelcodes")
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    page.wait_for_url("**/casussen/team/")
    page.goto(page.base + f"/casussen/{case_id}/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert "/casussen/" in page.url

    # Out and in again: the password, then the app's code.
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/accounts/login/")
    password_step(page, "coordinator-noord")
    assert page.url.endswith("/accounts/login/code/")
    inspect.check(page, "code")
    page.get_by_role("textbox", name="Code").fill(app_code(world))
    page.keyboard.press("Enter")
    page.wait_for_url("**/casussen/team/")
    page.goto(page.base + f"/casussen/{case_id}/")
    assert page.url.endswith(f"/casussen/{case_id}/")

    page.get_by_role("link", name="Mijn account").click()
    page.wait_for_url("**/accounts/")
    inspect.check(page, "account")
    page.get_by_role("link", name="Tweede factor bekijken").click()
    inspect.check(page, "status")
    assert "nog 10 ongebruikte herstelcodes" in page.content()


def test_the_password_pages_are_accessible(world, browse):
    page = browse
    inspect = Inspector(prefix="wachtwoord-")

    password_step(page, "huisarts")
    page.goto(page.base + "/accounts/password_change/")
    inspect.check(page, "wijzigen")
    page.get_by_label("Oud wachtwoord").fill("fout")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    page.locator(".error-summary").wait_for()
    inspect.check(page, "wijzigen-fout")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/accounts/login/")

    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    inspect.check(page, "vergeten")
    page.get_by_label("E-mailadres").fill("niemand@example.org")
    page.get_by_role("button", name="Link versturen").click()
    page.wait_for_url("**/accounts/password_reset/done/")
    inspect.check(page, "verstuurd")
    page.goto(page.base + "/accounts/reset/MQ/ongeldig-token/")
    inspect.check(page, "link-verlopen")
