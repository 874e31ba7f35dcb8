"""Erasure after the retention periods: no personal data left, figures and log intact."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from audit.integrity import verify
from audit.models import AccessEvent
from cases.models import Case, ContactAttempt, HouseholdKey
from signals import figures
from signals.models import Signal
from signals.retention import apply_retention

from .flow import advance, file_case, step

SURNAMES = ["Vergeten", "Gewist", "Verlopen", "Bewaard", "Oudehulp", "Nieuwehulp"]


def _dump() -> str:
    db = settings.DATABASES["default"]
    return subprocess.run(
        ["pg_dump", "--data-only", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], db["NAME"]],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def _case(world, api_as, n: int) -> str:
    return file_case(
        world,
        api_as,
        partner_reference=f"R-{n}",
        subject__surname=SURNAMES[n],
        subject__date_of_birth=f"19{60 + n}-05-05",
        note=f"Notitie over {SURNAMES[n]}",
    )


def _back_date(case_id: str, *, opened_days: int, closed_days: int) -> None:
    now = timezone.now()
    Case.objects.filter(pk=case_id).update(
        opened_at=now - datetime.timedelta(days=opened_days),
        closed_at=now - datetime.timedelta(days=closed_days),
    )


@pytest.mark.django_db(transaction=True)
def test_back_dated_cases_are_erased_and_still_counted(world, api_as):
    # 0: closed without contact, received 7 months ago -> erased (6 months after receipt)
    no_contact = _case(world, api_as, 0)
    step(api_as, world.triage, no_contact, "close", outcome="not_picked_up_unfounded")
    _back_date(no_contact, opened_days=215, closed_days=200)
    # 1: contact, no help, closed 13 months ago -> erased (12 months after closing)
    no_help = _case(world, api_as, 1)
    advance(world, api_as, no_help, "outreach")
    api_as(world.triage).post(
        f"/api/v1/cases/{no_help}/contacts/",
        {"channel": "phone", "result": "declined", "note": "Wil niet praten"},
        format="json",
    )
    step(api_as, world.triage, no_help, "close", outcome="declined_help")
    _back_date(no_help, opened_days=420, closed_days=400)
    # 2: help, closed 19 months ago -> erased (18 months after closing)
    helped = _case(world, api_as, 2)
    advance(world, api_as, helped, "in_progress")
    api_as(world.professional_noord).post(
        f"/api/v1/cases/{helped}/plan/goals/", {"description": "Geheim doel van Verlopen"}, format="json"
    )
    step(api_as, world.professional_noord, helped, "close", outcome="referral_financial")
    _back_date(helped, opened_days=600, closed_days=580)
    # 3: help, closed 13 months ago -> kept (help keeps 18 months)
    kept = _case(world, api_as, 3)
    advance(world, api_as, kept, "in_progress")
    step(api_as, world.professional_noord, kept, "close", outcome="referral_financial")
    _back_date(kept, opened_days=420, closed_days=400)
    # 4: a below-threshold signal received 7 months ago -> erased
    api_as(world.corporatie).post(
        "/api/v1/signals/",
        {
            "signal_type": "rent_arrears",
            "partner_reference": "KLEIN",
            "arrears_amount": "10",
            "subject": {
                "surname": "Kleinbedrag",
                "date_of_birth": "1980-01-01",
                "postcode": "1012AB",
                "house_number": "1",
            },
        },
        format="json",
    )
    Signal.objects.filter(case__isnull=True).update(received_at=timezone.now() - datetime.timedelta(days=215))
    figures_before = figures.signals_per_month(suppress=False)
    assert sum(row["count"] for row in figures_before) == 5

    result = apply_retention()
    again = apply_retention()

    assert (result.cases_erased, result.signals_erased) == (3, 1)
    assert (again.cases_erased, again.signals_erased) == (0, 0)
    dump = _dump()
    for gone in ("Vergeten", "Gewist", "Verlopen", "Kleinbedrag", "Wil niet praten", "Geheim doel", "KLEIN"):
        assert gone not in dump
    assert Signal.objects.get(case_id=kept).surname == "Bewaard"
    for erased in (no_contact, no_help, helped):
        signal = Signal.objects.get(case_id=erased)
        assert signal.surname is None and signal.date_of_birth is None and signal.note is None
        assert signal.signal_type.code == "rent_arrears"
        assert not HouseholdKey.objects.filter(household_id=Case.objects.get(pk=erased).household_id).exists()
    assert ContactAttempt.objects.get(case_id=no_help).note is None
    assert Case.objects.get(pk=helped).outcome == "referral_financial"
    assert figures.signals_per_month(suppress=False) == figures_before
    assert AccessEvent.objects.filter(event_type="erase").count() == 4
    assert verify().ok
    call_command("verify_audit_log")
