"""The management figures: kept by the database's tally, suppressed under 5, the same on page, CSV and API."""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import AccessEvent
from cases.models import Case, DeadlineBreach
from coordination.models import District
from signals import figures, tally
from signals.models import FigureTally, Signal
from tests.cases.flow import file_case

pytestmark = pytest.mark.django_db


def _sums() -> Counter[tuple[object, ...]]:
    rows = FigureTally.objects.values_list("month", "district_id", "kind", "key", "n")
    out: Counter[tuple[object, ...]] = Counter()
    for month, district, kind, key, n in rows:
        out[(month, district, kind, key)] += n
    return +out  # without the facts that summed to zero


def _household(n: int) -> dict[str, object]:
    return {
        "partner_reference": f"FIG-{n}",
        "subject__surname": f"Cijfer{n}",
        "subject__date_of_birth": f"19{50 + n}-02-0{1 + n % 9}",
    }


def _cases(world, api_as, n: int) -> list[str]:
    return [file_case(world, api_as, **_household(i)) for i in range(n)]


def test_the_tally_follows_every_change_and_equals_a_count_from_scratch(world, api_as):
    ids = _cases(world, api_as, 7)
    cases = list(Case.objects.filter(pk__in=ids).order_by("opened_at"))
    now = timezone.now()
    zuid = District.objects.get(name="Wijk Zuid")
    # Contact, a conversation, help, two creditor kinds, a late first contact, a move to
    # another district, a close, a merge, a signal moved back in time, a deletion.
    Case.objects.filter(pk=cases[0].pk).update(first_contact_at=now, first_conversation_at=now)
    Case.objects.filter(pk=cases[1].pk).update(first_contact_at=now + datetime.timedelta(days=9))
    DeadlineBreach.objects.create(case=cases[1], deadline="first_contact", due_at=now)
    DeadlineBreach.objects.create(
        case=cases[1], deadline="first_contact", due_at=now + datetime.timedelta(days=1)
    )
    Case.objects.filter(pk=cases[2].pk).update(
        help_accepted_on=now.date(), creditor_kinds="energy,housing", multiple=True
    )
    Case.objects.filter(pk=cases[3].pk).update(district=zuid)
    Case.objects.filter(pk=cases[4].pk).update(state="closed", closed_at=now, outcome="declined_help")
    Case.objects.filter(pk=cases[5].pk).update(state="closed", closed_at=now, outcome="merged")
    Signal.objects.filter(case_id=cases[6].pk).update(received_at=now - datetime.timedelta(days=70))
    DeadlineBreach.objects.filter(case=cases[1]).earliest("due_at").delete()  # one of two: still late
    kept = _sums()

    tally.rebuild()

    assert _sums() == kept
    # The same rules in Python (SQLite's way of counting) give the same facts.
    assert Counter(figures.facts_counted_here()) == kept
    assert kept[(figures._month(timezone.localdate()), cases[1].district_id, "first_contact_late", "")] == 1
    assert sum(n for (_m, d, kind, _k), n in kept.items() if kind == "signal_type" and d == zuid.pk) == 1
    assert not any(kind == "outcome" and key == "merged" for (_m, _d, kind, key) in kept)


def test_the_rebuild_command_counts_the_same(world, api_as):
    _cases(world, api_as, 2)
    FigureTally.objects.create(month=datetime.date(2026, 1, 1), kind="case", key="", n=40)  # a wrong count
    out = io.StringIO()

    call_command("rebuild_figures", stdout=out)

    assert Counter(figures.facts_counted_here()) == _sums()
    assert "counted anew" in out.getvalue()


def test_compacting_folds_rows_and_keeps_the_sums(world, api_as):
    ids = _cases(world, api_as, 3)
    Case.objects.filter(pk=ids[0]).update(first_contact_at=timezone.now())
    Case.objects.filter(pk=ids[0]).update(first_contact_at=None)
    before, rows_before = _sums(), FigureTally.objects.count()

    tally.compact()

    assert _sums() == before
    assert FigureTally.objects.count() < rows_before
    assert FigureTally.objects.values("month", "district_id", "kind", "key").distinct().count() == (
        FigureTally.objects.count()
    )
    assert not FigureTally.objects.filter(n=0).exists()


def test_a_repeat_and_a_multiple_signal_are_counted(world, api_as):
    first = file_case(world, api_as, **_household(1))
    Case.objects.filter(pk=first).update(
        state="closed", closed_at=timezone.now() - datetime.timedelta(days=3), outcome="declined_help"
    )
    # The same household again, later: a new case, a repeat.
    again = file_case(world, api_as, **{**_household(1), "partner_reference": "FIG-again"})
    assert again != first
    Case.objects.filter(pk=again).update(multiple=True)  # as a second kind of creditor within a month sets it
    facts = {kind for (_m, _d, kind, _k) in _sums()}
    assert {"repeat", "multiple"} <= facts
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT figures_is_repeat(c), figures_is_multiple(c) FROM cases_case c WHERE id = %s", [again]
        )
        assert cursor.fetchone() == (True, True)


def test_working_days_skip_weekends_and_holidays():
    with connection.cursor() as cursor:
        # Friday 24 April 2026 to Tuesday 28 April: Monday is King's Day 2026 (27 April).
        cursor.execute("SELECT figures_working_days(date '2026-04-24', date '2026-04-28')")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT figures_working_days(date '2026-04-24', date '2026-04-24')")
        assert cursor.fetchone()[0] == 0


def test_small_counts_are_suppressed_in_every_table(world, api_as):
    _cases(world, api_as, 3)

    data = figures.compute()

    assert data["reach"]["cases"] is None
    assert data["reach"]["contacted_share"] is None
    assert all(row["count"] is None and row["suppressed"] for row in data["signals_per_month"])
    for name in figures.TABLES:
        for row in data["tables"][name]["rows"]:
            assert all(value is None or isinstance(value, str) or value >= 5 for value in row[1:]), (
                name,
                row,
            )
    rows = figures.csv_rows(data, "districts")
    assert ["Wijk Noord", "<5", "<5"] in rows


def test_figures_count_what_happened(world, api_as):
    ids = _cases(world, api_as, 6)
    now = timezone.now()
    Case.objects.filter(pk__in=ids).update(first_contact_at=now, help_accepted_on=now.date())
    Case.objects.filter(pk__in=ids).update(state="closed", closed_at=now, outcome="declined_help")
    noord = District.objects.get(name="Wijk Noord")

    data = figures.compute(district=noord.pk)

    assert data["reach"]["cases"] == 6
    assert data["reach"]["contacted_share"] == 100.0
    assert data["reach"]["help_accepted"] == 6
    assert data["reach"]["median_working_days_to_first_contact"] == 0.0
    assert data["deadline_compliance"] == {
        "first_contact_total": 6,
        "first_contact_on_time": 6,
        "first_contact_on_time_share": 100.0,
    }
    this_month = timezone.localdate().strftime("%Y-%m")
    assert {
        "month": this_month,
        "type": "rent_arrears",
        "district": "Wijk Noord",
        "count": 6,
        "suppressed": False,
    } in (data["signals_per_month"])
    quarter_rows = data["tables"]["outcomes_per_quarter"]
    declined = next(
        row
        for row, code in zip(quarter_rows["rows"], quarter_rows["codes"], strict=True)
        if code == "declined_help"
    )
    assert declined[-1] == 6
    area = next(row for row in data["tables"]["neighbourhoods"]["rows"] if row[1] == "Wijk Noord")
    assert area[2] == 6
    # Another district sees none of it.
    zuid = District.objects.get(name="Wijk Zuid")
    assert figures.compute(district=zuid.pk)["reach"]["cases"] is None


def test_the_page_shows_charts_with_their_tables_and_logs_the_view(world, api_as, client):
    _cases(world, api_as, 6)
    client.force_login(world.coordinator_noord)

    response = client.get("/cijfers/")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('role="img"') == len(figures.TABLES)
    assert body.count("<title id=") == body.count("<desc id=") == len(figures.TABLES)
    assert 'data-table="signals_per_month"' in body
    event = AccessEvent.objects.filter(action="figures.read").get()
    assert event.detail["district"] is None and event.case_id is None


def test_the_page_gives_each_table_as_csv(world, api_as, client):
    _cases(world, api_as, 6)
    client.force_login(world.auditor)
    noord = District.objects.get(name="Wijk Noord")

    response = client.get(f"/cijfers/?district={noord.pk}&format=csv&table=neighbourhoods")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Postcodegebied", "Wijk", "Signalen"]
    assert ["1000–1049", "Wijk Noord", "6"] in rows
    assert AccessEvent.objects.filter(action="figures.export").count() == 1


def test_a_wrong_period_is_explained_on_the_page(world, client):
    client.force_login(world.triage)

    response = client.get("/cijfers/?start=2026-05&end=2026-01")

    assert response.status_code == 400
    assert "De laatste maand ligt voor de eerste." in response.content.decode()


def test_a_partner_and_a_professional_see_no_figures(world, client):
    for user in (world.corporatie, world.professional_noord):
        client.force_login(user)
        assert client.get("/cijfers/").status_code == 403


def test_the_api_filters_by_period_and_district(world, api_as):
    _cases(world, api_as, 5)
    old = figures.add_months(figures._month(timezone.localdate()), -24).strftime("%Y-%m")

    now = api_as(world.beheer).get("/api/v1/figures/").json()
    then = api_as(world.beheer).get(f"/api/v1/figures/?start={old}&end={old}").json()
    table = api_as(world.beheer).get("/api/v1/figures/?format=csv&table=reach")
    wrong = api_as(world.beheer).get("/api/v1/figures/?district=999999")

    assert now["reach"]["cases"] == 5
    assert then["reach"]["cases"] is None and then["period"] == {"start": old, "end": old}
    assert table.status_code == 200 and "Met een contactpoging (bereik)" in table.content.decode()
    assert wrong.status_code == 400


def test_a_total_never_gives_away_a_small_count_its_parts_hide():
    assert figures.total([6, 2]) is None  # 8 - 6 = 2
    assert figures.total([6, 0]) == 6  # nothing hidden
    assert figures.total([6, 3, 2]) == 11  # two hidden, five together
    assert figures.total([3]) is None


def test_on_time_is_hidden_when_it_would_give_away_a_few_late_contacts(world, api_as):
    ids = _cases(world, api_as, 7)
    Case.objects.filter(pk__in=ids).update(first_contact_at=timezone.now())
    DeadlineBreach.objects.create(case_id=ids[0], deadline="first_contact", due_at=timezone.now())

    data = figures.compute()

    assert data["deadline_compliance"]["first_contact_total"] == 7
    assert data["deadline_compliance"]["first_contact_on_time"] is None
    assert data["deadline_compliance"]["first_contact_on_time_share"] is None


def test_later_migrations_may_still_change_the_counted_columns():
    # A trigger's WHEN naming a column would make PostgreSQL refuse to change its type.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cases_case ALTER COLUMN outcome TYPE varchar(40)")
        cursor.execute("ALTER TABLE signals_signal ALTER COLUMN postcode_area TYPE varchar(6)")
