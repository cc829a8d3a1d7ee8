"""A time phrase in one language with the date range it means (see :mod:`st_unimr.nlu.cldr_phrases`)."""

from __future__ import annotations

from dataclasses import dataclass

from st_unimr.nlu.date_range import DateRange

__all__ = ["TimePhrase"]


@dataclass(frozen=True)
class TimePhrase:
    """A time phrase and its inclusive date range relative to a reference date.

    Args:
        text: The phrase as a user would write it, e.g. ``"letzten Monat"``.
        lang: Language tag, e.g. ``"de"``.
        kind: ``"relative"`` (CLDR relative field: yesterday, last week, ...), ``"ago"`` (N units ago),
            ``"month"`` (a month name) or ``"year"`` (a year number).
        key: Language-independent meaning, e.g. ``"month-1"``, ``"day-ago-3"``, ``"month-name-3"``, ``"year-2023"``.
        range: The inclusive date range for the reference date it was made for.

    Example:
        ::

            from st_unimr.nlu.cldr_phrases import cldr_phrases

            phrase = cldr_phrases("de").time[0]
            print(phrase.text, phrase.range.to_dict())
    """

    text: str
    lang: str
    kind: str
    key: str
    range: DateRange
