from __future__ import annotations

from datasets import Dataset
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

from st_unimr.mteb.retrieval_task import UniMRRetrievalTask
from st_unimr.mteb.task_data import build_cross_lingual_to_english, cross_lingual_counts
from st_unimr.mteb.task_metadata import unimr_task_metadata

__all__ = ["UniMRCrossLingualRetrieval"]


class UniMRCrossLingualRetrieval(UniMRRetrievalTask):
    """Cross-lingual text→text retrieval: a text in language X retrieves its English source (``text_pairs`` test).

    Uses the rows pairing an English anchor with a translation (CLDR names, GCompris and Tux Paint strings, ISO code
    names); the corpus is every English anchor of the test split, relevance by ``concept_id``. One subset per X with
    >= 20 queries. Main score recall@10.

    Example:
        ::

            from st_unimr.mteb import UniMRCrossLingualRetrieval

            task = UniMRCrossLingualRetrieval(max_queries_per_lang=100, max_langs=20)
    """

    source_dataset = "text_pairs"
    metadata = unimr_task_metadata(
        "UniMRCrossLingualRetrieval",
        "Cross-lingual retrieval of English source strings (CLDR, GCompris, Tux Paint, iso-codes) from their "
        "translations; one subset per query language, relevance by concept.",
        "text_pairs",
        type="Retrieval",
        category="t2t",
        modalities=["text"],
        main_score="recall_at_10",
        sample_creation="human-translated and localized",
        annotations_creators="human-annotated",
    )

    def _languages(self, data: Dataset) -> tuple[dict[str, int], dict[str, list[str]]]:
        counts, texts = cross_lingual_counts(data)
        return dict(counts), texts

    def _build(
        self, data: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
    ) -> dict[str, RetrievalSplitData]:
        return build_cross_lingual_to_english(data, eval_langs, max_queries)
