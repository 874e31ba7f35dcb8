"""``POST /api/v1/trays/{id}/letters/``: a print run for a work tray's cases that had no letter yet."""

from __future__ import annotations

from audit.models import AccessEvent
from cases.demo import seed_demo_trays
from cases.models import Case, ContactAttempt, WorkTray

from .conftest import pdf_text
from .test_print_run import household


def letters_tray() -> WorkTray:
    seed_demo_trays()
    return WorkTray.objects.get(recommended_action="letter")


def run(api_as, user, tray_id, template, capture):
    with capture(execute=True):
        return api_as(user).post(
            f"/api/v1/trays/{tray_id}/letters/", {"template": template.pk}, format="json"
        )


def test_a_tray_run_writes_to_every_case_without_a_letter_and_claims_the_new_ones(
    world, api_as, template, django_capture_on_commit_callbacks
):
    tray = letters_tray()
    cases = [household(world, api_as, name) for name in ("Jansen", "Bakker", "Visser")]
    assert set(Case.objects.filter(pk__in=cases).values_list("tray_id", flat=True)) == {tray.pk}
    assert set(Case.objects.filter(pk__in=cases).values_list("state", flat=True)) == {"new"}

    response = run(api_as, world.triage, tray.pk, template, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    progress = api_as(world.triage).get(f"/api/v1/letters/runs/{run_id}/").json()
    assert (progress["state"], progress["total"], progress["letters"]) == ("done", 3, 3)
    # Each new case was claimed by the officer, then got its letter as a contact attempt.
    assert set(Case.objects.filter(pk__in=cases).values_list("state", "claimed_by")) == {
        ("triage", world.triage.pk)
    }
    assert ContactAttempt.objects.filter(case_id__in=cases, channel="letter").count() == 3
    assert AccessEvent.objects.filter(action="case.claim", case_id__in=cases).count() == 3
    text = pdf_text(api_as(world.triage).get(f"/api/v1/letters/runs/{run_id}/letters.pdf").content)
    assert all(name in text for name in ("Jansen", "Bakker", "Visser"))

    # A second run finds no case without a letter: a plain 400, no empty run.
    again = run(api_as, world.triage, tray.pk, template, django_capture_on_commit_callbacks)
    assert again.status_code == 400
    assert "geen casus meer zonder brief" in again.json()["tray"][0]


def test_only_who_sends_letters_runs_a_tray_and_only_a_tray_they_see(
    world, api_as, template, django_capture_on_commit_callbacks
):
    tray = letters_tray()
    household(world, api_as, "Jansen")

    assert (
        run(
            api_as, world.coordinator_noord, tray.pk, template, django_capture_on_commit_callbacks
        ).status_code
        == 403
    )
    assert (
        run(api_as, world.corporatie, tray.pk, template, django_capture_on_commit_callbacks).status_code
        == 403
    )
    assert run(api_as, world.triage, 999999, template, django_capture_on_commit_callbacks).status_code == 404
    bad = api_as(world.triage).post(f"/api/v1/trays/{tray.pk}/letters/", {"template": 999999}, format="json")
    assert bad.status_code == 400 and "template" in bad.json()
    assert ContactAttempt.objects.count() == 0
