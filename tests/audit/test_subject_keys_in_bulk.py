"""A partner's batch file keeps the auditor's BSN key of every household, also when
its rows go to the database by COPY (64 rows and more)."""

from __future__ import annotations

from audit import subjects
from audit.models import SubjectKey
from signals.models import Signal
from tests.signals.test_bulk_intake import csv_file, row, upload


def _bsn(n: int) -> str:
    """The n-th BSN that passes the elfproef."""
    found = 0
    for number in range(100_000_000, 999_999_999):
        digits = f"{number:09d}"
        total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
        if total % 11 == 0:
            if found == n:
                return digits
            found += 1
    raise AssertionError("no such BSN")


def test_every_household_of_a_batch_can_be_found_by_its_bsn(
    world, api_as, django_capture_on_commit_callbacks
):
    numbers = [_bsn(n) for n in range(100)]
    rows = [{**row(n), "subject_bsn": numbers[n]} for n in range(100)]

    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file(rows))

    assert (progress["state"], progress["accepted"]) == ("done", 100)
    assert SubjectKey.objects.count() == 100
    found = [subjects.subjects_by_bsn(number) for number in numbers]
    assert all(len(households) == 1 for households in found)  # each BSN, its own household
    households = {str(h) for h in Signal.objects.values_list("case__household_id", flat=True)}
    assert set().union(*found) == households and len(households) == 100
