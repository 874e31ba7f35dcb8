"""The inbox page and the unread count in the header."""

from __future__ import annotations

import re

from cases.models import Case, Notification


def badge(html: str) -> str | None:
    found = re.search(r'<span class="nav-count">(\d+)', html)
    return found.group(1) if found else None


def test_the_header_counts_unread_and_the_page_links_to_the_case(world, web_as, case_in):
    case_id = case_in("awaiting_lead")
    client = web_as(world.coordinator_noord)

    queue = client.get("/casussen/team/").content.decode()
    assert badge(queue) == "1"

    page = client.get("/casussen/meldingen/")
    text = page.content.decode()
    assert page.status_code == 200
    assert f'href="/casussen/{case_id}/"' in text
    assert Case.objects.get(pk=case_id).reference in text

    note = Notification.objects.get(recipient=world.coordinator_noord)
    assert client.post(f"/casussen/meldingen/{note.pk}/gelezen/").status_code == 302
    assert badge(client.get("/casussen/meldingen/").content.decode()) is None


def test_mark_all_read(world, web_as, case_in):
    case_in("awaiting_lead")
    client = web_as(world.coordinator_noord)

    assert client.post("/casussen/meldingen/alles-gelezen/").status_code == 302
    assert not Notification.objects.filter(recipient=world.coordinator_noord, read_at=None).exists()


def test_someone_elses_notification_is_not_found(world, web_as, case_in):
    case_in("awaiting_lead")
    note = Notification.objects.get(recipient=world.coordinator_noord)

    assert web_as(world.coordinator_zuid).post(f"/casussen/meldingen/{note.pk}/gelezen/").status_code == 404


def test_partners_have_no_inbox_and_no_search_box(world, web_as):
    client = web_as(world.corporatie)

    assert client.get("/casussen/meldingen/").status_code == 403
    assert client.get("/casussen/zoeken/").status_code == 403
    assert 'name="q"' not in client.get("/signalen/").content.decode()
