"""Training and evaluation sets for the three stages, cut deterministically from the embedded data."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from datasets import Dataset

from st_unimr.data import EmptyDatasetError, data_dir, load
from st_unimr.evaluation import (
    IntentAccuracyEvaluator,
    MatryoshkaRecallEvaluator,
    text_to_image_evaluator,
    text_to_text_evaluator,
)
from training.config import DataConfig

__all__ = ["evaluators", "image_text_train", "intents_train", "text_pairs_train"]


def _load_rows(name: str, split: str) -> Dataset:
    """One split of an embedded dataset; an empty one is an error naming it (nothing can train or score on it)."""
    dataset = load(name, split)
    if len(dataset) == 0:
        raise EmptyDatasetError(
            name,
            split,
            f"rebuild it with `python -m st_unimr.data build --only {name}` (data folder: {data_dir() / name})",
        )
    return dataset


def _rank(key: str) -> str:
    return hashlib.sha256(key.encode("utf8")).hexdigest()


def _first_rows(dataset: Dataset, keys: list[str], limit: int | None) -> Dataset:
    """The ``limit`` rows with the smallest key hashes: the same rows on every machine, in a shuffled order."""
    order = sorted(range(len(dataset)), key=lambda i: _rank(keys[i]))
    return dataset.select(order if limit is None else order[:limit])


def image_text_train(config: DataConfig) -> Dataset:
    """Caption → image pairs: ``query`` (caption) and ``document`` (image), whole concepts, a few languages each."""
    data = _load_rows("image_text", "train")
    concepts, langs, texts = data["concept_id"], data["lang"], data["text"]
    chosen_concepts = sorted(set(concepts), key=_rank)
    if config.image_text_train_concepts is not None:
        chosen_concepts = chosen_concepts[: config.image_text_train_concepts]
    chosen_set = set(chosen_concepts)
    rows_by_concept: dict[str, list[int]] = defaultdict(list)
    for index, concept in enumerate(concepts):
        if concept in chosen_set:
            rows_by_concept[concept].append(index)
    selected = []
    for concept in chosen_concepts:
        rows = sorted(rows_by_concept[concept], key=lambda i: _rank(f"{concept}|{langs[i]}|{texts[i]}"))
        selected.extend(rows[: config.image_text_rows_per_concept])
    selected.sort(key=lambda i: _rank(f"row|{i}"))
    subset = data.select(selected)
    return subset.select_columns(["text", "image"]).rename_columns({"text": "query", "image": "document"})


def text_pairs_train(config: DataConfig) -> Dataset:
    """Translation pairs: ``query`` (a text in language X) and ``document`` (its English source)."""
    data = _load_rows("text_pairs", "train")
    keys = [f"{a}|{p}|{c}" for a, p, c in zip(data["anchor"], data["positive"], data["concept_id"])]
    subset = _first_rows(data, keys, config.text_pairs_train_rows)
    return subset.select_columns(["positive", "anchor"]).rename_columns({"positive": "query", "anchor": "document"})


def intents_train(config: DataConfig) -> Dataset:
    """Utterances with their intent label ids: ``text``, ``label``."""
    data = _load_rows("intents", "train")
    keys = [f"{t}|{i}" for t, i in zip(data["text"], data["template_id"])]
    return _first_rows(data, keys, config.intents_train_rows).select_columns(["text", "label"])


def evaluators(config: DataConfig, split: str, tasks: list[str]) -> dict:
    """The retrieval and intent evaluators of one split (``dev`` or ``test``), capped as the config says."""
    queries = config.dev_queries if split == "dev" else config.test_queries
    result = {}
    if "image_text" in tasks:
        result["t2i"] = text_to_image_evaluator(
            _load_rows("image_text", split), name=f"{split}_t2i", max_queries=queries
        )
    if "text_pairs" in tasks:
        result["t2t"] = text_to_text_evaluator(
            _load_rows("text_pairs", split), name=f"{split}_t2t", max_queries=queries, max_concepts=queries
        )
    if split == "test":
        # recall@10 at truncate_dim 384 / 256 / 128 / 64 (stages 1 and 3 train those sizes with MatryoshkaLoss)
        for key in [key for key in ("t2i", "t2t") if key in result]:
            result[f"{key}_matryoshka"] = MatryoshkaRecallEvaluator(result[key])
    if "intents" in tasks:
        data = _load_rows("intents", split)
        limit = config.intent_dev_rows if split == "dev" else config.intent_test_rows
        keys = [f"{t}|{i}" for t, i in zip(data["text"], data["template_id"])]
        data = _first_rows(data, keys, limit)
        result["intents"] = IntentAccuracyEvaluator(data["text"], data["label"], data["lang"], name=f"{split}_intents")
    return result
