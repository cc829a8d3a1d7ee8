"""Search requests with slot spans known by construction: frame × content × optional time × optional place.

:func:`compose_requests` is pure (no bundle, no CLDR needed: give it contents, frames and phrases) and is what the
``requests`` dataset is built from; :func:`build_requests` makes the dataset's splits from the built
``image_text`` and ``text_pairs`` data, the hand-written frames of :mod:`st_unimr.nlu.request_frames` and the CLDR
phrases of :mod:`st_unimr.nlu.cldr_phrases`.

Each row (schema ``REQUEST_FEATURES`` in :mod:`st_unimr.data.schemas`) has the request ``text``, its ``lang`` and
``intent``, ``spans`` (``[{"label", "start", "end"}]``: character offsets into ``text``, end exclusive, labels
``content``/``time``/``place``), the ``content`` exactly as it appears in the text, the time slot's inclusive
range (``time_start``/``time_end``, ISO dates, ``""`` without a time slot) relative to ``reference_date``, the
``frame_id``, the content's ``concept_id``, its ``image`` (photo_search) or paired ``document`` text
(document_search) and the content's ``source``.

Splits: ``train`` uses the train split of the content datasets and the train frames only; ``dev`` and ``test`` use
their own split of the content and the HELD-OUT frames (a quarter of each language's frames per intent, chosen by
hash), so they measure generalisation to unseen wordings and unseen concepts. Content splits come from the
bundle, which already splits by concept.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from st_unimr.nlu.place_phrase import PlacePhrase
from st_unimr.nlu.request_frames import FRAMES, TIME_KINDS, TIME_PREFIX, frame_id
from st_unimr.nlu.slot_labels import SEARCH_INTENTS
from st_unimr.nlu.span_trimming import trim_span
from st_unimr.nlu.time_phrase import TimePhrase

__all__ = ["compose_requests", "held_out_frames", "prepare_content", "build_requests", "HELD_OUT_SHARE"]

#: Share of each language's frames per intent that only dev and test use.
HELD_OUT_SHARE = 0.25
_SALT = "st-unimr-requests-v1"
_SLOT = re.compile(r"\{(content|time|place)\}")
# Languages that do not capitalise common nouns: a caption's first letter is lower-cased inside a request.
_LOWERCASE_FIRST = {"en", "fr", "es", "it", "pt", "nl", "sv", "pl", "ru", "uk", "cs", "tr", "id"}
_GERMAN_ARTICLES = {"ein", "eine", "einen", "einem", "einer", "der", "die", "das", "den", "dem"}
_TRAILING = " .。．!！|।"
# Characters that mark a source string as markup or a format string rather than a plain phrase.
_NOT_PLAIN = set("{}<>%&\n\t|")


def _rank(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x00".join((_SALT,) + parts).encode()).digest()[:8], "big")


def held_out_frames(frames: Mapping[str, Mapping[str, Sequence[str]]] = FRAMES) -> set[str]:
    """The ids of the frames kept for dev and test: ``ceil(HELD_OUT_SHARE × n)`` per language and intent.

    Chosen by the hash of the frame id, so adding a frame moves no other frame between the sides.

    Example:
        ::

            from st_unimr.nlu.request_data import held_out_frames

            len(held_out_frames())  # about a quarter of all frames
    """
    out: set[str] = set()
    for lang, by_intent in frames.items():
        for intent, items in by_intent.items():
            ids = sorted((frame_id(lang, intent, f) for f in items), key=lambda i: _rank("frame", i))
            out.update(ids[: math.ceil(HELD_OUT_SHARE * len(ids))])
    return out


def prepare_content(text: str, lang: str) -> str | None:
    """A caption or text made ready to sit inside a request; None if it is not a plain short phrase.

    Trailing full stops go; the first letter is lower-cased where the language does not capitalise nouns (unless
    the text starts with an acronym); German lower-cases only a leading article.

    Example:
        ::

            prepare_content("A badger.", "en")  # 'a badger'
    """
    text = " ".join(text.split()).rstrip(_TRAILING).strip()
    if not text or len(text) > 80 or _NOT_PLAIN & set(text):
        return None
    first = text.split(" ", 1)[0]
    acronym = len(first) > 1 and first[1:2].isupper()
    base = lang.split("-")[0]
    if not acronym and (base in _LOWERCASE_FIRST or (base == "de" and first.lower() in _GERMAN_ARTICLES)):
        text = text[0].lower() + text[1:]
    return text


def _pick(items: Sequence, *key: str):
    return items[_rank(*key) % len(items)] if items else None


def compose_requests(
    contents: Iterable[Mapping],
    frames: Mapping[str, Mapping[str, Sequence[str]]],
    time_phrases: Mapping[str, Sequence[TimePhrase]],
    place_phrases: Mapping[str, Sequence[PlacePhrase]],
    reference_date: date,
    frame_ids: set[str] | None = None,
    per_content: int = 1,
    time_prefix: Mapping[str, Mapping[str, str]] = TIME_PREFIX,
    time_kinds: Mapping[str, Sequence[str]] | None = TIME_KINDS,
) -> list[dict]:
    """Fill frames with contents, time and place phrases; spans are known by construction.

    Every choice (frame, time phrase, place) comes from a hash of the content and the frame, so the same inputs
    always give the same rows. A frame with ``{time}`` (``{place}``) is skipped for a language with no time
    (place) phrases.

    Args:
        contents: Rows with ``text``, ``lang``, ``intent`` and optionally ``concept_id``, ``image``, ``document``,
            ``source``. ``text`` is used as given (see :func:`prepare_content`).
        frames: ``{lang: {intent: [frame, ...]}}`` with ``{content}`` and optional ``{time}``/``{place}``.
        time_phrases: ``{lang: [TimePhrase, ...]}``, ranges relative to ``reference_date``.
        place_phrases: ``{lang: [PlacePhrase, ...]}``.
        reference_date: The date the time ranges are relative to (stored in every row).
        frame_ids: Use only the frames with these ids (see :func:`~st_unimr.nlu.request_frames.frame_id`).
        per_content: Requests made from each content (with different frames).
        time_prefix: ``{lang: {kind: words}}`` put before month/year phrases, outside the span.
        time_kinds: ``{lang: kinds}`` of time phrases allowed per language (None: all).

    Returns:
        Rows of the ``requests`` schema.

    Raises:
        ValueError: A frame has no ``{content}`` or an unknown placeholder, or a row's intent is unknown.

    Example:
        ::

            from datetime import date
            from st_unimr.nlu.request_data import compose_requests

            rows = compose_requests(
                [{"text": "a dog", "lang": "en", "intent": "photo_search", "concept_id": "name:dog"}],
                {"en": {"photo_search": ["photos of {content} taken {time}"]}},
                {"en": []},
                {"en": []},
                date(2025, 3, 12),
            )  # [] here: the only frame needs a time phrase; give some, e.g. from cldr_phrases("en").time
    """
    rows: list[dict] = []
    for content in contents:
        lang, intent, text = content["lang"], content["intent"], content["text"]
        if intent not in SEARCH_INTENTS:
            raise ValueError(f"unknown intent {intent!r} for content {text!r}; choose from {SEARCH_INTENTS}")
        kinds = None if time_kinds is None else set(time_kinds.get(lang, ()))
        times = [p for p in time_phrases.get(lang, ()) if kinds is None or p.kind in kinds]
        places = list(place_phrases.get(lang, ()))
        usable = []
        for frame in frames.get(lang, {}).get(intent, ()):
            fid = frame_id(lang, intent, frame)
            slots = _SLOT.findall(frame)
            if "content" not in slots or frame.count("{") != len(slots):
                raise ValueError(f"frame {fid} {frame!r}: only {{content}} (required), {{time}}, {{place}} may appear")
            if (frame_ids is None or fid in frame_ids) and (times or "time" not in slots):
                if places or "place" not in slots:
                    usable.append((fid, frame))
        usable.sort(key=lambda item: _rank(lang, text, item[0]))
        for fid, frame in usable[:per_content]:
            rows.append(_fill(content, fid, frame, times, places, reference_date, time_prefix.get(lang, {})))
    return rows


def _fill(
    content: Mapping,
    fid: str,
    frame: str,
    times: Sequence[TimePhrase],
    places: Sequence[PlacePhrase],
    reference_date: date,
    prefixes: Mapping[str, str],
) -> dict:
    text = content["text"]
    time = _pick(times, "time", fid, text)
    place = _pick(places, "place", fid, text)
    out, spans, pos = [], [], 0
    length = 0
    for match in _SLOT.finditer(frame):
        literal = frame[pos : match.start()]
        slot = match.group(1)
        if slot == "time":
            literal += prefixes.get(time.kind, "")
            value = time.text
        else:
            value = text if slot == "content" else place.text
        out.append(literal)
        length += len(literal)
        # Edge punctuation of a caption (".قطّة سوداء") or a time phrase ("Sept.") is not part of the slot.
        start, end = trim_span(value, 0, len(value))
        if end > start:
            spans.append({"label": slot, "start": length + start, "end": length + end})
        out.append(value)
        length += len(value)
        pos = match.end()
    out.append(frame[pos:])
    has_time = "time" in {s["label"] for s in spans}
    return {
        "text": "".join(out),
        "lang": content["lang"],
        "intent": content["intent"],
        "spans": spans,
        "content": text,
        "time_start": time.range.start.isoformat() if has_time else "",
        "time_end": time.range.end.isoformat() if has_time else "",
        "reference_date": reference_date.isoformat(),
        "frame_id": fid,
        "concept_id": content.get("concept_id", ""),
        "image": content.get("image"),
        "document": content.get("document", ""),
        "source": content.get("source", ""),
    }


def build_requests(
    max_train_per_lang: int = 120,
    max_eval_per_lang: int = 16,
    reference_date: date | None = None,
) -> dict[str, list[dict]]:
    """The rows of the ``requests`` splits, from the built ``image_text`` and ``text_pairs`` datasets.

    Args:
        max_train_per_lang: Contents per language and intent in ``train`` (one request each).
        max_eval_per_lang: Contents per language and intent in ``dev`` and in ``test``.
        reference_date: "Today" of every request (default ``DEFAULT_REFERENCE_DATE`` of the CLDR tables).

    Returns:
        ``{"train": rows, "dev": rows, "test": rows}``.

    Example:
        ::

            from st_unimr.nlu.request_data import build_requests

            splits = build_requests()  # or: python -m st_unimr.data build --only requests
    """
    from st_unimr.nlu.cldr_phrases import DEFAULT_REFERENCE_DATE, cldr_phrases

    reference = reference_date or DEFAULT_REFERENCE_DATE
    # Contents first: a missing image_text/text_pairs build fails at once, before the CLDR package is fetched.
    contents: dict[str, list[dict]] = {}
    for split in ("train", "dev", "test"):
        cap = max_train_per_lang if split == "train" else max_eval_per_lang
        contents[split] = _photo_contents(split, cap) + _document_contents(split, cap)
    phrases = {lang: cldr_phrases(lang, reference) for lang in FRAMES}
    times = {lang: p.time for lang, p in phrases.items()}
    places = {lang: p.places for lang, p in phrases.items()}
    held_out = held_out_frames(FRAMES)
    every = {frame_id(lang, intent, f) for lang, d in FRAMES.items() for intent, fs in d.items() for f in fs}
    return {
        split: compose_requests(
            rows, FRAMES, times, places, reference, frame_ids=every - held_out if split == "train" else held_out
        )
        for split, rows in contents.items()
    }


def _capped(candidates: list[dict], cap: int, split: str) -> list[dict]:
    """At most ``cap`` contents per language, one per distinct text, chosen by hash."""
    by_lang: dict[str, dict[str, dict]] = {}
    for row in sorted(candidates, key=lambda r: _rank(split, r["lang"], r["text"], r["intent"])):
        chosen = by_lang.setdefault(row["lang"], {})
        if len(chosen) < cap and row["text"] not in chosen:
            chosen[row["text"]] = row
    return [row for lang in sorted(by_lang) for row in by_lang[lang].values()]


def _photo_contents(split: str, cap: int) -> list[dict]:
    from datasets import Image

    from st_unimr.data.loading import load

    data = load("image_text", split).cast_column("image", Image(decode=False))
    # Flag captions are country names, which would blur content and place: only stamps and emoji are used.
    pairs = enumerate(zip(data["lang"], data["source"]))
    keep = [i for i, (lang, source) in pairs if lang in FRAMES and source != "iso-flags"]
    candidates = []
    for i in keep:
        row = data[i]
        text = prepare_content(row["text"], row["lang"])
        if text:
            candidates.append({"text": text, "lang": row["lang"], "intent": "photo_search", "_index": i})
    chosen = _capped(candidates, cap, split)
    for row in chosen:
        full = data[row.pop("_index")]
        row.update(image=full["image"], concept_id=full["concept_id"], source=full["source"], document="")
    return chosen


def _document_contents(split: str, cap: int) -> list[dict]:
    from st_unimr.data.loading import load

    data = load("text_pairs", split)
    candidates = []
    # Instructions and descriptions (gcompris) and stamp captions (tuxpaint); CLDR keyword lists and country names
    # (iso-codes) are not what a document is about.
    for row in data.filter(lambda s: s in ("gcompris", "tuxpaint"), input_columns="source"):
        for side, other in (("anchor", "positive"), ("positive", "anchor")):
            lang = row[f"lang_{side}"]
            if lang not in FRAMES or row[f"lang_{other}"] == lang:
                continue
            text = prepare_content(row[side], lang)
            if text:
                candidates.append(
                    {
                        "text": text,
                        "lang": lang,
                        "intent": "document_search",
                        "document": row[other],
                        "concept_id": row["concept_id"],
                        "source": row["source"],
                        "image": None,
                    }
                )
    return _capped(candidates, cap, split)
