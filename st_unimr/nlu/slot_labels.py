"""The label sets of the NLU tasks: search intents and BIO slot tags.

Example:
    ::

        from st_unimr.nlu.slot_labels import SEARCH_INTENTS, SLOT_TAGS

        tag_index = {tag: i for i, tag in enumerate(SLOT_TAGS)}
"""

from __future__ import annotations

__all__ = ["SLOT_TYPES", "SLOT_TAGS", "SEARCH_INTENTS"]

#: What a search request names: the thing looked for, when it was made and where.
SLOT_TYPES: tuple[str, ...] = ("content", "time", "place")
#: BIO tags over :data:`SLOT_TYPES`; ``O`` first so that index 0 means "no slot".
SLOT_TAGS: tuple[str, ...] = ("O",) + tuple(f"{prefix}-{slot}" for slot in SLOT_TYPES for prefix in ("B", "I"))
#: The two search intents of the ``requests`` dataset.
SEARCH_INTENTS: tuple[str, ...] = ("photo_search", "document_search")
