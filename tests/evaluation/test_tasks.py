from __future__ import annotations

import mteb
import pytest

from st_unimr.mteb import (
    UniMRCrossLingualPoolRetrieval,
    UniMRCrossLingualRetrieval,
    UniMREncoder,
    UniMRImageToTextRetrieval,
    UniMRIntentClassification,
    UniMRIntentRichRetrieval,
    UniMRStyleShiftRetrieval,
    UniMRTextToImageRetrieval,
)
from tests.evaluation import fixtures

RETRIEVAL_KEYS = {"recall_at_1", "recall_at_5", "recall_at_10", "ndcg_at_10", "main_score"}


def _tasks():
    return {
        "t2i": UniMRTextToImageRetrieval(fixtures.image_text(), min_queries=2),
        "i2t": UniMRImageToTextRetrieval(fixtures.image_text(), min_queries=2),
        "style": UniMRStyleShiftRetrieval(fixtures.image_text(), min_queries=2),
        "rich": UniMRIntentRichRetrieval(fixtures.image_text(), min_queries=2),
        "xling": UniMRCrossLingualRetrieval(fixtures.text_pairs(), min_queries=2),
        "pool": UniMRCrossLingualPoolRetrieval(fixtures.text_pairs(), min_queries=2),
    }


def _scores(result):
    return {entry["hf_subset"]: entry for entry in result.task_results[0].scores["test"]}


def test_subsets_and_languages():
    tasks = _tasks()
    assert tasks["t2i"].metadata.eval_langs == {"en": ["eng-Latn"], "de": ["deu-Latn"], "fr": ["fra-Latn"]}
    assert set(tasks["xling"].metadata.eval_langs) == {"de", "fr"}
    assert tasks["t2i"].metadata.category == "t2i" and tasks["i2t"].metadata.category == "i2t"
    assert tasks["t2i"].metadata.main_score == "recall_at_10"
    task = tasks["t2i"]
    task.load_data()
    split = task.dataset["de"]["test"]
    assert len(split["corpus"]) == 4 and split["queries"]["text"][0] == "Ein Hund."
    # Relevance by concept: each caption has exactly the image of its concept.
    assert all(len(docs) == 1 for docs in split["relevant_docs"].values())


def test_caps_and_min_queries():
    task = UniMRTextToImageRetrieval(fixtures.image_text(), min_queries=2, max_langs=2, max_queries_per_lang=3)
    task.load_data()
    assert list(task.dataset) == ["en", "de"]
    assert all(len(task.dataset[lang]["test"]["queries"]) == 3 for lang in task.dataset)
    with pytest.raises(ValueError, match="no language"):
        UniMRTextToImageRetrieval(fixtures.image_text(), min_queries=50)


def test_intent_rich_queries_are_wrapped():
    task = _tasks()["rich"]
    task.load_data()
    queries = task.dataset["en"]["test"]["queries"]["text"]
    assert all(q not in fixtures.CAPTIONS["en"].values() for q in queries)
    assert any("dog" in q for q in queries)


def test_pool_excludes_the_query_itself():
    task = _tasks()["pool"]
    assert task.ignore_identical_ids
    task.load_data()
    split = task.dataset["de"]["test"]
    corpus_ids = set(split["corpus"]["id"])
    for query_id, docs in split["relevant_docs"].items():
        assert query_id in corpus_ids and query_id not in docs
        assert len(docs) == 2  # the English anchor and the French translation


def test_oracle_is_perfect_on_every_retrieval_task():
    oracle = fixtures.OracleEncoder()
    for name, task in _tasks().items():
        scores = _scores(mteb.evaluate(oracle, task, cache=None, show_progress_bar=False))
        assert scores, name
        for subset, entry in scores.items():
            assert RETRIEVAL_KEYS <= entry.keys(), (name, subset)
            # Several relevant documents per query in some tasks: recall@1 can be < 1, recall@10 and nDCG@10 not.
            assert entry["recall_at_10"] == pytest.approx(1.0), (name, subset)
            assert entry["ndcg_at_10"] == pytest.approx(1.0), (name, subset)
            assert entry["main_score"] == entry["recall_at_10"]


def test_tiny_unimr_runs_every_task(tiny_unimr):
    encoder = UniMREncoder(tiny_unimr, name="test/tiny")
    assert encoder.mteb_model_meta.modalities == ["text", "image"]
    tasks = list(_tasks().values()) + [UniMRIntentClassification(fixtures.intents(), min_queries=2, n_experiments=2)]
    result = mteb.evaluate(encoder, tasks, cache=None, show_progress_bar=False)
    assert len(result.task_results) == len(tasks)
    for task_result in result.task_results:
        for entry in task_result.scores["test"]:
            assert 0.0 <= entry["main_score"] <= 1.0
    intent = {e["hf_subset"]: e for e in result.task_results[-1].scores["test"]}
    assert set(intent) == {"en", "de"} and {"accuracy", "f1"} <= intent["en"].keys()


def test_intent_classification_subsets():
    task = UniMRIntentClassification(fixtures.intents(), min_queries=2, max_queries_per_lang=4)
    task.load_data()
    assert set(task.dataset) == {"en", "de"}
    assert len(task.dataset["en"]["test"]) == 4 and len(task.dataset["en"]["train"]) == 12
    task.unload_data()
    assert set(task.metadata.eval_langs) == {"en", "de"}  # the instance keeps its languages
