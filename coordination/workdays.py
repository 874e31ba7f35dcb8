"""Dutch working days: weekends and national holidays off.

The calendar comes from the maintained ``holidays`` package (New Year, Easter,
King's Day, Ascension, Whitsun, Christmas, and Liberation Day in the years it
is a day off), not from a list kept here.

Days are counted on the wall clock of ``settings.TIME_ZONE``
(Europe/Amsterdam), whatever time zone the moment given is in: a signal
filed at 00:30 on a Wednesday is filed on Wednesday, although it is still
Tuesday in UTC. Times come back in that zone too.

What time of day a deadline falls:

- started on a working day: the same local time of day, ``days`` working (or
  calendar) days later — 10:00 on Friday plus 3 working days is 10:00 on
  Wednesday, also across the change to or from summer time;
- started on a weekend day or holiday: the end of the last working day
  counted (23:59:59 local), as if the count started at the beginning of the
  next working day.
"""

from __future__ import annotations

import datetime
from functools import cache

import holidays
from django.utils import timezone


@cache
def _holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def _at(day: datetime.date, time: datetime.time, tz: datetime.tzinfo) -> datetime.datetime:
    """``time`` on ``day`` on the local wall clock, as a real moment.

    A time that does not exist (02:30 on the night summer time starts) moves
    an hour on; a time that occurs twice (02:30 when it ends) is the first.
    """
    moment = datetime.datetime.combine(day, time, tzinfo=tz)
    return moment.astimezone(datetime.UTC).astimezone(tz)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment ``days`` working days after ``start``, at the same local time of day.

    A start on a weekend or holiday counts from the next working day, so a
    signal received on Saturday with 3 working days is due Wednesday evening:
    the end of the third working day.
    """
    tz = timezone.get_current_timezone()
    local = timezone.localtime(start, tz)
    day = local.date()
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    if not is_working_day(local.date()):
        # Received on a day off: the deadline is the end of the last working
        # day counted.
        return _at(day, datetime.time(23, 59, 59), tz)
    return _at(day, local.time().replace(tzinfo=None, fold=0), tz)


def add_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment ``days`` calendar days after ``start``, at the same local time of day.

    Not ``start + timedelta(days=...)`` on a UTC time: across the change to
    or from summer time that would land an hour off on the local clock.
    """
    tz = timezone.get_current_timezone()
    local = timezone.localtime(start, tz)
    return _at(local.date() + datetime.timedelta(days=days), local.time().replace(fold=0), tz)
