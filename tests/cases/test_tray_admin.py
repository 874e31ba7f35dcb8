"""The administrator keeps the work trays and the threats' urgency in Django's admin; changes are logged."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AccessEvent
from cases.models import Case, WorkTray
from signals.models import ThreatUrgency

DEMO_PASSWORD = "demo-wachtwoord-voor-test"


@pytest.fixture
def admin_client(db) -> Client:
    call_command("seed_demo", password=DEMO_PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"username": "beheer", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_the_administrator_adds_a_tray_with_signal_types_from_the_list(
    admin_client, django_capture_on_commit_callbacks
):
    form = admin_client.get("/admin/cases/worktray/add/").content.decode()
    assert 'value="rent_arrears"' in form and 'value="under_27"' in form and 'value="eviction"' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/cases/worktray/add/",
            {
                "name": "Zorgpremie",
                "position": "5",
                "recommended_action": "letter",
                "active": "on",
                "signal_types": ["health_insurance_arrears"],
                "age_bands": ["67_plus"],
                "crisis": "unknown",
                "children": "unknown",
                "repeat": "unknown",
                "multiple": "unknown",
            },
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    tray = WorkTray.objects.get(name="Zorgpremie")
    assert tray.signal_types == ["health_insurance_arrears"] and tray.age_bands == ["67_plus"]
    assert tray.crisis is None
    entry = AccessEvent.objects.get(action="work_tray.create")
    assert entry.username == "beheer"


def test_the_administrator_makes_end_of_supply_urgent_and_it_is_logged(admin_client):
    setting = ThreatUrgency.objects.get(threat="end_of_supply")
    assert setting.priority == 20

    response = admin_client.post(
        f"/admin/signals/threaturgency/{setting.pk}/change/", {"threat": "end_of_supply", "priority": "30"}
    )

    assert response.status_code == 302
    assert ThreatUrgency.priority_by_threat()["end_of_supply"] == 30
    entry = AccessEvent.objects.get(action="threat_urgency.change")
    assert entry.detail["changed"]["priority"] == [20, 30]
    assert not Case.objects.exists()
