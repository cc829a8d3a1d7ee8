"""A place name in one language (see :mod:`st_unimr.nlu.cldr_phrases`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PlacePhrase"]


@dataclass(frozen=True)
class PlacePhrase:
    """A place name and its code.

    Args:
        text: The display name in ``lang``, e.g. ``"Frankreich"``.
        lang: Language tag.
        code: ISO 3166-1 alpha-2 territory code, e.g. ``"FR"``.

    Example:
        ::

            from st_unimr.nlu.cldr_phrases import cldr_phrases

            print([p.text for p in cldr_phrases("de").places[:3]])
    """

    text: str
    lang: str
    code: str
