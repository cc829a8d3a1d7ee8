from __future__ import annotations

from datasets import Dataset
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

from st_unimr.mteb.intent_rich_templates import template_language, wrap_caption
from st_unimr.mteb.retrieval_task import captions_by_language
from st_unimr.mteb.task_data import build_text_to_image
from st_unimr.mteb.task_metadata import unimr_task_metadata
from st_unimr.mteb.text_to_image_retrieval import UniMRTextToImageRetrieval

__all__ = ["UniMRIntentRichRetrieval"]


class UniMRIntentRichRetrieval(UniMRTextToImageRetrieval):
    """Text→image retrieval with intent-rich queries: each test caption wrapped in a natural request.

    The captions of :class:`UniMRTextToImageRetrieval` in the languages that have hand-written templates
    (:mod:`st_unimr.mteb.intent_rich_templates`, 8 per language) become requests such as "please help me find a
    picture of a cuckoo"; the image pool and relevance are unchanged, so the scores compare directly with the plain
    captions. Languages without templates are left out.

    Example:
        ::

            from st_unimr.mteb import UniMRIntentRichRetrieval

            task = UniMRIntentRichRetrieval()
            task.load_data()
            task.dataset["de"]["test"]["queries"][0]["text"]  # 'Ich suche ein Foto, auf dem eine Ente zu sehen ist'
    """

    metadata = unimr_task_metadata(
        "UniMRIntentRichRetrieval",
        "The multilingual caption-to-image test set with every caption wrapped in a hand-written natural request in "
        "its language ('show me the photos with ...'), 8 templates per language; relevance by concept.",
        "image_text",
        type="Any2AnyRetrieval",
        category="t2i",
        modalities=["text", "image"],
        main_score="recall_at_10",
        sample_creation="created",
    )

    def _languages(self, data: Dataset) -> tuple[dict[str, int], dict[str, list[str]]]:
        counts, texts = captions_by_language(data)
        return {lang: n for lang, n in counts.items() if template_language(lang) is not None}, texts

    def _build(
        self, data: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
    ) -> dict[str, RetrievalSplitData]:
        return build_text_to_image(data, eval_langs, max_queries, transform=wrap_caption)
