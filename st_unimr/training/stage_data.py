"""Training and evaluation sets for the three stages, cut deterministically from the embedded data, and the user's own
datasets (``data.datasets`` / ``--dataset TASK=PATH_OR_HUB_ID``) beside or instead of it."""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict

from datasets import Dataset, DatasetDict, concatenate_datasets
from sentence_transformers import SentenceTransformer

from st_unimr.data import DatasetNotBuiltError, EmptyDatasetError, data_dir, load, load_labels
from st_unimr.data.schemas import FEATURES
from st_unimr.data.user_data import load_user_dataset
from st_unimr.evaluation import (
    IntentAccuracyEvaluator,
    MatryoshkaRecallEvaluator,
    SlotEvaluator,
    request_evaluators,
    text_to_image_evaluator,
    text_to_text_evaluator,
)
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.span_trimming import trim_span
from st_unimr.nlu.token_alignment import IGNORE_INDEX, as_span_list, slot_intent_labels
from st_unimr.training.config import DataConfig

__all__ = [
    "BUNDLE",
    "data_sources",
    "evaluators",
    "image_text_evaluators",
    "image_text_train",
    "intent_evaluators",
    "intent_labels",
    "model_intents",
    "request_task_evaluators",
    "text_pairs_evaluators",
    "uses_bundle",
    "intents_train",
    "nlu_train",
    "plain_texts",
    "requests_image_train",
    "requests_text_train",
    "text_pairs_train",
]


#: In ``data.datasets``, the embedded data of the task (a task without an entry trains on it alone).
BUNDLE = "bundle"


def data_sources(config: DataConfig, name: str) -> list[str]:
    """Where the task's rows come from: :data:`BUNDLE` and / or the user's paths and Hub ids, in order."""
    sources = config.datasets.get(name, [BUNDLE])
    return [sources] if isinstance(sources, str) else list(sources)


def uses_bundle(config: DataConfig, name: str) -> bool:
    """Whether the task reads the embedded dataset of that name."""
    return BUNDLE in data_sources(config, name)


@functools.lru_cache(maxsize=32)
def _user_dataset(name: str, source: str, holdout: float) -> DatasetDict:
    return load_user_dataset(name, source, holdout=holdout)


def _user_datasets(config: DataConfig, name: str) -> list[DatasetDict]:
    """The user's datasets for the task, in the task's schema, with train / dev / test (each read once a process)."""
    return [_user_dataset(name, s, config.holdout) for s in data_sources(config, name) if s != BUNDLE]


def _user_splits(config: DataConfig, name: str, split: str) -> list[Dataset]:
    return [dataset[split] for dataset in _user_datasets(config, name)]


def _concatenate(parts: list[Dataset], name: str) -> Dataset:
    if len(parts) == 1:
        return parts[0]
    features = FEATURES[name]
    aligned = [part.select_columns(list(features)) for part in parts]
    return concatenate_datasets([part if part.features == features else part.cast(features) for part in aligned])


def _rows(config: DataConfig, name: str, split: str) -> Dataset:
    """One split of the task's data: the embedded dataset's (if the task uses it) and the user's, in that order."""
    parts = [_load_rows(name, split)] if uses_bundle(config, name) else []
    return _concatenate(parts + _user_splits(config, name, split), name)


def intent_labels(config: DataConfig) -> list[str]:
    """The intent names the intents data holds, in label order: the bundle's (``labels.json``), then the user's that
    the bundle lacks, sorted; without the bundle, the user's (every split of every source), sorted."""
    labels = load_labels() if uses_bundle(config, "intents") else []
    user = {
        name for dataset in _user_datasets(config, "intents") for rows in dataset.values() for name in rows["intent"]
    }
    return [*labels, *sorted(user - set(labels))]


def model_intents(config: DataConfig) -> list[str] | None:
    """The labels to build the NLU head with: None (``build_unimr``'s default, the bundle's) unless the user brings
    intents data, then :func:`intent_labels`."""
    return intent_labels(config) if data_sources(config, "intents") != [BUNDLE] else None


def _label_ids(intents: list[str], labels: list[str], where: str) -> list[int]:
    index = {name: i for i, name in enumerate(labels)}
    unknown = sorted(set(intents) - set(index))
    if unknown:
        raise ValueError(f"{where}: intents {unknown} are not among the model's labels {labels}")
    return [index[name] for name in intents]


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


def _as_pairs(parts: list[Dataset], columns: dict[str, str]) -> Dataset:
    """The bundle's rows (if any) and the user's, with ``columns`` renamed to the trainer's ``query``/``document``."""
    renamed = [part.select_columns(list(columns)).rename_columns(columns) for part in parts]
    if len(renamed) == 1:
        return renamed[0]
    features = renamed[0].features
    return concatenate_datasets([part if part.features == features else part.cast(features) for part in renamed])


def image_text_train(config: DataConfig) -> Dataset:
    """Caption → image pairs: ``query`` (caption) and ``document`` (image), whole concepts, a few languages each.

    The caps (``image_text_train_concepts``, ``image_text_rows_per_concept``) cut the embedded data; the user's
    datasets (``data.datasets``) train in full, after it.
    """
    parts = [_bundle_image_text_train(config)] if uses_bundle(config, "image_text") else []
    return _as_pairs(parts + _user_splits(config, "image_text", "train"), {"text": "query", "image": "document"})


def _bundle_image_text_train(config: DataConfig) -> Dataset:
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
    return data.select(selected)


def text_pairs_train(config: DataConfig) -> Dataset:
    """Translation pairs: ``query`` (a text in language X) and ``document`` (its English source).

    ``text_pairs_train_rows`` caps the embedded data; the user's pairs (``positive`` → ``anchor``) train in full.
    """
    parts = []
    if uses_bundle(config, "text_pairs"):
        data = _load_rows("text_pairs", "train")
        keys = [f"{a}|{p}|{c}" for a, p, c in zip(data["anchor"], data["positive"], data["concept_id"])]
        parts.append(_first_rows(data, keys, config.text_pairs_train_rows))
    parts += _user_splits(config, "text_pairs", "train")
    return _as_pairs(parts, {"positive": "query", "anchor": "document"})


def _intent_rows(config: DataConfig) -> Dataset:
    """The training utterances (``text``, ``label``, ``intent``): the capped bundle's, then the user's in full."""
    parts = []
    if uses_bundle(config, "intents"):
        data = _load_rows("intents", "train")
        keys = [f"{t}|{i}" for t, i in zip(data["text"], data["template_id"])]
        parts.append(_first_rows(data, keys, config.intents_train_rows).select_columns(["text", "label", "intent"]))
    parts += [rows.select_columns(["text", "label", "intent"]) for rows in _user_splits(config, "intents", "train")]
    return parts[0] if len(parts) == 1 else concatenate_datasets(parts)


def _labelled(rows: Dataset, labels: list[str], where: str) -> Dataset:
    """``text`` and ``label``, the label ids indexing ``labels`` (looked up by intent name)."""
    ids = _label_ids(list(rows["intent"]), labels, where)
    if ids == list(rows["label"]):
        return rows.select_columns(["text", "label"])
    return rows.select_columns(["text"]).add_column("label", ids)


def intents_train(config: DataConfig) -> Dataset:
    """Utterances with their intent label ids: ``text``, ``label`` (indexing :func:`intent_labels`)."""
    return _labelled(_intent_rows(config), intent_labels(config), "intents data")


def _request_rows(config: DataConfig, split: str, limit: int | None) -> Dataset:
    data = _load_requests(split)
    keys = [f"{t}|{f}|{i}" for i, (t, f) in enumerate(zip(data["text"], data["frame_id"]))]
    return _first_rows(data, keys, limit)


def nlu_train(config: DataConfig, model: SentenceTransformer) -> Dataset:
    """What the NLU heads train on: ``text``, ``label``.

    Without a slot tagger: the intent utterances with their label ids (as :func:`intents_train`). With one: the
    utterances (tags ignored: they carry no slot annotations) and the search requests, each labelled with the packed
    ``[intent_id, tag ids per token]`` list :class:`~st_unimr.losses.SlotIntentLoss` reads; request intents are
    looked up by name in the model's labels (the bundle's labels or the user's, then the search intents). Utterance
    labels are looked up by name too, so the ids index the model's labels whatever order the data has them in.
    """
    nlu = find_nlu_module(model)
    intents = _labelled(_intent_rows(config), list(nlu.labels), "intents data")
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
    parts = [utterances, request_rows]
    if config.plain_train_rows:
        plain = plain_texts(config, config.plain_train_rows)
        # The intent is ignored (-100): a caption or a sentence is no assistant intent, and which search it would be
        # is not known. The tags: one content span, trimmed as the requests' gold spans are.
        spans = [[{"label": "content", "start": start, "end": end}] for start, end in map(_whole_span, plain)]
        plain_rows = Dataset.from_dict({"text": plain, "label": packed(plain, [IGNORE_INDEX] * len(plain), spans)})
        parts.append(plain_rows.cast(utterances.features))
    merged = concatenate_datasets(parts)
    return merged.shuffle(seed=0)


def _whole_span(text: str) -> tuple[int, int]:
    return trim_span(text, 0, len(text))


def plain_texts(config: DataConfig, limit: int) -> list[str]:
    """Up to ``limit`` plain texts of the train splits, half image_text captions and half text_pairs sentences (both
    sides), chosen by hash: what a text that is not a request looks like to the slot tagger."""
    captions = sorted(set(image_text_train(config)["query"]), key=_rank)
    pairs = text_pairs_train(config)
    sentences = sorted((set(pairs["query"]) | set(pairs["document"])) - set(captions), key=_rank)
    # Half of each where both have enough; the other fills in where one runs short.
    half = max(limit // 2, limit - len(sentences))
    texts = captions[:half] + sentences[: limit - min(half, len(captions))]
    texts = [text for text in texts if _whole_span(text)[0] < _whole_span(text)[1]]  # not punctuation alone
    return sorted(texts, key=lambda text: _rank(f"plain|{text}"))


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
    content it wraps, e.g. the caption), so a request lands where its content lands; ``content`` (the plain content,
    which :class:`~st_unimr.losses.RequestContentLoss` can pull the request onto)."""
    data = _request_rows(config, "train", None)
    keys = [f"{t}|{f}" for t, f in zip(data["text"], data["frame_id"])]
    subset = _first_rows(data, keys, config.requests_text_train_rows)
    documents = [d if d else c for d, c in zip(subset["document"], subset["content"])]
    return Dataset.from_dict({"query": subset["text"], "document": documents, "content": subset["content"]})


def evaluators(
    config: DataConfig, split: str, tasks: list[str], slot_tagging: bool = False, labels: list[str] | None = None
) -> dict:
    """The retrieval and intent evaluators of one split (``dev`` or ``test``), capped as the config says.

    Args:
        config: The data section (caps, and the user's datasets beside or instead of the embedded ones).
        split: ``dev`` or ``test``.
        tasks: Task names (see ``st_unimr.training.task_registry.TASKS``); each adds its evaluators.
        slot_tagging: Whether the model tags slots (the request evaluation then scores them).
        labels: The model's intent labels; None: :func:`intent_labels` (the model was built from this data).
    """
    from st_unimr.training.task_registry import TASKS

    result: dict = {}
    for name in tasks:
        result.update(TASKS[name].evaluators(config, split, slot_tagging=slot_tagging, labels=labels))
    return result


def _queries(config: DataConfig, split: str) -> int:
    return config.dev_queries if split == "dev" else config.test_queries


def image_text_evaluators(config: DataConfig, split: str, **_: object) -> dict:
    """``t2i``: captions retrieve images (and, on ``test``, recall@10 at each Matryoshka size)."""
    evaluator = text_to_image_evaluator(
        _rows(config, "image_text", split), name=f"{split}_t2i", max_queries=_queries(config, split)
    )
    # recall@10 at truncate_dim 384 / 256 / 128 / 64 (stages 1 and 3 train those sizes with MatryoshkaLoss)
    return {"t2i": evaluator, **({"t2i_matryoshka": MatryoshkaRecallEvaluator(evaluator)} if split == "test" else {})}


def text_pairs_evaluators(config: DataConfig, split: str, **_: object) -> dict:
    """``t2t``: texts retrieve their pair's anchor (and, on ``test``, recall@10 at each Matryoshka size).

    The embedded pairs count only where a text in another language retrieves its English source; the user's pairs
    count whatever their languages.
    """
    queries = _queries(config, split)
    user = _user_splits(config, "text_pairs", split)
    if not user:
        data, cross_lingual_only = _load_rows("text_pairs", split), True
    else:
        parts = []
        if uses_bundle(config, "text_pairs"):
            bundle = _load_rows("text_pairs", split)
            parts.append(
                bundle.filter(lambda a, p: a == "en" and p != "en", input_columns=["lang_anchor", "lang_positive"])
            )
        data, cross_lingual_only = _concatenate(parts + user, "text_pairs"), False
    evaluator = text_to_text_evaluator(
        data, name=f"{split}_t2t", max_queries=queries, max_concepts=queries, cross_lingual_only=cross_lingual_only
    )
    return {"t2t": evaluator, **({"t2t_matryoshka": MatryoshkaRecallEvaluator(evaluator)} if split == "test" else {})}


def intent_evaluators(config: DataConfig, split: str, labels: list[str] | None = None, **_: object) -> dict:
    """``intents``: accuracy and macro-F1 of the intent head, overall and per language."""
    data = _rows(config, "intents", split)
    limit = config.intent_dev_rows if split == "dev" else config.intent_test_rows
    keys = [f"{t}|{i}" for t, i in zip(data["text"], data["template_id"])]
    data = _first_rows(data, keys, limit)
    ids = _label_ids(list(data["intent"]), labels if labels is not None else intent_labels(config), f"{split} intents")
    return {"intents": IntentAccuracyEvaluator(data["text"], ids, data["lang"], name=f"{split}_intents")}


def request_task_evaluators(config: DataConfig, split: str, slot_tagging: bool = False, **_: object) -> dict:
    """The search requests: slot F1 (with a slot tagger), intents, and request vs content retrieval."""
    queries = _queries(config, split)
    limit = config.request_dev_rows if split == "dev" else config.request_test_rows
    data = _request_rows(config, split, limit)
    result = {}
    if slot_tagging:
        result["slots"] = SlotEvaluator.from_requests(data, name=f"{split}_requests")
    for key, evaluator in request_evaluators(data, name=f"{split}_requests", max_queries=queries).items():
        result[f"requests_{key}"] = evaluator
    return result
