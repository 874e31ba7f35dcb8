"""An administrator resets a user's second factor (an admin action in the access log), never reads it."""

from __future__ import annotations

from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessEvent

from .factor import current_code, give_factor

PASSWORD = "test-password-123"


def admin_client(world) -> Client:
    world.beheer.is_staff = True
    world.beheer.is_superuser = True
    world.beheer.save()
    device = give_factor(world.beheer)
    client = Client()
    client.post("/accounts/login/", {"username": "beheer", "password": PASSWORD})
    response = client.post("/accounts/login/code/", {"otp": current_code(device)})
    assert response["Location"] == "/admin/"
    return client


def test_the_admin_action_removes_the_factor_and_is_logged(world, required):
    give_factor(world.coordinator_noord)
    client = admin_client(world)

    response = client.post(
        "/admin/coordination/user/",
        {"action": "reset_second_factor", "_selected_action": [world.coordinator_noord.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "De tweede factor van 1 gebruiker is verwijderd" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.coordinator_noord).exists()
    assert not StaticDevice.objects.filter(user=world.coordinator_noord).exists()
    entry = AccessEvent.objects.get(action="second_factor.reset")
    assert entry.user_id == world.beheer.pk
    assert (entry.object_type, entry.object_id) == ("user", str(world.coordinator_noord.pk))
    assert entry.detail == {"had_factor": True}
    # The coordinator sets up a new factor at the next login.
    coordinator = Client()
    login = coordinator.post("/accounts/login/", {"username": "coordinator-noord", "password": PASSWORD})
    assert login.status_code == 302
    assert coordinator.get("/casussen/team/")["Location"] == "/accounts/tweede-factor/"


def test_the_admin_shows_no_secret_or_recovery_code(world, required):
    device = give_factor(world.coordinator_noord)
    client = admin_client(world)

    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    page = client.get(f"/admin/coordination/user/{world.coordinator_noord.pk}/change/").content.decode()
    assert device.key not in page


def test_an_administrator_without_the_factor_reaches_no_admin_page(world, required):
    world.beheer.is_staff = True
    world.beheer.save()
    client = Client()
    client.post("/accounts/login/", {"username": "beheer", "password": PASSWORD})

    response = client.post(
        "/admin/coordination/user/",
        {"action": "reset_second_factor", "_selected_action": [world.coordinator_noord.pk]},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/tweede-factor/"
    assert not AccessEvent.objects.filter(action="second_factor.reset").exists()


def test_an_administrator_cannot_reset_its_own_factor(world, required):
    client = admin_client(world)

    response = client.post(
        "/admin/coordination/user/",
        {"action": "reset_second_factor", "_selected_action": [world.beheer.pk]},
        follow=True,
    )

    assert "Uw eigen tweede factor kunt u niet opnieuw laten instellen" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.beheer).exists()
    assert not AccessEvent.objects.filter(action="second_factor.reset").exists()
