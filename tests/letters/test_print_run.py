"""A print run: one PDF with a letter per case that had none yet, made in the background."""

from __future__ import annotations

import pytest
from django.utils import timezone

from audit.models import AccessEvent
from cases.models import Case, ContactAttempt
from letters import services
from letters.models import PrintRun, PrintRunItem
from tests.cases.flow import advance, file_case

from .conftest import pdf_text


def household(world, api_as, surname: str) -> str:
    """A case of another household: its own name, address and date of birth."""
    number = str(sum(map(ord, surname)) % 200 + 1)
    return file_case(
        world,
        api_as,
        subject__surname=surname,
        subject__house_number=number,
        subject__date_of_birth=f"19{number[-2:].zfill(2)}-01-0{len(surname) % 9 + 1}",
        partner_reference=f"HUUR-{surname}",
    )


def outreach(world, api_as, surname: str) -> str:
    case_id = household(world, api_as, surname)
    advance(world, api_as, case_id, "outreach")
    return case_id


@pytest.fixture
def cases(world, api_as) -> list[str]:
    return [outreach(world, api_as, name) for name in ("Jansen", "Bakker", "Visser")]


def start(api_as, user, template, case_ids, capture):
    with capture(execute=True):
        return api_as(user).post(
            "/api/v1/letters/runs/", {"template": template.pk, "cases": case_ids}, format="json"
        )


def test_a_run_makes_one_pdf_with_a_letter_per_case_that_had_none(
    world, api_as, template, cases, django_capture_on_commit_callbacks
):
    api_as(world.triage).get(f"/api/v1/cases/{cases[1]}/letters/{template.pk}.pdf")  # Bakker has one

    response = start(api_as, world.triage, template, cases, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    progress = api_as(world.triage).get(f"/api/v1/letters/runs/{run_id}/").json()
    assert progress["state"] == "done"
    assert (progress["total"], progress["done"], progress["letters"], progress["skipped"]) == (3, 3, 2, 1)
    assert progress["errors"] == []

    download = api_as(world.triage).get(f"/api/v1/letters/runs/{run_id}/letters.pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    text = pdf_text(download.content)
    references = {case_id: Case.objects.get(pk=case_id).reference for case_id in cases}
    assert "Jansen" in text and "Visser" in text and "Bakker" not in text
    assert references[cases[0]] in text and references[cases[2]] in text
    assert text.index(references[cases[0]]) < text.index(references[cases[2]])  # in the order given
    assert ContactAttempt.objects.filter(case_id__in=cases, channel="letter").count() == 3
    reads = AccessEvent.objects.filter(action="case.letter.read", object_type="print_run")
    assert sorted(str(e.case_id) for e in reads) == sorted([cases[0], cases[2]])  # one per household


def test_the_pdf_is_kept_sealed_and_only_its_maker_reads_it(
    world, api_as, template, cases, django_capture_on_commit_callbacks
):
    run_id = start(api_as, world.triage, template, cases[:1], django_capture_on_commit_callbacks).json()["id"]

    stored = PrintRun.objects.get(pk=run_id).sealed
    assert stored is not None
    sealed = bytes(stored)
    assert b"%PDF" not in sealed and b"Jansen" not in sealed
    other_triage = type(world.triage).objects.create(username="triage-2", organisation=world.municipality)
    other_triage.roles = ["triage"]
    other_triage.save()
    for path in (f"/api/v1/letters/runs/{run_id}/", f"/api/v1/letters/runs/{run_id}/letters.pdf"):
        assert api_as(other_triage).get(path).status_code == 404
        assert api_as(world.coordinator_noord).get(path).status_code == 403


def test_a_case_outside_the_scope_is_refused_without_saying_whether_it_exists(
    world, api_as, template, cases, django_capture_on_commit_callbacks
):
    team_case = household(world, api_as, "Smit")
    advance(world, api_as, team_case, "awaiting_lead")  # with team Noord now: not triage's

    response = start(
        api_as, world.triage, template, [cases[0], team_case], django_capture_on_commit_callbacks
    )
    missing = start(
        api_as,
        world.triage,
        template,
        [cases[0], "00000000-0000-4000-8000-000000000000"],
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 400
    assert missing.status_code == 400
    assert response.json()["cases"][0].replace(team_case, "X") == missing.json()["cases"][0].replace(
        "00000000-0000-4000-8000-000000000000", "X"
    )
    assert not PrintRun.objects.exists()
    assert not ContactAttempt.objects.exists()


def test_wrong_roles_and_unknown_templates_are_refused(world, api_as, template, cases):
    body = {"template": template.pk, "cases": cases}
    for user in (world.coordinator_noord, world.corporatie, world.auditor, world.beheer):
        assert api_as(user).post("/api/v1/letters/runs/", body, format="json").status_code == 403
    unknown = api_as(world.triage).post(
        "/api/v1/letters/runs/", {"template": template.pk + 1000, "cases": cases}, format="json"
    )
    assert unknown.status_code == 400 and "template" in unknown.json()
    assert not PrintRun.objects.exists()


def test_a_case_that_cannot_get_a_letter_now_is_listed_and_the_others_are_made(
    world, api_as, template, cases, django_capture_on_commit_callbacks
):
    # Closed from the intake: still in triage's view, but no letter goes out any more.
    new_case = household(world, api_as, "Mulder")
    Case.objects.filter(pk=new_case).update(state="closed", closed_at=timezone.now(), outcome="declined_help")

    run_id = start(
        api_as, world.triage, template, [cases[0], new_case], django_capture_on_commit_callbacks
    ).json()["id"]

    progress = api_as(world.triage).get(f"/api/v1/letters/runs/{run_id}/").json()
    assert (progress["state"], progress["letters"], progress["failed"]) == ("done", 1, 1)
    [error] = progress["errors"]
    assert error["case"] == new_case
    assert error["reference"] == Case.objects.get(pk=new_case).reference
    assert error["message"] == "In deze status legt u geen contactpoging vast."
    assert not ContactAttempt.objects.filter(case_id=new_case).exists()


def test_a_run_not_yet_made_is_pending_and_its_pdf_not_ready(world, api_as, template, cases):
    # Without running the commit callbacks the task has not started.
    response = api_as(world.triage).post(
        "/api/v1/letters/runs/", {"template": template.pk, "cases": cases}, format="json"
    )
    run_id = response.json()["id"]

    assert response.json()["state"] == "pending" and response.json()["done"] == 0
    assert api_as(world.triage).get(f"/api/v1/letters/runs/{run_id}/letters.pdf").status_code == 409


def test_a_run_started_again_after_a_crash_resumes_and_sends_no_letter_twice(world, template, cases):
    run = services.start_print_run(actor=world.triage, template=template, cases=cases)
    first = PrintRunItem.objects.get(run=run, position=1)
    # A worker died after handling the first case.
    services._handle(run, world.triage, first.pk)

    services.process_print_run(run.pk)
    services.process_print_run(run.pk)  # a redelivered task: nothing more happens

    run.refresh_from_db()
    assert (run.state, run.done, run.letters, run.skipped) == ("done", 3, 3, 0)
    assert ContactAttempt.objects.filter(case_id__in=cases, channel="letter").count() == 3


def test_the_service_takes_a_queryset_of_cases(world, template, cases):
    run = services.start_print_run(
        actor=world.triage, template=template, cases=Case.objects.filter(pk__in=cases).order_by("opened_at")
    )

    assert list(run.items.order_by("position").values_list("case_id", flat=True)) == list(
        Case.objects.filter(pk__in=cases).order_by("opened_at").values_list("pk", flat=True)
    )


def test_the_pdf_is_removed_after_its_keeping_time(world, api_as, template, cases, settings):
    import datetime

    from django.utils import timezone

    settings.LETTER_RUN_KEEP_HOURS = 24
    run = services.start_print_run(actor=world.triage, template=template, cases=cases[:1])
    services.process_print_run(run.pk)
    made = PrintRun.objects.get(pk=run.pk).finished_at
    assert made is not None

    assert services.forget_old_pdfs(made + datetime.timedelta(hours=23)) == 0
    assert api_as(world.triage).get(f"/api/v1/letters/runs/{run.pk}/letters.pdf").status_code == 200
    assert services.forget_old_pdfs(made + datetime.timedelta(hours=25)) == 1

    kept = PrintRun.objects.get(pk=run.pk)
    assert kept.sealed is None and kept.removed_at is not None and kept.removed_at > timezone.now()
    response = api_as(world.triage).get(f"/api/v1/letters/runs/{run.pk}/letters.pdf")
    assert response.status_code == 409
    assert "24 uur na het maken verwijderd" in response.json()["detail"]
    assert api_as(world.triage).get(f"/api/v1/letters/runs/{run.pk}/").json()["pdf_removed_at"] is not None


def test_a_pdf_that_no_longer_opens_is_refused_and_nothing_is_logged(world, api_as, template, cases):
    run = services.start_print_run(actor=world.triage, template=template, cases=cases[:1])
    services.process_print_run(run.pk)
    stored = PrintRun.objects.get(pk=run.pk).sealed
    assert stored is not None
    sealed = bytearray(stored)
    sealed[-1] ^= 1  # tampered, or sealed under a key since retired
    PrintRun.objects.filter(pk=run.pk).update(sealed=bytes(sealed))

    response = api_as(world.triage).get(f"/api/v1/letters/runs/{run.pk}/letters.pdf")

    assert response.status_code == 409
    assert not AccessEvent.objects.filter(action="case.letter.read", object_type="print_run").exists()
