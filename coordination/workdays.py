"""Dutch working days: weekends and national holidays off.

The calendar comes from the maintained ``holidays`` package (New Year, Easter,
King's Day, Ascension, Whitsun, Christmas, and Liberation Day in the years it
is a day off), not from a list kept here.
"""

from __future__ import annotations

import datetime
from functools import cache

import holidays


@cache
def _holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment ``days`` working days after ``start``, at the same time of day.

    A start on a weekend or holiday counts from the next working day, so a
    signal received on Saturday with 3 working days is due Wednesday evening:
    the end of the third working day.
    """
    day = start.date()
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    if not is_working_day(start.date()):
        # Received outside working hours' days: the deadline is the end of
        # the last working day counted.
        return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=start.tzinfo)
    return datetime.datetime.combine(day, start.timetz())
