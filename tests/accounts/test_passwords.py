"""Changing one's own password, and resetting a forgotten one by e-mail.

The reset mail holds a link and nothing about the person; a reset logs no
one in, so the second factor and the login lockout still apply after it.
"""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from audit.models import AccessEvent

from .factor import current_code, give_factor

PASSWORD = "test-password-123"
NEW_PASSWORD = "een-heel-nieuw-wachtwoord-42"


def test_a_user_changes_their_password_and_it_is_logged(world):
    client = Client()
    client.post("/accounts/login/", {"username": "huisarts", "password": PASSWORD})

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert client.get("/signalen/").status_code == 200  # still logged in
    world.huisarts.refresh_from_db()
    assert world.huisarts.check_password(NEW_PASSWORD)
    entry = AccessEvent.objects.get(action="password.change")
    assert entry.user_id == world.huisarts.pk


def test_a_wrong_old_password_changes_nothing(world):
    client = Client()
    client.force_login(world.huisarts)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": "fout", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    world.huisarts.refresh_from_db()
    assert world.huisarts.check_password(PASSWORD)


def reset_link(world, settings, user) -> str:
    settings.SITE_URL = "https://schakelpunt.example"
    user.email = "c.noord@gemeente.example"
    user.save()
    response = Client().post("/accounts/password_reset/", {"email": user.email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    body, subject = str(message.body), str(message.subject)
    found = re.search(r"https://schakelpunt\.example(/accounts/reset/\S+/)", body)
    assert found, body
    # A link, and nothing about the person.
    for personal in (user.username, user.first_name, user.last_name, user.email):
        assert personal not in body and personal not in subject
    return found.group(1)


def test_the_reset_mail_holds_a_link_and_no_personal_data(world, settings):
    reset_link(world, settings, world.coordinator_noord)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world):
    response = Client().post("/accounts/password_reset/", {"email": "niemand@example.org"})

    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_a_reset_sets_the_password_but_the_login_still_asks_for_the_code(world, settings, required):
    device = give_factor(world.coordinator_noord)
    link = reset_link(world, settings, world.coordinator_noord)
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]

    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/accounts/reset/done/"
    assert "_auth_user_id" not in client.session
    assert AccessEvent.objects.filter(action="password.reset", user_id=world.coordinator_noord.pk).exists()
    login = client.post("/accounts/login/", {"username": "coordinator-noord", "password": NEW_PASSWORD})
    assert login["Location"] == "/accounts/login/code/"
    code = client.post("/accounts/login/code/", {"otp": current_code(device)})
    assert code["Location"] == "/casussen/team/"
    # The link works once.
    assert "werkt niet meer" in Client().get(link, follow=True).content.decode()


def test_a_reset_does_not_lift_the_login_lockout(world, settings):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "huisarts", "password": "fout"})
    link = reset_link(world, settings, world.huisarts)
    client = Client()
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = Client().post("/accounts/login/", {"username": "huisarts", "password": NEW_PASSWORD})

    assert "Te veel mislukte inlogpogingen" in response.content.decode()
