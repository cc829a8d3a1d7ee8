"""Training and evaluation sets for the three stages, cut deterministically from the embedded data."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from datasets import Dataset, DatasetDict, concatenate_datasets
from sentence_transformers import SentenceTransformer

from st_unimr.data import DatasetNotBuiltError, EmptyDatasetError, data_dir, load
from st_unimr.evaluation import (
    IntentAccuracyEvaluator,
    MatryoshkaRecallEvaluator,
    SlotEvaluator,
    request_evaluators,
    text_to_image_evaluator,
    text_to_text_evaluator,
)
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.token_alignment import as_span_list, slot_intent_labels
from training.config import DataConfig

__all__ = [
    "evaluators",
    "image_text_train",
    "intents_train",
    "nlu_train",
    "requests_image_train",
    "requests_text_train",
    "text_pairs_train",
]


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


def _load_requests(split: str) -> Dataset:
    """One split of the ``requests`` dataset (search requests with slots, issue 13).

    Read through ``st_unimr.data.load`` once the data package registers it; until then straight from its folder.
    """
    from st_unimr.data.schemas import ALL_DATASET_NAMES

    if "requests" in ALL_DATASET_NAMES:
        return _load_rows("requests", split)
    folder = data_dir() / "requests"
    if not folder.is_dir():
        raise DatasetNotBuiltError(f"{folder} not found: build the requests dataset first")
    dataset = DatasetDict.load_from_disk(str(folder))[split]
    if len(dataset) == 0:
        raise EmptyDatasetError("requests", split, f"rebuild it (data folder: {folder})")
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


def _request_rows(config: DataConfig, split: str, limit: int | None) -> Dataset:
    data = _load_requests(split)
    keys = [f"{t}|{f}|{i}" for i, (t, f) in enumerate(zip(data["text"], data["frame_id"]))]
    return _first_rows(data, keys, limit)


def nlu_train(config: DataConfig, model: SentenceTransformer) -> Dataset:
    """What the NLU heads train on: ``text``, ``label``.

    Without a slot tagger: the intent utterances with their label ids (as :func:`intents_train`). With one: the
    utterances (tags ignored: they carry no slot annotations) and the search requests, each labelled with the packed
    ``[intent_id, tag ids per token]`` list :class:`~st_unimr.losses.SlotIntentLoss` reads; request intents are
    looked up by name in the model's labels (the bundle's labels, then the search intents).
    """
    intents = intents_train(config)
    nlu = find_nlu_module(model)
    if nlu.slot_tags is None:
        return intents
    length = model.max_seq_length
    prompt = model.prompts.get("query", "") or ""

    def packed(texts: list[str], intent_ids: list[int], spans: list) -> list[list[int]]:
        return slot_intent_labels(model.tokenizer, texts, intent_ids, spans, length, prompt, nlu.slot_tags)

    utterances = Dataset.from_dict(
        {"text": intents["text"], "label": packed(intents["text"], intents["label"], [None] * len(intents))}
    )
    requests = _request_rows(config, "train", config.requests_train_rows)
    unknown = sorted(set(requests["intent"]) - set(nlu.labels))
    if unknown:
        raise ValueError(f"Request intents {unknown} are not among the model's labels; build it with slot_tagging")
    request_ids = [nlu.labels.index(intent) for intent in requests["intent"]]
    spans = [as_span_list(row) for row in requests["spans"]]
    request_rows = Dataset.from_dict(
        {"text": requests["text"], "label": packed(requests["text"], request_ids, spans)}
    ).cast(utterances.features)
    merged = concatenate_datasets([utterances, request_rows])
    return merged.shuffle(seed=0)


def requests_image_train(config: DataConfig) -> Dataset:
    """Photo-search request → image pairs: ``query`` (the request), ``document`` (the image)."""
    data = _request_rows(config, "train", None)
    rows = [i for i, intent in enumerate(data["intent"]) if intent == "photo_search"]
    data = data.select(rows)
    keys = [f"{t}|{f}" for t, f in zip(data["text"], data["frame_id"])]
    subset = _first_rows(data, keys, config.requests_image_train_rows)
    return subset.select_columns(["text", "image"]).rename_columns({"text": "query", "image": "document"})


def requests_text_train(config: DataConfig) -> Dataset:
    """Request → text pairs: ``query`` (the request), ``document`` (its document for document search, else the plain
    content it wraps, e.g. the caption), so a request lands where its content lands."""
    data = _request_rows(config, "train", None)
    keys = [f"{t}|{f}" for t, f in zip(data["text"], data["frame_id"])]
    subset = _first_rows(data, keys, config.requests_text_train_rows)
    documents = [d if d else c for d, c in zip(subset["document"], subset["content"])]
    return Dataset.from_dict({"query": subset["text"], "document": documents})


def evaluators(config: DataConfig, split: str, tasks: list[str], slot_tagging: bool = False) -> dict:
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
    if "requests" in tasks:
        limit = config.request_dev_rows if split == "dev" else config.request_test_rows
        data = _request_rows(config, split, limit)
        if slot_tagging:
            result["slots"] = SlotEvaluator.from_requests(data, name=f"{split}_requests")
        for key, evaluator in request_evaluators(data, name=f"{split}_requests", max_queries=queries).items():
            result[f"requests_{key}"] = evaluator
    return result
