from __future__ import annotations

from datetime import date

import pytest

from st_unimr.nlu.date_range import DateRange
from st_unimr.nlu.place_phrase import PlacePhrase
from st_unimr.nlu.request_data import compose_requests, held_out_frames, prepare_content
from st_unimr.nlu.request_frames import FRAMES, frame_id
from st_unimr.nlu.slot_labels import SEARCH_INTENTS
from st_unimr.nlu.time_phrase import TimePhrase

REF = date(2025, 3, 12)
_LAST_MONTH = DateRange(date(2025, 2, 1), date(2025, 2, 28))
_YEAR = DateRange(date(2023, 1, 1), date(2023, 12, 31))


def _phrases():
    times, places = {}, {}
    for lang in FRAMES:
        times[lang] = [
            TimePhrase(f"last-month-{lang}", lang, "relative", "month-1", _LAST_MONTH),
            TimePhrase("2023", lang, "year", "year-2023", _YEAR),
        ]
        places[lang] = [PlacePhrase(f"Placeland-{lang}", lang, "PL"), PlacePhrase("Otherland", lang, "OT")]
    return times, places


def _contents(n_per_lang: int, split: str):
    rows = []
    for lang in FRAMES:
        for intent in SEARCH_INTENTS:
            for i in range(n_per_lang):
                rows.append(
                    {
                        "text": f"thing {split} {i}",
                        "lang": lang,
                        "intent": intent,
                        "concept_id": f"name:{split}-{i}",
                        "image": None,
                        "document": "" if intent == "photo_search" else f"doc {i}",
                        "source": "test",
                    }
                )
    return rows


def test_every_span_slices_back_to_its_phrase_and_time_ranges_are_kept():
    times, places = _phrases()
    rows = compose_requests(_contents(6, "train"), FRAMES, times, places, REF, per_content=3)
    assert len(rows) == len(FRAMES) * 2 * 6 * 3
    labels_seen = set()
    for row in rows:
        text = row["text"]
        spans = row["spans"]
        assert [s["label"] for s in spans].count("content") == 1
        for span in spans:
            value = text[span["start"] : span["end"]]
            labels_seen.add(span["label"])
            if span["label"] == "content":
                assert value == row["content"]
            elif span["label"] == "time":
                assert value in {t.text for t in times[row["lang"]]}
                expected = _LAST_MONTH if value.startswith("last-month") else _YEAR
                assert (row["time_start"], row["time_end"]) == (expected.start.isoformat(), expected.end.isoformat())
            else:
                assert value in {p.text for p in places[row["lang"]]}
        if "time" not in {s["label"] for s in spans}:
            assert row["time_start"] == row["time_end"] == ""
        assert sorted(spans, key=lambda s: s["start"]) == spans
        assert all(a["end"] <= b["start"] for a, b in zip(spans, spans[1:]))
        assert row["reference_date"] == "2025-03-12"
    assert labels_seen == {"content", "time", "place"}


def test_month_and_year_prefix_stays_outside_the_span():
    times = {"fr": [TimePhrase("2023", "fr", "year", "year-2023", _YEAR)]}
    frames = {"fr": {"photo_search": ["photos de {content} prises {time}"]}}
    row = compose_requests(
        [{"text": "un chat", "lang": "fr", "intent": "photo_search"}], frames, times, {"fr": []}, REF
    )[0]
    assert row["text"] == "photos de un chat prises en 2023"
    time = next(s for s in row["spans"] if s["label"] == "time")
    assert row["text"][time["start"] : time["end"]] == "2023"


def test_composition_is_deterministic_and_respects_frame_ids():
    times, places = _phrases()
    contents = _contents(4, "dev")
    held = held_out_frames()
    a = compose_requests(contents, FRAMES, times, places, REF, frame_ids=held)
    b = compose_requests(contents, FRAMES, times, places, REF, frame_ids=held)
    assert a == b and a
    assert {r["frame_id"] for r in a} <= held


def test_splits_are_disjoint_by_frame_and_by_concept():
    times, places = _phrases()
    held = held_out_frames()
    every = {frame_id(lang, i, f) for lang, d in FRAMES.items() for i, fs in d.items() for f in fs}
    for lang, by_intent in FRAMES.items():
        for intent, frames in by_intent.items():
            ids = {frame_id(lang, intent, f) for f in frames}
            assert 0 < len(ids & held) < len(ids) / 2, (lang, intent)
    train = compose_requests(_contents(8, "train"), FRAMES, times, places, REF, frame_ids=every - held, per_content=2)
    test = compose_requests(_contents(8, "test"), FRAMES, times, places, REF, frame_ids=held, per_content=2)
    assert not {r["frame_id"] for r in train} & {r["frame_id"] for r in test}
    assert not {r["concept_id"] for r in train} & {r["concept_id"] for r in test}


def test_a_broken_frame_is_named():
    with pytest.raises(ValueError, match=r"xx:photo_search:[0-9a-f]+ 'photos of \{thing\}'"):
        compose_requests(
            [{"text": "a cat", "lang": "xx", "intent": "photo_search"}],
            {"xx": {"photo_search": ["photos of {thing}"]}},
            {},
            {},
            REF,
        )
    with pytest.raises(ValueError, match="unknown intent 'weather'"):
        compose_requests([{"text": "a cat", "lang": "en", "intent": "weather"}], FRAMES, {}, {}, REF)


def test_prepare_content():
    assert prepare_content("A badger.", "en") == "a badger"
    assert prepare_content("Ein Dachs.", "de") == "ein Dachs"
    assert prepare_content("Dachs", "de") == "Dachs"
    assert prepare_content("TV set", "en") == "TV set"
    assert prepare_content("%1 apples", "en") is None
    assert prepare_content("x" * 81, "en") is None


@pytest.mark.slow
def test_built_requests_dataset():
    from st_unimr.data import load
    from st_unimr.data.splits import check_no_leakage
    from st_unimr.nlu.span_trimming import trim_span

    data = load("requests")
    assert set(data) == {"train", "dev", "test"}
    assert len(data["train"]) >= 2000 and 300 <= len(data["dev"]) <= 1500 and 300 <= len(data["test"]) <= 1500
    frames = {s: set(data[s]["frame_id"]) for s in data}
    check_no_leakage({s: list(data[s]["concept_id"]) for s in data})
    assert not frames["train"] & held_out_frames()
    assert frames["dev"] | frames["test"] <= held_out_frames()
    for split in data:
        rows = data[split].remove_columns("image")
        for row in rows:
            for span in row["spans"]:
                value = row["text"][span["start"] : span["end"]]
                assert value and value == value.strip()
                if span["label"] == "content":
                    # The span is the content without its edge punctuation (".قطّة سوداء" -> "قطّة سوداء").
                    start, end = trim_span(row["content"], 0, len(row["content"]))
                    assert value == row["content"][start:end]
            assert bool(row["time_start"]) == any(s["label"] == "time" for s in row["spans"])
            assert (row["document"] == "") == (row["intent"] == "photo_search")
        assert len(set(rows["lang"])) == len(FRAMES)
    photo = data["test"].filter(lambda i: i == "photo_search", input_columns="intent")
    assert photo[0]["image"] is not None


def test_building_requests_without_the_bundle_says_what_to_build():
    from st_unimr.data.build import build
    from st_unimr.data.loading import DatasetNotBuiltError

    with pytest.raises(DatasetNotBuiltError, match="build --only image_text"):
        build(["requests"])
