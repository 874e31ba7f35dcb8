"""One failing mail never stops the others; it is retried with backoff and parked.

The mail server (tests.mail.RefusesOneRecipient) refuses one recipient's
address, as an SMTP server does for a mailbox that no longer exists.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings

from audit.models import AccessEvent
from cases.models import Case, Notification
from cases.notifications import deliver_pending
from tests import mail as test_mail

from .flow import file_case

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
T0 = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=AMS)
MINUTE = datetime.timedelta(minutes=1)

pytestmark = pytest.mark.usefixtures("refusing_mail_server")


@pytest.fixture
def refusing_mail_server(settings):
    settings.EMAIL_BACKEND = "tests.mail.RefusesOneRecipient"
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_CLAIM_TIMEOUT_SECONDS = 600


@pytest.fixture
def outbox(world, api_as):
    """Three notifications about one case; the oldest is for the refused address."""
    world.triage.email = test_mail.REFUSED
    world.coordinator_noord.email = "coordinator@gemeente.example"
    world.professional_noord.email = "piet@gemeente.example"
    for user in (world.triage, world.coordinator_noord, world.professional_noord):
        user.save()
    with time_machine.travel(T0 - datetime.timedelta(hours=1), tick=False):
        case = Case.objects.get(pk=file_case(world, api_as))
    Notification.objects.all().delete()
    rows = {}
    for n, user in enumerate((world.triage, world.coordinator_noord, world.professional_noord)):
        with time_machine.travel(T0 - datetime.timedelta(minutes=30 - n), tick=False):
            rows[user.username] = Notification.objects.create(
                case=case, recipient=user, kind=Notification.Kind.OVERDUE, dedupe_key="first_contact"
            )
    mail.outbox.clear()
    return rows


def drain(at: datetime.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return deliver_pending()


def test_the_other_notifications_go_out_and_the_failure_is_recorded(outbox):
    assert drain(T0) == 2

    assert sorted(m.to[0] for m in mail.outbox) == ["coordinator@gemeente.example", "piet@gemeente.example"]
    failed = Notification.objects.get(pk=outbox["schakelpunt"].pk)
    assert failed.sent_at is None and failed.parked_at is None
    assert failed.attempts == 1
    assert failed.last_error.startswith("SMTPRecipientsRefused")
    assert "Mailbox unavailable" in failed.last_error
    assert test_mail.REFUSED not in failed.last_error
    assert failed.next_attempt_at == T0 + MINUTE
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_a_failing_notification_is_retried_after_its_backoff_and_parked_after_the_maximum(outbox):
    failing = outbox["schakelpunt"]
    drain(T0)
    mail.outbox.clear()

    def attempts() -> int:
        return Notification.objects.get(pk=failing.pk).attempts

    # Within the backoff nothing is tried again, however often the beat drains.
    drain(T0 + 30 * datetime.timedelta(seconds=1))
    assert attempts() == 1
    # After 1 minute the second attempt, after 2 more the third and last.
    drain(T0 + MINUTE)
    assert attempts() == 2
    drain(T0 + 2 * MINUTE)
    assert attempts() == 2
    drain(T0 + 3 * MINUTE)
    parked = Notification.objects.get(pk=failing.pk)
    assert parked.attempts == 3
    assert parked.parked_at == T0 + 3 * MINUTE
    assert parked.sent_at is None

    drain(T0 + datetime.timedelta(days=2))
    assert attempts() == 3
    assert mail.outbox == []


def test_the_administrator_sees_a_parked_notification_and_releases_it(
    world, outbox, django_capture_on_commit_callbacks
):
    failing = outbox["schakelpunt"]
    for minutes in (0, 1, 3):
        drain(T0 + minutes * MINUTE)
    assert Notification.objects.get(pk=failing.pk).parked_at is not None
    world.beheer.is_staff = world.beheer.is_superuser = True
    world.beheer.save()
    admin = Client()
    admin.force_login(world.beheer)

    parked_page = admin.get("/admin/cases/notification/?status=parked").content.decode()
    sent_page = admin.get("/admin/cases/notification/?status=sent").content.decode()
    assert failing.case.reference in parked_page and "Mailbox unavailable" in parked_page
    assert "Mailbox unavailable" not in sent_page
    detail = admin.get(f"/admin/cases/notification/{failing.pk}/change/")
    assert detail.status_code == 200 and "Mailbox unavailable" in detail.content.decode()

    # The mailbox is fixed; the administrator releases the row for another try.
    world.triage.email = "schakelpunt@gemeente.example"
    world.triage.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/cases/notification/",
            {"action": "release", "_selected_action": [failing.pk]},
        )
    assert response.status_code == 302

    assert [m.to for m in mail.outbox] == [["schakelpunt@gemeente.example"]]
    assert failing.case.reference in mail.outbox[0].subject
    sent = Notification.objects.get(pk=failing.pk)
    assert (sent.parked_at, sent.attempts, sent.last_error) == (None, 4, "")
    assert sent.sent_at is not None
    assert AccessEvent.objects.filter(
        action="notification.release", object_id=str(failing.pk), user_id=world.beheer.pk
    ).exists()


def test_a_drain_that_dies_mid_send_gives_the_notification_back_after_the_claim_timeout(world, outbox):
    crashing = outbox["schakelpunt"]
    world.triage.email = test_mail.CRASHES
    world.triage.save()
    with pytest.raises(SystemExit):
        drain(T0)

    # Meanwhile the next drain sends the others but not the one still claimed,
    # which the first might have sent: no mail twice.
    world.triage.email = "schakelpunt@gemeente.example"
    world.triage.save()
    assert drain(T0 + MINUTE) == 2
    assert "schakelpunt@gemeente.example" not in [m.to[0] for m in mail.outbox]

    assert drain(T0 + 10 * MINUTE) == 1
    assert mail.outbox[-1].to == ["schakelpunt@gemeente.example"]
    assert Notification.objects.get(pk=crashing.pk).attempts == 2


@override_settings(NOTIFICATION_MAX_ATTEMPTS=8, NOTIFICATION_RETRY_MAX_SECONDS=3600)
def test_the_backoff_doubles_and_is_capped(outbox):
    failing = outbox["schakelpunt"]
    moment = T0
    gaps = []
    for _ in range(7):
        drain(moment)
        next_at = Notification.objects.get(pk=failing.pk).next_attempt_at
        gaps.append(int((next_at - moment).total_seconds() // 60))
        moment = next_at
    assert gaps == [1, 2, 4, 8, 16, 32, 60]
