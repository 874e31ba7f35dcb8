"""The municipality's settings for the delivery to the national monitor: edited in the admin,
logged like every other configuration change."""

from __future__ import annotations

from django.forms.models import model_to_dict
from django.test import Client

from audit.models import AccessEvent
from coordination.models import Policy


def test_the_administrator_sets_the_ddas_settings_and_the_change_is_logged(world):
    policy = Policy.current()
    # The functional administrator as seed_demo makes one: staff with every model permission.
    type(world.beheer).objects.filter(pk=world.beheer.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(world.beheer)
    url = f"/admin/coordination/policy/{policy.pk}/change/"
    page = client.get(url).content.decode()
    assert "Levering aan de landelijke monitor (DDAS)" in page

    form = {k: ("" if v is None else v) for k, v in model_to_dict(policy).items() if k != "id"}
    form |= {
        "ddas_municipality_code": "0363",
        "ddas_municipality_name": "Gemeente Amsterdam",
        "ddas_supplier_code": "SCHAKELPUNT",
        "ddas_contact_email": "monitor@example.org",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]

    stored = Policy.objects.get()
    assert (stored.ddas_municipality_code, stored.ddas_supplier_code) == ("0363", "SCHAKELPUNT")
    entry = AccessEvent.objects.get(action="policy.change")
    assert entry.user_id == world.beheer.pk
    assert entry.detail["changed"]["ddas_municipality_code"] == ["", "0363"]
    assert entry.detail["changed"]["ddas_supplier_code"] == ["", "SCHAKELPUNT"]
