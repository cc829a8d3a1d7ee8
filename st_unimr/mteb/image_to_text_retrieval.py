from __future__ import annotations

from datasets import Dataset
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

from st_unimr.mteb.retrieval_task import UniMRRetrievalTask, captions_by_language
from st_unimr.mteb.task_data import build_image_to_text
from st_unimr.mteb.task_metadata import unimr_task_metadata

__all__ = ["UniMRImageToTextRetrieval"]


class UniMRImageToTextRetrieval(UniMRRetrievalTask):
    """Image→text retrieval on the ``image_text`` test split, one subset per language.

    In subset X the queries are the unique images of the concepts captioned in X, and the corpus is every test caption
    in X; all captions of the image's concept are relevant. Main score recall@10 (languages need >= 20 captions).

    Example:
        ::

            from st_unimr.mteb import UniMRImageToTextRetrieval

            task = UniMRImageToTextRetrieval(langs=["en", "de", "ja"])
    """

    source_dataset = "image_text"
    metadata = unimr_task_metadata(
        "UniMRImageToTextRetrieval",
        "Image-to-caption retrieval: images of drawings, emoji and flags retrieve their captions among all test "
        "captions of one language; one subset per language, relevance by concept.",
        "image_text",
        type="Any2AnyRetrieval",
        category="i2t",
        modalities=["image", "text"],
        main_score="recall_at_10",
    )

    def _languages(self, data: Dataset) -> tuple[dict[str, int], dict[str, list[str]]]:
        return captions_by_language(data)

    def _build(
        self, data: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
    ) -> dict[str, RetrievalSplitData]:
        return build_image_to_text(data, eval_langs, max_queries)
