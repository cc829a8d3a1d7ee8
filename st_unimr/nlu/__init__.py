"""Search-request NLU data: slot labels, hand-written request frames, CLDR time/place phrases, time normalisation.

Example:
    ::

        from st_unimr.nlu import normalize_time

        normalize_time("last month", "en").to_dict()
"""

from __future__ import annotations

from st_unimr.nlu.cldr_phrases import CLDRPhrases, cldr_phrases
from st_unimr.nlu.date_range import DateRange
from st_unimr.nlu.place_phrase import PlacePhrase
from st_unimr.nlu.slot_labels import SEARCH_INTENTS, SLOT_TAGS, SLOT_TYPES
from st_unimr.nlu.time_phrase import TimePhrase

__all__ = [
    "CLDRPhrases",
    "DateRange",
    "PlacePhrase",
    "SEARCH_INTENTS",
    "SLOT_TAGS",
    "SLOT_TYPES",
    "TimePhrase",
    "cldr_phrases",
]
