"""MTEB tasks on the st_unimr data and an mteb encoder that sees a UniMR checkpoint's image modality.

::

    import mteb
    from st_unimr.mteb import UniMREncoder, unimr_tasks

    results = mteb.evaluate(UniMREncoder("path/or/hub-id"), unimr_tasks(max_langs=10), cache=None)
"""

from __future__ import annotations

from typing import Any

from st_unimr.errors import InvalidInputError
from st_unimr.mteb.cross_lingual_pool_retrieval import UniMRCrossLingualPoolRetrieval
from st_unimr.mteb.cross_lingual_retrieval import UniMRCrossLingualRetrieval
from st_unimr.mteb.image_to_text_retrieval import UniMRImageToTextRetrieval
from st_unimr.mteb.intent_classification import UniMRIntentClassification
from st_unimr.mteb.intent_rich_retrieval import UniMRIntentRichRetrieval
from st_unimr.mteb.languages import mteb_language
from st_unimr.mteb.retrieval_task import UniMRRetrievalTask
from st_unimr.mteb.style_shift_retrieval import UniMRStyleShiftRetrieval
from st_unimr.mteb.text_to_image_retrieval import UniMRTextToImageRetrieval
from st_unimr.mteb.unimr_encoder import UniMREncoder

__all__ = [
    "TASKS",
    "UniMRCrossLingualPoolRetrieval",
    "UniMRCrossLingualRetrieval",
    "UniMREncoder",
    "UniMRImageToTextRetrieval",
    "UniMRIntentClassification",
    "UniMRIntentRichRetrieval",
    "UniMRRetrievalTask",
    "UniMRStyleShiftRetrieval",
    "UniMRTextToImageRetrieval",
    "mteb_language",
    "unimr_tasks",
]

TASKS = {
    cls.metadata.name: cls
    for cls in (
        UniMRTextToImageRetrieval,
        UniMRImageToTextRetrieval,
        UniMRStyleShiftRetrieval,
        UniMRIntentRichRetrieval,
        UniMRCrossLingualRetrieval,
        UniMRCrossLingualPoolRetrieval,
        UniMRIntentClassification,
    )
}


def unimr_tasks(names: list[str] | None = None, **options: Any) -> list:
    """Instantiate the st-unimr tasks (all, or those named) with the same caps.

    Args:
        names: Task names (keys of :data:`TASKS`); None for all (an empty list builds none).
        **options: ``max_queries_per_lang``, ``max_langs``, ``langs``, ... passed to every task.

    Raises:
        InvalidInputError: An unknown task name; the message lists the known ones.

    Example:
        ::

            from st_unimr.mteb import unimr_tasks

            tasks = unimr_tasks(["UniMRTextToImageRetrieval"], max_langs=5)
    """
    if isinstance(names, str):
        names = [names]
    unknown = sorted(set(names or []) - TASKS.keys())
    if unknown:
        raise InvalidInputError(f"unknown st-unimr tasks {unknown}; choose from {sorted(TASKS)}")
    return [TASKS[name](**options) for name in (TASKS if names is None else names)]
