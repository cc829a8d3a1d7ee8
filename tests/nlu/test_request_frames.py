from __future__ import annotations

import re
import string

import pytest

from st_unimr.mteb.intent_rich_templates import TEMPLATES
from st_unimr.nlu.request_frames import FRAMES, TIME_KINDS, TIME_PREFIX, frame_id
from st_unimr.nlu.slot_labels import SEARCH_INTENTS, SLOT_TAGS, SLOT_TYPES

_PLACEHOLDER = re.compile(r"\{(?:content|time|place)?\}")


def _fixed(text: str) -> str:
    """The fixed words of a frame or template: placeholders removed, lower-cased, spaces collapsed."""
    return " ".join(_PLACEHOLDER.sub(" ", text).casefold().split())


def _segments(text: str) -> list[str]:
    """Fixed text segments between placeholders that carry words (not only punctuation)."""
    parts = [" ".join(p.casefold().split()).strip() for p in _PLACEHOLDER.split(text)]
    return [p for p in parts if len(p.strip(string.punctuation + "«»“”„？！：。、 ")) >= 4]


def test_labels():
    assert SLOT_TYPES == ("content", "time", "place")
    assert SLOT_TAGS == ("O", "B-content", "I-content", "B-time", "I-time", "B-place", "I-place")
    assert SEARCH_INTENTS == ("photo_search", "document_search")


def test_frames_cover_15_languages_both_intents_with_a_mix_of_slots():
    assert len(FRAMES) >= 15
    for lang, by_intent in FRAMES.items():
        assert set(by_intent) == set(SEARCH_INTENTS), lang
        for intent, frames in by_intent.items():
            assert 10 <= len(frames) <= 14, (lang, intent)
            for frame in frames:
                slots = re.findall(r"\{(\w*)\}", frame)
                assert slots.count("content") == 1 and set(slots) <= set(SLOT_TYPES), (lang, frame)
                assert frame.count("{") == frame.count("}") == len(slots), (lang, frame)
            with_time = sum("{time}" in f for f in frames)
            with_place = sum("{place}" in f for f in frames)
            bare = sum("{time}" not in f and "{place}" not in f for f in frames)
            assert with_time >= 3 and with_place >= 2 and bare >= 3, (lang, intent, with_time, with_place, bare)
        assert set(TIME_KINDS[lang]) >= {"relative", "ago"}
    assert set(TIME_PREFIX) <= set(FRAMES)


def test_no_frame_equals_or_contains_an_evaluation_template():
    templates = [(lang, t) for lang, items in TEMPLATES.items() for t in items]
    for by_intent in FRAMES.values():
        for frames in by_intent.values():
            for frame in frames:
                fixed = _fixed(frame)
                for template_lang, template in templates:
                    segments = _segments(template)
                    assert fixed != _fixed(template), (frame, template_lang, template)
                    assert not (segments and all(s in fixed for s in segments)), (frame, template_lang, template)


def test_no_two_frames_collide():
    seen: dict[str, str] = {}
    ids: set[str] = set()
    for lang, by_intent in FRAMES.items():
        for intent, frames in by_intent.items():
            for frame in frames:
                key = _fixed(frame) + "|" + ",".join(re.findall(r"\{(\w+)\}", frame))
                assert key not in seen, (frame, seen.get(key))
                seen[key] = f"{lang}:{frame}"
                ids.add(frame_id(lang, intent, frame))
    assert len(ids) == len(seen)


@pytest.mark.slow
def test_frame_languages_are_in_the_bundle():
    from st_unimr.data import load

    langs = set(load("image_text", "train")["lang"]) & set(load("text_pairs", "train")["lang_positive"] + ["en"])
    assert set(FRAMES) <= langs
