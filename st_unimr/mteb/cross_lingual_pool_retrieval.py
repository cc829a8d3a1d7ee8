from __future__ import annotations

from datasets import Dataset
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

from st_unimr.mteb.cross_lingual_retrieval import UniMRCrossLingualRetrieval
from st_unimr.mteb.task_data import build_cross_lingual_pool
from st_unimr.mteb.task_metadata import unimr_task_metadata

__all__ = ["UniMRCrossLingualPoolRetrieval"]


class UniMRCrossLingualPoolRetrieval(UniMRCrossLingualRetrieval):
    """Cross-lingual text→text retrieval against the pool of all languages.

    The corpus pools the English anchors and the queries of every evaluated language; a query in X must find the
    other texts of its concept, in any language (itself excluded through mteb's ``ignore_identical_ids``). The pool
    grows with ``max_langs`` and ``max_queries_per_lang``, which the report records. Main score recall@10.

    Example:
        ::

            from st_unimr.mteb import UniMRCrossLingualPoolRetrieval

            task = UniMRCrossLingualPoolRetrieval(max_queries_per_lang=100, max_langs=20)
    """

    ignore_identical_ids = True
    metadata = unimr_task_metadata(
        "UniMRCrossLingualPoolRetrieval",
        "Cross-lingual retrieval in a pool of all evaluated languages (English anchors plus every language's "
        "translations): a text must find the other texts of its concept; one subset per query language.",
        "text_pairs",
        type="Retrieval",
        category="t2t",
        modalities=["text"],
        main_score="recall_at_10",
        sample_creation="human-translated and localized",
        annotations_creators="human-annotated",
    )

    def _build(
        self, data: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
    ) -> dict[str, RetrievalSplitData]:
        return build_cross_lingual_pool(data, eval_langs, max_queries)
