"""Dev-side real-photo check: does the model still find *photographs* from multilingual text? (issue 12)

The training images are emoji, flags and clip-art, so the project's own test split cannot show a model that forgets
what photographs look like. This check uses the evaluation-only ``real_photos`` dataset (titled photographs from
desktop, puzzle and astronomy packages; see ``st_unimr/data/README.md``) and reports:

- text→image recall@10 per language and the mean over languages, separately for titles (short queries) and
  descriptions (long queries), with every photo as corpus and every photo with the same title as a positive;
- image–image uniformity: the mean pairwise cosine between the photo embeddings (near 1.0 = collapse).

:func:`in_domain_metrics` gives the same two figures per domain (clip-art, emoji, flags) on the project's own
``image_text`` split, to report beside them. Retrieval goes through sentence-transformers'
``InformationRetrievalEvaluator``, with the images encoded once (``encode_document``) and passed to it as
``corpus_embeddings``; queries go through ``encode_query``.

Command line::

    python -m st_unimr.evaluation.real_photo_check --untrained
    python -m st_unimr.evaluation.real_photo_check --model outputs/default/final
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import torch
from datasets import Dataset
from datasets import Image as ImageFeature
from PIL import Image
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

__all__ = [
    "ASTRONOMY_SOURCES",
    "IN_DOMAIN",
    "in_domain_metrics",
    "load_real_photos",
    "main",
    "mean_pairwise_cosine",
    "real_photo_metrics",
    "markdown_report",
]

#: ``real_photos`` sources left out of the ``everyday_title`` figure.
ASTRONOMY_SOURCES: frozenset[str] = frozenset({"stellarium-dso"})
#: Domains of the ``image_text`` split, by its ``source`` column.
IN_DOMAIN: dict[str, str] = {"tuxpaint": "clipart", "noto-emoji": "emoji", "iso-flags": "flags"}
K = 10


def load_real_photos(build_if_missing: bool = True) -> Dataset:
    """The ``real_photos`` rows (split ``dev``, the only one), building the dataset first if needed.

    Args:
        build_if_missing: Fetch the pinned packages and build it when it is not on disk (about 400 MB of
            downloads, a minute of CPU); with ``False`` a missing dataset raises ``DatasetNotBuiltError``.
    """
    from st_unimr.data import DatasetNotBuiltError, build, load

    try:
        return load("real_photos", "dev")
    except DatasetNotBuiltError:
        if not build_if_missing:
            raise
        build(["real_photos"], datasheet=False)
        return load("real_photos", "dev")


def mean_pairwise_cosine(embeddings: torch.Tensor) -> float:
    """Mean cosine similarity over all pairs of distinct rows (1.0 when every embedding points the same way).

    Example:
        ::

            mean_pairwise_cosine(torch.ones(4, 8))  # 1.0: total collapse
    """
    emb = torch.nn.functional.normalize(torch.as_tensor(embeddings, dtype=torch.float64), dim=-1)
    n = emb.shape[0]
    if n < 2:
        return float("nan")
    sims = emb @ emb.T
    mean = float((sims.sum() - sims.diagonal().sum()) / (n * (n - 1)))
    # A cosine lies in [-1, 1]; rounding in the products can put identical unit vectors at 1.0000001 (float32).
    return min(1.0, max(-1.0, mean))


def _unique_images(dataset: Dataset) -> tuple[list[str], dict[str, Image.Image]]:
    """Per-row image id (hash of the stored bytes) and the decoded images, each decoded once."""
    raw = dataset.cast_column("image", ImageFeature(decode=False))["image"]
    ids: list[str] = []
    images: dict[str, Image.Image] = {}
    for item in raw:
        data = item["bytes"] if item.get("bytes") is not None else Path(item["path"]).read_bytes()
        image_id = "img-" + hashlib.sha1(data).hexdigest()[:16]
        ids.append(image_id)
        if image_id not in images:
            images[image_id] = Image.open(io.BytesIO(data)).convert("RGB")
    return ids, images


def _document_prompt(model: SentenceTransformer) -> str | None:
    return "document" if "document" in (getattr(model, "prompts", None) or {}) else None


def _query_prompt(model: SentenceTransformer) -> str | None:
    return "query" if "query" in (getattr(model, "prompts", None) or {}) else None


def _encode_images(model: SentenceTransformer, images: Sequence[Image.Image], batch_size: int) -> torch.Tensor:
    # Kept on the model's device: the evaluator scores the queries (encoded there) against these.
    return model.encode_document(
        list(images), prompt_name=_document_prompt(model), batch_size=batch_size, convert_to_tensor=True
    )


def _recall_at_k(
    model: SentenceTransformer,
    queries: dict[str, str],
    relevant: dict[str, set[str]],
    corpus: dict[str, Image.Image],
    corpus_embeddings: torch.Tensor,
    name: str,
    batch_size: int,
) -> float:
    """Recall@10 of ``queries`` against the pre-encoded ``corpus`` (its embeddings in ``corpus`` key order).

    Calls ``compute_all_metrics`` rather than the evaluator itself: the latter also stores every figure in the
    model's card data, which for one evaluator per language would flood the card of a model saved afterwards.
    """
    similarity = getattr(model, "similarity_fn_name", None) or "cosine"
    evaluator = InformationRetrievalEvaluator(
        queries=queries,
        corpus=corpus,
        relevant_docs=relevant,
        name=name,
        accuracy_at_k=[1, K],
        precision_recall_at_k=[1, K],
        ndcg_at_k=[K],
        mrr_at_k=[K],
        map_at_k=[K],
        batch_size=batch_size,
        query_prompt_name=_query_prompt(model),
        write_csv=False,
        score_functions={similarity: model.similarity},
    )
    scores = evaluator.compute_all_metrics(model, corpus_embeddings=corpus_embeddings)
    return float(scores[similarity]["recall@k"][K])


def _grouped_queries(
    texts: Sequence[str], image_ids: Sequence[str], rows: Sequence[int], prefix: str
) -> tuple[dict[str, str], dict[str, set[str]]]:
    """One query per distinct text (case-insensitive); every image carrying that text counts as relevant."""
    by_text: dict[str, set[str]] = defaultdict(set)
    first: dict[str, str] = {}
    for i in rows:
        key = " ".join(texts[i].split()).casefold()
        by_text[key].add(image_ids[i])
        first.setdefault(key, texts[i])
    queries = {f"{prefix}{n}": first[key] for n, key in enumerate(sorted(first))}
    relevant = {f"{prefix}{n}": by_text[key] for n, key in enumerate(sorted(first))}
    return queries, relevant


def real_photo_metrics(
    model: SentenceTransformer,
    dataset: Dataset | None = None,
    batch_size: int = 32,
    min_queries: dict[str, int] | None = None,
    prefix: str = "real_photos",
) -> dict[str, float]:
    """Text→image recall@10 per language (titles and descriptions) and photo uniformity on ``real_photos``.

    Args:
        model: An st-unimr model (or any SentenceTransformer that embeds text and PIL images in one space).
        dataset: Rows with ``image``, ``text``, ``lang``, ``kind``, ``source`` (default: :func:`load_real_photos`).
        batch_size: Encoding batch size.
        min_queries: Per kind, the fewest distinct queries a language needs to get its own figure and enter the
            mean over languages (default ``{"title": 20, "description": 5}``; fewer make a figure that is noise).
        prefix: Metric-name prefix.

    Returns:
        A flat ``{name: value}`` dict, ready for a training log:

        - ``{prefix}_title_recall@10``: mean over languages of the per-language recall@10 (``..._description_...``
          likewise), and ``{prefix}_title_recall@10_{lang}`` per language;
        - ``{prefix}_title_n_langs`` / ``..._n_queries``: what the mean is over;
        - ``{prefix}_everyday_title_recall@10`` (with ``_n_langs``, ``_n_queries``): the same mean over languages
          with the deep-sky photos' titles left out of the queries (they stay in the corpus);
        - ``{prefix}_title_recall@10_en_{source}``: English titles per source package (corpus: all photos);
        - ``{prefix}_image_cosine``: mean pairwise cosine between photo embeddings; ``{prefix}_n_images``.

    Example:
        ::

            from st_unimr import build_unimr
            from st_unimr.evaluation.real_photo_check import real_photo_metrics

            metrics = real_photo_metrics(build_unimr())
            metrics["real_photos_title_recall@10"], metrics["real_photos_image_cosine"]
    """
    dataset = dataset if dataset is not None else load_real_photos()
    minimum = {"title": 20, "description": 5, **(min_queries or {})}
    image_ids, images = _unique_images(dataset)
    corpus_embeddings = _encode_images(model, list(images.values()), batch_size)
    texts, langs, kinds, sources = dataset["text"], dataset["lang"], dataset["kind"], dataset["source"]
    metrics: dict[str, float] = {
        f"{prefix}_n_images": float(len(images)),
        f"{prefix}_image_cosine": mean_pairwise_cosine(corpus_embeddings),
    }
    rows_by: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (kind, lang) in enumerate(zip(kinds, langs)):
        rows_by[(kind, lang)].append(i)
    blocks = [("title", "title", None), ("description", "description", None)]
    # The deep-sky photos are near chance for any model that knows ImageNet only; a figure without them shows a
    # loss of everyday-photo knowledge more clearly (same corpus, queries of the other sources only).
    blocks.append(("everyday_title", "title", lambda i: sources[i] not in ASTRONOMY_SOURCES))
    for block, kind, keep in blocks:
        per_lang: dict[str, float] = {}
        n_queries = 0
        for (row_kind, lang), rows in sorted(rows_by.items()):
            rows = [i for i in rows if keep is None or keep(i)]
            if row_kind != kind or not rows:
                continue
            queries, relevant = _grouped_queries(texts, image_ids, rows, f"{block}-{lang}-")
            if len(queries) < minimum[kind]:
                continue
            name = f"{prefix}_{block}_{lang}"
            per_lang[lang] = _recall_at_k(model, queries, relevant, images, corpus_embeddings, name, batch_size)
            n_queries += len(queries)
        if keep is None:
            for lang, value in per_lang.items():
                metrics[f"{prefix}_{block}_recall@{K}_{lang}"] = value
        metrics[f"{prefix}_{block}_n_langs"] = float(len(per_lang))
        metrics[f"{prefix}_{block}_n_queries"] = float(n_queries)
        if per_lang:
            metrics[f"{prefix}_{block}_recall@{K}"] = sum(per_lang.values()) / len(per_lang)
    english = rows_by.get(("title", "en"), [])
    for source in sorted({sources[i] for i in english}):
        rows = [i for i in english if sources[i] == source]
        queries, relevant = _grouped_queries(texts, image_ids, rows, f"en-{source}-")
        name = f"{prefix}_title_en_{source}"
        value = _recall_at_k(model, queries, relevant, images, corpus_embeddings, name, batch_size)
        metrics[f"{prefix}_title_recall@{K}_en_{source}"] = value
    return metrics


def in_domain_metrics(
    model: SentenceTransformer,
    dataset: Dataset | None = None,
    split: str = "test",
    max_queries_per_domain: int | None = 500,
    batch_size: int = 32,
) -> dict[str, float]:
    """Per-domain text→image recall@10 and image uniformity on the project's ``image_text`` split.

    Queries are grouped by domain (``tuxpaint`` → ``clipart``, ``noto-emoji`` → ``emoji``, ``iso-flags`` →
    ``flags``); the corpus is every image of the split, as in the project's own t2i evaluator, so a domain whose
    images collapse onto another's shows it. Relevant images are all images of the caption's concept.

    Args:
        model: The model to evaluate.
        dataset: Rows with ``image``, ``text``, ``concept_id``, ``source`` (default: ``load("image_text", split)``).
        split: The split to load when ``dataset`` is not given.
        max_queries_per_domain: Deterministic cap (smallest sha256 of concept, text and row) per domain.
        batch_size: Encoding batch size.

    Returns:
        ``{split}_{domain}_t2i_recall@10``, ``{split}_{domain}_image_cosine`` and ``{split}_{domain}_n_images``
        per domain, plus ``{split}_all_image_cosine`` over every image of the split.
    """
    if dataset is None:
        from st_unimr.data import load

        dataset = load("image_text", split)
    image_ids, images = _unique_images(dataset)
    corpus_embeddings = _encode_images(model, list(images.values()), batch_size)
    position = {image_id: n for n, image_id in enumerate(images)}
    concepts, texts, sources = dataset["concept_id"], dataset["text"], dataset["source"]
    images_of_concept: dict[str, set[str]] = defaultdict(set)
    for image_id, concept in zip(image_ids, concepts):
        images_of_concept[concept].add(image_id)
    metrics: dict[str, float] = {f"{split}_all_image_cosine": mean_pairwise_cosine(corpus_embeddings)}
    for source, domain in IN_DOMAIN.items():
        rows = [i for i, s in enumerate(sources) if s == source]
        if not rows:
            continue
        keys = {i: hashlib.sha256(f"{concepts[i]}|{texts[i]}|{i}".encode()).hexdigest() for i in rows}
        chosen = sorted(rows, key=keys.__getitem__)[:max_queries_per_domain] if max_queries_per_domain else rows
        queries = {f"q{i}": texts[i] for i in chosen}
        relevant = {f"q{i}": images_of_concept[concepts[i]] for i in chosen}
        name = f"{split}_{domain}_t2i"
        value = _recall_at_k(model, queries, relevant, images, corpus_embeddings, name, batch_size)
        own = sorted({position[image_ids[i]] for i in rows})
        metrics[f"{split}_{domain}_t2i_recall@{K}"] = value
        metrics[f"{split}_{domain}_image_cosine"] = mean_pairwise_cosine(corpus_embeddings[own])
        metrics[f"{split}_{domain}_n_images"] = float(len(own))
    return metrics


def markdown_report(photo: dict[str, float], in_domain: dict[str, float] | None = None, label: str = "model") -> str:
    """Small markdown tables of :func:`real_photo_metrics` (and :func:`in_domain_metrics`) output."""
    prefix = "real_photos"
    lines = [f"### Real-photo check ({label})", ""]
    lines += [
        f"{int(photo[f'{prefix}_n_images'])} photos; mean pairwise photo cosine "
        f"**{photo[f'{prefix}_image_cosine']:.3f}**.",
        "",
        "| queries | languages | queries (all langs) | t2i R@10, mean over languages |",
        "|---|---|---|---|",
    ]
    kinds = (
        ("title", "titles (short)"),
        ("everyday_title", "titles, no deep-sky photos"),
        ("description", "descriptions (long)"),
    )
    for kind, label_kind in kinds:
        mean = photo.get(f"{prefix}_{kind}_recall@{K}")
        lines.append(
            f"| {label_kind} | {int(photo.get(f'{prefix}_{kind}_n_langs', 0))} | "
            f"{int(photo.get(f'{prefix}_{kind}_n_queries', 0))} | {'-' if mean is None else f'{mean:.3f}'} |"
        )
    langs = sorted(
        {k.rsplit("_", 1)[1] for k in photo if k.startswith(f"{prefix}_title_recall@{K}_") and "_en_" not in k}
        | {k.rsplit("_", 1)[1] for k in photo if k.startswith(f"{prefix}_description_recall@{K}_")}
    )
    lines += ["", "| lang | titles R@10 | descriptions R@10 |", "|---|---|---|"]
    for lang in langs:
        cells = [photo.get(f"{prefix}_{kind}_recall@{K}_{lang}") for kind in ("title", "description")]
        lines.append(f"| {lang} | " + " | ".join("-" if c is None else f"{c:.3f}" for c in cells) + " |")
    sources = sorted(k.split("_en_", 1)[1] for k in photo if k.startswith(f"{prefix}_title_recall@{K}_en_"))
    lines += ["", "| source (English titles) | R@10 |", "|---|---|"]
    lines += [f"| {s} | {photo[f'{prefix}_title_recall@{K}_en_{s}']:.3f} |" for s in sources]
    if in_domain:
        split = next(k.split("_", 1)[0] for k in in_domain if k.endswith("_all_image_cosine"))
        lines += [
            "",
            f"In-domain `image_text` {split} split (corpus: all its images; "
            f"all-image cosine {in_domain[f'{split}_all_image_cosine']:.3f}):",
            "",
            "| domain | images | t2i R@10 | mean pairwise image cosine |",
            "|---|---|---|---|",
        ]
        n_photos, photo_cosine = int(photo[f"{prefix}_n_images"]), photo[f"{prefix}_image_cosine"]
        lines.append(f"| photo (real_photos) | {n_photos} | see above | {photo_cosine:.3f} |")
        for domain in IN_DOMAIN.values():
            if f"{split}_{domain}_t2i_recall@{K}" in in_domain:
                lines.append(
                    f"| {domain} | {int(in_domain[f'{split}_{domain}_n_images'])} | "
                    f"{in_domain[f'{split}_{domain}_t2i_recall@{K}']:.3f} | "
                    f"{in_domain[f'{split}_{domain}_image_cosine']:.3f} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m st_unimr.evaluation.real_photo_check (--model PATH_OR_HUB_ID | --untrained) [--in-domain]``."""
    parser = argparse.ArgumentParser(
        prog="python -m st_unimr.evaluation.real_photo_check",
        description="Text->image recall@10 per language and photo uniformity on the real_photos check.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="a saved st-unimr model folder or Hub id (loaded with st_unimr.load)")
    which.add_argument("--untrained", action="store_true", help="the offline default, st_unimr.build_unimr()")
    parser.add_argument("--no-in-domain", action="store_true", help="skip the per-domain image_text figures")
    parser.add_argument("--split", default="test", help="image_text split for the per-domain figures")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
    start = time.time()
    if args.untrained:
        from st_unimr import build_unimr

        model, label = build_unimr(), "untrained build_unimr()"
    else:
        from st_unimr import load

        model, label = load(args.model), args.model
    photo = real_photo_metrics(model, batch_size=args.batch_size)
    in_domain = None if args.no_in_domain else in_domain_metrics(model, split=args.split, batch_size=args.batch_size)
    print(markdown_report(photo, in_domain, label))
    print(f"({time.time() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
