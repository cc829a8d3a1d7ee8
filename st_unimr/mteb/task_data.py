"""Deterministic, per-language builders of mteb retrieval splits from the st_unimr datasets."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from datasets import Dataset, Image
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

from st_unimr.mteb.languages import mteb_language

__all__ = [
    "cross_lingual_counts",
    "build_cross_lingual_pool",
    "build_cross_lingual_to_english",
    "build_image_to_text",
    "build_text_to_image",
    "select_languages",
    "subsample",
]

logger = logging.getLogger(__name__)


def _col(dataset: Dataset, name: str) -> list:
    """A column as a plain list (indexing a ``datasets`` Column row by row is slow)."""
    return list(dataset[name])


def subsample(indices: Sequence[int], keys: Sequence[str], limit: int | None) -> list[int]:
    """The ``limit`` indices whose keys have the smallest SHA-256, in their original order (all if ``limit`` is None).

    Stable across machines and runs, and independent of the row order of the data.
    """
    indices = list(indices)
    if limit is None or len(indices) <= limit:
        return indices
    chosen = set(sorted(indices, key=lambda i: hashlib.sha256(keys[i].encode()).hexdigest())[:limit])
    return [i for i in indices if i in chosen]


def select_languages(
    counts: dict[str, int],
    min_count: int,
    max_langs: int | None = None,
    langs: Iterable[str] | None = None,
    texts: dict[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """Languages with at least ``min_count`` items, as mteb ``eval_langs`` (``{tag: ["xxx-Xxxx"]}``).

    English first, then by count (descending) and tag; ``max_langs`` keeps the first ones; ``langs`` restricts the
    choice to the given tags. Tags mteb has no ISO 639-3 code for are left out, with a log message.
    """
    wanted = set(langs) if langs is not None else None
    eligible = [lang for lang, n in counts.items() if n >= min_count and (wanted is None or lang in wanted)]
    eligible.sort(key=lambda lang: (lang != "en", -counts[lang], lang))
    chosen: dict[str, list[str]] = {}
    for lang in eligible:
        if max_langs is not None and len(chosen) >= max_langs:
            break
        try:
            chosen[lang] = [mteb_language(lang, (texts or {}).get(lang, ()))]
        except ValueError as exc:
            logger.warning("Leaving out language %r: %s", lang, exc)
    return chosen


def _image_id(image) -> str:
    return "img-" + hashlib.sha1(image.convert("RGB").tobytes()).hexdigest()[:16]


def _image_corpus(dataset: Dataset) -> tuple[Dataset, list[str]]:
    """Unique images as an mteb corpus, and the image id of every row."""
    ids, images, row_ids = [], [], []
    seen = set()
    for image in _col(dataset, "image"):
        image_id = _image_id(image)
        row_ids.append(image_id)
        if image_id not in seen:
            seen.add(image_id)
            ids.append(image_id)
            images.append(image)
    corpus = Dataset.from_dict({"id": ids, "image": images}).cast_column("image", Image())
    return corpus, row_ids


def build_text_to_image(
    dataset: Dataset,
    eval_langs: dict[str, list[str]],
    max_queries: int | None,
    transform: Callable[[str, str], str | None] | None = None,
) -> dict[str, RetrievalSplitData]:
    """Captions of each language retrieve among all unique images of ``dataset``; relevance by ``concept_id``.

    Args:
        dataset: Rows with ``image``, ``text``, ``lang``, ``concept_id``.
        eval_langs: The languages (subsets) to build.
        max_queries: Deterministic cap on captions per language.
        transform: ``(caption, lang) -> query`` (None drops the caption), e.g. the intent-rich wrapping.
    """
    corpus, row_image_ids = _image_corpus(dataset)
    images_of_concept: dict[str, dict[str, int]] = defaultdict(dict)
    concepts = _col(dataset, "concept_id")
    for image_id, concept in zip(row_image_ids, concepts):
        images_of_concept[concept][image_id] = 1
    texts, langs = _col(dataset, "text"), _col(dataset, "lang")
    rows_of_lang: dict[str, list[int]] = defaultdict(list)
    for index, lang in enumerate(langs):
        rows_of_lang[lang].append(index)
    keys = [f"{concepts[i]}|{texts[i]}|{i}" for i in range(len(texts))]
    splits = {}
    for lang in eval_langs:
        chosen = subsample(rows_of_lang[lang], keys, max_queries)
        ids, queries, relevant = [], [], {}
        for i in chosen:
            query = transform(texts[i], lang) if transform is not None else texts[i]
            if not query:
                continue
            ids.append(f"q{i}")
            queries.append(query)
            relevant[f"q{i}"] = dict(images_of_concept[concepts[i]])
        splits[lang] = RetrievalSplitData(
            queries=Dataset.from_dict({"id": ids, "text": queries}),
            corpus=corpus,
            relevant_docs=relevant,
            top_ranked=None,
        )
    return splits


def build_image_to_text(
    dataset: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
) -> dict[str, RetrievalSplitData]:
    """Images retrieve among the captions of one language; every caption of the image's concept is relevant.

    The queries of a language are the unique images of the concepts that have a caption in it.
    """
    texts, langs, concepts = _col(dataset, "text"), _col(dataset, "lang"), _col(dataset, "concept_id")
    image_corpus, row_image_ids = _image_corpus(dataset)
    image_of_id = dict(zip(image_corpus["id"], range(len(image_corpus))))
    concepts_of_image: dict[str, set[str]] = defaultdict(set)
    for image_id, concept in zip(row_image_ids, concepts):
        concepts_of_image[image_id].add(concept)
    splits = {}
    for lang in eval_langs:
        rows = [i for i, row_lang in enumerate(langs) if row_lang == lang]
        captions_of_concept: dict[str, dict[str, int]] = defaultdict(dict)
        for i in rows:
            captions_of_concept[concepts[i]][f"t{i}"] = 1
        image_ids = sorted({image_id for image_id, c in concepts_of_image.items() if c & captions_of_concept.keys()})
        image_ids = [image_ids[i] for i in subsample(range(len(image_ids)), image_ids, max_queries)]
        relevant = {
            image_id: {doc: 1 for c in concepts_of_image[image_id] for doc in captions_of_concept.get(c, {})}
            for image_id in image_ids
        }
        splits[lang] = RetrievalSplitData(
            queries=image_corpus.select([image_of_id[image_id] for image_id in image_ids]),
            corpus=Dataset.from_dict({"id": [f"t{i}" for i in rows], "text": [texts[i] for i in rows]}),
            relevant_docs=relevant,
            top_ranked=None,
        )
    return splits


def _cross_lingual_rows(dataset: Dataset) -> list[int]:
    """Rows pairing an English anchor with a different text in another language."""
    return [
        i
        for i, (la, lp, a, p) in enumerate(
            zip(
                _col(dataset, "lang_anchor"),
                _col(dataset, "lang_positive"),
                _col(dataset, "anchor"),
                _col(dataset, "positive"),
            )
        )
        if la == "en" and lp != "en" and a != p
    ]


def cross_lingual_counts(dataset: Dataset) -> tuple[Counter, dict[str, list[str]]]:
    """Queries per language and a few texts per language (for the script) of the cross-lingual rows."""
    rows = _cross_lingual_rows(dataset)
    langs, positives = _col(dataset, "lang_positive"), _col(dataset, "positive")
    counts = Counter(langs[i] for i in rows)
    texts: dict[str, list[str]] = defaultdict(list)
    for i in rows:
        if len(texts[langs[i]]) < 50:
            texts[langs[i]].append(positives[i])
    return counts, texts


def build_cross_lingual_to_english(
    dataset: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
) -> dict[str, RetrievalSplitData]:
    """Texts in language X retrieve among all English anchors of ``dataset``; relevance by ``concept_id``."""
    rows = _cross_lingual_rows(dataset)
    anchors, positives = _col(dataset, "anchor"), _col(dataset, "positive")
    langs, concepts = _col(dataset, "lang_positive"), _col(dataset, "concept_id")
    anchor_ids: dict[str, str] = {}
    anchors_of_concept: dict[str, dict[str, int]] = defaultdict(dict)
    for i in rows:
        doc_id = anchor_ids.setdefault(anchors[i], f"en{len(anchor_ids)}")
        anchors_of_concept[concepts[i]][doc_id] = 1
    corpus = Dataset.from_dict({"id": list(anchor_ids.values()), "text": list(anchor_ids)})
    keys = [f"{concepts[i]}|{positives[i]}|{i}" for i in range(len(positives))]
    splits = {}
    for lang in eval_langs:
        chosen = subsample([i for i in rows if langs[i] == lang], keys, max_queries)
        splits[lang] = RetrievalSplitData(
            queries=Dataset.from_dict({"id": [f"q{i}" for i in chosen], "text": [positives[i] for i in chosen]}),
            corpus=corpus,
            relevant_docs={f"q{i}": dict(anchors_of_concept[concepts[i]]) for i in chosen},
            top_ranked=None,
        )
    return splits


def build_cross_lingual_pool(
    dataset: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
) -> dict[str, RetrievalSplitData]:
    """Texts in language X retrieve among the pool of all languages: the English anchors plus every language's queries.

    A query is itself a pool entry with the same id (mteb's ``ignore_identical_ids`` skips it); every other pool entry
    of the query's concept, in any language, is relevant.
    """
    rows = _cross_lingual_rows(dataset)
    anchors, positives = _col(dataset, "anchor"), _col(dataset, "positive")
    langs, concepts = _col(dataset, "lang_positive"), _col(dataset, "concept_id")
    keys = [f"{concepts[i]}|{positives[i]}|{i}" for i in range(len(positives))]
    chosen_of_lang = {lang: subsample([i for i in rows if langs[i] == lang], keys, max_queries) for lang in eval_langs}
    pool: dict[tuple[str, str], str] = {}
    concepts_of_doc: dict[str, set[str]] = defaultdict(set)
    docs_of_concept: dict[str, set[str]] = defaultdict(set)

    def add(lang: str, text: str, concept: str) -> str:
        doc_id = pool.setdefault((lang, text), f"{lang}:{len(pool)}")
        concepts_of_doc[doc_id].add(concept)
        docs_of_concept[concept].add(doc_id)
        return doc_id

    used_concepts = {concepts[i] for chosen in chosen_of_lang.values() for i in chosen}
    for i in rows:
        if concepts[i] in used_concepts:
            add("en", anchors[i], concepts[i])
    query_ids = {
        lang: [add(lang, positives[i], concepts[i]) for i in chosen] for lang, chosen in chosen_of_lang.items()
    }
    corpus = Dataset.from_dict({"id": list(pool.values()), "text": [text for _, text in pool]})
    text_of = {doc_id: text for (_, text), doc_id in pool.items()}
    splits = {}
    for lang, ids in query_ids.items():
        unique_ids = list(dict.fromkeys(ids))
        relevant = {q: {d: 1 for c in concepts_of_doc[q] for d in docs_of_concept[c] if d != q} for q in unique_ids}
        splits[lang] = RetrievalSplitData(
            queries=Dataset.from_dict({"id": unique_ids, "text": [text_of[q] for q in unique_ids]}),
            corpus=corpus,
            relevant_docs=relevant,
            top_ranked=None,
        )
    return splits
