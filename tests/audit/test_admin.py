"""The admin shows the access log but offers no way to add, change or delete entries."""

from __future__ import annotations

from django.test import Client

from audit.models import AccessEvent
from audit.services import record


def test_the_admin_is_read_only_and_logs_its_views(world):
    entry = record(actor=world.triage, event_type="read", action="case.read")
    world.beheer.is_staff = world.beheer.is_superuser = True
    world.beheer.save()
    client = Client()
    client.force_login(world.beheer)

    assert client.get("/admin/audit/accessevent/").status_code == 200
    assert client.get(f"/admin/audit/accessevent/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/audit/accessevent/add/").status_code == 403
    assert client.post(f"/admin/audit/accessevent/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/audit/accessevent/{entry.pk}/change/", {"action": "case.list"})

    assert AccessEvent.objects.get(pk=entry.pk).action == "case.read"
    assert set(AccessEvent.objects.filter(user_id=world.beheer.pk).values_list("action", flat=True)) >= {
        "admin.audit.list",
        "admin.audit.read",
    }
