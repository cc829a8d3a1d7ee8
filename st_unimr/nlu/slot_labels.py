"""Names shared by the request data, the slot tagger and the query parser."""

from __future__ import annotations

__all__ = ["SEARCH_INTENTS", "SLOT_TAGS", "SLOT_TYPES"]

#: The slot types of a search request: what is sought, when, and where.
SLOT_TYPES = ("content", "time", "place")
#: BIO tags over the slot types; index ``i`` of a tagger's output is ``SLOT_TAGS[i]``.
SLOT_TAGS = ("O", "B-content", "I-content", "B-time", "I-time", "B-place", "I-place")
#: The search intents added to the assistant intents of the embedded intent data.
SEARCH_INTENTS = ("photo_search", "document_search")
