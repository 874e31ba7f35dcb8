"""Logging in with a second factor: the code after the password, recovery codes, the lockout."""

from __future__ import annotations

from django.test import Client

from audit.models import AccessEvent

from .factor import RECOVERY, current_code, give_factor, wrong_code

PASSWORD = "test-password-123"


def password_step(client: Client, username: str, **extra: str):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, **extra})


def test_the_code_page_follows_the_password_and_only_the_code_logs_in(world, required):
    device = give_factor(world.coordinator_noord)
    client = Client()

    response = password_step(client, "coordinator-noord")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session
    assert not AccessEvent.objects.filter(event_type="login", username="coordinator-noord").exists()
    page = client.get("/accounts/login/code/")
    assert 'autocomplete="one-time-code"' in page.content.decode()

    response = client.post("/accounts/login/code/", {"otp": current_code(device)})

    assert response.status_code == 302 and response["Location"] == "/casussen/team/"
    assert client.get("/casussen/team/").status_code == 200
    assert AccessEvent.objects.filter(event_type="login", username="coordinator-noord").count() == 1


def test_a_next_page_survives_the_code_step(world, required):
    device = give_factor(world.triage)
    client = Client()
    password_step(client, "schakelpunt", next="/casussen/intake/?priority=30")

    response = client.post("/accounts/login/code/", {"otp": current_code(device)})

    assert response["Location"] == "/casussen/intake/?priority=30"


def test_a_wrong_code_is_refused_and_logged_as_a_failed_login(world, required):
    device = give_factor(world.coordinator_noord)
    client = Client()
    password_step(client, "coordinator-noord")

    response = client.post("/accounts/login/code/", {"otp": wrong_code(device)})

    assert response.status_code == 200
    assert "De code klopt niet" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessEvent.objects.filter(event_type="login_failed", username="coordinator-noord").count() == 1


def test_an_empty_code_names_the_field(world, required):
    give_factor(world.coordinator_noord)
    client = Client()
    password_step(client, "coordinator-noord")

    response = client.post("/accounts/login/code/", {"otp": ""})

    assert 'aria-invalid="true"' in response.content.decode()
    assert "Vul de code uit uw authenticator-app in" in response.content.decode()


def test_a_recovery_code_logs_in_once(world, required):
    give_factor(world.auditor)
    first = Client()
    password_step(first, "auditor")
    assert first.post("/accounts/login/code/", {"otp": RECOVERY[0].upper()})["Location"] == "/toegangslog/"

    again = Client()
    password_step(again, "auditor")
    response = again.post("/accounts/login/code/", {"otp": RECOVERY[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in again.session


def test_five_wrong_codes_lock_the_name_even_for_the_right_code(world, required):
    device = give_factor(world.coordinator_noord)
    client = Client()
    password_step(client, "coordinator-noord")
    for _ in range(5):
        client.post("/accounts/login/code/", {"otp": wrong_code(device)})

    response = client.post("/accounts/login/code/", {"otp": current_code(device)})

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    # The password page refuses the name as well, even with the right password.
    again = password_step(Client(), "coordinator-noord")
    assert "Te veel mislukte inlogpogingen" in again.content.decode()


def test_the_code_page_without_a_password_step_goes_back_to_the_login(db):
    response = Client().get("/accounts/login/code/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_a_partner_with_a_factor_is_asked_for_it_too(world, settings):
    settings.REQUIRE_SECOND_FACTOR = False  # optional for partners, and asked whenever set up
    device = give_factor(world.corporatie)
    client = Client()

    assert password_step(client, "corporatie")["Location"] == "/accounts/login/code/"
    assert client.post("/accounts/login/code/", {"otp": current_code(device)})["Location"] == "/signalen/"


def test_the_login_page_says_when_the_second_factor_is_off(db, settings):
    settings.REQUIRE_SECOND_FACTOR = False
    assert "de tweede factor staat uit" in Client().get("/accounts/login/").content.decode()

    settings.REQUIRE_SECOND_FACTOR = True
    assert "de tweede factor staat uit" not in Client().get("/accounts/login/").content.decode()
