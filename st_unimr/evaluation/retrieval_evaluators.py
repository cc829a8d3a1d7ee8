"""Dev-set retrieval evaluators built from the st_unimr datasets (text→image and cross-lingual text→text)."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from datasets import Dataset
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

__all__ = ["text_to_image_evaluator", "text_to_text_evaluator"]

AT_K = [1, 5, 10]


def _subsample(indices: list[int], keys: list[str], limit: int | None) -> list[int]:
    """A deterministic subset, stable across machines: the ``limit`` indices with the smallest key hashes."""
    if limit is None or len(indices) <= limit:
        return indices
    return sorted(indices, key=lambda i: hashlib.sha256(keys[i].encode()).hexdigest())[:limit]


def _evaluator(queries, corpus, relevant, name: str, batch_size: int) -> InformationRetrievalEvaluator:
    return InformationRetrievalEvaluator(
        queries=queries,
        corpus=corpus,
        relevant_docs=relevant,
        name=name,
        accuracy_at_k=AT_K,
        precision_recall_at_k=AT_K,
        ndcg_at_k=[10],
        mrr_at_k=[10],
        map_at_k=[10],
        batch_size=batch_size,
        query_prompt_name="query",
        corpus_prompt_name="document",
        write_csv=False,
    )


def text_to_image_evaluator(
    dataset: Dataset, name: str = "t2i", max_queries: int | None = 1000, batch_size: int = 32
) -> InformationRetrievalEvaluator:
    """Captions (all languages) retrieve images; every image of the caption's concept counts as relevant.

    Args:
        dataset: Rows with ``image``, ``text``, ``lang``, ``concept_id`` (``st_unimr.data.load("image_text", "dev")``).
        name: Metric prefix.
        max_queries: Deterministic cap on the number of captions.
        batch_size: Encoding batch size.
    """
    concept_ids = dataset["concept_id"]
    texts = dataset["text"]
    corpus, images_of_concept = {}, defaultdict(set)
    for image, concept in zip(dataset["image"], concept_ids):
        image_id = "img-" + hashlib.sha1(image.tobytes()).hexdigest()[:16]
        corpus.setdefault(image_id, image)
        images_of_concept[concept].add(image_id)
    keys = [f"{c}|{t}|{i}" for i, (c, t) in enumerate(zip(concept_ids, texts))]
    chosen = _subsample(list(range(len(texts))), keys, max_queries)
    queries = {f"q{i}": texts[i] for i in chosen}
    relevant = {f"q{i}": images_of_concept[concept_ids[i]] for i in chosen}
    return _evaluator(queries, corpus, relevant, name, batch_size)


def text_to_text_evaluator(
    dataset: Dataset,
    name: str = "t2t",
    max_queries: int | None = 1000,
    max_concepts: int | None = 1000,
    batch_size: int = 64,
) -> InformationRetrievalEvaluator:
    """Translations retrieve their English source among the English anchors of the chosen concepts.

    Only cross-lingual rows with an English anchor are used (query in language X against English); same-language
    rows such as a name paired with its keyword list are left out, since a keyword like "face" names hundreds of
    concepts and is not a retrieval query with one answer.

    Args:
        dataset: Rows with ``anchor``, ``positive``, ``concept_id`` (``st_unimr.data.load("text_pairs", "dev")``).
        name: Metric prefix.
        max_queries: Deterministic cap on the number of queries.
        max_concepts: Deterministic cap on the number of concepts (the corpus holds their anchors).
        batch_size: Encoding batch size.
    """
    dataset = dataset.filter(
        lambda anchor_lang, positive_lang: anchor_lang == "en" and positive_lang != "en",
        input_columns=["lang_anchor", "lang_positive"],
    )
    all_concepts = sorted(set(dataset["concept_id"]))
    kept = set(_subsample(list(range(len(all_concepts))), all_concepts, max_concepts))
    kept_concepts = {all_concepts[i] for i in kept}
    dataset = dataset.filter(lambda concept: concept in kept_concepts, input_columns="concept_id")
    concept_ids = dataset["concept_id"]
    anchors, positives = dataset["anchor"], dataset["positive"]
    corpus, anchors_of_concept, anchor_ids = {}, defaultdict(set), {}
    for anchor, concept in zip(anchors, concept_ids):
        doc_id = anchor_ids.setdefault(anchor, f"d{len(anchor_ids)}")
        corpus[doc_id] = anchor
        anchors_of_concept[concept].add(doc_id)
    keys = [f"{c}|{p}" for c, p in zip(concept_ids, positives)]
    chosen = _subsample([i for i in range(len(positives)) if positives[i] != anchors[i]], keys, max_queries)
    queries = {f"q{i}": positives[i] for i in chosen}
    relevant = {f"q{i}": anchors_of_concept[concept_ids[i]] for i in chosen}
    return _evaluator(queries, corpus, relevant, name, batch_size)
