from __future__ import annotations

import pytest

import st_unimr.query_parsing as query_parsing
from st_unimr.evaluation import SlotEvaluator

TEXTS = ["find photos of my dog from last week", "open the document about taxes", "fotos von katzen in paris"]
GOLD = [
    [{"label": "content", "start": 15, "end": 21}, {"label": "time", "start": 27, "end": 36}],
    {"label": ["content"], "start": [24], "end": [29]},  # a datasets Sequence column: a dict of lists
    [{"label": "content", "start": 10, "end": 16}, {"label": "place", "start": 20, "end": 25}],
]


def fake_tagger(predicted: list[list[tuple[str, int, int]]], intents: list[str]):
    def tag_queries(model, texts, batch_size=32):
        return [
            {
                "intent": {"label": intent, "score": 1.0},
                "slots": [{"type": t, "start": s, "end": e, "text": text[s:e]} for t, s, e in spans],
            }
            for text, spans, intent in zip(texts, predicted, intents)
        ]

    return tag_queries


def test_exact_span_f1_overall_per_type_and_language(monkeypatch, tiny_unimr_factory):
    model = tiny_unimr_factory(slot_tagging=True)
    predicted = [
        [("content", 15, 21), ("time", 22, 36)],  # time boundary wrong: no credit
        [("content", 24, 29)],
        [("content", 10, 16), ("place", 20, 25), ("time", 0, 5)],  # one spurious span
    ]
    intents = ["photo_search", "document_search", "document_search"]
    monkeypatch.setattr(query_parsing, "tag_queries", fake_tagger(predicted, intents))
    evaluator = SlotEvaluator(TEXTS, GOLD, ["photo_search", "document_search", "photo_search"], ["en", "en", "de"])
    metrics = evaluator(model)
    # 4 of 6 predicted spans are right, 4 of 5 gold spans found.
    assert metrics["requests_slot_precision"] == pytest.approx(4 / 6)
    assert metrics["requests_slot_recall"] == pytest.approx(4 / 5)
    assert metrics["requests_slot_f1"] == pytest.approx(2 * (4 / 6) * (4 / 5) / (4 / 6 + 4 / 5))
    assert metrics["requests_content_slot_f1"] == 1.0 and metrics["requests_time_slot_f1"] == 0.0
    assert metrics["requests_en_slot_f1"] == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3))
    assert metrics["requests_intent_accuracy"] == pytest.approx(2 / 3)
    assert metrics["requests_de_intent_accuracy"] == 0.0


def test_lengths_must_match():
    with pytest.raises(ValueError, match="same length"):
        SlotEvaluator(TEXTS, GOLD[:2], ["photo_search"] * 3, ["en"] * 3)
