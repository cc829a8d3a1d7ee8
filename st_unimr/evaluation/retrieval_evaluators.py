"""Dev-set retrieval evaluators built from the st_unimr datasets (text→image and cross-lingual text→text)."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from datasets import Dataset
from datasets import Image as ImageFeature
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

__all__ = ["request_evaluators", "text_to_image_evaluator", "text_to_text_evaluator"]

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
    cross_lingual_only: bool = True,
) -> InformationRetrievalEvaluator:
    """Translations retrieve their English source among the English anchors of the chosen concepts.

    Only cross-lingual rows with an English anchor are used (query in language X against English); same-language
    rows such as a name paired with its keyword list are left out, since a keyword like "face" names hundreds of
    concepts and is not a retrieval query with one answer. With ``cross_lingual_only=False`` every row counts (a
    user's own pairs, whose languages may be unknown): each ``positive`` retrieves the anchors of its concept.

    Args:
        dataset: Rows with ``anchor``, ``positive``, ``concept_id`` (``st_unimr.data.load("text_pairs", "dev")``).
        name: Metric prefix.
        max_queries: Deterministic cap on the number of queries.
        max_concepts: Deterministic cap on the number of concepts (the corpus holds their anchors).
        batch_size: Encoding batch size.
        cross_lingual_only: Keep only rows with an English anchor and a non-English positive.
    """
    if cross_lingual_only:
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


def request_evaluators(
    dataset: Dataset, name: str = "requests", max_queries: int | None = 1000, batch_size: int = 32
) -> dict[str, InformationRetrievalEvaluator]:
    """Intent-rich requests against their plain content, on the same corpus.

    Photo-search rows (with an ``image``): requests ("please find a photo of a dog from last month") retrieve images
    (``{name}_request_t2i``), and so do the same rows' plain contents ("a dog", ``{name}_caption_t2i``).
    Document-search rows (with a ``document``): requests retrieve documents (``{name}_request_t2d``), beside their
    contents (``{name}_content_t2d``). Every image / document of the row's ``concept_id`` is relevant. The request
    and content evaluators of one kind take the same rows and the same corpus, so their recall is directly comparable.

    Args:
        dataset: Rows of ``st_unimr.data.load("requests", split)``: ``text``, ``content``, ``intent``, ``image``,
            ``document``, ``concept_id``, ``frame_id``.
        name: Metric prefix.
        max_queries: Deterministic cap on the rows of each kind.
        batch_size: Encoding batch size.
    """
    texts, contents, concepts = dataset["text"], dataset["content"], dataset["concept_id"]
    documents = dataset["document"]
    # Which rows hold an image, read without decoding every image.
    undecoded = dataset.select_columns(["image"]).cast_column("image", ImageFeature(decode=False))["image"]
    has_image = [image is not None for image in undecoded]
    result = {}
    photo_rows = [i for i, flag in enumerate(has_image) if flag]
    if photo_rows:
        images = dataset.select(photo_rows)["image"]
        corpus, of_concept = {}, defaultdict(set)
        for row, image in zip(photo_rows, images):
            image_id = "img-" + hashlib.sha1(image.tobytes()).hexdigest()[:16]
            corpus.setdefault(image_id, image)
            of_concept[concepts[row]].add(image_id)
        result.update(
            _paired(texts, contents, concepts, photo_rows, corpus, of_concept, name, "t2i", max_queries, batch_size)
        )
    document_rows = [i for i, document in enumerate(documents) if document]
    if document_rows:
        corpus, of_concept = {}, defaultdict(set)
        for row in document_rows:
            document_id = "doc-" + hashlib.sha1(documents[row].encode("utf8")).hexdigest()[:16]
            corpus.setdefault(document_id, documents[row])
            of_concept[concepts[row]].add(document_id)
        result.update(
            _paired(texts, contents, concepts, document_rows, corpus, of_concept, name, "t2d", max_queries, batch_size)
        )
    return result


def _paired(texts, contents, concepts, rows, corpus, of_concept, name, kind, max_queries, batch_size) -> dict:
    keys = [f"{concepts[i]}|{texts[i]}|{i}" for i in range(len(texts))]
    chosen = _subsample(rows, keys, max_queries)
    relevant = {f"q{i}": of_concept[concepts[i]] for i in chosen}
    plain = "caption" if kind == "t2i" else "content"
    return {
        f"request_{kind}": _evaluator(
            {f"q{i}": texts[i] for i in chosen}, corpus, relevant, f"{name}_request_{kind}", batch_size
        ),
        f"{plain}_{kind}": _evaluator(
            {f"q{i}": contents[i] for i in chosen}, corpus, relevant, f"{name}_{plain}_{kind}", batch_size
        ),
    }
