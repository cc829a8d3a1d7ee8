"""Char-span slots <-> per-token BIO tags, through a fast tokenizer's offset mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from st_unimr.nlu.slot_labels import SLOT_TAGS
from st_unimr.nlu.span_trimming import trim_span

__all__ = ["IGNORE_INDEX", "as_span_list", "decode_slot_spans", "slot_intent_labels", "token_offsets", "token_tags"]

#: Label id the cross-entropy skips (PyTorch's default ``ignore_index``).
IGNORE_INDEX = -100


def as_span_list(spans: Any) -> list[dict[str, Any]]:
    """Spans as a list of ``{"label", "start", "end"}`` dicts.

    A ``datasets`` ``Sequence({...})`` column reads back as one dict of lists (``{"label": [...], "start": [...],
    ...}``), a ``[{...}]`` list column as a list of dicts; both come out as the latter.
    """
    if spans is None:
        return []
    if isinstance(spans, Mapping):
        keys = list(spans)
        return [dict(zip(keys, values)) for values in zip(*(spans[key] for key in keys))]
    return [dict(span) for span in spans]


def token_offsets(tokenizer: Any, texts: Sequence[str], prompt: str = "", max_length: int | None = None) -> list:
    """Char offsets of each token of ``prompt + text``, shifted so they index ``text`` (prompt and special tokens:
    ``None``). Tokenised as the model's ``preprocess`` does (prompt prepended as a string, truncated at
    ``max_length``), so position ``t`` matches position ``t`` of the model's ``input_ids``.

    Raises:
        ValueError: The tokenizer is not a fast tokenizer (no offset mapping).
    """
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            f"Slot offsets need a fast tokenizer (return_offsets_mapping); {type(tokenizer).__name__} is not one"
        )
    encoded = tokenizer(
        [prompt + text for text in texts],
        return_offsets_mapping=True,
        truncation=max_length is not None,
        max_length=max_length,
        add_special_tokens=True,
    )
    shift = len(prompt)
    result = []
    for offsets in encoded["offset_mapping"]:
        # Special tokens have empty (0, 0) spans; prompt tokens end before the text starts.
        result.append([(a - shift, b - shift) if b > a and b > shift else None for a, b in offsets])
    return result


def token_tags(
    offsets: Sequence[tuple[int, int] | None],
    spans: Sequence[Mapping[str, Any]],
    tags: Sequence[str] = SLOT_TAGS,
) -> list[int]:
    """BIO tag ids per token from char spans ``{"label", "start", "end"}`` (end exclusive).

    The first token that overlaps a span gets ``B-label``, every further token overlapping it (later sub-words of its
    words included) ``I-label``; other tokens, prompt and special tokens get ``O``.
    """
    ids = [tags.index("O")] * len(offsets)
    for span in spans:
        begin, inside = tags.index(f"B-{span['label']}"), tags.index(f"I-{span['label']}")
        first = True
        for position, offset in enumerate(offsets):
            # A token whose characters overlap the span ([a, b) and [start, end) intersect).
            if offset is not None and offset[0] < span["end"] and offset[1] > span["start"]:
                ids[position] = begin if first else inside
                first = False
    return ids


def slot_intent_labels(
    tokenizer: Any,
    texts: Sequence[str],
    intent_ids: Sequence[int],
    spans: Sequence[Sequence[Mapping[str, Any]] | None],
    length: int,
    prompt: str = "",
    tags: Sequence[str] = SLOT_TAGS,
) -> list[list[int]]:
    """The label column of :class:`~st_unimr.losses.SlotIntentLoss`: ``[intent_id, tag_0, ..., tag_{length-1}]``.

    sentence-transformers' data collator turns the first ``label`` column into one tensor, so intent and per-token
    tags travel together in one fixed-length int list. ``spans=None`` for a row (an utterance without slot
    annotations) ignores all its tokens; padding positions are ignored too. ``length`` must be at least the
    training ``max_seq_length`` (tokens are cut there, and the tags with them).
    """
    offsets = token_offsets(tokenizer, texts, prompt=prompt, max_length=length)
    rows = []
    for intent_id, row_offsets, row_spans in zip(intent_ids, offsets, spans):
        if row_spans is None:
            row_tags = [IGNORE_INDEX] * len(row_offsets)
        else:
            row_tags = token_tags(row_offsets, row_spans, tags)
        rows.append([int(intent_id), *row_tags, *[IGNORE_INDEX] * (length - len(row_tags))])
    return rows


def _in_word(char: str) -> bool:
    """A letter or digit of a script that separates words by spaces (CJK, kana and Thai do not: there every
    character would count as one word, and widening would run to the end of the sentence)."""
    code = ord(char)
    spaceless = 0x0E00 <= code <= 0x0E7F or 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF
    return char.isalnum() and not (spaceless or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF)


def decode_slot_spans(
    text: str,
    offsets: Sequence[tuple[int, int] | None],
    tag_ids: Sequence[int],
    tags: Sequence[str] = SLOT_TAGS,
) -> list[dict[str, Any]]:
    """Char spans ``{"type", "text", "start", "end"}`` (end exclusive, into ``text``) from per-token tag ids.

    A ``B-x`` token, or an ``I-x`` token not continuing an ``x`` span, opens a span; ``I-x`` tokens extend it. Span
    ends are widened to the end of their word (letters and digits, in scripts that separate words by spaces), so a
    later sub-word tagged ``O`` does not cut a word in two; whitespace and punctuation at either end are trimmed
    (:func:`~st_unimr.nlu.span_trimming.trim_span`, the rule the gold spans follow), and spans of one type separated
    only by whitespace are merged.
    """
    spans: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for offset, tag_id in zip(offsets, tag_ids):
        tag = tags[tag_id]
        if offset is None or tag == "O":
            current = None
            continue
        kind, slot = tag.split("-", 1)
        if kind == "I" and current is not None and current["type"] == slot:
            current["end"] = max(current["end"], offset[1])
            continue
        current = {"type": slot, "start": offset[0], "end": offset[1]}
        spans.append(current)
    result = []
    for span in spans:
        start, end = max(span["start"], 0), min(span["end"], len(text))
        while 0 < end < len(text) and _in_word(text[end]) and _in_word(text[end - 1]):
            end += 1
        start, end = trim_span(text, start, end)
        if end > start:
            # Same-type spans split only by spaces are one slot: the tagger often opens each word with B-.
            if result and result[-1]["type"] == span["type"] and not text[result[-1]["end"] : start].strip():
                result[-1]["end"] = max(result[-1]["end"], end)
                result[-1]["text"] = text[result[-1]["start"] : result[-1]["end"]]
                continue
            result.append({"type": span["type"], "text": text[start:end], "start": start, "end": end})
    return result
