"""Setting up the second factor: QR code and secret, a first code to confirm, recovery codes once."""

from __future__ import annotations

import re
from base64 import b32decode

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessEvent

from .factor import current_code

PASSWORD = "test-password-123"


def logged_in(username: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


def secret_on(page: str) -> str:
    found = re.search(r'<code class="id" id="secret">([A-Z2-7 ]+)</code>', page)
    assert found, "no secret on the page"
    return found.group(1).replace(" ", "")


def test_the_page_shows_a_qr_code_and_the_same_secret_on_reload(world, required):
    client = logged_in("coordinator-noord")

    first = client.get("/accounts/tweede-factor/").content.decode()
    again = client.get("/accounts/tweede-factor/").content.decode()

    assert "<svg" in first and 'class="qr__image"' in first
    assert 'role="img"' in first
    assert secret_on(first) == secret_on(again)
    assert TOTPDevice.objects.filter(user=world.coordinator_noord, confirmed=False).count() == 1


def test_a_first_code_from_the_secret_confirms_it_and_shows_recovery_codes_once(world, required):
    client = logged_in("coordinator-noord")
    secret = secret_on(client.get("/accounts/tweede-factor/").content.decode())
    key = b32decode(secret + "=" * (-len(secret) % 8))
    code = f"{TOTP(key).token():06d}"

    response = client.post("/accounts/tweede-factor/", {"otp": code})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Uw herstelcodes" in page
    tokens = StaticToken.objects.filter(device__user=world.coordinator_noord)
    codes = set(tokens.values_list("token", flat=True))
    assert len(codes) == 10 and all(f"<code>{c}</code>" in page for c in codes)
    assert TOTPDevice.objects.get(user=world.coordinator_noord).confirmed
    entry = AccessEvent.objects.get(action="second_factor.enrol")
    assert entry.user_id == world.coordinator_noord.pk and entry.object_id == str(world.coordinator_noord.pk)
    # This session passed the factor: the pages open; the codes are not shown again.
    assert client.get("/casussen/team/").status_code == 200
    status = client.get("/accounts/tweede-factor/").content.decode()
    assert "nog 10 ongebruikte herstelcodes" in status
    assert not any(c in status for c in codes)


def test_a_wrong_first_code_confirms_nothing(world, required):
    client = logged_in("coordinator-noord")
    client.get("/accounts/tweede-factor/")
    device = TOTPDevice.objects.get(user=world.coordinator_noord)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = client.post("/accounts/tweede-factor/", {"otp": wrong})

    assert response.status_code == 200
    assert "De code klopt niet" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get("/casussen/team/")["Location"] == "/accounts/tweede-factor/"


def test_a_partner_may_set_one_up(world, settings):
    settings.REQUIRE_SECOND_FACTOR = True
    client = logged_in("corporatie")

    page = client.get("/accounts/tweede-factor/").content.decode()

    assert "voor partners niet verplicht" in page
    assert client.get("/signalen/").status_code == 200


def test_the_account_page_links_password_and_factor(world):
    client = logged_in("huisarts")

    page = client.get("/accounts/").content.decode()

    assert 'href="/accounts/password_change/"' in page and 'href="/accounts/tweede-factor/"' in page
