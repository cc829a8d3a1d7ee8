from __future__ import annotations

from datasets import Dataset
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

from st_unimr.mteb.retrieval_task import UniMRRetrievalTask, captions_by_language
from st_unimr.mteb.task_data import build_text_to_image
from st_unimr.mteb.task_metadata import unimr_task_metadata

__all__ = ["UniMRTextToImageRetrieval"]


class UniMRTextToImageRetrieval(UniMRRetrievalTask):
    """Multilingual text→image retrieval on the ``image_text`` test split, one subset per caption language.

    Each caption retrieves among all unique test images (the same pool for every language); every image of the
    caption's ``concept_id`` is relevant. Main score recall@10; mteb also reports recall@1/5, nDCG@10, MRR, ...
    Languages need at least 20 test captions (``min_queries``). See :class:`UniMRRetrievalTask` for the arguments.

    Example:
        ::

            import mteb
            from st_unimr.mteb import UniMREncoder, UniMRTextToImageRetrieval

            result = mteb.evaluate(UniMREncoder("path/to/unimr"), UniMRTextToImageRetrieval(max_langs=5), cache=None)
            result.task_results[0].get_score()  # mean recall@10 over languages
    """

    source_dataset = "image_text"
    metadata = unimr_task_metadata(
        "UniMRTextToImageRetrieval",
        "Multilingual caption-to-image retrieval over drawings, emoji and flags (Tux Paint stamps, Noto emoji with "
        "CLDR names, ISO flags); one subset per caption language, relevance by concept.",
        "image_text",
        type="Any2AnyRetrieval",
        category="t2i",
        modalities=["text", "image"],
        main_score="recall_at_10",
    )

    def _languages(self, data: Dataset) -> tuple[dict[str, int], dict[str, list[str]]]:
        return captions_by_language(data)

    def _build(
        self, data: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
    ) -> dict[str, RetrievalSplitData]:
        return build_text_to_image(data, eval_langs, max_queries)
