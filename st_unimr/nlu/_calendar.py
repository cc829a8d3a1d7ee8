"""Calendar arithmetic shared by the CLDR phrase tables and the time normaliser.

Conventions (the same everywhere in :mod:`st_unimr.nlu`): a week runs Monday to Sunday (ISO 8601, whatever the
locale's own first day); "last month" is the whole previous calendar month, "this year" the whole calendar year
(not only the part up to the reference date); "N days/weeks/months/years ago" is the calendar day/week/month/year
that contains the reference date moved back by N units; a bare month name is its most recent occurrence that has
started on or before the reference date; seasons are the meteorological seasons of the northern hemisphere
(spring = March-May, summer = June-August, autumn = September-November, winter = December-February).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from st_unimr.nlu.date_range import DateRange

__all__ = ["unit_range", "shift", "month_range", "year_range", "recent_month", "season_range", "last_season", "UNITS"]

UNITS: tuple[str, ...] = ("day", "week", "month", "year")


def month_range(year: int, month: int) -> DateRange:
    """The whole calendar month."""
    return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def year_range(year: int) -> DateRange:
    """The whole calendar year."""
    return DateRange(date(year, 1, 1), date(year, 12, 31))


def unit_range(unit: str, day: date) -> DateRange:
    """The calendar ``unit`` (day, ISO week, month, year) that contains ``day``."""
    if unit == "day":
        return DateRange(day, day)
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        return DateRange(monday, monday + timedelta(days=6))
    if unit == "month":
        return month_range(day.year, day.month)
    if unit == "year":
        return year_range(day.year)
    raise ValueError(f"unknown unit {unit!r}; choose from {UNITS}")


def shift(unit: str, day: date, amount: int) -> date:
    """``day`` moved by ``amount`` units (negative: into the past); months clamp to the month's last day."""
    if unit == "day":
        return day + timedelta(days=amount)
    if unit == "week":
        return day + timedelta(weeks=amount)
    if unit in ("month", "year"):
        months = amount * (12 if unit == "year" else 1)
        index = day.year * 12 + day.month - 1 + months
        year, month = divmod(index, 12)
        return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
    raise ValueError(f"unknown unit {unit!r}; choose from {UNITS}")


def recent_month(month: int, reference: date) -> DateRange:
    """The latest calendar month numbered ``month`` (1-12) that starts on or before ``reference``."""
    year = reference.year if month <= reference.month else reference.year - 1
    return month_range(year, month)


_SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}


def season_range(season: str, year: int) -> DateRange:
    """The meteorological season starting in ``year`` (winter 2024 = December 2024 to February 2025)."""
    first = _SEASON_START[season]
    start = date(year, first, 1)
    end = shift("month", start, 2)
    return DateRange(start, month_range(end.year, end.month).end)


def last_season(season: str, reference: date) -> DateRange:
    """The latest occurrence of ``season`` that ended before ``reference`` ("last summer")."""
    for year in (reference.year, reference.year - 1, reference.year - 2):
        found = season_range(season, year)
        if found.end < reference:
            return found
    raise AssertionError("unreachable: a season ends within two years")
