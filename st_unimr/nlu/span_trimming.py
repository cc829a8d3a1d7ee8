"""Slot span edges: the punctuation around a slot is not part of it."""

from __future__ import annotations

import unicodedata

__all__ = ["trim_span"]

#: Opening and closing brackets and quotes (Unicode Ps/Pi and Pe/Pf) are kept only with their partner inside the span.
_OPENING = ("Ps", "Pi")
_CLOSING = ("Pe", "Pf")


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` with whitespace and punctuation at either edge moved out of the span.

    Gold spans (built by :mod:`st_unimr.nlu.request_data`) and predicted ones (:func:`decoded
    <st_unimr.nlu.token_alignment.decode_slot_spans>`) go through the same rule, so exact-span scoring does not
    hinge on a stray full stop that a caption carried (``".قطّة سوداء"``) or on a quote the tokenizer glued to the
    first word (``„modré oko“``). Sentence punctuation (Unicode ``Po``: ``. , ! ? : ;`` and their CJK and Arabic
    forms) and dashes go at the edges; a bracket or quote stays when its counterpart is inside the span
    (``"Thaadi (indický druh)"``), unless the pair wraps the whole span (``«каре око»``). Symbols such as ``%``,
    ``#`` or ``&`` are kept: they can be the content.

    Example:
        ::

            text = "photos of .a black cat!"
            trim_span(text, 10, 23)  # (11, 22): "a black cat"
    """
    start, end = max(start, 0), min(end, len(text))
    while True:
        while start < end and _removable(text, start, end, at_start=True):
            start += 1
        while end > start and _removable(text, start, end, at_start=False):
            end -= 1
        if not _wrapped(text, start, end):
            return start, end
        start, end = start + 1, end - 1


def _wrapped(text: str, start: int, end: int) -> bool:
    """The whole span sits inside one pair of brackets or quotes (``«каре око»``): the pair is not the slot's."""
    if end - start < 2 or unicodedata.category(text[start]) not in _OPENING:
        return False
    depth = 0
    for position in range(start, end):
        category = unicodedata.category(text[position])
        depth += (category in _OPENING) - (category in _CLOSING)
        if depth == 0:
            return position == end - 1
    return False


def _removable(text: str, start: int, end: int, at_start: bool) -> bool:
    char = text[start if at_start else end - 1]
    if char.isspace():
        return True
    category = unicodedata.category(char)
    if category == "Po":
        return char not in "%#&@*/\\'"
    if category == "Pd":
        return True
    inner = text[start + 1 : end] if at_start else text[start : end - 1]
    if category in _OPENING:
        # An opening bracket at the end, or at the start without a closing one after it, belongs to no slot.
        return not at_start or not any(unicodedata.category(c) in _CLOSING for c in inner)
    if category in _CLOSING:
        return at_start or not any(unicodedata.category(c) in _OPENING for c in inner)
    return False
